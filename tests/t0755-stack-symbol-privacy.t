#!/usr/bin/env bash
# The shim's libunwind is private: with stacks on, a C program's
# dlsym(RTLD_DEFAULT, ...) finds no unw_backtrace and no _ULx86_64_step,
# _Unwind_RaiseException and _Unwind_Backtrace are not libunwind's (none
# before libgcc_s is loaded globally, libgcc_s's after), and backtrace is
# libc's (or the sanitizer's interceptor): every line the same as untraced,
# while libunwind is mapped and the program's socket got a stack.
. "$(dirname "$0")/lib.sh"
plan 9
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_privacy
untraced "$BIN" > "$WORK/u"
ok $? "stk_privacy runs untraced"
SOCKTRACE_STACKS=all traced "$WORK/t" "$BIN" > "$WORK/t.out"
ok $? "stk_privacy runs traced (SOCKTRACE_STACKS=all)"
is "$(grep '^maps ' "$WORK/t.out")" "maps libunwind=1" "traced: libunwind is mapped in the process"
f=$(tfile "$WORK/t" stk_privacy)
is "$(recs "$f" 1 | grep -c ':[1-9]')" 1 "traced: the socket record has a stack (libunwind in use)"
diff <(grep -v '^maps ' "$WORK/u") <(grep -v '^maps ' "$WORK/t.out") >&2
ok $? "every symbol lookup and the backtrace frame count are the same traced and untraced"
is "$(grep -E '^(global )?(unw_backtrace|_ULx86_64_step)=' "$WORK/t.out" | sort -u | sed 's/^global //' | sort -u | paste -sd, -)" \
	"_ULx86_64_step=none,unw_backtrace=none" "traced: unw_backtrace and _ULx86_64_step are not found, before and after a global dlopen"
is "$(grep -cE '^(global )?_Unwind_[A-Za-z]*=.*libunwind' "$WORK/t.out")" 0 "traced: no _Unwind_ symbol resolves to libunwind"
like "$(grep -E '^global _Unwind_(RaiseException|Backtrace)=' "$WORK/t.out" | paste -sd, -)" \
	'^global _Unwind_RaiseException=(libgcc_s\.so\.1|libasan\.so[.0-9]*),global _Unwind_Backtrace=libgcc_s\.so\.1$' \
	"traced: with libgcc_s loaded globally, _Unwind_RaiseException and _Unwind_Backtrace are libgcc_s's (or the sanitizer's interceptor)"
like "$(grep -E '^(global )?backtrace=' "$WORK/t.out" | sort -u | sed 's/^global //' | sort -u)" '^backtrace=(libc\.so\.6|libasan\.so[.0-9]*)$' \
	"traced: backtrace is libc's (or the sanitizer's interceptor), never libunwind's"
done_testing
