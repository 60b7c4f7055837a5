// The real nexus-registry, nexus-stats and nexus-gateway with fake upstreams: every "Done when"
// bullet of the gateway issue.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/integration/gateway/gateway_stack.h"
#include "tests/integration/gateway/openai_schema.h"

namespace nexus::testing_support {
namespace {

using nlohmann::json;

constexpr char kChat[] = R"({"model":"fake-model","messages":[{"role":"user","content":"Hi"}]})";
constexpr char kStreamChat[] =
    R"({"model":"fake-model","stream":true,"stream_options":{"include_usage":true},)"
    R"("messages":[{"role":"user","content":"Hi"}]})";

class GatewayIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new GatewayStack();
    ASSERT_TRUE(stack_->Start());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    stack_->primary().Reset();
    stack_->backup().Reset();
    stack_->primary().SetDefaultScript(FakeScript{});
    stack_->backup().SetDefaultScript(FakeScript{});
  }

  httplib::Result Post(const std::string& path, const std::string& body, const std::string& key) {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return stack_->Client()->Post(path, headers, body, "application/json");
  }

  // A new key with its own usage ledger, so each test counts only its own calls.
  std::string FreshKey(int64_t* id) {
    nexus::registry::v1::CreateKeyRequest request;
    request.set_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
    return stack_->CreateKey(request, id);
  }

  void ExpectOpenAiError(const httplib::Result& res, int status, const std::string& what) {
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, status) << what << ": " << res->body;
    json body = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << what << ": " << res->body;
    EXPECT_TRUE(schema_.Check(body, "ErrorResponse").empty())
        << what << ": " << res->body << " "
        << ::testing::PrintToString(schema_.Check(body, "ErrorResponse"));
    EXPECT_TRUE(body["error"]["message"].is_string()) << what;
    EXPECT_FALSE(res->get_header_value("X-Request-Id").empty()) << what;
  }

  static GatewayStack* stack_;
  OpenAiSchema schema_;
};

GatewayStack* GatewayIntegrationTest::stack_ = nullptr;

TEST_F(GatewayIntegrationTest, NonStreamingRoundTrip) {
  httplib::Headers headers = {{"Authorization", "Bearer " + stack_->key()},
                              {"X-Request-Id", "client-chosen-id-1"}};
  auto res = stack_->Client()->Post("/v1/chat/completions", headers, kChat, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "client-chosen-id-1");
  EXPECT_FALSE(res->get_header_value("X-Nexus-Overhead-Ms").empty());
  json body = json::parse(res->body);
  // The fake upstream omits message.refusal (required by the spec); the gateway passes the
  // answer through untouched, so that one is the fake's, not ours.
  std::vector<std::string> problems = schema_.Check(body, "CreateChatCompletionResponse");
  std::erase_if(problems, [](const std::string& p) { return absl::StrContains(p, "refusal"); });
  EXPECT_EQ(problems, std::vector<std::string>{}) << res->body;
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello from the fake upstream.");
  // The upstream saw the upstream model name and our provider key, nothing else changed.
  auto requests = stack_->primary().requests();
  ASSERT_EQ(requests.size(), 1u);
  json sent = json::parse(requests[0].body);
  EXPECT_EQ(sent["model"], "fake-model-large");
  EXPECT_EQ(sent["messages"], json::parse(kChat)["messages"]);
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer sk-primary-upstream-secret-0001");
}

TEST_F(GatewayIntegrationTest, StreamingRoundTripWithUsage) {
  auto res = Post("/v1/chat/completions", kStreamChat, stack_->key());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(absl::StartsWith(res->get_header_value("Content-Type"), "text/event-stream"));
  EXPECT_EQ(res->get_header_value("X-Accel-Buffering"), "no");
  std::string text;
  bool saw_usage = false;
  size_t done = res->body.find("data: [DONE]");
  ASSERT_NE(done, std::string::npos) << res->body;
  for (absl::string_view piece : absl::StrSplit(res->body.substr(0, done), "\n")) {
    std::string line(piece);
    if (!absl::StartsWith(line, "data: ")) continue;
    json chunk = json::parse(line.substr(6));
    EXPECT_EQ(schema_.Check(chunk, "CreateChatCompletionStreamResponse"),
              std::vector<std::string>{})
        << line;
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content")) {
      text += chunk["choices"][0]["delta"]["content"].get<std::string>();
    }
    if (chunk.contains("usage") && chunk["usage"].is_object()) {
      saw_usage = true;
      EXPECT_EQ(chunk["usage"]["prompt_tokens"], 9);
      EXPECT_EQ(chunk["usage"]["completion_tokens"], 5);
    }
  }
  EXPECT_EQ(text, "Hello from the fake upstream.");
  EXPECT_TRUE(saw_usage);
}

