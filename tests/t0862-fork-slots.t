#!/usr/bin/env bash
# A fork child's image in a fork slot of its parent's file
# (include/trace_format.h, struct st_slot_batch) is read as if it had a
# file of its own: fixture traces from tests/progs/mktrace, one scenario
# written twice, once as a file per image and once as one file whose
# first image holds two children in its slots, the first child a
# grandchild in its own.  report (text, --json, --html), export, leaks and
# audit must say the same of both, but for the names of the images'
# files (FILE@OFFSET for an image in a slot).  A slot never published is
# no image, silently; a batch or a slot image that does not hold together
# is an error naming the file and the offset, and every other image still
# loads.
. "$(dirname "$0")/lib.sh"
MK=$PROGS/mktrace

plan 35

# The scenario: "IMAGE NAME PARENT" starts an image: a file NAME of its
# own, or (slots) a fork slot of PARENT's image.  A server (100) accepts
# twice and forks a child per connection (101, 103); 101 makes a client
# socket and forks a grandchild (102) holding both, which exits holding
# the client socket; 103 leaks a UDP socket; the listener is open at the
# server's exit.
cat > "$WORK/scenario" <<'EOF'
IMAGE a100 -
proc pid=100 ppid=1 exe=/usr/bin/srv start=1000
rec t=1001 op=trace-start
rec t=1002 op=socket ret=3 sid=1 refs=1 domain=inet type=stream
rec t=1003 op=bind fd=3 sid=1 refs=1 local=127.0.0.1:80 arg=127.0.0.1:80
rec t=1004 op=listen fd=3 sid=1 refs=1 arg0=8 local=127.0.0.1:80
rec t=1010 op=accept4 fd=3 ret=4 sid=2 sid2=1 refs=1 domain=inet type=stream peer=10.0.0.2:5000 local=127.0.0.1:80
rec t=1020 op=fork ret=101
rec t=1021 op=close fd=4 sid=2 refs=0 flags=last_ref
rec t=1030 op=accept4 fd=3 ret=4 sid=3 sid2=1 refs=1 domain=inet type=stream peer=10.0.0.3:5001 local=127.0.0.1:80
rec t=1031 op=fork ret=103
rec t=1032 op=close fd=4 sid=3 refs=0 flags=last_ref
rec t=1060 op=waitpid ret=101 arg0=101 arg1=0
rec t=1061 op=waitpid ret=103 arg0=103 arg1=0
rec t=1062 op=exit
state fd=3 sid=1 domain=inet type=stream made_by=socket made=1002 flags=listening tcp=listen local=127.0.0.1:80
end state=exited
IMAGE a101 100
proc pid=101 ppid=100 origin=fork start=1020 exe=/usr/bin/srv
rec t=1022 op=forked arg0=100
rec t=1023 op=close fd=3 sid=100:1 refs=0 flags=last_ref
rec t=1024 op=socket ret=3 sid=1 refs=1 domain=inet type=stream
rec t=1025 op=connect fd=3 sid=1 refs=1 arg=10.0.0.9:6379 peer=10.0.0.9:6379 local=10.0.0.1:40000
rec t=1026 op=fork ret=102
rec t=1038 op=close fd=3 sid=1 refs=0 flags=last_ref data=11,22
rec t=1040 op=close fd=4 sid=100:2 refs=0 flags=last_ref data=500,100
rec t=1041 op=waitpid ret=102 arg0=102 arg1=0
rec t=1042 op=_exit arg0=0
end state=exited exit=0
IMAGE a102 101
proc pid=102 ppid=101 origin=fork start=1026 exe=/usr/bin/srv
rec t=1027 op=forked arg0=101
rec t=1028 op=close fd=4 sid=100:2 refs=0 flags=last_ref
rec t=1036 op=_exit arg0=0
state fd=3 sid=101:1 domain=inet type=stream made_by=socket made=1024 flags=connected tcp=established local=10.0.0.1:40000 peer=10.0.0.9:6379 sent=7 received=3 forks=1
end state=exited exit=0
IMAGE a103 100
proc pid=103 ppid=100 origin=fork start=1031 exe=/usr/bin/srv
rec t=1033 op=forked arg0=100
rec t=1034 op=close fd=3 sid=100:1 refs=0 flags=last_ref
rec t=1045 op=socket ret=5 sid=1 refs=1 domain=inet type=dgram
rec t=1050 op=close fd=4 sid=100:3 refs=0 flags=last_ref data=1000,2000
rec t=1051 op=_exit arg0=0
state fd=5 sid=1 domain=inet type=dgram made_by=socket made=1045
end state=exited exit=0
EOF

