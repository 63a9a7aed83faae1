#!/usr/bin/env bash
# -o FILE (viewer/out_file.c).  A name that is missing or a regular file
# is written whole or not at all: a temporary beside it, renamed over it.
# Any other name is written through, as a shell's redirection would, and
# stays what it was.  Before, the rename put a regular file in place of a
# FIFO, a device node or a symlink: `--html -o /dev/full` as root
# replaced /dev/full, `-o /dev/stdout` the /dev/stdout link (points 7 to
# 11, 13, 15 and 17 to 20 fail with the old viewer).  A link or a FIFO
# of another user's is refused (points 21, 22).  Nodes and links are made
# in the test's directory, never the system's.
. "$(dirname "$0")/lib.sh"
plan 22

traced "$WORK/tr" "$EX/echo" > /dev/null
ok $? "echo runs traced"
"$ST" report "$WORK/tr" > "$WORK/want" 2> /dev/null
[ -s "$WORK/want" ]
ok $? "the report on stdout (what each -o must hold)"
O=$WORK/o
mkdir -m 0700 "$O"

# A new file: made, with the report, 0666 less the umask.
(umask 022 && "$ST" report -o "$O/new.txt" "$WORK/tr")
is "$?" 0 "-o a new name: exit 0"
cmp -s "$O/new.txt" "$WORK/want" && [ "$(stat -c %a "$O/new.txt")" = 644 ]
ok $? "... it holds the report, mode 644 under umask 022"

# An existing file: replaced when the report is made, kept when it fails.
echo old > "$O/old.txt"
"$ST" report -o "$O/old.txt" "$WORK/no-such-dir" 2> /dev/null
is "$(cat "$O/old.txt")" old "-o an existing file, the report failing: the file is as it was"
"$ST" report -o "$O/old.txt" "$WORK/tr" && cmp -s "$O/old.txt" "$WORK/want"
ok $? "-o an existing file: replaced by the report"

# A symlink to a file: the link stays, its target gets the report.
echo old > "$O/target.txt"
ln -s target.txt "$O/link"
"$ST" report -o "$O/link" "$WORK/tr"
[ -L "$O/link" ] && cmp -s "$O/target.txt" "$WORK/want"
ok $? "-o a symlink to a file: still a symlink, its target holds the report"

# A dangling symlink: an error naming it, nothing made where it points.
ln -s nowhere "$O/dangling"
"$ST" report -o "$O/dangling" "$WORK/tr" 2> "$WORK/err"
is "$?" 1 "-o a dangling symlink: exit 1"
like "$(cat "$WORK/err")" "socktrace: $O/dangling: No such file" "... naming it"
[ -L "$O/dangling" ] && [ ! -e "$O/nowhere" ]
ok $? "... the link is as it was, nothing made where it points"

# A link to our stdout, as /dev/stdout is.
ln -s /proc/self/fd/1 "$O/stdout"
"$ST" report -o "$O/stdout" "$WORK/tr" > "$WORK/via-stdout"
[ -L "$O/stdout" ] && cmp -s "$WORK/via-stdout" "$WORK/want"
ok $? "-o a link to /proc/self/fd/1: the report goes to stdout, the link stays"

# A FIFO: a reader gets the report, the FIFO stays.
mkfifo "$O/fifo"
timeout 20 cat "$O/fifo" > "$WORK/from-fifo" &
reader=$!
timeout 20 "$ST" report -o "$O/fifo" "$WORK/tr"
is "$?" 0 "-o a FIFO: exit 0"
wait "$reader"
[ -p "$O/fifo" ] && cmp -s "$WORK/from-fifo" "$WORK/want"
ok $? "... still a FIFO, and its reader got the report"

# A directory: refused.
mkdir "$O/dir"
"$ST" report -o "$O/dir" "$WORK/tr" 2> "$WORK/err"
is "$?" 1 "-o a directory: exit 1"
like "$(cat "$WORK/err")" "$O/dir: is a directory" "... saying so"

# Device nodes of our own (root): /dev/null's and /dev/full's numbers.
if [ "$(id -u)" -ne 0 ] || ! mknod -m 0666 "$O/null" c 1 3 2> /dev/null ||
	! mknod -m 0666 "$O/full" c 1 7 2> /dev/null; then
	skip 7 "device nodes and another user's FIFO need root (mknod, chown)"
else
	"$ST" report -o "$O/null" "$WORK/tr"
	is "$?" 0 "-o a null device: exit 0"
	[ -c "$O/null" ]
	ok $? "... still a character device"
	"$ST" report --html -o "$O/full" "$WORK/tr" 2> "$WORK/err"
	is "$?" 1 "--html -o a full device: exit 1"
	like "$(cat "$WORK/err")" "writing $O/full: No space left on device" "... saying the disk is full"
	[ -c "$O/full" ]
	ok $? "... still a character device"
	# Planted by another user (in /tmp, a FIFO to read the report from): refused.
	mkfifo "$O/planted" && chown nobody "$O/planted"
	timeout 20 "$ST" report -o "$O/planted" "$WORK/tr" 2> "$WORK/err"
	is "$?" 1 "-o a FIFO of another user's: exit 1, nothing written (no reader needed)"
	like "$(cat "$WORK/err")" "$O/planted: a file of another user's \(uid [0-9]+\): not written through" "... saying why"
fi
done_testing
