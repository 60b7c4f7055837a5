#ifndef NEXUS_TESTS_INTEGRATION_FAULT_LOAD_RUNNER_H_
#define NEXUS_TESTS_INTEGRATION_FAULT_LOAD_RUNNER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/chat_client.h"

namespace nexus::testing_support {

// What a load run's clients received, added up.
struct LoadTally {
  int64_t calls = 0;
  std::map<int, int64_t> by_status;  // HTTP status -> calls; 0: no answer
  // Calls that did not end well for the client: not 200, or a stream without [DONE].
  int64_t failed = 0;
  // Usage as the clients read it in the answers, summed.
  int64_t answers_with_usage = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  // A few failed answers, for the test's failure message.
  std::vector<std::string> samples;

  std::string Describe() const;
};

// `threads` clients on their own keep-alive connections, each calling `call` in a loop until
// Stop(); every result is added to the tally.
class LoadRunner {
 public:
  using Call = std::function<ChatResult(ChatClient& client, int thread, int64_t iteration)>;

  LoadRunner(int port, int threads, Call call);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  // Waits until the clients made `calls` calls in total; false when `timeout` passed first.
  bool WaitForCalls(int64_t calls, absl::Duration timeout);
  // Lets each client finish its current call and stops them. Idempotent.
  void Stop();
  LoadTally Tally() const;

 private:
  void Client(int port, int thread);
  void Add(const ChatResult& result);

  const Call call_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable progressed_;
  LoadTally tally_;
  std::vector<std::thread> threads_;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_INTEGRATION_FAULT_LOAD_RUNNER_H_
