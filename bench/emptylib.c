/*
 * emptylib.c - a shared object with nothing in it but one function nobody
 * calls.  Preloaded into the exec loop beside the shim, it shows what
 * loading any one more library costs each process on this machine (the
 * dynamic loader's open, mappings and relocation, and their page faults):
 * the part of the shim's exec-loop figure that no work in the shim can
 * remove.
 */
int socktrace_bench_emptylib(void);

int socktrace_bench_emptylib(void)
{
	return 0;
}
