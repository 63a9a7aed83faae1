#!/usr/bin/env bash
# The shim's one list of hooks (shim/hooks.h) is what the library exports
# and what its sources define.  The version script ($B/exports.map) is made
# from the list; a hook listed without a wrapper fails the link
# (--no-undefined-version), and hooks_check.c ties the list to ST_OPS when
# the shim compiles.  What only the built library and the sources can say:
# - a wrapper defined without EXPORT is hidden, whatever the version
#   script says: the app's calls would go straight to libc, untraced;
# - a wrapper defined with EXPORT but missing from the list is made local
#   by the version script (local: *), as silently.
. "$(dirname "$0")/lib.sh"

[ -f "$B/exports.map" ] || skip_all "no $B/exports.map: build the shim first (make)"
command -v nm > /dev/null || skip_all "nm (binutils) not found"
plan 3

# The names between global: and local: of the version script, one a line, sorted.
awk '/global:/ { g = 1; sub(/.*global:/, "") }
     /local:/ { sub(/local:.*/, ""); print; g = 0 }
     g { print }' "$B/exports.map" | tr ';' '\n' | tr -d ' \t{}' | grep . | sort > "$WORK/listed"

# hooks.h lists these, among the rest: a map that lost its list says so here.
is "$(grep -cxE 'socket|close|read|_exit|vfork|execl|__recvfrom_chk|setresuid' "$WORK/listed")" 8 \
	"the version script lists the hooks (socket, close, read, _exit, vfork, execl, __recvfrom_chk, setresuid...)"

nm -D --defined-only "$SHIM" | awk '{ print $3 }' | sort > "$WORK/exported"
diff "$WORK/listed" "$WORK/exported" > "$WORK/exports.diff"
ok $? "the library exports exactly the hooks listed ($(wc -l < "$WORK/listed") names)"
[ -s "$WORK/exports.diff" ] && { diag "< listed, not exported; > exported, not listed:"; sed 's/^/#   /' "$WORK/exports.diff" >&2; }

# The wrappers: C functions defined with EXPORT, and the globals of this
# machine's assembly (shim/*_ARCH.S).
{
	sed -nE 's/^EXPORT [^(]*[^A-Za-z0-9_]([A-Za-z0-9_]+)\(.*/\1/p' "$TOP"/shim/*.c
	for s in "$TOP"/shim/*_"$(uname -m)".S; do
		[ -f "$s" ] && sed -nE 's/^[[:space:]]*\.globl[[:space:]]+([A-Za-z0-9_]+).*/\1/p' "$s"
	done
} | sort > "$WORK/defined"
diff "$WORK/listed" "$WORK/defined" > "$WORK/defined.diff"
ok $? "the shim's sources define (EXPORT, .globl) exactly the hooks listed"
[ -s "$WORK/defined.diff" ] && { diag "< listed, not defined; > defined, not listed:"; sed 's/^/#   /' "$WORK/defined.diff" >&2; }
done_testing
