// nexus-soak-driver: the load of the soak run (tests/bench/soak/run.sh). Registers the fake
// upstream with the registry, then drives the gateway with a mix of JSON calls, SSE streams and
// clients that hang up mid-stream for --duration, sampling the gateway's RSS and open descriptors
// every second into --csv. Phases: warm-up load, idle (descriptor baseline), load, idle (final
// descriptor count). Exits 1 when a call failed, descriptors leaked or the RSS slope of the load
// phase exceeds --max_rss_slope_kb_per_min; it always stops by itself.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/config/config.h"
#include "services/grpc/channel_factory.h"
#include "tests/bench/soak/process_sampler.h"
#include "tests/support/chat_client.h"

namespace {

using nexus::config::SettingSpec;
using nexus::soak::ProcessSample;
using nexus::soak::ProcessSampler;
using nexus::testing_support::ChatBody;
using nexus::testing_support::ChatClient;
using nexus::testing_support::ChatResult;
namespace pb = nexus::registry::v1;

const std::vector<SettingSpec>& Specs() {
  static const std::vector<SettingSpec> kSpecs = {
      {"registry_addr", "NEXUS_REGISTRY_ADDR", "127.0.0.1:50051", "registry gRPC address"},
      {"gateway_port", "NEXUS_SOAK_GATEWAY_PORT", "8001", "gateway HTTP port on 127.0.0.1"},
      {"gateway_pid", "NEXUS_SOAK_GATEWAY_PID", "0", "pid of the gateway to sample"},
      {"upstream_url", "NEXUS_SOAK_UPSTREAM_URL", "", "base URL of the fake upstream (/v1)"},
      {"csv", "NEXUS_SOAK_CSV", "soak.csv", "where the per-second samples go"},
      {"duration", "NEXUS_SOAK_DURATION", "3m", "length of the whole run (warm-up included)"},
      {"warmup", "NEXUS_SOAK_WARMUP", "60s", "warm-up load before the descriptor baseline"},
      {"idle", "NEXUS_SOAK_IDLE", "8s",
       "pause without load before each descriptor count (longer than the keep-alive timeout)"},
      {"clients", "NEXUS_SOAK_CLIENTS", "8", "concurrent clients"},
      {"stream_percent", "NEXUS_SOAK_STREAM_PERCENT", "45", "calls that stream to the end"},
      {"hangup_percent", "NEXUS_SOAK_HANGUP_PERCENT", "15",
       "calls that stream and hang up after two events"},
      {"max_rss_slope_kb_per_min", "NEXUS_SOAK_MAX_RSS_SLOPE", "512",
       "largest RSS growth accepted during the load phase (least-squares, KB/min)"},
      {"max_fd_growth", "NEXUS_SOAK_MAX_FD_GROWTH", "8",
       "most extra descriptors accepted at the end (idle) over the baseline (idle)"},
  };
  return kSpecs;
}

struct Settings {
  std::string registry_addr;
  int gateway_port = 0;
  pid_t gateway_pid = 0;
  std::string upstream_url;
  std::string csv;
  absl::Duration total;
  absl::Duration warmup;
  absl::Duration idle;
  int clients = 8;
  int stream_percent = 45;
  int hangup_percent = 15;
  double max_slope = 512;
  int max_fd_growth = 8;
};

// The load: each client picks JSON, a stream, or a stream it abandons, at random.
class MixedLoad {
 public:
  MixedLoad(const Settings& settings, std::string key)
      : settings_(settings), key_(std::move(key)) {}
  ~MixedLoad() { Stop(); }

  void Start() {
    stop_ = false;
    for (int i = 0; i < settings_.clients; ++i) threads_.emplace_back([this, i] { Client(i); });
  }
  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }
  int64_t calls() const { return calls_.load(); }
  int64_t failures() const { return failures_.load(); }
  std::string Describe() const {
    std::lock_guard lock(mutex_);
    std::string out =
        absl::StrCat(calls_.load(), " calls (", json_.load(), " JSON, ", streams_.load(),
                     " streams, ", hangups_.load(), " hang-ups), ", failures_.load(), " failed");
    for (const auto& [what, count] : failure_kinds_) absl::StrAppend(&out, "; ", what, " x", count);
    return out;
  }

