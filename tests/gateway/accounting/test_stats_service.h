#ifndef NEXUS_TESTS_GATEWAY_ACCOUNTING_TEST_STATS_SERVICE_H_
#define NEXUS_TESTS_GATEWAY_ACCOUNTING_TEST_STATS_SERVICE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "nexus/stats/v1/stats.grpc.pb.h"

namespace nexus::gateway::accounting_testing {

// A stats service for tests of the usage reporter: dedupes by request_id as the real one does,
// and can be told to fail, stall, lose its answer after committing, or refuse bad events.
class TestStatsService : public nexus::stats::v1::Stats::Service {
 public:
  enum class Mode {
    kOk,
    // Answer UNAVAILABLE without storing anything.
    kFail,
    // Hold every call until the mode changes or the caller gives up.
    kStall,
    // Store the batch, then answer UNAVAILABLE (the answer was lost).
    kCommitThenFail,
  };

  grpc::Status RecordUsage(grpc::ServerContext* context,
                           const nexus::stats::v1::RecordUsageRequest* request,
                           nexus::stats::v1::RecordUsageResponse* response) override;

  void SetMode(Mode mode);
  // Events whose request_id starts with "invalid" are listed as rejected in the response; with
  // `whole_call` the entire call is answered INVALID_ARGUMENT instead.
  void RejectInvalidWholeCall(bool whole_call);

  size_t distinct() const;
  size_t duplicates() const;
  size_t calls() const;
  size_t stalled_calls() const;
  std::vector<int> batch_sizes() const;
  // How often each request id arrived (stored or as a duplicate).
  std::map<std::string, int> arrivals() const;
  int64_t total_tokens() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable mode_changed_;
  Mode mode_ = Mode::kOk;
  bool whole_call_invalid_ = false;
  std::map<std::string, int> arrivals_;
  size_t distinct_ = 0;
  size_t duplicates_ = 0;
  size_t calls_ = 0;
  size_t stalled_ = 0;
  int64_t total_tokens_ = 0;
  std::vector<int> batch_sizes_;
};

}  // namespace nexus::gateway::accounting_testing

#endif  // NEXUS_TESTS_GATEWAY_ACCOUNTING_TEST_STATS_SERVICE_H_
