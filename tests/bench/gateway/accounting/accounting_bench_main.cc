// Record() and metric updates are on every request's path; these measure their cost per call.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/accounting/file_spool.h"
#include "gateway/accounting/stats_usage_reporter.h"
#include "gateway/metrics/metrics_registry.h"
#include "services/grpc/server_runner.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::UsageEvent;

// Acknowledges every batch at once, as a stats service with infinite capacity would.
class CountingStatsService : public nexus::stats::v1::Stats::Service {
 public:
  grpc::Status RecordUsage(grpc::ServerContext*, const nexus::stats::v1::RecordUsageRequest* req,
                           nexus::stats::v1::RecordUsageResponse* resp) override {
    events_.fetch_add(req->events_size(), std::memory_order_relaxed);
    resp->set_accepted(req->events_size());
    return grpc::Status::OK;
  }
  std::atomic<uint64_t> events_{0};
};

UsageEvent MakeEvent(uint64_t n) {
  UsageEvent event;
  event.set_request_id(absl::StrCat("req-0123456789abcdef-", n));
  event.set_timestamp_ms(1'800'000'000'000);
  event.set_key_id(42);
  event.set_provider_id(7);
  event.set_model("gpt-4o");
  event.set_upstream_model("gpt-4o-2024-08-06");
  event.set_prompt_tokens(120);
  event.set_completion_tokens(480);
  event.set_total_tokens(600);
  event.set_http_status(200);
  event.set_latency_ms(950);
  return event;
}

// A reporter shared by every thread of a run, delivering to an in-process stats service.
struct ReporterFixture {
  explicit ReporterFixture(StatsUsageReporterOptions options) {
    runner = std::move(
        *grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service}));
    auto stub = std::shared_ptr<nexus::stats::v1::Stats::StubInterface>(
        nexus::stats::v1::Stats::NewStub(runner->InProcessChannel()));
    auto spool = std::move(*FileSpool::Open({.directory = dir.path() + "/spool"}));
    reporter = std::make_unique<StatsUsageReporter>(
        stub, std::move(spool), clock,
        log::Logger("bench", log::Level::kError, std::make_shared<log::StderrSink>(),
                    std::make_shared<log::Redactor>()),
        options);
  }
  ~ReporterFixture() {
    reporter->Shutdown(absl::Seconds(30));
    runner->Shutdown(absl::Seconds(1));
  }
  nexus::testing_support::TempDir dir;
  SystemClock clock;
  CountingStatsService service;
  std::unique_ptr<grpc_runtime::ServerRunner> runner;
  std::unique_ptr<StatsUsageReporter> reporter;
};

ReporterFixture* fixture = nullptr;
constexpr int kRecordIterations = 100'000;

void Finish(benchmark::State& state) {
  UsageReporterCounters before = fixture->reporter->Counters();
  delete fixture;
  fixture = nullptr;
  state.counters["queued"] = static_cast<double>(before.queued);
  state.counters["spooled"] = static_cast<double>(before.spooled);
  state.counters["dropped"] = static_cast<double>(before.dropped);
}

// Record() as the request thread pays for it: events are built before the timed loop, the queue
// has room for all of them and the sender holds them until Shutdown, so this is the enqueue alone.
void BM_Record(benchmark::State& state) {
  if (state.thread_index() == 0) {
    StatsUsageReporterOptions options;
    options.queue_capacity = kRecordIterations * 4;
    options.spill_threshold = options.queue_capacity;
    options.max_batch_events = options.queue_capacity;
    options.linger = absl::Hours(1);
    fixture = new ReporterFixture(options);
  }
  std::vector<UsageEvent> events;
  events.reserve(kRecordIterations);
  for (int i = 0; i < kRecordIterations; ++i) {
    events.push_back(MakeEvent((uint64_t{1} << 40) * state.thread_index() + i));
  }
  size_t next = 0;
  for (auto _ : state) fixture->reporter->Record(std::move(events[next++]));
  if (state.thread_index() == 0) Finish(state);
}
BENCHMARK(BM_Record)->Iterations(kRecordIterations)->Threads(1)->Threads(2);

// Building the event alone: the part of BM_BuildAndRecordSustained that is not Record().
void BM_BuildEvent(benchmark::State& state) {
  uint64_t n = 0;
  for (auto _ : state) {
    UsageEvent event = MakeEvent(n++);
    benchmark::DoNotOptimize(event);
  }
}
BENCHMARK(BM_BuildEvent)->Threads(1);

// Records as fast as one thread can while the sender delivers in batches of 500: what the
// pipeline can sustain. When the producer outruns delivery the counters show spills and drops.
void BM_BuildAndRecordSustained(benchmark::State& state) {
  fixture = new ReporterFixture(StatsUsageReporterOptions{});
  uint64_t n = 0;
  for (auto _ : state) fixture->reporter->Record(MakeEvent(n++));
  Finish(state);
}
BENCHMARK(BM_BuildAndRecordSustained)->UseRealTime();

metrics::MetricsRegistry* registry = nullptr;
metrics::CounterFamily* requests = nullptr;
metrics::HistogramFamily* latency = nullptr;

void SetUpMetrics() {
  registry = new metrics::MetricsRegistry();
  requests =
      registry->AddCounter("nexus_requests_total", "r", {"status", "model", "provider"}).value();
  latency =
      registry
          ->AddHistogram("nexus_latency_seconds", "l", {"model"}, metrics::DefaultLatencyBuckets())
          .value();
  for (int i = 0; i < 100; ++i) requests->WithLabels({"200", absl::StrCat("m", i), "openai"});
}

void BM_CachedCounterIncrement(benchmark::State& state) {
  metrics::Counter& counter = requests->WithLabels({"200", "gpt-4o", "openai"});
  for (auto _ : state) counter.Increment();
}
BENCHMARK(BM_CachedCounterIncrement)->Threads(1)->Threads(2);

void BM_WithLabelsThenIncrement(benchmark::State& state) {
  for (auto _ : state) requests->WithLabels({"200", "gpt-4o", "openai"}).Increment();
}
BENCHMARK(BM_WithLabelsThenIncrement)->Threads(1)->Threads(2);

void BM_CachedHistogramObserve(benchmark::State& state) {
  metrics::Histogram& histogram = latency->WithLabels({"gpt-4o"});
  double v = 0.0001;
  for (auto _ : state) {
    histogram.Observe(v);
    v = v > 100 ? 0.0001 : v * 1.7;
  }
}
BENCHMARK(BM_CachedHistogramObserve)->Threads(1)->Threads(2);

void BM_RenderMetrics(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(registry->Render());
}
BENCHMARK(BM_RenderMetrics);

}  // namespace
}  // namespace nexus::gateway

int main(int argc, char** argv) {
  nexus::gateway::SetUpMetrics();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