 private:
  void Client(int index) {
    std::mt19937 random(static_cast<unsigned>(index * 7919 + 17));
    std::uniform_int_distribution<int> percent(0, 99);
    ChatClient client(settings_.gateway_port, absl::Seconds(60));
    const std::string json = ChatBody(false, true);
    const std::string stream = ChatBody(true, true);
    while (!stop_) {
      const int roll = percent(random);
      if (roll < settings_.hangup_percent) {
        int seen = nexus::testing_support::StreamAndHangUp(settings_.gateway_port, key_, stream, 2,
                                                           absl::Seconds(60));
        Count(hangups_, seen >= 2, "hang-up before two events");
      } else if (roll < settings_.hangup_percent + settings_.stream_percent) {
        ChatResult result = client.Chat(key_, stream);
        Count(streams_, result.status == 200 && result.done && result.usage.has_value(),
              absl::StrCat("stream status ", result.status));
      } else {
        ChatResult result = client.Chat(key_, json);
        Count(json_, result.status == 200 && result.usage.has_value(),
              absl::StrCat("JSON status ", result.status));
      }
    }
  }

  void Count(std::atomic<int64_t>& kind, bool ok, const std::string& failure) {
    ++calls_;
    ++kind;
    if (ok) return;
    ++failures_;
    std::lock_guard lock(mutex_);
    ++failure_kinds_[failure];
  }

  const Settings& settings_;
  const std::string key_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::atomic<int64_t> calls_{0}, json_{0}, streams_{0}, hangups_{0}, failures_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> failure_kinds_;
};

// Provider, model "fake-model" and a client key; returns the key's secret.
absl::StatusOr<std::string> Register(const Settings& settings) {
  auto registry = pb::Registry::NewStub(nexus::grpc_runtime::MakeChannel(settings.registry_addr));
  auto context = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_wait_for_ready(true);
    nexus::grpc_runtime::SetDeadline(*c, absl::Seconds(30));
    return c;
  };
  pb::CreateProviderRequest provider;
  provider.set_name("soak-upstream");
  provider.set_base_url(settings.upstream_url);
  provider.set_api_key("sk-soak-upstream-0001");
  pb::Provider created;
  grpc::Status status = registry->CreateProvider(context().get(), provider, &created);
  if (!status.ok()) return absl::UnavailableError("CreateProvider: " + status.error_message());
  pb::CreateModelRequest model;
  model.set_provider_id(created.id());
  model.set_name("fake-model");
  model.set_upstream_name("fake-model-large");
  model.set_tokenizer("cl100k_base");
  pb::Model created_model;
  status = registry->CreateModel(context().get(), model, &created_model);
  if (!status.ok()) return absl::UnavailableError("CreateModel: " + status.error_message());
  pb::CreateKeyRequest key;
  key.set_name("soak");
  pb::CreateKeyResponse created_key;
  status = registry->CreateKey(context().get(), key, &created_key);
  if (!status.ok()) return absl::UnavailableError("CreateKey: " + status.error_message());
  return created_key.secret();
}

