/*
 * noipa.h - NOIPA: a function the compiler keeps as its own frame, called
 * for real, so the call-site tests find it in the stacks (no inlining,
 * cloning or interprocedural shortcuts).  GCC says it with noipa; clang,
 * which has no noipa, with noinline and optnone.
 */
#ifndef SOCKTRACE_TEST_NOIPA_H
#define SOCKTRACE_TEST_NOIPA_H

#if defined(__clang__)
#define NOIPA	__attribute__((noinline, optnone))
#else
#define NOIPA	__attribute__((noipa))
#endif

#endif
