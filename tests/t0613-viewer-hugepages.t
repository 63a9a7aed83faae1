#!/usr/bin/env bash
# The viewer's heap on huge pages (viewer/heap_tune.c): before reading
# traces of 64 MiB or more (SOCKTRACE_VIEWER_HUGEPAGES=1: any size; =0:
# never), report, audit, leaks and export start once more from
# /proc/self/exe with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, when
# transparent huge pages are on "madvise".  Seen with strace: the second
# execve and the environment it passes; the output is the same either way;
# a user's own hugetlb setting is left alone, other tunables are kept; a
# small trace by default, and socktrace run, never re-execute.
. "$(dirname "$0")/lib.sh"
THP=/sys/kernel/mm/transparent_hugepage/enabled
grep -q '\[madvise\]' "$THP" 2>/dev/null ||
	skip_all "transparent huge pages are not in madvise mode here ($(cat "$THP" 2>/dev/null || echo "no $THP"))"
command -v strace > /dev/null || skip_all "strace not installed"
plan 12

traced "$WORK/d" "$EX/forking_audit" > "$WORK/out" 2>&1
ok $? "forking_audit runs under the shim"

# The execve calls of one viewer run: "path|GLIBC_TUNABLES|SOCKTRACE_HEAP_TUNED" per line.
execs() {
	strace -f -qq -v -s 4096 -e trace=execve -o "$WORK/st" "$@" > "$WORK/vout" 2> "$WORK/verr"
	grep -E 'execve\(.*= 0$' "$WORK/st" | sed -E 's/^[0-9]+ +//' | while IFS= read -r l; do
		p=$(sed -E 's/^execve\("([^"]*)".*/\1/' <<< "$l")
		t=$(grep -oE '"GLIBC_TUNABLES=[^"]*"' <<< "$l" | sed -E 's/^"GLIBC_TUNABLES=//; s/"$//')
		m=$(grep -oE '"SOCKTRACE_HEAP_TUNED=[^"]*"' <<< "$l" | sed -E 's/^"SOCKTRACE_HEAP_TUNED=//; s/"$//')
		echo "$p|$t|$m"
	done
}

is "$(SOCKTRACE_VIEWER_HUGEPAGES=1 execs "$ST" report --json "$WORK/d" | tail -n +2)" \
	"/proc/self/exe|glibc.malloc.hugetlb=1|-" \
	"SOCKTRACE_VIEWER_HUGEPAGES=1: report starts once more, with the tunable, the user's (none) kept aside"
cp "$WORK/vout" "$WORK/tuned.json"
is "$(SOCKTRACE_VIEWER_HUGEPAGES=0 execs "$ST" report --json "$WORK/d" | wc -l)" 1 \
	"SOCKTRACE_VIEWER_HUGEPAGES=0: no second start"
cmp -s "$WORK/vout" "$WORK/tuned.json"
ok $? "... and the report is the same"
[ "$(jq '.summary.connections' "$WORK/vout")" -gt 0 ]
ok $? "... a report of the trace's connections ($(jq '.summary.connections' "$WORK/vout"))"
is "$(execs "$ST" report "$WORK/d" | wc -l)" 1 "a small trace, by default: no second start"

for c in audit leaks "export --format=perfetto"; do
	# shellcheck disable=SC2086 # c is a command and its options
	n=$(SOCKTRACE_VIEWER_HUGEPAGES=1 execs "$ST" $c "$WORK/d" | grep -c '^/proc/self/exe|')
	got="${got:-}${got:+ }$n"
done
is "$got" "1 1 1" "audit, leaks and export start once more too"

is "$(GLIBC_TUNABLES=glibc.malloc.check=0 SOCKTRACE_VIEWER_HUGEPAGES=1 execs "$ST" leaks "$WORK/d" | tail -n +2)" \
	"/proc/self/exe|glibc.malloc.check=0:glibc.malloc.hugetlb=1|=glibc.malloc.check=0" \
	"the user's other tunables are kept, and kept aside to be given back"
is "$(GLIBC_TUNABLES=glibc.malloc.hugetlb=0 SOCKTRACE_VIEWER_HUGEPAGES=1 execs "$ST" leaks "$WORK/d" | wc -l)" 1 \
	"a user's own glibc.malloc.hugetlb: left alone, no second start"

# The re-executed viewer gives the environment back before anything else:
# socktrace run started from it would pass GLIBC_TUNABLES on to the app.
# run never re-executes; its program sees the user's environment.
untraced env SOCKTRACE_VIEWER_HUGEPAGES=1 GLIBC_TUNABLES=glibc.malloc.check=0 \
	"$ST" run -o "$WORK/r" -- sh -c 'echo "T=${GLIBC_TUNABLES-unset} M=${SOCKTRACE_HEAP_TUNED-unset}"' > "$WORK/run.out" 2>&1
is "$(grep '^T=' "$WORK/run.out")" "T=glibc.malloc.check=0 M=unset" "socktrace run: the program sees the user's tunables, no marker"
untraced env SOCKTRACE_HEAP_TUNED=- GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
	"$ST" run -o "$WORK/r2" -- sh -c 'echo "T=${GLIBC_TUNABLES-unset} M=${SOCKTRACE_HEAP_TUNED-unset}"' > "$WORK/run2.out" 2>&1
is "$(grep '^T=' "$WORK/run2.out")" "T=unset M=unset" "a viewer started as the re-exec gives the environment back (none, and no marker)"
untraced env SOCKTRACE_HEAP_TUNED==a=b GLIBC_TUNABLES=a=b:glibc.malloc.hugetlb=1 \
	"$ST" run -o "$WORK/r3" -- sh -c 'echo "T=${GLIBC_TUNABLES-unset} M=${SOCKTRACE_HEAP_TUNED-unset}"' > "$WORK/run3.out" 2>&1
is "$(grep '^T=' "$WORK/run3.out")" "T=a=b M=unset" "... or the user's own value"
