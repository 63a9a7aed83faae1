#!/usr/bin/env bash
# make install PREFIX=...: the files land where the man page and the
# launcher expect them, and the installed socktrace run finds the installed
# library by itself (no SOCKTRACE_LIB) and traces a program.
. "$(dirname "$0")/lib.sh"
plan 13

unset SOCKTRACE_DIR SOCKTRACE_LOG SOCKTRACE_RING_MB SOCKTRACE_LIB
P=$WORK/prefix
skip() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM # SKIP $1"; }
mode() { stat -c %a "$1" 2>/dev/null; }

(cd "$TOP" && make -s --no-print-directory install PREFIX="$P" B="$B") > "$WORK/make.out" 2>&1
rc=$?
is "$rc" 0 "make install PREFIX=\$WORK/prefix succeeds"
[ "$rc" -eq 0 ] || diag "$(tail -n 20 "$WORK/make.out")"

is "$(mode "$P/bin/socktrace")" 755 "bin/socktrace installed, mode 755"
cmp -s "$P/bin/socktrace" "$ST"
ok $? "bin/socktrace is the built viewer"
is "$(mode "$P/lib/libsocktrace.so")" 755 "lib/libsocktrace.so installed, mode 755"
cmp -s "$P/lib/libsocktrace.so" "$SHIM"
ok $? "lib/libsocktrace.so is the built shim"
if [ -f "$TOP/man/socktrace.1" ]; then
	is "$(mode "$P/share/man/man1/socktrace.1")" 644 "share/man/man1/socktrace.1 installed, mode 644"
else
	skip "man/socktrace.1 is not written yet"
fi

# The installed launcher, run from the prefix, uses the installed library.
untraced "$P/bin/socktrace" run -o "$WORK/pre" --quiet -- sh -c 'printf "%s\n" "$LD_PRELOAD"' > "$WORK/pre.out"
is "$?" 0 "the installed socktrace run works without SOCKTRACE_LIB"
is "$(cat "$WORK/pre.out")" "${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$(realpath "$P/lib/libsocktrace.so")" \
	"it preloads the installed library (prefix/lib), not the build tree's"

# ... and traces a program.
untraced "$P/bin/socktrace" run -o "$WORK/tr" -- "$EX/echo" > "$WORK/out" 2> "$WORK/err"
is "$?" 0 "the installed socktrace run -- echo exits 0"
nconn=$(grep -cE '^(listen|connect|accept) ' "$WORK/out")
like "$(grep '^summary:' "$WORK/err")" "[^0-9]$nconn connections" "its summary counts echo's $nconn connections"
"$P/bin/socktrace" report --json "$WORK/tr" > "$WORK/r.json"
ok $? "the installed socktrace reads the trace"
is "$(jq -r '.summary.connections' "$WORK/r.json")" "$nconn" "the trace has echo's $nconn connections"
is "$(jq -r '[.connections[] | select(.role=="listener")] | .[0].local' "$WORK/r.json")" "$(field "$WORK/out" addr)" \
	"the listener address is the one echo printed"
done_testing