# as_files, as_slots: the scenario (stdin) as mktrace specs.
as_files() { sed -E 's/^IMAGE ([^ ]+) .*/file \1/'; }
as_slots() { sed -E '1s/^IMAGE ([^ ]+) .*/file \1/; s/^IMAGE [^ ]+ ([0-9]+)$/slot in=\1/'; }

# build DIR: the spec on stdin into DIR (fresh).
build() { rm -rf "$1" && mkdir -p "$1" && "$MK" - "$1"; }

# names: the image names (file, forked_by, exec_from, exec_into) in JSON on stdin, as NAME.
names() { sed -E 's#"(file|forked_by|exec_from|exec_into)": "[^"]*"#"\1": NAME#g'; }

F=$WORK/files S=$WORK/slots
as_files < "$WORK/scenario" | build "$F"
ok $? "mktrace writes the scenario as a file per image"
as_slots < "$WORK/scenario" | build "$S"
ok $? "mktrace writes it as one file with fork slots"
is "$(ls "$S")" a100.socktrace "the slots' scenario is one file"
P=$S/a100.socktrace

# Everything the viewer says of both, each output with its exit status.
for d in "$F" "$S"; do
	for c in "report" "report --json" "leaks --all" "leaks --all --json" "audit" "audit --json"; do
		o=$d.$(tr -d ' -' <<< "$c")
		"$ST" $c "$d" > "$o" 2> "$o.err"
		echo "exit $?" >> "$o"
	done
	"$ST" report --html -o "$d.html" "$d" 2> "$d.html.err"
	"$ST" export --format=perfetto -o "$d.perfetto" "$d" 2> "$d.perfetto.err"
done
cat "$S".*.err > "$WORK/errs"
is "$(cat "$WORK/errs")" "" "nothing on stderr reading the file with slots"
is "$(tail -n 1 "$S.report")" "exit 0" "report exits 0"
cmp -s "$F.report" "$S.report"
ok $? "report: the same as with a file per image" || diff "$F.report" "$S.report" | head -20 >&2
grep -q '^      pid 102  /usr/bin/srv  fork' "$S.report"
ok $? "report's tree has the grandchild under its parent"
names < "$F.reportjson" > "$WORK/f.json"
names < "$S.reportjson" > "$WORK/s.json"
cmp -s "$WORK/f.json" "$WORK/s.json"
ok $? "report --json: the same as with a file per image, but for the image names" ||
	diff "$WORK/f.json" "$WORK/s.json" | head -20 >&2
Q_FILE=$S.reportjson
sed -i '$d' "$Q_FILE"	# the exit line
s_off() { q ".processes[] | select(.pid == $1) | .file" | sed 's/.*@//'; }
is "$(q '.processes[] | "\(.pid) \(.file | sub("@[0-9]+$"; "@N"))"' | sed "s|$S/||")" \
	"100 a100.socktrace
101 a100.socktrace@N
102 a100.socktrace@N
103 a100.socktrace@N" "--json: the four processes, the children's images named FILE@OFFSET"
is "$(q '[.processes[].file] | unique | length')" 4 "--json: each image its own name"
is "$(q '[.processes[] as $p | select($p.ppid != 1) | $p.forked_by == ([.processes[] | select(.pid == $p.ppid)][0].file)] | "\(length) \(all)"')" \
	"3 true" "--json: each child's forked_by names its parent's image"
