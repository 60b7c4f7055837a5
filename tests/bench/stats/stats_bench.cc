// nexus-stats-bench: ingest throughput over gRPC and query latency at 1M / 10M stored events.
// See README.md beside this file for the command and the measured numbers.
#include <grpcpp/grpcpp.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/pipeline/request_id.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/clock/clock.h"
#include "services/grpc/channel_factory.h"
#include "services/log/logger.h"
#include "stats/app/stats_server.h"
#include "stats/service/proto_convert.h"
#include "stats/store/sqlite_usage_store.h"

namespace nexus::stats {
namespace {

// CPU time of the whole process (client and server threads): on a machine shared with other
// work, wall time mostly measures the others; CPU time per event or per query does not.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds of this process's threads named `name` (Linux /proc; 10 ms resolution).
double ThreadCpuSeconds(const std::string& name) {
  double total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
    std::vector<std::string> fields = absl::StrSplit(line.substr(line.rfind(')') + 2), ' ');
    int64_t utime = 0, stime = 0;
    if (fields.size() > 12 && absl::SimpleAtoi(fields[11], &utime) &&
        absl::SimpleAtoi(fields[12], &stime)) {
      total += static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return total;
}

struct Options {
  int64_t events = 1'000'000;       // stored events for the query part (1M checkpoint always)
  int64_t ingest_events = 200'000;  // per batch size in the ingest part
  std::vector<int> clients = {4, 16};
  std::string dir = "/tmp/nexus-stats-bench";
  // Only measure the queries on the database an earlier run left in <dir>/query.
  bool query_only = false;
  // Ingest with random request ids (as clients' own X-Request-Id values may be) instead of the
  // gateway's time-ordered ones.
  bool unordered_ids = false;
};

// Traffic shaped like a gateway's: 3 providers, 12 models, 200 keys each with a favourite model,
// 40% of calls in conversations of about 5 rounds, 3% errors, request ids made by the gateway's
// own generator at the event's time (time-ordered, see gateway/pipeline/request_id.h), or random
// ones when `unordered_ids`.
class EventFactory {
 public:
  explicit EventFactory(uint64_t seed, bool unordered_ids = false)
      : rng_(seed), unordered_ids_(unordered_ids) {}
  UsageEvent Make(int64_t timestamp_ms) {
    std::uniform_int_distribution<int> pct(0, 99);
    UsageEvent e;
    e.request_id = unordered_ids_ ? absl::StrCat("client-", absl::Hex(rng_(), absl::kZeroPad16),
                                                 absl::Hex(rng_(), absl::kZeroPad16))
                                  : gateway::NewRequestId(absl::FromUnixMillis(timestamp_ms));
    e.timestamp_ms = timestamp_ms;
    e.key_id = 1 + static_cast<int64_t>(rng_() % 200);
    int model = pct(rng_) < 80 ? static_cast<int>(e.key_id % 12) : static_cast<int>(rng_() % 12);
    e.model = absl::StrCat("model-", model);
    e.upstream_model = e.model;
    e.provider_id = 1 + model % 3;
    if (pct(rng_) < 40)
      e.conversation_id = absl::StrCat("conv-", rng_() % 5 == 0 ? ++conv_ : conv_);
    e.prompt_tokens = 50 + static_cast<int64_t>(rng_() % 2000);
    e.completion_tokens = static_cast<int64_t>(rng_() % 800);
    e.total_tokens = e.prompt_tokens + e.completion_tokens;
    e.token_source = 1;
    e.endpoint = 1;
    e.http_status = pct(rng_) < 3 ? 502 : 200;
    e.latency_ms = 200 + static_cast<int64_t>(rng_() % 5000);
    return e;
  }

 private:
  std::mt19937_64 rng_;
  bool unordered_ids_;
  int64_t conv_ = 0;
};

std::unique_ptr<StatsServer> StartServer(const std::string& dir, const Clock& clock,
                                         const log::Logger& logger) {
  StatsSettings settings;
  settings.listen = "127.0.0.1:0";
  settings.data_dir = dir;
  settings.log_retention = absl::ZeroDuration();
  auto server = StatsServer::Start(settings, logger, clock);
  if (!server.ok()) {
    std::cerr << "cannot start: " << server.status() << "\n";
    std::exit(1);
  }
  return std::move(*server);
}

// Events a gateway would see at this rate: consecutive events of all clients are stamped (and
// their ids made) 1/50 ms apart, in the order the clients send them.
constexpr int64_t kEventsPerMs = 50;

// The requests each client sends, built before the clock starts: the load generator's own work
// (random events, protobuf building) is not ingest. Serialization stays inside the timed part.
std::vector<std::vector<v1::RecordUsageRequest>> BuildRequests(int clients, int64_t batches,
                                                               int batch_size, bool unordered_ids) {
  std::vector<std::vector<v1::RecordUsageRequest>> out(clients);
  // A minute ago, so that the whole run's stamps are in the past.
  const int64_t start_ms = absl::ToUnixMillis(absl::Now()) - kMinuteMs;
  for (int c = 0; c < clients; ++c) {
    EventFactory factory(1000 + c, unordered_ids);
    out[c].resize(batches);
    for (int64_t b = 0; b < batches; ++b) {
      for (int i = 0; i < batch_size; ++i) {
        const int64_t sequence = (b * batch_size + i) * clients + c;
        ToProto(factory.Make(start_ms + sequence / kEventsPerMs), out[c][b].add_events());
      }
    }
  }
  return out;
}

void BenchIngest(const Options& options, int batch_size, int clients, const log::Logger& logger) {
  const std::string dir = absl::StrCat(options.dir, "/ingest-", batch_size, "-", clients);
  std::filesystem::remove_all(dir);
  SystemClock clock;
  std::unique_ptr<StatsServer> server = StartServer(dir, clock, logger);
  auto channel = grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", server->port()));
  const int64_t batches = options.ingest_events / batch_size / clients;
  const std::vector<std::vector<v1::RecordUsageRequest>> requests =
      BuildRequests(clients, batches, batch_size, options.unordered_ids);
  std::atomic<int64_t> sent{0};
  absl::Time start = absl::Now();
  const double cpu_start = ProcessCpuSeconds();
  const double writer_start = ThreadCpuSeconds("stats-writer");
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::Stats::NewStub(channel);
      for (const v1::RecordUsageRequest& request : requests[c]) {
        v1::RecordUsageResponse response;
        grpc::ClientContext context;
        grpc::Status status = stub->RecordUsage(&context, request, &response);
        if (!status.ok() || response.accepted() != batch_size) {
          std::cerr << "ingest failed: " << status.error_message() << "\n";
          std::exit(1);
        }
        sent += batch_size;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  double cpu = ProcessCpuSeconds() - cpu_start;
  // The one writer thread is the serial part: its CPU per event bounds the throughput even on
  // an otherwise idle machine (everything else runs on the other core, in parallel).
  double writer = ThreadCpuSeconds("stats-writer") - writer_start;
  std::printf(
      "ingest  batch=%-5d clients=%-2d events=%-8lld %8.0f events/s wall (%.1f s); "
      "%.1f us CPU/event (client+server) = %.0f events per CPU-second; writer thread %.1f us "
      "CPU/event (alone it caps at %.0f events/s)\n",
      batch_size, clients, static_cast<long long>(sent.load()), sent.load() / seconds, seconds,
      cpu / sent.load() * 1e6, sent.load() / cpu, writer / sent.load() * 1e6,
      writer > 0 ? sent.load() / writer : 0.0);
  server->Shutdown(absl::Seconds(5));
  std::filesystem::remove_all(dir);
}

// Adds `count` events spread evenly over [start_ms, end_ms), straight into the store.
void Populate(const std::string& path, int64_t count, int64_t start_ms, int64_t end_ms,
              uint64_t seed) {
  auto store = SqliteUsageStore::Open(path);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    std::exit(1);
  }
  EventFactory factory(seed);
  const int64_t chunk = 10'000;
  absl::Time start = absl::Now();
  const double cpu_start = ProcessCpuSeconds();
  for (int64_t done = 0; done < count; done += chunk) {
    std::vector<UsageEvent> batch;
    for (int64_t i = 0; i < chunk && done + i < count; ++i) {
      batch.push_back(factory.Make(start_ms + (end_ms - start_ms) * (done + i) / count));
    }
    if (auto s = (*store)->Insert(batch); !s.ok()) {
      std::cerr << s.status() << "\n";
      std::exit(1);
    }
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  double cpu = ProcessCpuSeconds() - cpu_start;
  std::printf(
      "populate +%lld events directly into the store: %.0f s (%.0f events/s wall, %.0f events "
      "per CPU-second)\n",
      static_cast<long long>(count), seconds, count / seconds, count / cpu);
}

template <typename Call>
void Measure(const char* name, int64_t stored, Call call) {
  std::vector<double> ms, cpu_ms;
  call();  // warm-up: the first read maps pages in
  for (int i = 0; i < 21; ++i) {
    absl::Time start = absl::Now();
    double cpu_start = ProcessCpuSeconds();
    call();
    cpu_ms.push_back((ProcessCpuSeconds() - cpu_start) * 1000);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  std::printf(
      "query   %-30s stored=%-9lld wall median %7.2f ms max %7.2f ms; CPU median %6.2f ms\n", name,
      static_cast<long long>(stored), ms[ms.size() / 2], ms.back(), cpu_ms[cpu_ms.size() / 2]);
}

void BenchQueries(const std::string& dir, int64_t stored, int64_t now_ms,
                  const log::Logger& logger) {
  SystemClock clock;
  std::unique_ptr<StatsServer> server = StartServer(dir, clock, logger);
  auto stub =
      v1::Stats::NewStub(grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", server->port())));
  v1::Filter filter;
  // Ragged on purpose: the edges come from minute rollups and the raw log.
  filter.set_start_ms(now_ms - 30 * kDayMs + 12'345);
  filter.set_end_ms(now_ms);
  Measure("totals, 30 days", stored, [&] {
    v1::GetTotalsRequest request;
    *request.mutable_filter() = filter;
    v1::Totals totals;
    grpc::ClientContext context;
    if (!stub->GetTotals(&context, request, &totals).ok() || totals.requests() != stored) {
      std::cerr << "totals wrong: " << totals.requests() << "\n";
    }
  });
  Measure("hourly series, 30 days", stored, [&] {
    v1::GetTimeSeriesRequest request;
    *request.mutable_filter() = filter;
    request.set_bucket(v1::BUCKET_HOUR);
    v1::GetTimeSeriesResponse response;
    grpc::ClientContext context;
    if (!stub->GetTimeSeries(&context, request, &response).ok()) std::cerr << "series failed\n";
  });
  Measure("totals, 30 days, one key", stored, [&] {
    v1::GetTotalsRequest request;
    *request.mutable_filter() = filter;
    request.mutable_filter()->add_key_ids(17);
    v1::Totals totals;
    grpc::ClientContext context;
    if (!stub->GetTotals(&context, request, &totals).ok()) std::cerr << "filtered failed\n";
  });
  Measure("breakdown by model, 30 days", stored, [&] {
    v1::GetBreakdownRequest request;
    *request.mutable_filter() = filter;
    request.set_group_by(v1::GROUP_BY_MODEL);
    v1::GetBreakdownResponse response;
    grpc::ClientContext context;
    if (!stub->GetBreakdown(&context, request, &response).ok()) std::cerr << "breakdown failed\n";
  });
  server->Shutdown(absl::Seconds(5));
}

// Queries a database left by an earlier (possibly interrupted) run: its events span the 30 days
// before that run started, so the range is taken from the stored events themselves.
void QueryExisting(const std::string& dir, const log::Logger& logger) {
  auto store = SqliteUsageStore::Open(dir + "/stats.db");
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    std::exit(1);
  }
  auto newest =
      (*store)->ListRequests({.filter = {.start_ms = 0, .end_ms = INT64_MAX / 2}, .page_size = 1});
  auto all = (*store)->Sum({.start_ms = 0, .end_ms = INT64_MAX / 2}, GroupBy::kNone);
  if (!newest.ok() || newest->events.empty() || !all.ok() || all->empty()) {
    std::cerr << "no stored events in " << dir << "\n";
    std::exit(1);
  }
  const int64_t stored = (*all)[0].metrics.requests;
  const int64_t now_ms = newest->events[0].timestamp_ms + 1000;
  store->reset();
  BenchQueries(dir, stored, now_ms, logger);
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = absl::StrCat("--", name, "=");
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("events")) {
      if (!absl::SimpleAtoi(v, &o->events)) return false;
    } else if (const char* v = value("ingest_events")) {
      if (!absl::SimpleAtoi(v, &o->ingest_events)) return false;
    } else if (const char* v = value("clients")) {
      o->clients.clear();
      for (absl::string_view part : absl::StrSplit(v, ',')) {
        int n = 0;
        if (!absl::SimpleAtoi(part, &n) || n < 1 || n > 256) return false;
        o->clients.push_back(n);
      }
    } else if (const char* v = value("dir")) {
      o->dir = v;
    } else if (arg == "--query_only") {
      o->query_only = true;
    } else if (arg == "--unordered_ids") {
      o->unordered_ids = true;
    } else {
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::cerr << "usage: nexus-stats-bench [--events=N] [--ingest_events=N] [--clients=N,M,...] "
                 "[--dir=PATH] [--query_only] [--unordered_ids]\n";
    return 2;
  }
  log::Logger logger("bench", log::Level::kWarning, std::make_shared<log::StderrSink>(),
                     std::make_shared<log::Redactor>());
  std::filesystem::create_directories(options.dir);
  // Progress must be visible while the long population runs with output to a file.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::string query_dir = absl::StrCat(options.dir, "/query");
  if (options.query_only) {
    QueryExisting(query_dir, logger);
    return 0;
  }
  if (options.ingest_events > 0) {
    for (int batch_size : {100, 1000}) {
      for (int clients : options.clients) BenchIngest(options, batch_size, clients, logger);
    }
  }
  std::filesystem::remove_all(query_dir);
  std::filesystem::create_directories(query_dir);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  const int64_t start_ms = now_ms - 30 * kDayMs + 60'000;
  int64_t stored = 0;
  for (int64_t checkpoint : {int64_t{1'000'000}, options.events}) {
    if (checkpoint <= stored || options.events <= 0) continue;
    Populate(query_dir + "/stats.db", checkpoint - stored, start_ms, now_ms - 1000,
             static_cast<uint64_t>(checkpoint));
    stored = checkpoint;
    BenchQueries(query_dir, stored, now_ms, logger);
  }
  return 0;
}

}  // namespace
}  // namespace nexus::stats

int main(int argc, char** argv) { return nexus::stats::Main(argc, argv); }
