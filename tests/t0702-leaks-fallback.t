#!/usr/bin/env bash
# When the traced binary cannot be symbolised, frames fall back to module +
# offset and the report says why: a stripped copy (no symbols, no debug
# info), a copy rebuilt from another source after the trace (build id
# differs), a copy deleted after the trace (file missing).  The same offset
# is given in each case, and libc's frames are still symbolised.
. "$(dirname "$0")/lib.sh"
plan 16

CC=${CC:-cc}
command -v strip > /dev/null || skip_all "no strip(1)"
command -v "$CC" > /dev/null || skip_all "no C compiler"
for b in stripped changed gone; do
	cp "$PROGS/leaks" "$WORK/$b"
done
strip "$WORK/stripped"
for b in stripped changed gone; do
	traced "$WORK/t-$b" "$WORK/$b" sites > /dev/null
	ok $? "the $b copy runs under the shim"
done
printf 'int main(void) { return 3; }\n' | "$CC" -x c - -o "$WORK/changed"
ok $? "the changed copy is rebuilt from another source"
rm -f "$WORK/gone"

# Reference: the unchanged binary's offsets for the same stacks.
traced "$WORK/t-ref" "$PROGS/leaks" sites > /dev/null
"$ST" leaks --all --json "$WORK/t-ref" > "$WORK/ref.json"
ref_off=$(jq -r '.leaks[0].stack[0].offset' "$WORK/ref.json")

for row in "stripped:no symbols: stripped, and no debug info found by build id" \
	   "changed:build id differs: binary changed since the trace" "gone:file missing"; do
	b=${row%%:*} why=${row#*:}
	"$ST" leaks --all "$WORK/t-$b" > "$WORK/$b.txt"
	is "$?" 1 "$b: leaks still found, exit 1"
	like "$(grep -m 1 '^    at ' "$WORK/$b.txt")" "^    at 0x[0-9a-f]+: \?\?\? \(in $WORK/$b\+0x[0-9a-f]+\)$" \
		"$b: the innermost frame is module+offset"
	grep -qF "    ($WORK/$b: $why)" "$WORK/$b.txt"
	ok $? "$b: the text says why: $why"
	"$ST" leaks --all --json "$WORK/t-$b" > "$WORK/$b.json"
	is "$(jq -r --arg m "$WORK/$b" '.leaks[0].stack[0] | "\(.function) \(.module == $m) \(.offset) \(.note)"' "$WORK/$b.json")" \
		"null true $ref_off $why" "$b: JSON frame {function null, module, offset as the intact binary's, note}"
done
done_testing
