# tests/stacks.sh - helpers for the call-site stack tests (t07xx), sourced
# after lib.sh: they read a trace file raw with tests/progs/stackinfo and
# name frames with addr2line, an oracle independent of the viewer.
SI=$PROGS/stackinfo
# tfile DIR NAME: NAME's trace file in DIR (the first, by name)
tfile() { ls "$1"/"$2".*.socktrace 2>/dev/null | head -n 1; }
# names FILE ID: the functions of stack ID, innermost first (addr2line -f on off - 1)
names() {
	"$SI" -w "$2" "$1" | while read -r _ _ _ m o; do
		m=${m#module=} o=${o#off=}
		if [ -f "$m" ]; then addr2line -f -e "$m" "$(printf '0x%x' $((o - 1)))" | head -n 1; else echo '?'; fi
	done | paste -sd, -
}
# recs FILE OP: "ret:stack" for each record of op OP
recs() { "$SI" "$1" | sed -n "s/^rec .* op=$2 .* ret=\([-0-9]*\) .* stack=\([0-9]*\)$/\1:\2/p"; }
# unstacked FILE OP: "Z of N": of FILE's N records of op OP, Z have no stack.
# Tests assert "0 of" a count above 0: with no record parsed at all the
# assertion must fail, not pass.
unstacked() { echo "$(recs "$1" "$2" | grep -c ':0$') of $(recs "$1" "$2" | wc -l)"; }
# sfield FILE WORD KEY: KEY's value on stackinfo's WORD line
sfield() { "$SI" "$1" | sed -n "s/^$2 .*\<$3=\([^ ]*\).*/\1/p" | head -n 1; }
# mklib TAG: build $WORK/libstk_TAG.so, whose lib_make() -> lib_inner() makes a socket
mklib() {
	cat > "$WORK/lib_$1.c" <<EOC
#include <sys/socket.h>
const char *lib_tag(void) { return "lib_$1"; }
__attribute__((noipa)) int lib_inner(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	__asm__ volatile("" ::: "memory");
	return fd;
}
int lib_make(void)
{
	int fd = lib_inner();

	__asm__ volatile("" ::: "memory");
	return fd;
}
EOC
	gcc -shared -fPIC -g -O2 -o "$WORK/libstk_$1.so" "$WORK/lib_$1.c"
}
