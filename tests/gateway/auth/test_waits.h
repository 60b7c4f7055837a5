#ifndef NEXUS_TESTS_GATEWAY_AUTH_TEST_WAITS_H_
#define NEXUS_TESTS_GATEWAY_AUTH_TEST_WAITS_H_

#include <functional>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus::gateway::testing {

// Polls `done` until it holds or a generous deadline passes (for effects of background threads;
// the deadline only bounds a failing test, it is not a timing assertion).
inline bool Eventually(const std::function<bool()>& done,
                       absl::Duration deadline = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + deadline;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace nexus::gateway::testing

#endif  // NEXUS_TESTS_GATEWAY_AUTH_TEST_WAITS_H_
