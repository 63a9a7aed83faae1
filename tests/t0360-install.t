#!/usr/bin/env bash
# make install: the files land where the man page and the launcher expect
# them, the installed socktrace run finds the installed library by itself
# (no SOCKTRACE_LIB) and traces a program, and make uninstall takes every
# file away again.  The installs are staged by make test itself (DESTDIR
# $B/stage, and $B/stage-un installed then uninstalled): a test that ran
# make would race the make running the suite (make test -jN).
. "$(dirname "$0")/lib.sh"

[ -n "${ST_STAGE:-}" ] || skip_all "run by make test, which stages the install (ST_STAGE unset)"
plan 17

unset SOCKTRACE_DIR SOCKTRACE_LOG SOCKTRACE_RING_MB SOCKTRACE_LIB
BIN=$ST_STAGE$ST_STAGE_BIN LIB=$ST_STAGE$ST_STAGE_LIB MAN=$ST_STAGE$ST_STAGE_MAN
COMP=$ST_STAGE$ST_STAGE_BASHCOMP
mode() { stat -c %a "$1" 2>/dev/null; }

is "$(mode "$BIN/socktrace")" 755 "bin/socktrace installed, mode 755"
cmp -s "$BIN/socktrace" "$ST"
ok $? "bin/socktrace is the built viewer"
is "$(mode "$LIB/libsocktrace.so")" 755 "lib/libsocktrace.so installed, mode 755"
cmp -s "$LIB/libsocktrace.so" "$SHIM"
ok $? "lib/libsocktrace.so is the built shim"
is "$(mode "$MAN/socktrace.1")" 644 "share/man/man1/socktrace.1 installed, mode 644"
cmp -s "$MAN/socktrace.1" "$TOP/man/socktrace.1"
ok $? "... and it is man/socktrace.1"
is "$(mode "$COMP/socktrace")" 644 "share/bash-completion/completions/socktrace installed, mode 644"
cmp -s "$COMP/socktrace" "$TOP/completion/socktrace.bash"
ok $? "... and it is completion/socktrace.bash"

# The installed launcher, run from the prefix, uses the installed library.
untraced "$BIN/socktrace" run -o "$WORK/pre" --quiet -- sh -c 'printf "%s\n" "$LD_PRELOAD"' > "$WORK/pre.out"
is "$?" 0 "the installed socktrace run works without SOCKTRACE_LIB"
is "$(cat "$WORK/pre.out")" "${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$(realpath "$LIB/libsocktrace.so")" \
	"it preloads the installed library (prefix/lib), not the build tree's"

# ... and traces a program.
untraced "$BIN/socktrace" run -o "$WORK/tr" -- "$EX/echo" > "$WORK/out" 2> "$WORK/err"
is "$?" 0 "the installed socktrace run -- echo exits 0"
nconn=$(grep -cE '^(listen|connect|accept) ' "$WORK/out")
like "$(grep '^summary:' "$WORK/err")" "[^0-9]$nconn connections" "its summary counts echo's $nconn connections"
"$BIN/socktrace" report --json "$WORK/tr" > "$WORK/r.json"
ok $? "the installed socktrace reads the trace"
is "$(jq -r '.summary.connections' "$WORK/r.json")" "$nconn" "the trace has echo's $nconn connections"
is "$(jq -r '[.connections[] | select(.role=="listener")] | .[0].local' "$WORK/r.json")" "$(field "$WORK/out" addr)" \
	"the listener address is the one echo printed"

# make uninstall: nothing left but the directories (shared with other packages).
is "$(find "$ST_STAGE-un" -type d | wc -l)" "$(find "$ST_STAGE" -type d | wc -l)" \
	"the install undone by make uninstall had the same directories"
is "$(find "$ST_STAGE-un" ! -type d | wc -l)" 0 "make uninstall removed every file it installed"
done_testing