TEST_F(GatewayIntegrationTest, SimplifiedEndpointStreamsByDefaultAndStripsUnaskedUsage) {
  auto res = Post("/chat/completions", kChat, stack_->key());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find("data: [DONE]"), std::string::npos);
  EXPECT_EQ(res->body.find("\"usage\":{"), std::string::npos) << res->body;
  json sent = json::parse(stack_->primary().requests().at(0).body);
  EXPECT_EQ(sent["stream"], true);
  EXPECT_EQ(sent["temperature"], 0.7);
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);
}

TEST_F(GatewayIntegrationTest, UsageTotalsInStatsEqualUpstreamUsage) {
  int64_t key_id = 0;
  std::string key = FreshKey(&key_id);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Post("/v1/chat/completions", kChat, key)->status, 200);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(Post("/v1/chat/completions", kStreamChat, key)->status, 200);
  // The client did not ask for usage here, but the gateway asks upstream and still records it.
  ASSERT_EQ(Post("/chat/completions", kChat, key)->status, 200);
  nexus::stats::v1::Totals totals = stack_->WaitForRequests(key_id, 6, absl::Seconds(20));
  EXPECT_EQ(totals.requests(), 6);
  EXPECT_EQ(totals.prompt_tokens(), 6 * 9);
  EXPECT_EQ(totals.completion_tokens(), 6 * 5);
  EXPECT_EQ(totals.total_tokens(), 6 * 14);
  for (const auto& event : stack_->EventsFor(key_id)) {
    EXPECT_EQ(event.token_source(), nexus::stats::v1::TOKEN_SOURCE_REPORTED);
  }
}

TEST_F(GatewayIntegrationTest, FailsOverBeforeTheFirstByte) {
  FakeScript failing;
  failing.mode = FakeScript::Mode::kHttpError;
  failing.http_status = 503;
  stack_->primary().QueueScript(failing);
  auto res = Post("/v1/chat/completions", kStreamChat, stack_->key());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find("data: [DONE]"), std::string::npos);
  EXPECT_EQ(stack_->primary().requests().size(), 1u);
  EXPECT_EQ(stack_->backup().requests().size(), 1u);
  // A 429 fails over too; a 400 does not (the request itself is wrong).
  FakeScript limited = failing;
  limited.http_status = 429;
  stack_->primary().QueueScript(limited);
  EXPECT_EQ(Post("/v1/chat/completions", kChat, stack_->key())->status, 200);
  FakeScript bad = failing;
  bad.http_status = 400;
  bad.error_message = "Bad thing; your key sk-primary-upstream-secret-0001 is fine";
  stack_->primary().QueueScript(bad);
  auto rejected = Post("/v1/chat/completions", kChat, stack_->key());
  ExpectOpenAiError(rejected, 400, "upstream 400");
  EXPECT_EQ(rejected->body.find("sk-primary-upstream-secret-0001"), std::string::npos)
      << rejected->body;
  EXPECT_EQ(stack_->backup().requests().size(), 2u);
}

TEST_F(GatewayIntegrationTest, NoFailoverAfterTheFirstByte) {
  FakeScript broken;
  broken.mode = FakeScript::Mode::kCloseMidStream;
  broken.after_events = 2;
  stack_->primary().QueueScript(broken);
  auto res = Post("/v1/chat/completions", kStreamChat, stack_->key());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.find("data: [DONE]"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("\"error\""), std::string::npos) << res->body;
  EXPECT_EQ(stack_->backup().requests().size(), 0u);
}

// Sends a streaming request on a raw socket, reads until `events` data lines arrived, closes.
void StreamThenHangUp(int port, const std::string& key, int events) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  std::string body = kStreamChat;
  std::string request = absl::StrCat(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ", key,
      "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string received;
  char buffer[4096];
  while (true) {
    size_t seen = 0;
    for (size_t at = received.find("data: "); at != std::string::npos;
         at = received.find("data: ", at + 1)) {
      ++seen;
    }
    if (static_cast<int>(seen) >= events) break;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    ASSERT_GT(n, 0) << received;
    received.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
}

TEST_F(GatewayIntegrationTest, ClientDisconnectAbortsStalledUpstreamAndRecordsPartialUsage) {
  int64_t key_id = 0;
  std::string key = FreshKey(&key_id);
  FakeScript stall;
  stall.mode = FakeScript::Mode::kStall;
  stall.after_events = 2;
  stack_->primary().QueueScript(stall);
  StreamThenHangUp(stack_->gateway_port(), key, 2);
  // The upstream writes nothing while stalled: only the gateway's watch on the client socket can
  // notice; the issue allows one second.
  EXPECT_TRUE(stack_->primary().WaitForClientAborts(1, absl::Seconds(1)));
  stack_->WaitForRequests(key_id, 1, absl::Seconds(20));
  auto events = stack_->EventsFor(key_id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].http_status(), 499);
  EXPECT_GT(events[0].prompt_tokens(), 0);
  EXPECT_GT(events[0].completion_tokens(), 0);
  EXPECT_EQ(events[0].token_source(), nexus::stats::v1::TOKEN_SOURCE_COUNTED);
}

