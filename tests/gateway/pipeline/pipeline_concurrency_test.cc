// The chat pipeline from many threads at once with in-memory collaborators (no sockets, no gRPC):
// admission with the real rate limiter, the real disconnect watchdog, an in-memory upstream that
// answers JSON or SSE or stalls until cancelled, and a usage sink that keeps every event. Checks
// the pipeline's promises under concurrency: one usage event per admitted call, vanished clients'
// stalled calls cancelled by the watchdog, per-key concurrency limits held.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/accounting/usage_sink.h"
#include "gateway/auth/local_rate_limiter.h"
#include "gateway/pipeline/admission.h"
#include "gateway/pipeline/default_chat_pipeline.h"
#include "gateway/pipeline/disconnect_watchdog.h"
#include "nlohmann/json.hpp"
#include "services/clock/clock.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ClientKey;
using nexus::registry::v1::Route;
using nexus::stats::v1::UsageEvent;
using Json = nlohmann::json;

constexpr int kLimitedConcurrency = 2;

// Two keys: "nx-good" without limits, "nx-limited" with a concurrency limit.
class TwoKeys : public KeyResolver {
 public:
  absl::StatusOr<std::shared_ptr<const ResolvedKey>> Resolve(std::string_view secret) override {
    if (secret == "nx-good") return good_;
    if (secret == "nx-limited") return limited_;
    return absl::UnauthenticatedError("Incorrect API key provided.");
  }

 private:
  static std::shared_ptr<const ResolvedKey> Key(int64_t id, int32_t max_concurrency) {
    auto resolved = std::make_shared<ResolvedKey>();
    resolved->key.set_id(id);
    resolved->key.set_enabled(true);
    resolved->key.set_max_concurrency(max_concurrency);
    return resolved;
  }
  const std::shared_ptr<const ResolvedKey> good_ = Key(1, 0);
  const std::shared_ptr<const ResolvedKey> limited_ = Key(2, kLimitedConcurrency);
};

// gpt-4o on one provider; every other model is unknown.
class OneRoute : public RouteTable {
 public:
  absl::StatusOr<std::vector<Route>> RoutesFor(std::string_view model,
                                               const ClientKey& key) override {
    if (model != "gpt-4o") return absl::NotFoundError("no such model");
    Route route;
    route.set_provider_id(7);
    route.set_provider_name("memory");
    route.set_base_url("http://upstream.invalid/v1");
    route.set_model("gpt-4o");
    route.set_upstream_model("gpt-4o-upstream");
    route.set_api_key("sk-upstream-secret");
    return std::vector<Route>{route};
  }
};

std::string Chunk(const Json& delta, const Json& finish) {
  Json chunk = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion.chunk"},
      {"created", 1},
      {"model", "gpt-4o-upstream"},
      {"choices",
       Json::array(
           {{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish}}})}};
  return absl::StrCat("data: ", chunk.dump(), "\n\n");
}

std::string JsonAnswer() {
  Json answer = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"created", 1},
      {"model", "gpt-4o-upstream"},
      {"choices", Json::array({{{"index", 0},
                                {"message", {{"role", "assistant"}, {"content", "Hello there"}}},
                                {"finish_reason", "stop"}}})},
      {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 2}, {"total_tokens", 7}}}};
  return answer.dump();
}

