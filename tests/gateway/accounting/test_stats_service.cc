#include "tests/gateway/accounting/test_stats_service.h"

#include <chrono>

namespace nexus::gateway::accounting_testing {

grpc::Status TestStatsService::RecordUsage(grpc::ServerContext* context,
                                           const nexus::stats::v1::RecordUsageRequest* request,
                                           nexus::stats::v1::RecordUsageResponse* response) {
  std::unique_lock lock(mutex_);
  ++calls_;
  if (mode_ == Mode::kStall) {
    ++stalled_;
    while (mode_ == Mode::kStall && !context->IsCancelled()) {
      mode_changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
    --stalled_;
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
  }
  if (mode_ == Mode::kFail) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stats down");
  if (whole_call_invalid_) {
    for (const auto& event : request->events()) {
      if (event.request_id().starts_with("invalid")) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "event " + event.request_id() + ": negative tokens");
      }
    }
  }
  batch_sizes_.push_back(request->events_size());
  for (int i = 0; i < request->events_size(); ++i) {
    const auto& event = request->events(i);
    if (event.request_id().starts_with("invalid")) {
      auto* rejected = response->add_rejected();
      rejected->set_index(i);
      rejected->set_request_id(event.request_id());
      rejected->set_reason("prompt_tokens must not be negative");
      continue;
    }
    if (arrivals_[event.request_id()]++ == 0) {
      ++distinct_;
      total_tokens_ += event.total_tokens();
      response->set_accepted(response->accepted() + 1);
    } else {
      ++duplicates_;
      response->set_duplicates(response->duplicates() + 1);
    }
  }
  if (mode_ == Mode::kCommitThenFail) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "answer lost");
  }
  return grpc::Status::OK;
}

void TestStatsService::SetMode(Mode mode) {
  {
    std::lock_guard lock(mutex_);
    mode_ = mode;
  }
  mode_changed_.notify_all();
}

void TestStatsService::RejectInvalidWholeCall(bool whole_call) {
  std::lock_guard lock(mutex_);
  whole_call_invalid_ = whole_call;
}

size_t TestStatsService::distinct() const {
  std::lock_guard lock(mutex_);
  return distinct_;
}
size_t TestStatsService::duplicates() const {
  std::lock_guard lock(mutex_);
  return duplicates_;
}
size_t TestStatsService::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}
size_t TestStatsService::stalled_calls() const {
  std::lock_guard lock(mutex_);
  return stalled_;
}
std::vector<int> TestStatsService::batch_sizes() const {
  std::lock_guard lock(mutex_);
  return batch_sizes_;
}
std::map<std::string, int> TestStatsService::arrivals() const {
  std::lock_guard lock(mutex_);
  return arrivals_;
}
int64_t TestStatsService::total_tokens() const {
  std::lock_guard lock(mutex_);
  return total_tokens_;
}

}  // namespace nexus::gateway::accounting_testing