TEST_F(GatewayIntegrationTest, StatsOutageSpoolsAndReplaysWithoutLossOrDuplicates) {
  int64_t key_id = 0;
  std::string key = FreshKey(&key_id);
  ASSERT_EQ(Post("/v1/chat/completions", kChat, key)->status, 200);
  ASSERT_EQ(stack_->WaitForRequests(key_id, 1, absl::Seconds(20)).requests(), 1);
  stack_->StopStats();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Post("/v1/chat/completions", kChat, key)->status, 200);
  stack_->StartStats();
  nexus::stats::v1::Totals totals = stack_->WaitForRequests(key_id, 6, absl::Seconds(60));
  EXPECT_EQ(totals.requests(), 6);
  EXPECT_EQ(totals.prompt_tokens(), 6 * 9);
  // Nothing is counted twice: still six after the reporter settled.
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(stack_->TotalsFor(key_id)->requests(), 6);
}

TEST_F(GatewayIntegrationTest, RevokedKeyIsRejectedWithinOneSecond) {
  int64_t key_id = 0;
  std::string key = FreshKey(&key_id);
  ASSERT_EQ(Post("/v1/chat/completions", kChat, key)->status, 200);
  grpc::ClientContext context;
  nexus::registry::v1::RevokeKeyRequest revoke;
  revoke.set_id(key_id);
  nexus::registry::v1::ClientKey revoked;
  ASSERT_TRUE(stack_->registry().RevokeKey(&context, revoke, &revoked).ok());
  absl::Time deadline = absl::Now() + absl::Seconds(1);
  int status = 200;
  while (absl::Now() < deadline && status == 200) {
    status = Post("/v1/chat/completions", kChat, key)->status;
  }
  EXPECT_EQ(status, 401);
  ExpectOpenAiError(Post("/v1/chat/completions", kChat, key), 401, "revoked key");
}

TEST_F(GatewayIntegrationTest, BadInputsGetPreciseOpenAiErrors) {
  const std::string& key = stack_->key();
  ExpectOpenAiError(Post("/v1/chat/completions", "{not json", key), 400, "malformed JSON");
  ExpectOpenAiError(Post("/v1/chat/completions", "[1,2]", key), 400, "not an object");
  ExpectOpenAiError(Post("/v1/chat/completions", R"({"messages":[]})", key), 400, "no model");
  ExpectOpenAiError(Post("/v1/chat/completions", R"({"model":"fake-model"})", key), 400,
                    "no messages");
  ExpectOpenAiError(Post("/v1/chat/completions", R"({"model":"fake-model","messages":"hi"})", key),
                    400, "messages of the wrong type");
  ExpectOpenAiError(Post("/v1/chat/completions",
                         R"({"model":42,"messages":[{"role":"user","content":"x"}]})", key),
                    400, "model of the wrong type");
  ExpectOpenAiError(
      Post("/v1/chat/completions",
           R"({"model":"fake-model","stream":"yes","messages":[{"role":"user","content":"x"}]})",
           key),
      400, "stream of the wrong type");
  std::string huge = absl::StrCat(R"({"model":"fake-model","messages":[{"role":"user","content":")",
                                  std::string(100000, 'a'), R"("}]})");
  ExpectOpenAiError(Post("/v1/chat/completions", huge, key), 413, "oversized body");
  ExpectOpenAiError(
      Post("/v1/chat/completions",
           R"({"model":"no-such-model","messages":[{"role":"user","content":"x"}]})", key),
      404, "unknown model");
  ExpectOpenAiError(Post("/v1/chat/completions", kChat, "nx-not-a-real-key-000000000000"), 401,
                    "bad key");
  ExpectOpenAiError(Post("/v1/chat/completions", kChat, ""), 401, "no key");
  ExpectOpenAiError(stack_->Client()->Get("/v1/nothing-here"), 404, "unknown route");
  EXPECT_TRUE(stack_->primary().requests().empty());
}

