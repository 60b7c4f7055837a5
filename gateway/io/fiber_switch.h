#ifndef NEXUS_GATEWAY_IO_FIBER_SWITCH_H_
#define NEXUS_GATEWAY_IO_FIBER_SWITCH_H_

// The stack switch under the fiber scheduler, and the sanitizer hooks it needs.

#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NEXUS_FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define NEXUS_FIBER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NEXUS_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define NEXUS_FIBER_TSAN 1
#endif

// The sanitizers must be told about stack switches, or they take a fiber's frames for the
// thread's and report nonsense.
extern "C" {
#ifdef NEXUS_FIBER_ASAN
void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, size_t size);
void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old,
                                     size_t* size_old);
#endif
#ifdef NEXUS_FIBER_TSAN
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
#endif
}

#if defined(__x86_64__)
// Switching fibers without ucontext: swapcontext saves and restores the signal mask, a system
// call on every switch, and a request takes several switches. This saves only what the ABI
// says a callee keeps (rbx, rbp, r12-r15, the SSE and x87 control words) on the old stack,
// stores the stack pointer and loads the other one.
//   void nexus_fiber_switch(void** save_sp, void* load_sp);
// A new fiber's stack is prepared so that the switch "returns" into nexus_fiber_start, which
// passes r12 (the fiber) to nexus_fiber_main.
#define NEXUS_FIBER_OWN_SWITCH 1
extern "C" {
void nexus_fiber_switch(void** save_sp, void* load_sp);
void nexus_fiber_start();
void nexus_fiber_main(void* fiber);
}
#endif

#endif  // NEXUS_GATEWAY_IO_FIBER_SWITCH_H_