is "$(q '.connections[] | "\(.id) \(.pid) \(.bytes_sent) \(.bytes_received) \([.holders[]? | .pid] | unique | join(","))"' 2>&1)" \
	"$(Q_FILE=$F.reportjson; sed '$d' "$Q_FILE" > "$WORK/fj"; Q_FILE=$WORK/fj q '.connections[] | "\(.id) \(.pid) \(.bytes_sent) \(.bytes_received) \([.holders[]? | .pid] | unique | join(","))"' 2>&1)" \
	"--json: the connections, their bytes and holders as with a file per image"
is "$(q '[.connections[] | "\(.id)=\(.bytes_sent)/\(.bytes_received)"] | join(" ")') $(q '[.processes[] | "\(.pid)=\(.bytes_sent)/\(.bytes_received)"] | join(" ")')" \
	"100:1=0/0 100:2=500/100 101:1=11/22 100:3=1000/2000 103:1=0/0 100=0/0 101=0/0 102=7/3 103=0/0" \
	"--json: the children's connections and bytes, and each process's"
cmp -s "$F.leaksall" "$S.leaksall"
ok $? "leaks: the same as with a file per image"
grep -q 'exit 1' "$S.leaksall" && grep -q '^  pid 103 fd 5  udp' "$S.leaksall"
ok $? "leaks: the second child's UDP socket, exit 1"
names < "$F.leaksalljson" > "$WORK/f.json"
names < "$S.leaksalljson" > "$WORK/s.json"
cmp -s "$WORK/f.json" "$WORK/s.json"
ok $? "leaks --json: the same as with a file per image"
cmp -s "$F.audit" "$S.audit" && grep -q 'pid 102 fd 4' "$S.audit"
ok $? "audit: the same as with a file per image (the grandchild's findings too)"
names < "$F.auditjson" > "$WORK/f.json"
names < "$S.auditjson" > "$WORK/s.json"
cmp -s "$WORK/f.json" "$WORK/s.json"
ok $? "audit --json: the same as with a file per image"
cmp -s "$F.html" "$S.html" && cmp -s "$F.perfetto" "$S.perfetto"
ok $? "report --html and export --format=perfetto: the same as with a file per image"

# FILE@OFFSET as a path: that image and those in its slots.
"$ST" report --json "$P@$(s_off 101)" > "$WORK/one.json" 2> "$WORK/one.err"
is "$? $(jq -r '[.processes[].pid] | join(",")' "$WORK/one.json") $(cat "$WORK/one.err")" "0 101,102 " \
	"FILE@OFFSET reads that slot's image and its own slots' (101 and its grandchild)"

# Slots never published hold no image: skipped, without a word.  A child
# (104) whose header has no version yet; a batch of 101's saying two more
# slots were handed out than hold an image.
{
	as_slots < "$WORK/scenario" | sed '/^slot in=101$/i batch taken=3'
	printf '%s\n' 'slot in=100' 'proc pid=104 ppid=100 origin=fork start=1055' \
		'rec t=1056 op=forked arg0=100' 'damage version=0'
} > "$WORK/unpub.spec"
build "$WORK/unpub" < "$WORK/unpub.spec"
ok $? "mktrace writes slots never published"
"$ST" report "$WORK/unpub" > "$WORK/unpub.out" 2> "$WORK/unpub.err"
echo "exit $?" >> "$WORK/unpub.out"
cmp -s "$F.report" "$WORK/unpub.out" && [ ! -s "$WORK/unpub.err" ]
ok $? "unpublished slots: skipped silently, the report as with a file per image" ||
	{ diff "$F.report" "$WORK/unpub.out" | head; cat "$WORK/unpub.err"; } >&2

