/*
 * vfork_x86_64.S - vfork that tells the shim when a vfork child borrows
 * this thread's memory.
 *
 * A vfork child runs on its parent's stack and memory, with its thread's
 * TLS, until it execs or exits, and runs no atfork handlers.  Wrappers
 * called in it must change nothing the parent will see: no table update,
 * no record in the parent's trace.  So the child sets shim_vfork_child in
 * the shared TLS, and the parent, resumed once the child has gone, clears
 * it.  Other threads are not affected: the flag is per thread.
 *
 * Written like glibc's own: the return address is kept in a register the
 * kernel preserves, because the child may overwrite our stack slot before
 * the parent returns through it.  No C wrapper can do this.
 */
#if defined(__x86_64__)
	.text
	.globl	vfork
	.type	vfork, @function
vfork:
	popq	%rdi
	movl	$58, %eax		/* SYS_vfork */
	syscall
	pushq	%rdi
	cmpl	$-4095, %eax
	jae	.Lfail
	movq	shim_vfork_child@gottpoff(%rip), %rcx
	testl	%eax, %eax
	jnz	.Lparent
	movl	$1, %fs:(%rcx)
	ret
.Lparent:
	movl	$0, %fs:(%rcx)
	ret
.Lfail:
	negl	%eax
	pushq	%rax			/* also aligns the stack for the call */
	call	__errno_location@PLT
	popq	%rcx
	movl	%ecx, (%rax)
	movl	$-1, %eax
	ret
	.size	vfork, .-vfork
#endif
	.section .note.GNU-stack,"",@progbits