// Waits until the gateway routes the model for the key.
bool WaitForRoute(const Settings& settings, const std::string& key) {
  ChatClient client(settings.gateway_port, absl::Seconds(10));
  for (absl::Time until = absl::Now() + absl::Seconds(60); absl::Now() < until;) {
    if (client.Chat(key, ChatBody(false, true)).status == 200) return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return false;
}

// Runs `load` for `length` in the sampler's `phase`, printing progress every 30 s.
void RunPhase(MixedLoad& load, ProcessSampler& sampler, const std::string& phase,
              absl::Duration length) {
  sampler.SetPhase(phase);
  load.Start();
  const absl::Time end = absl::Now() + length;
  while (absl::Now() < end && sampler.alive()) {
    absl::SleepFor(std::min(absl::Seconds(30), end - absl::Now()));
    std::optional<ProcessSample> s = sampler.SampleNow();
    if (s) {
      std::cout << "  [" << phase << "] t=" << static_cast<int>(s->t_s) << "s rss=" << s->rss_kb
                << "KB fds=" << s->fds << " threads=" << s->threads << " " << load.Describe()
                << std::endl;
    }
  }
  load.Stop();
}

// Waits without load, then counts descriptors.
std::optional<ProcessSample> Idle(ProcessSampler& sampler, const std::string& phase,
                                  absl::Duration length) {
  sampler.SetPhase(phase);
  absl::SleepFor(length);
  return sampler.SampleNow();
}

int Report(const Settings& settings, const MixedLoad& load, const ProcessSampler& sampler,
           const std::optional<ProcessSample>& baseline, const std::optional<ProcessSample>& end) {
  std::vector<ProcessSample> samples = sampler.samples();
  const double slope = nexus::soak::RssSlopeKbPerMinute(samples, "load");
  int64_t rss_min = std::numeric_limits<int64_t>::max(), rss_max = 0;
  for (const ProcessSample& s : samples) {
    if (s.phase != "load") continue;
    rss_min = std::min(rss_min, s.rss_kb);
    rss_max = std::max(rss_max, s.rss_kb);
  }
  std::cout << "\nload: " << load.Describe() << "\n";
  std::cout << "samples: " << samples.size() << " in " << settings.csv << "\n";
  std::cout << "rss during load (after warm-up): " << rss_min << ".." << rss_max << " KB, slope "
            << static_cast<int64_t>(slope) << " KB/min (limit " << settings.max_slope << ")\n";
  bool ok = true;
  if (!baseline || !end) {
    std::cout << "FAIL: the gateway could not be sampled (did it exit?)\n";
    return 1;
  }
  std::cout << "fds idle after warm-up: " << baseline->fds << ", idle at the end: " << end->fds
            << " (limit +" << settings.max_fd_growth << ")\n";
  if (end->fds > baseline->fds + settings.max_fd_growth) {
    std::cout << "FAIL: descriptors leaked\n";
    ok = false;
  }
  if (slope > settings.max_slope) {
    std::cout << "FAIL: RSS grows faster than the limit\n";
    ok = false;
  }
  if (load.failures() > 0) {
    std::cout << "FAIL: calls failed\n";
    ok = false;
  }
  std::cout << (ok ? "PASS" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}

int Run(int argc, char** argv) {
  auto loaded = nexus::config::Config::Load(Specs(), argc, argv);
  if (!loaded.ok()) {
    std::cerr << loaded.status().message() << "\n";
    return 2;
  }
  nexus::config::Config& config = *loaded;
  if (config.help_requested()) {
    std::cout << nexus::config::Config::Usage("nexus-soak-driver", Specs());
    return 0;
  }
  Settings s;
  s.registry_addr = config.GetString("registry_addr");
  s.gateway_port = static_cast<int>(config.GetInt("gateway_port", 1, 65535));
  s.gateway_pid = static_cast<pid_t>(config.GetInt("gateway_pid", 1, 1 << 30));
  s.upstream_url = config.GetString("upstream_url");
  s.csv = config.GetString("csv");
  s.total = config.GetDuration("duration", absl::Minutes(1), absl::Hours(24));
  s.warmup = config.GetDuration("warmup", absl::Seconds(1), absl::Hours(1));
  s.idle = config.GetDuration("idle", absl::Seconds(1), absl::Minutes(5));
  s.clients = static_cast<int>(config.GetInt("clients", 1, 512));
  s.stream_percent = static_cast<int>(config.GetInt("stream_percent", 0, 100));
  s.hangup_percent = static_cast<int>(config.GetInt("hangup_percent", 0, 100));
  s.max_slope = static_cast<double>(config.GetInt("max_rss_slope_kb_per_min", 0, 1 << 30));
  s.max_fd_growth = static_cast<int>(config.GetInt("max_fd_growth", 0, 1 << 20));
  if (s.upstream_url.empty()) config.AddError("upstream_url", "is required");
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    std::cerr << valid.message() << "\n";
    return 2;
  }
  absl::StatusOr<std::string> key = Register(s);
  if (!key.ok()) {
    std::cerr << "cannot register the fake upstream: " << key.status().message() << "\n";
    return 1;
  }
  if (!WaitForRoute(s, *key)) {
    std::cerr << "the gateway never routed fake-model\n";
    return 1;
  }
  MixedLoad load(s, *key);
  ProcessSampler sampler(s.gateway_pid, s.csv, [&load] { return load.calls(); });
  const absl::Duration load_length = std::max(s.total - s.warmup - 2 * s.idle, absl::Seconds(10));
  std::cout << "soak: " << s.clients << " clients, warm-up " << absl::FormatDuration(s.warmup)
            << ", load " << absl::FormatDuration(load_length) << std::endl;
  RunPhase(load, sampler, "warmup", s.warmup);
  std::optional<ProcessSample> baseline = Idle(sampler, "idle-start", s.idle);
  RunPhase(load, sampler, "load", load_length);
  std::optional<ProcessSample> end = Idle(sampler, "idle-end", s.idle);
  return Report(s, load, sampler, baseline, end);
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
