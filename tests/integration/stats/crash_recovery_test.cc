// Runs the real nexus-stats binary, kills it with SIGKILL in the middle of ingest, restarts it
// and checks that every acknowledged event is stored and nothing is counted twice.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/channel_factory.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

using testing_support::BinaryPath;
using testing_support::Subprocess;

constexpr int kBatchSize = 200;

struct Ledger {
  std::mutex mutex;
  std::vector<v1::RecordUsageRequest> acknowledged;
  std::vector<v1::RecordUsageRequest> unanswered;  // sent, outcome unknown
};

v1::RecordUsageRequest MakeBatch(int client, int serial, int64_t now_ms) {
  v1::RecordUsageRequest batch;
  for (int i = 0; i < kBatchSize; ++i) {
    v1::UsageEvent* e = batch.add_events();
    e->set_request_id(absl::StrCat("c", client, "-b", serial, "-e", i));
    e->set_timestamp_ms(now_ms - i);
    e->set_provider_id(1 + i % 3);
    e->set_key_id(1 + client);
    e->set_model(absl::StrCat("model-", i % 4));
    e->set_conversation_id(absl::StrCat("conv-", client, "-", serial % 7));
    e->set_prompt_tokens(10 + i);
    e->set_completion_tokens(serial % 50);
    e->set_http_status(200);
    e->set_latency_ms(100 + i);
  }
  return batch;
}

class StatsProcess {
 public:
  StatsProcess(const std::string& data_dir, int port, const std::string& log)
      : process_({BinaryPath("nexus-stats"), absl::StrCat("--listen=127.0.0.1:", port),
                  "--data_dir=" + data_dir, "--shutdown_timeout=2s"},
                 {}, log) {
    ready_ = testing_support::WaitForPort(port, absl::Seconds(20));
  }
  bool ready() const { return ready_; }
  Subprocess& process() { return process_; }

 private:
  Subprocess process_;
  bool ready_ = false;
};

grpc::Status Send(v1::Stats::Stub& stub, const v1::RecordUsageRequest& batch,
                  v1::RecordUsageResponse* response) {
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(10));
  return stub.RecordUsage(&context, batch, response);
}

v1::Totals Totals(v1::Stats::Stub& stub) {
  v1::GetTotalsRequest request;
  request.mutable_filter()->set_start_ms(0);
  request.mutable_filter()->set_end_ms(absl::ToUnixMillis(absl::Now()) + 60'000);
  v1::Totals totals;
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(10));
  EXPECT_TRUE(stub.GetTotals(&context, request, &totals).ok());
  return totals;
}

int64_t PromptTokens(const std::vector<v1::RecordUsageRequest>& batches) {
  int64_t sum = 0;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) sum += e.prompt_tokens();
  }
  return sum;
}

TEST(StatsCrashRecoveryTest, AcknowledgedEventsSurviveSigkillAndAreNeverCountedTwice) {
  testing_support::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  const std::string log = dir.path() + "/stats.log";
  const int port = testing_support::FreePort();
  Ledger ledger;
  {
    StatsProcess server(data_dir, port, log);
    ASSERT_TRUE(server.ready()) << server.process().ReadLog();
    auto stub = v1::Stats::NewStub(grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", port)));
    std::atomic<bool> stop{false};
    std::atomic<int> acks{0};
    auto client = [&](int id) {
      for (int serial = 0; !stop.load(); ++serial) {
        v1::RecordUsageRequest batch = MakeBatch(id, serial, absl::ToUnixMillis(absl::Now()));
        v1::RecordUsageResponse response;
        grpc::Status status = Send(*stub, batch, &response);
        std::lock_guard lock(ledger.mutex);
        if (status.ok() && response.accepted() == kBatchSize) {
          ledger.acknowledged.push_back(std::move(batch));
          ++acks;
        } else {
          ledger.unanswered.push_back(std::move(batch));
          if (!status.ok()) return;  // the server is gone
        }
      }
    };
    std::thread first(client, 1), second(client, 2);
    // Never wait forever: a server that stops acknowledging fails the test below instead.
    const absl::Time give_up = absl::Now() + absl::Seconds(120);
    while (acks.load() < 40 && absl::Now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(server.process().Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
    stop = true;
    first.join();
    second.join();
  }
  ASSERT_GE(ledger.acknowledged.size(), 40u);

  StatsProcess restarted(data_dir, port, log);
  ASSERT_TRUE(restarted.ready()) << restarted.process().ReadLog();
  auto stub = v1::Stats::NewStub(grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", port)));

  // Whatever was acknowledged is there; batches without an answer may or may not be.
  v1::Totals after_crash = Totals(*stub);
  const int64_t acked_events = static_cast<int64_t>(ledger.acknowledged.size()) * kBatchSize;
  const int64_t unanswered_events = static_cast<int64_t>(ledger.unanswered.size()) * kBatchSize;
  EXPECT_GE(after_crash.requests(), acked_events);
  EXPECT_LE(after_crash.requests(), acked_events + unanswered_events);
  EXPECT_GE(after_crash.prompt_tokens(), PromptTokens(ledger.acknowledged));

  // Replaying the acknowledged batches stores nothing new: each one is found as a duplicate.
  for (const auto& batch : ledger.acknowledged) {
    v1::RecordUsageResponse response;
    ASSERT_TRUE(Send(*stub, batch, &response).ok());
    EXPECT_EQ(response.accepted(), 0);
    EXPECT_EQ(response.duplicates(), kBatchSize);
  }
  // Replaying everything completes the ledger exactly once.
  for (const auto& batch : ledger.unanswered) {
    v1::RecordUsageResponse response;
    ASSERT_TRUE(Send(*stub, batch, &response).ok());
    EXPECT_EQ(response.accepted() + response.duplicates(), kBatchSize);
  }
  std::vector<v1::RecordUsageRequest> everything = ledger.acknowledged;
  everything.insert(everything.end(), ledger.unanswered.begin(), ledger.unanswered.end());
  v1::Totals final_totals = Totals(*stub);
  EXPECT_EQ(final_totals.requests(), acked_events + unanswered_events);
  EXPECT_EQ(final_totals.prompt_tokens(), PromptTokens(everything));
  EXPECT_EQ(final_totals.rounds(), final_totals.requests());
  // Two clients, seven conversation ids each.
  EXPECT_EQ(final_totals.conversations(), 14);

  // A second full replay: all duplicates, totals unchanged.
  for (const auto& batch : everything) {
    v1::RecordUsageResponse response;
    ASSERT_TRUE(Send(*stub, batch, &response).ok());
    EXPECT_EQ(response.duplicates(), kBatchSize);
  }
  EXPECT_EQ(Totals(*stub).requests(), final_totals.requests());

  // SIGTERM is a clean shutdown.
  EXPECT_EQ(restarted.process().Stop(SIGTERM, absl::Seconds(15)), 0)
      << restarted.process().ReadLog();
}

}  // namespace
}  // namespace nexus::stats