// An upstream in memory. Bodies mentioning "stall" wait until their call is cancelled; bodies
// mentioning "limited" are counted while in flight (the highest count is kept).
class InMemoryUpstream : public UpstreamClient {
 public:
  UpstreamOutcome Send(const UpstreamRequest& request, UpstreamHandler& handler,
                       CancelToken& cancel) override {
    if (absl::StrContains(request.body, "stall")) return Stall(cancel);
    const bool limited = absl::StrContains(request.body, "limited");
    if (limited) {
      const int now = ++limited_in_flight_;
      int seen = max_limited_in_flight_.load();
      while (now > seen && !max_limited_in_flight_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();  // overlap with the other calls of the key
    }
    UpstreamOutcome outcome{absl::OkStatus(), 200, true};
    if (request.stream) {
      handler.OnResponseStart(200, {{"Content-Type", "text/event-stream"}}) &&
          handler.OnBodyData(Chunk({{"role", "assistant"}, {"content", ""}}, nullptr)) &&
          handler.OnBodyData(Chunk({{"content", "Hello"}}, nullptr)) &&
          handler.OnBodyData(Chunk({{"content", " there"}}, nullptr)) &&
          handler.OnBodyData(Chunk(Json::object(), "stop") + "data: [DONE]\n\n");
    } else {
      handler.OnResponseStart(200, {{"Content-Type", "application/json"}}) &&
          handler.OnBodyData(JsonAnswer());
    }
    if (limited) --limited_in_flight_;
    return outcome;
  }

  int max_limited_in_flight() const { return max_limited_in_flight_.load(); }

 private:
  UpstreamOutcome Stall(CancelToken& cancel) {
    std::mutex mutex;
    std::condition_variable aborted_cv;
    bool aborted = false;
    cancel.SetAbortAction([&] {
      std::lock_guard lock(mutex);
      aborted = true;
      aborted_cv.notify_all();
    });
    {
      std::unique_lock lock(mutex);
      // The deadline is a hang guard only: a call nobody cancels fails the test below.
      aborted_cv.wait_for(lock, std::chrono::seconds(60), [&] { return aborted; });
    }
    cancel.SetAbortAction(nullptr);
    return UpstreamOutcome{absl::CancelledError("aborted"), 0, false};
  }

  std::atomic<int> limited_in_flight_{0};
  std::atomic<int> max_limited_in_flight_{0};
};

class KeepingUsageSink : public UsageSink {
 public:
  void Record(UsageEvent event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<UsageEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<UsageEvent> events_;
};

class CountingObserver : public CallObserver {
 public:
  void OnCallFinished(const UsageEvent&, std::string_view) override { ++finished; }
  void OnStreamStarted() override { ++streams_started; }
  void OnStreamEnded() override { ++streams_ended; }
  std::atomic<int> finished{0}, streams_started{0}, streams_ended{0};
};

// What the client got. ClientGone is polled by the watchdog thread; the rest runs on the caller's.
class RecordingSink : public ChatResponseSink {
 public:
  explicit RecordingSink(bool gone) : gone_(gone) {}
  void SendJson(int http_status, std::string_view body, const HeaderList&) override {
    status = http_status;
    this->body = std::string(body);
  }
  bool StartStream(const HeaderList&) override {
    status = 200;
    return true;
  }
  bool SendEvent(std::string_view data) override {
    if (Json::accept(data)) text += Json::parse(data)["choices"][0]["delta"].value("content", "");
    return true;
  }
  void EndStream() override { ended = true; }
  bool ClientGone() override { return gone_.load(); }

  int status = 0;
  std::string body;
  std::string text;
  bool ended = false;

 private:
  std::atomic<bool> gone_;
};

enum class Kind { kJson, kStream, kStallGone, kBadKey, kUnknownModel, kLimited };

std::string Body(Kind kind, const std::string& model = "gpt-4o") {
  Json body = {{"model", kind == Kind::kUnknownModel ? "no-such-model" : model},
               {"messages", Json::array({{{"role", "user"}, {"content", "hello"}}})}};
  if (kind == Kind::kStream || kind == Kind::kStallGone) body["stream"] = true;
  if (kind == Kind::kStallGone) body["messages"][0]["content"] = "stall please";
  if (kind == Kind::kLimited) body["messages"][0]["content"] = "limited please";
  return body.dump();
}

TEST(PipelineConcurrencyTest, ManyConcurrentCallsEachAccountedOnceAndVanishedClientsCancelled) {
  SystemClock clock;
  TwoKeys keys;
  OneRoute routes;
  LocalRateLimiter limiter(clock);
  Admission admission(keys, routes, limiter, clock);
  InMemoryUpstream upstream;
  KeepingUsageSink usage;
  CountingObserver observer;
  DisconnectWatchdog watchdog(absl::Milliseconds(1));
  DefaultChatPipeline pipeline({.admission = &admission,
                                .upstream = &upstream,
                                .usage = &usage,
                                .watchdog = &watchdog,
                                .observer = &observer,
                                .clock = &clock},
                               {});
  constexpr int kThreads = 8, kCallsPerThread = 36;
  constexpr Kind kKinds[] = {Kind::kJson,   Kind::kStream,       Kind::kStallGone,
                             Kind::kBadKey, Kind::kUnknownModel, Kind::kLimited};
  std::mutex mutex;
  std::map<std::string, Kind> kinds;  // request id -> kind
  std::atomic<int> wrong{0}, limited_ok{0}, limited_refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kCallsPerThread; ++n) {
        const Kind kind = kKinds[(n + t) % std::size(kKinds)];
        ChatCall call;
        call.request_id = absl::StrCat("req-", t, "-", n);
        call.bearer_secret = kind == Kind::kBadKey    ? "nx-wrong"
                             : kind == Kind::kLimited ? "nx-limited"
                                                      : "nx-good";
        call.body = Body(kind);
        {
          std::lock_guard lock(mutex);
          kinds[call.request_id] = kind;
        }
        RecordingSink sink(/*gone=*/kind == Kind::kStallGone);
        pipeline.Handle(call, sink);
        bool right = false;
        switch (kind) {
          case Kind::kJson:
            right = sink.status == 200 && absl::StrContains(sink.body, "Hello there");
            break;
          case Kind::kStream:
            right = sink.status == 200 && sink.text == "Hello there" && sink.ended;
            break;
          case Kind::kStallGone:
            right = sink.status == 0 && !sink.ended;  // nobody left to answer
            break;
          case Kind::kBadKey:
            right = sink.status == 401;
            break;
          case Kind::kUnknownModel:
            right = sink.status == 404;
            break;
          case Kind::kLimited:
            right = sink.status == 200 || sink.status == 429;
            ++(sink.status == 200 ? limited_ok : limited_refused);
            break;
        }
        if (!right) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);

