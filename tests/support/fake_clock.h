#ifndef NEXUS_TESTS_SUPPORT_FAKE_CLOCK_H_
#define NEXUS_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <mutex>

#include "services/clock/clock.h"

namespace nexus::testing_support {

// A clock that moves only when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard lock(mutex_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard lock(mutex_);
    now_ = t;
  }

 private:
  mutable std::mutex mutex_;
  absl::Time now_;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_FAKE_CLOCK_H_