TEST_F(GatewayIntegrationTest, DisabledAndExpiredKeysAreRejected) {
  nexus::registry::v1::CreateKeyRequest disabled;
  disabled.set_name("disabled");
  disabled.set_enabled(false);
  std::string disabled_key = stack_->CreateKey(disabled, nullptr);
  ExpectOpenAiError(Post("/v1/chat/completions", kChat, disabled_key), 401, "disabled key");
  nexus::registry::v1::CreateKeyRequest expiring;
  expiring.set_name("expiring");
  expiring.set_expires_at_ms(absl::ToUnixMillis(absl::Now() + absl::Milliseconds(1500)));
  std::string expiring_key = stack_->CreateKey(expiring, nullptr);
  EXPECT_EQ(Post("/v1/chat/completions", kChat, expiring_key)->status, 200);
  absl::SleepFor(absl::Milliseconds(1600));
  ExpectOpenAiError(Post("/v1/chat/completions", kChat, expiring_key), 401, "expired key");
}

TEST_F(GatewayIntegrationTest, ModelsEmbeddingsAndTokenCount) {
  httplib::Headers headers = {{"Authorization", "Bearer " + stack_->key()}};
  auto models = stack_->Client()->Get("/v1/models", headers);
  ASSERT_TRUE(models);
  ASSERT_EQ(models->status, 200) << models->body;
  json list = json::parse(models->body);
  EXPECT_TRUE(schema_.Check(list, "ListModelsResponse").empty()) << models->body;
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0]["id"], "fake-model");
  auto embeddings =
      Post("/v1/embeddings", R"({"model":"fake-model","input":"hello world"})", stack_->key());
  ASSERT_TRUE(embeddings);
  EXPECT_EQ(embeddings->status, 200) << embeddings->body;
  auto count = Post("/api/tokens/count", R"({"model":"gpt-4o","text":"hello world"})",
                    stack_->admin_token());
  ASSERT_TRUE(count);
  ASSERT_EQ(count->status, 200) << count->body;
  json counted = json::parse(count->body);
  EXPECT_EQ(counted["tokens"], 2);
  EXPECT_EQ(counted["encoding"], "o200k_base");
  EXPECT_EQ(counted["exact"], true);
  ExpectOpenAiError(Post("/api/tokens/count", R"({"model":"gpt-4o"})", stack_->key()), 400,
                    "count without text");
  auto ready = stack_->Client()->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto metrics = stack_->Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("nexus_gateway_requests_total"), std::string::npos);
}

TEST_F(GatewayIntegrationTest, SecondGatewayOnTheSamePortFailsClearly) {
  CommandResult second =
      RunCommand({BinaryPath("nexus-gateway")},
                 {{"NEXUS_GATEWAY_LISTEN", absl::StrCat("127.0.0.1:", stack_->gateway_port())},
                  {"NEXUS_DATA_DIR", "/tmp"}});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.errors.find("in use"), std::string::npos) << second.errors;
}

// Opens a TCP connection to the loopback port and sends nothing: it holds one gateway worker
// until the gateway's client read timeout.
int OpenIdleConnection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// GET /healthz on new connections until it answers `expected` or `timeout` passes; returns the
// last status (0 when nothing answered) and its body.
int HealthzUntil(int port, int expected, absl::Duration timeout, std::string* body) {
  int status = 0;
  absl::Time deadline = absl::Now() + timeout;
  do {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(5, 0);
    if (auto res = client.Get("/healthz")) {
      status = res->status;
      *body = res->body;
    }
  } while (status != expected && absl::Now() < deadline);
  return status;
}

TEST_F(GatewayIntegrationTest, SaturatedWorkerPoolAnswers503AtOnceThenRecovers) {
  constexpr int kWorkers = 4;  // The smallest pool the gateway accepts.
  int port = FreePort();
  auto gateway = stack_->StartExtraGateway(
      port,
      {{"NEXUS_GATEWAY_WORKERS", std::to_string(kWorkers)}, {"NEXUS_GATEWAY_READ_TIMEOUT", "60s"}});
  std::string body;
  ASSERT_EQ(HealthzUntil(port, 200, absl::Seconds(10), &body), 200) << gateway->ReadLog();

  std::vector<int> idle;
  for (int i = 0; i < kWorkers; ++i) idle.push_back(OpenIdleConnection(port));
  // Every worker now waits on a silent client; the next connection must be refused, not queued.
  ASSERT_EQ(HealthzUntil(port, 503, absl::Seconds(10), &body), 503);
  json error = json::parse(body, nullptr, false);
  ASSERT_TRUE(error.is_object()) << body;
  EXPECT_TRUE(schema_.Check(error, "ErrorResponse").empty()) << body;

  for (int fd : idle) close(fd);
  EXPECT_EQ(HealthzUntil(port, 200, absl::Seconds(10), &body), 200);
  EXPECT_EQ(gateway->Stop(SIGTERM, absl::Seconds(15)), 0) << gateway->ReadLog();
}

}  // namespace
}  // namespace nexus::testing_support
