#!/usr/bin/env bash
# Call-site stacks name the app's calling function.  stk_sites site calls
# socket() from make_a(), called by call_a(), called by main.  The socket
# record's stack, read raw from the trace file, resolves with addr2line (an
# independent oracle) to make_a, call_a, main; each ip falls in the
# executable's module entry, whose build id is the one readelf reads from
# the file.  The same for a PIE build and a -no-pie build (bias 0).
. "$(dirname "$0")/lib.sh"
plan 17
. "$(dirname "$0")/stacks.sh"

# check LABEL BINARY: the assertions for one build of the program.
check() {
	local label=$1 bin=$2 f id
	untraced "$bin" site > "$WORK/$label.u"
	traced "$WORK/$label" "$bin" site > "$WORK/$label.t"
	ok $? "$label: runs under the shim"
	cmp -s "$WORK/$label.u" "$WORK/$label.t"
	ok $? "$label: the same output traced and untraced"
	f=$(tfile "$WORK/$label" "$(basename "$bin")")
	id=$(recs "$f" 1 | sed -n 's/^[0-9]*://p' | head -n 1)
	like "$id" '^[1-9][0-9]*$' "$label: the socket record has a stack id"
	is "$(names "$f" "$id" | cut -d, -f1-3)" "make_a,call_a,main" \
		"$label: addr2line names ips[0] make_a, ips[1] its caller call_a, ips[2] main"
	is "$("$SI" -w "$id" "$f" | head -n 3 | sed 's/^.* module=\([^ ]*\) .*/\1/' | sort -u)" \
		"$(readlink -f "$bin")" "$label: those three ips fall in the executable's module entry"
	is "$("$SI" "$f" | sed -n "s/^module .*path=$(readlink -f "$bin" | sed 's,/,\\/,g') build_id=\([0-9a-f]*\) .*exe=1$/\1/p")" \
		"$(readelf -n "$bin" | sed -n 's/.*Build ID: //p')" \
		"$label: the executable's module entry (exe=1) has the file's build id"
	is "$("$SI" "$f" | sed -n "s/^stack $id .*truncated=\([01]\).*/\1/p")" 0 \
		"$label: a shallow stack is not marked truncated"
}

BIN=$PROGS/stk_sites
readelf -h "$BIN" | grep -q 'Type: *DYN'
ok $? "the default build is PIE (sanity)"
check pie "$BIN"

gcc -g -O2 -no-pie -fno-pie -o "$WORK/stk_sites_nopie" "$TOP/tests/progs/stk_sites.c"
readelf -h "$WORK/stk_sites_nopie" | grep -q 'Type: *EXEC'
ok $? "the -no-pie build is a fixed-address executable (sanity)"
check nopie "$WORK/stk_sites_nopie"
is "$("$SI" "$(tfile "$WORK/nopie" stk_sites_nopie)" | sed -n 's/^module .* bias=\(0x[0-9a-f]*\) .*exe=1$/\1/p')" 0x0 \
	"nopie: the executable's bias is 0"
done_testing
