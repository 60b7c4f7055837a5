// Micro-benchmarks of the gateway's upstream side. Run: <build>/bin/gateway_upstream_bench
#include <benchmark/benchmark.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "gateway/upstream/chat_body.h"
#include "gateway/upstream/chat_stream_relay.h"
#include "gateway/upstream/httplib_upstream_client.h"
#include "gateway/upstream/sse_parser.h"
#include "tests/support/fake_upstream.h"

namespace nexus::gateway {
namespace {

// A realistic OpenAI chunk (about 230 bytes) carrying one short content delta.
std::string Chunk(int i, bool usage_null) {
  std::string c =
      R"({"id":"chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz012","object":"chat.completion.chunk",)"
      R"("created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_3a1b2c3d4e",)"
      R"("choices":[{"index":0,"delta":{"content":" token)" +
      std::to_string(i) + R"("},"logprobs":null,"finish_reason":null}])";
  if (usage_null) c += R"(,"usage":null)";
  return c + "}";
}

std::string Stream(int chunks, bool with_usage) {
  std::string s;
  for (int i = 0; i < chunks; ++i) s += "data: " + Chunk(i, with_usage) + "\n\n";
  if (with_usage) {
    s += R"(data: {"id":"x","object":"chat.completion.chunk","choices":[],)"
         R"("usage":{"prompt_tokens":10,"completion_tokens":500,"total_tokens":510}})"
         "\n\n";
  }
  return s + "data: [DONE]\n\n";
}

constexpr int kChunks = 500;

void FeedInSlices(const std::string& s, size_t slice,
                  const std::function<void(std::string_view)>& f) {
  for (size_t i = 0; i < s.size(); i += slice) f(std::string_view(s).substr(i, slice));
}

void BM_SseParser(benchmark::State& state) {
  const std::string s = Stream(kChunks, true);
  for (auto _ : state) {
    size_t n = 0;
    SseParser parser([&](const SseEvent& e) {
      n += e.data.size();
      return true;
    });
    FeedInSlices(s, 1024, [&](std::string_view b) { (void)parser.Feed(b); });
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * (kChunks + 2));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_SseParser);

// The relay as the pipeline runs it: usage tracking, usage-chunk stripping and text extraction.
void BM_RelayWithTextCallback(benchmark::State& state) {
  const std::string s = Stream(kChunks, true);
  for (auto _ : state) {
    size_t text = 0, events = 0;
    ChatStreamRelay relay(
        {}, [&](std::string_view, RelayEventKind) { return ++events > 0; },
        [&](int, std::string_view t) { text += t.size(); });
    FeedInSlices(s, 1024, [&](std::string_view b) { (void)relay.Feed(b); });
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * (kChunks + 2));
}
BENCHMARK(BM_RelayWithTextCallback);

// Without a text callback chunks that cannot hold usage or an error are not parsed.
void BM_RelayUsageOnly(benchmark::State& state) {
  const std::string s = Stream(kChunks, true);
  for (auto _ : state) {
    size_t events = 0;
    ChatStreamRelay relay({}, [&](std::string_view, RelayEventKind) { return ++events > 0; });
    FeedInSlices(s, 1024, [&](std::string_view b) { (void)relay.Feed(b); });
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * (kChunks + 2));
}
BENCHMARK(BM_RelayUsageOnly);

// Baseline: what a document parse per chunk costs (the approach the relay avoids).
void BM_BaselineDomParsePerChunk(benchmark::State& state) {
  std::vector<std::string> chunks;
  for (int i = 0; i < kChunks; ++i) chunks.push_back(Chunk(i, true));
  for (auto _ : state) {
    size_t text = 0;
    for (const std::string& c : chunks) {
      nlohmann::json j = nlohmann::json::parse(c);
      for (const auto& choice : j["choices"]) {
        text += choice["delta"].value("content", std::string()).size();
      }
    }
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}
BENCHMARK(BM_BaselineDomParsePerChunk);

std::string ChatBody(int messages) {
  nlohmann::json body = {{"model", "gpt-4o"}, {"stream", true}, {"temperature", 0.2}};
  for (int i = 0; i < messages; ++i) {
    body["messages"].push_back(
        {{"role", i % 2 ? "assistant" : "user"},
         {"content", std::string(200, 'a' + i % 26) + " \"quoted\" \u00e9 text"}});
  }
  return body.dump();
}

void BM_PrepareChatRequestBody(benchmark::State& state) {
  const std::string body = ChatBody(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto out = PrepareChatRequestBody(body, "gpt-4o-2024-08-06", true);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_PrepareChatRequestBody)->Arg(4)->Arg(400);

void BM_BaselineDomRewrite(benchmark::State& state) {
  const std::string body = ChatBody(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nlohmann::json j = nlohmann::json::parse(body);
    j["model"] = "gpt-4o-2024-08-06";
    j["stream_options"]["include_usage"] = true;
    std::string out = j.dump();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_BaselineDomRewrite)->Arg(4)->Arg(400);

void BM_ExtractJsonUsage(benchmark::State& state) {
  const std::string answer =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":")" +
      std::string(2000, 'x') +
      R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":500,)"
      R"("total_tokens":510}})";
  for (auto _ : state) benchmark::DoNotOptimize(ExtractJsonUsage(answer));
}
BENCHMARK(BM_ExtractJsonUsage);

class NullHandler : public UpstreamHandler {
 public:
  bool OnResponseStart(int, const HeaderList&) override { return true; }
  bool OnBodyData(std::string_view d) override {
    bytes += d.size();
    return true;
  }
  size_t bytes = 0;
};

// A pooled keep-alive JSON call over loopback, fake upstream included.
void BM_ClientJsonCall(benchmark::State& state) {
  testing_support::FakeUpstream fake;
  if (!fake.Start().ok()) return state.SkipWithError("fake upstream did not start");
  HttplibUpstreamClient client;
  UpstreamRequest request;
  request.base_url = fake.base_url();
  request.path = "/chat/completions";
  request.api_key = "sk-bench";
  request.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  for (auto _ : state) {
    NullHandler handler;
    CancelToken cancel;
    if (!client.Send(request, handler, cancel).status.ok()) state.SkipWithError("call failed");
  }
  state.counters["connections"] = fake.connections();
}
BENCHMARK(BM_ClientJsonCall)->UseRealTime();

// Time from Cancel() to Send() returning while the upstream is stalled mid-stream.
void BM_CancelStalledStream(benchmark::State& state) {
  testing_support::FakeUpstream fake;
  if (!fake.Start().ok()) return state.SkipWithError("fake upstream did not start");
  testing_support::FakeScript stall;
  stall.mode = testing_support::FakeScript::Mode::kStall;
  fake.SetDefaultScript(stall);
  HttplibUpstreamClient client;
  UpstreamRequest request;
  request.base_url = fake.base_url();
  request.path = "/chat/completions";
  request.api_key = "sk-bench";
  request.body = R"({"model":"m","stream":true})";
  request.stream = true;
  for (auto _ : state) {
    NullHandler handler;
    CancelToken cancel;
    auto call =
        std::async(std::launch::async, [&] { return client.Send(request, handler, cancel); });
    while (fake.active_streams() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it settle into the stall
    const auto t0 = std::chrono::steady_clock::now();
    cancel.Cancel();
    UpstreamOutcome out = call.get();
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (out.status.code() != absl::StatusCode::kCancelled) state.SkipWithError("not cancelled");
    while (fake.active_streams() > 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}
BENCHMARK(BM_CancelStalledStream)->UseManualTime()->Iterations(20)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace nexus::gateway

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
