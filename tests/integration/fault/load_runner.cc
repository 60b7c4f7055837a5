#include "tests/integration/fault/load_runner.h"

#include "absl/strings/str_cat.h"

namespace nexus::testing_support {

std::string LoadTally::Describe() const {
  std::string out = absl::StrCat(calls, " calls, ", failed, " failed; statuses:");
  for (const auto& [status, count] : by_status) absl::StrAppend(&out, " ", status, "x", count);
  absl::StrAppend(&out, "; usage in ", answers_with_usage, " answers: ", prompt_tokens, "+",
                  completion_tokens, "=", total_tokens);
  for (const std::string& sample : samples) absl::StrAppend(&out, "\n  ", sample);
  return out;
}

LoadRunner::LoadRunner(int port, int threads, Call call) : call_(std::move(call)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, port, i] { Client(port, i); });
}

LoadRunner::~LoadRunner() { Stop(); }

void LoadRunner::Client(int port, int thread) {
  ChatClient client(port, absl::Seconds(60));
  for (int64_t i = 0; !stop_.load(); ++i) Add(call_(client, thread, i));
}

void LoadRunner::Add(const ChatResult& result) {
  {
    std::lock_guard lock(mutex_);
    ++tally_.calls;
    ++tally_.by_status[result.status];
    bool failed = result.status != 200 || (result.streamed && !result.done);
    if (failed) {
      ++tally_.failed;
      if (tally_.samples.size() < 5) {
        tally_.samples.push_back(absl::StrCat(result.status, " ", result.body.substr(0, 300)));
      }
    }
    if (result.usage) {
      ++tally_.answers_with_usage;
      tally_.prompt_tokens += result.usage->prompt_tokens;
      tally_.completion_tokens += result.usage->completion_tokens;
      tally_.total_tokens += result.usage->total_tokens;
    }
  }
  progressed_.notify_all();
}

bool LoadRunner::WaitForCalls(int64_t calls, absl::Duration timeout) {
  std::unique_lock lock(mutex_);
  return progressed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                              [&] { return tally_.calls >= calls; });
}

void LoadRunner::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

LoadTally LoadRunner::Tally() const {
  std::lock_guard lock(mutex_);
  return tally_;
}

}  // namespace nexus::testing_support