# damaged SPEC-EDIT NAME: the slots' scenario edited by sed SPEC-EDIT,
# read by report --json: "exit N", the pids it shows, then stderr with
# the directory cut.
damaged() {
	as_slots < "$WORK/scenario" | sed -e "$1" | build "$WORK/$2" || return 1
	"$ST" report --json "$WORK/$2" > "$WORK/$2.json" 2> "$WORK/$2.err"
	echo "exit $? pids $(jq -r '[.processes[].pid] | join(",")' "$WORK/$2.json")"
	sed "s|$WORK/$2/||" "$WORK/$2.err"
}
# The offset of pid's image in the undamaged file.
O101=$(s_off 101) O102=$(s_off 102) O103=$(s_off 103)
# 101's batch when its spec makes it with a batch line (those below spoil it).
as_slots < "$WORK/scenario" | sed '/^slot in=101$/i batch' | build "$WORK/batch"
B101=$(rawdump "$WORK/batch/a100.socktrace@$O101" | sed -n 's/^slot .* batch=\([0-9]*\) .*/\1/p')

out=$(damaged '/^slot in=101$/i batch magic=NOTSLOT' badmagic)
is "$out" "exit 65 pids 100,101,103
socktrace: a100.socktrace: image at offset $O101: corrupt fork slots: the batch at offset $B101 (bad magic)" \
	"a batch with a bad magic: an error naming the file, the image and the batch; the rest loads"
out=$(damaged '/^slot in=101$/i batch next=self' nextself)
is "$out" "exit 65 pids 100,101,102,103
socktrace: a100.socktrace: image at offset $O101: corrupt fork slots: a batch at offset $B101 (not below the batch before it, at $B101)" \
	"a batch whose next is not below it: an error; the slots before it still load"
