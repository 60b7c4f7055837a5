#ifndef NEXUS_TESTS_FUZZ_FUZZ_CHECK_H_
#define NEXUS_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

// An invariant of a fuzz target: when it breaks, print what broke and abort, which libFuzzer
// reports as a crash and saves the input (assert() would vanish under NDEBUG).
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

#endif  // NEXUS_TESTS_FUZZ_FUZZ_CHECK_H_
