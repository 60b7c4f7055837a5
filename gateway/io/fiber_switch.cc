#include "gateway/io/fiber_switch.h"

#ifdef NEXUS_FIBER_OWN_SWITCH
asm(R"(
  .text
  .globl nexus_fiber_switch
  .type nexus_fiber_switch, @function
nexus_fiber_switch:
  .cfi_startproc
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .cfi_endproc
  .size nexus_fiber_switch, .-nexus_fiber_switch

  .globl nexus_fiber_start
  .type nexus_fiber_start, @function
nexus_fiber_start:
  .cfi_startproc
  .cfi_undefined rip
  movq %r12, %rdi
  call nexus_fiber_main
  ud2
  .cfi_endproc
  .size nexus_fiber_start, .-nexus_fiber_start
)");
#endif
