#ifndef NEXUS_TESTS_SUPPORT_CAPTURE_SINK_H_
#define NEXUS_TESTS_SUPPORT_CAPTURE_SINK_H_

#include <mutex>
#include <string>
#include <vector>

#include "services/log/logger.h"

namespace nexus::testing_support {

// Keeps log lines in memory so that tests can read what a component logged.
class CaptureSink : public log::LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_CAPTURE_SINK_H_
