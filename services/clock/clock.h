#ifndef NEXUS_SERVICES_CLOCK_CLOCK_H_
#define NEXUS_SERVICES_CLOCK_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus {

// Wall-clock time, injected so that tests can move time at will.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace nexus

#endif  // NEXUS_SERVICES_CLOCK_CLOCK_H_