  // One usage event per call that got past authentication, with the outcome the client saw.
  std::map<std::string, int> seen;
  for (const UsageEvent& event : usage.events()) {
    ++seen[event.request_id()];
    const Kind kind = kinds.at(event.request_id());
    EXPECT_NE(kind, Kind::kBadKey) << event.request_id();
    if (kind == Kind::kLimited) {
      EXPECT_TRUE(event.http_status() == 200 || event.http_status() == 429) << event.request_id();
    } else {
      const int want = kind == Kind::kStallGone ? 499 : kind == Kind::kUnknownModel ? 404 : 200;
      EXPECT_EQ(event.http_status(), want) << event.request_id();
    }
  }
  int accounted = 0;
  for (const auto& [id, kind] : kinds) {
    if (kind == Kind::kBadKey) continue;
    ++accounted;
    EXPECT_EQ(seen[id], 1) << id;
  }
  EXPECT_EQ(usage.events().size(), static_cast<size_t>(accounted));
  EXPECT_EQ(observer.finished.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(observer.streams_started.load(), observer.streams_ended.load());
  EXPECT_EQ(watchdog.watched(), 0u);
  EXPECT_LE(upstream.max_limited_in_flight(), kLimitedConcurrency);
  EXPECT_GT(limited_ok.load(), 0);
  EXPECT_EQ(limited_ok.load() + limited_refused.load(),
            static_cast<int>(std::count_if(kinds.begin(), kinds.end(), [](const auto& k) {
              return k.second == Kind::kLimited;
            })));
}

// A watch ended while the watchdog polls: once Unwatch returned the sink is never polled again;
// CancelAll cancels exactly the calls still watched.
TEST(DisconnectWatchdogConcurrencyTest, UnwatchWaitsForThePollAndCancelAllReachesTheRest) {
  class CountingSink : public ChatResponseSink {
   public:
    void SendJson(int, std::string_view, const HeaderList&) override {}
    bool StartStream(const HeaderList&) override { return true; }
    bool SendEvent(std::string_view) override { return true; }
    void EndStream() override {}
    bool ClientGone() override {
      if (unwatched.load()) ++polled_after_unwatch;
      return false;
    }
    std::atomic<bool> unwatched{false};
    std::atomic<int> polled_after_unwatch{0};
  };
  DisconnectWatchdog watchdog(absl::Microseconds(100));
  std::atomic<int> late_polls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int n = 0; n < 200; ++n) {
        CountingSink sink;
        CancelToken cancel;
        const uint64_t id = watchdog.Watch(sink, cancel);
        std::this_thread::yield();
        watchdog.Unwatch(id);
        sink.unwatched = true;
        std::this_thread::yield();
        late_polls += sink.polled_after_unwatch.load();
        if (cancel.cancelled()) ++late_polls;  // nothing asked for a cancel
      }
    });
  }
  CountingSink kept_sink;
  std::vector<CancelToken> kept(4);
  std::vector<uint64_t> kept_ids;
  for (CancelToken& cancel : kept) kept_ids.push_back(watchdog.Watch(kept_sink, cancel));
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(late_polls.load(), 0);
  EXPECT_EQ(watchdog.watched(), kept.size());
  watchdog.CancelAll();
  for (const CancelToken& cancel : kept) EXPECT_TRUE(cancel.cancelled());
  for (uint64_t id : kept_ids) watchdog.Unwatch(id);
  EXPECT_EQ(watchdog.watched(), 0u);
}

}  // namespace
}  // namespace nexus::gateway