out=$(damaged '/^slot in=101$/i batch next=4096' nextlow)
is "$out" "exit 65 pids 100,101,102,103
socktrace: a100.socktrace: image at offset $O101: corrupt fork slots: a batch at offset 4096 (not after its image's header)" \
	"a batch below its image's header: an error"
# A child of 103 cut off half-way through its slot: the file ends there.
out=$(damaged '$a slot in=103 cut\nproc pid=105 ppid=103 origin=fork start=1045' cut)
like "$out" "^exit 65 pids 100,101,102,103
socktrace: a100.socktrace: image at offset $O103: truncated: [0-9]+ bytes, but slot 0 of the batch of fork slots at [0-9]+ ends at [0-9]+\$" \
	"a slot past the file's end: an error naming the image whose batch it is"
out=$(damaged '/^proc pid=103 /a damage image_offset=8192' badoff)
is "$out" "exit 65 pids 100,101,102
socktrace: a100.socktrace: image at offset $O103: corrupt header: it says it is at offset 8192, but it is at $O103" \
	"a slot image whose image_offset disagrees: an error naming the file and offset; the rest loads"
out=$(damaged '/^proc pid=100 /a damage image_offset=4096' badoff0)
is "$out" "exit 65 pids 
socktrace: a100.socktrace: corrupt header: it says it is at offset 4096, but it is at 0" \
	"a file's first image must say offset 0"
# The file truncated in the last image's ring (103's: laid out last).
size=$(stat -c %s "$P")
out=$(damaged "\$a damage truncate=$((size - 4096))" trunc)
like "$out" "^exit 65 pids 100,101,102
socktrace: a100.socktrace: image at offset $O103: truncated: $((size - 4096)) bytes, but the ring's chunk 0 ends at $size\$" \
	"a truncated file: the image cut short is an error, the others load"
"$ST" leaks "$WORK/badoff" > /dev/null 2>&1
is "$?" 65 "leaks exits 65 on a bad slot image, as on any bad file (no leak found among the rest)"
"$ST" audit "$WORK/badmagic" > "$WORK/a.out" 2> "$WORK/a.err"
is "$? $(grep -c 'image at offset' "$WORK/a.err")" "65 1" "audit: the same error once, exit 65"
# socktrace top reads the images in fork slots live.  Running processes
# (sleeps, pids and start times as /proc has them) stand for the traced
# ones: an ended server whose child in a slot runs on, with a grandchild
# in the child's slot; then a running server whose child's slot is
# published while top watches.
declare -A TICKS
for n in b c a d; do
	sleep 300 &
	eval "P$n=\$!"
	at_exit "kill $! 2> /dev/null"
	TICKS[$n]=$(awk '{ print $22 }' "/proc/$!/stat")
done
mkdir -p "$WORK/top"
"$MK" - "$WORK/top" <<EOF
file srv
proc pid=100 ppid=1 start=1000
rec t=1001 op=socket ret=3 sid=1 refs=1 domain=inet type=stream
end state=exited
slot
proc pid=$Pb ppid=100 origin=fork start=1010 ticks=${TICKS[b]}
state fd=3 sid=100:1 domain=inet type=stream made_by=socket made=1001 forks=1
slot
proc pid=$Pc ppid=$Pb origin=fork start=1020 ticks=${TICKS[c]}
state fd=3 sid=100:1 domain=inet type=stream made_by=socket made=1001 forks=2
state fd=4 sid=1 domain=unix type=stream made_by=socket made=1021
EOF
timeout 30 "$ST" top --json -d 0.1 "$WORK/top" > "$WORK/top.json" 2> "$WORK/top.err"
is "$? $(jq -r '[.processes[] | "\(.pid) \(.running) \(.sockets.open) \(.file | sub(".*/"; "") | sub("@[0-9]+$"; "@N"))"] | sort | join(", ")' "$WORK/top.json")" \
	"0 $(printf '%s\n' "$Pb true 1 srv.socktrace@N" "$Pc true 2 srv.socktrace@N" | sort | paste -sd, | sed 's/,/, /g')" \
	"top: the child and grandchild in slots of an ended server's file, running, with their sockets"
# live SLOT-DAMAGE: a running server (a) whose child (d) is in a slot, spoilt so.
live() {
	cat <<EOF
file live
proc pid=$Pa ppid=1 start=1000 ticks=${TICKS[a]}
state fd=3 sid=1 domain=inet type=stream made_by=socket made=1001
slot
proc pid=$Pd ppid=$Pa origin=fork start=1010 ticks=${TICKS[d]}
state fd=3 sid=$Pa:1 domain=inet type=stream made_by=socket made=1001 forks=1
state fd=5 sid=1 domain=inet type=dgram made_by=socket made=1011
$1
EOF
}
mkdir -p "$WORK/live" "$WORK/pub"
live 'damage version=0' | "$MK" - "$WORK/live" && live '' | "$MK" - "$WORK/pub"
ok $? "mktrace writes a running server's file, its child's slot not yet published"
SLOT=$(rawdump "$WORK/pub/live.socktrace" | sed -n 's/^slot offset=\([0-9]*\) .*/\1/p')
timeout 60 "$ST" top --json -n 12 -d 0.2 "$WORK/live" > "$WORK/live.json" 2> "$WORK/live.err" 3>&- &
TOPPID=$!
wait_for "$WORK/live.json" '^}' 20
# The child publishes its header: the one page of its slot.
dd if="$WORK/pub/live.socktrace" of="$WORK/live/live.socktrace" bs=4096 skip=$((SLOT / 4096)) \
	seek=$((SLOT / 4096)) count=1 conv=notrunc status=none
wait "$TOPPID"
rc=$?
is "$(jq -r -s 'first | [.processes[].pid] | join(",")' "$WORK/live.json") then $(jq -r -s "last | [.processes[] | select(.pid == $Pd) | \"\(.running) \(.sockets.open) \(.file | sub(\".*/\"; \"\"))\"] | join(\",\")" "$WORK/live.json")" \
	"$Pa then true 2 live.socktrace@$SLOT" \
	"top: the server alone until its child's slot is published, then the child too, running, its two sockets"
is "$rc $(cat "$WORK/top.err" "$WORK/live.err")" "0 " "top: exit 0, nothing on stderr"
done_testing
