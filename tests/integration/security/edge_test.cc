// The gateway's edge defences against the real binaries (registry, stats, gateways with security
// settings, fake upstreams on loopback): failed-auth lockout per client address, request size,
// header size and deadline, JSON depth and WebSocket message limits, client keys refused by the
// admin API, CORS, console security headers, and the upstream address policy.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/integration/gateway/gateway_stack.h"

namespace nexus::testing_support {
namespace {

using nlohmann::json;
namespace pb = nexus::registry::v1;

constexpr char kChat[] =
    R"({"model":"fake-model","stream":false,"messages":[{"role":"user","content":"hi"}]})";

// One TCP connection to the gateway from a chosen loopback source address (127.0.0.0/8 is all
// local on Linux), so that tests can be "different clients".
class RawConnection {
 public:
  RawConnection(const std::string& source_ip, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)), 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&target), sizeof(target)), 0);
  }
  ~RawConnection() { ::close(fd_); }

  bool Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until the peer closes or `timeout` passes (a hang guard, not a measurement).
  std::string ReadAll(absl::Duration timeout = absl::Seconds(20)) {
    std::string out;
    const absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[8192];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  // Waits for the first bytes the peer sends (up to 10 s) and returns what arrived.
  std::string ReadSome() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return "";
    char buffer[8192];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }
  // True once the peer closed (reads return 0 or fail); waits up to `timeout`.
  bool PeerClosed(absl::Duration timeout) {
    ReadAll(timeout);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

int StatusOf(const std::string& response) {
  int status = 0;
  if (response.rfind("HTTP/1.1 ", 0) == 0) status = std::atoi(response.substr(9, 3).c_str());
  return status;
}

std::string BodyOf(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

std::string Request(const std::string& source_ip, int port, const std::string& method,
                    const std::string& path, const std::string& bearer,
                    const std::string& body = "") {
  RawConnection connection(source_ip, port);
  std::string request =
      absl::StrCat(method, " ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n", "Connection: close\r\n");
  if (!bearer.empty()) absl::StrAppend(&request, "Authorization: Bearer ", bearer, "\r\n");
  if (!body.empty() || method == "POST") {
    absl::StrAppend(&request, "Content-Type: application/json\r\nContent-Length: ", body.size(),
                    "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  connection.Send(request);
  return connection.ReadAll();
}

bool IsOpenAiError(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_object() && parsed.contains("error") && parsed["error"].contains("message") &&
         parsed["error"].contains("type");
}

class SecurityEdgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new GatewayStack();
    if (!stack_->Start()) GTEST_SKIP() << "the stack did not start";
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(stack_, nullptr); }

  // Another gateway on the stack's registry and stats with extra settings; waits until it routes.
  std::unique_ptr<Subprocess> ExtraGateway(std::map<std::string, std::string> env, int& port) {
    port = FreePort();
    auto process = stack_->StartExtraGateway(port, env);
    const absl::Time until = absl::Now() + absl::Seconds(30);
    httplib::Client client("127.0.0.1", port);
    while (absl::Now() < until) {
      auto res = client.Get("/v1/models", {{"Authorization", "Bearer " + stack_->key()}});
      if (res && res->status == 200 && absl::StrContains(res->body, "fake-model")) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return process;
  }

  static GatewayStack* stack_;
};

GatewayStack* SecurityEdgeTest::stack_ = nullptr;

TEST_F(SecurityEdgeTest, RepeatedBadKeysFromOneAddressAreSlowedDownOthersUnaffected) {
  int port = 0;
  auto gateway =
      ExtraGateway({{"NEXUS_AUTH_FAILURE_LIMIT", "3"}, {"NEXUS_AUTH_FAILURE_WINDOW", "60s"}}, port);
  const std::string good = stack_->key();
  for (int i = 0; i < 3; ++i) {
    std::string r = Request("127.0.0.2", port, "POST", "/v1/chat/completions",
                            absl::StrCat("nx-guess-", i, "-0000000000000000"), kChat);
    EXPECT_EQ(StatusOf(r), 401) << r;
  }
  std::string locked =
      Request("127.0.0.2", port, "POST", "/v1/chat/completions", "nx-guess", kChat);
  EXPECT_EQ(StatusOf(locked), 429) << locked;
  EXPECT_TRUE(absl::StrContains(locked, "Retry-After: ")) << locked;
  EXPECT_TRUE(IsOpenAiError(BodyOf(locked))) << locked;
  // Locked out means every credential from that address, a valid one included: otherwise the
  // lockout would still tell the guesser which guess was right.
  EXPECT_EQ(StatusOf(Request("127.0.0.2", port, "POST", "/v1/chat/completions", good, kChat)), 429);
  EXPECT_EQ(StatusOf(Request("127.0.0.2", port, "GET", "/api/admin/keys", stack_->admin_token())),
            429);
  // The refused request's body is never read: the connection closes after the 429 rather than
  // parse that body (and what follows it) as a next request, which answered a stream of 400s.
  RawConnection keep_alive("127.0.0.2", port);
  keep_alive.Send(absl::StrCat("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                               "Authorization: Bearer ", good, "\r\nContent-Type: application/json",
                               "\r\nContent-Length: ", std::string_view(kChat).size(), "\r\n\r\n",
                               kChat, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string answers = keep_alive.ReadAll();
  EXPECT_EQ(StatusOf(answers), 429) << answers;
  EXPECT_TRUE(absl::StrContains(answers, "Connection: close")) << answers;
  EXPECT_EQ(answers.find("HTTP/1.1 ", 1), std::string::npos) << "a second answer: " << answers;
  // Other addresses: good keys work, bad keys are plain 401s.
  std::string other = Request("127.0.0.3", port, "POST", "/v1/chat/completions", good, kChat);
  EXPECT_EQ(StatusOf(other), 200) << other;
  EXPECT_EQ(StatusOf(Request("127.0.0.3", port, "GET", "/v1/models", "nx-wrong")), 401);
  // Admin token guesses count too.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusOf(Request("127.0.0.4", port, "GET", "/api/admin/keys", "nxa-guess")), 401);
  }
  EXPECT_EQ(StatusOf(Request("127.0.0.4", port, "GET", "/api/admin/keys", "nxa-guess")), 429);
}

TEST_F(SecurityEdgeTest, RequestSizeHeaderSizeJsonDepthAndSlowHeaders) {
  int port = 0;
  auto gateway = ExtraGateway({{"NEXUS_GATEWAY_MAX_BODY_BYTES", "65536"},
                               {"NEXUS_GATEWAY_MAX_HEADER_BYTES", "8192"},
                               {"NEXUS_GATEWAY_HEADER_TIMEOUT", "2s"},
                               {"NEXUS_AUTH_FAILURE_LIMIT", "0"}},
                              port);
  const std::string key = stack_->key();

  // Oversized body: 413 in OpenAI's shape.
  const std::string big = absl::StrCat(R"({"model":"fake-model","messages":[{"role":"user",)",
                                       R"("content":")", std::string(100000, 'a'), R"("}]})");
  std::string too_big = Request("127.0.0.1", port, "POST", "/v1/chat/completions", key, big);
  EXPECT_EQ(StatusOf(too_big), 413) << too_big.substr(0, 300);
  EXPECT_TRUE(IsOpenAiError(BodyOf(too_big))) << too_big.substr(0, 300);

  // JSON nested beyond the decoder's depth: 400 in OpenAI's shape.
  const std::string deep =
      absl::StrCat(R"({"model":"fake-model","messages":[{"role":"user","content":"x","extra":)",
                   std::string(5000, '['), std::string(5000, ']'), "}]}");
  std::string too_deep = Request("127.0.0.1", port, "POST", "/v1/chat/completions", key, deep);
  EXPECT_EQ(StatusOf(too_deep), 400) << too_deep.substr(0, 300);
  EXPECT_TRUE(IsOpenAiError(BodyOf(too_deep))) << too_deep.substr(0, 300);

  // Header flood: 431 (or the connection is closed without an answer).
  {
    RawConnection flood("127.0.0.1", port);
    std::string request = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 400; ++i)
      absl::StrAppend(&request, "X-Flood-", i, ": ", std::string(60, 'f'), "\r\n");
    request += "\r\n";
    flood.Send(request);
    std::string answer = flood.ReadAll();
    EXPECT_TRUE(answer.empty() || StatusOf(answer) == 431) << answer.substr(0, 300);
    if (!answer.empty()) {
      EXPECT_TRUE(IsOpenAiError(BodyOf(answer))) << answer;
    }
  }

  // Slow loris: one header byte per second. The 2 s head deadline closes the connection long
  // before the 60 bytes could be sent (the loop is bounded; no timing is asserted).
  {
    RawConnection slow("127.0.0.1", port);
    ASSERT_TRUE(slow.Send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    bool closed = false;
    std::string answer;
    for (int i = 0; i < 60 && !closed; ++i) {
      if (!slow.Send("s")) break;
      answer += slow.ReadAll(absl::Seconds(1));
      closed = slow.PeerClosed(absl::ZeroDuration());
    }
    EXPECT_TRUE(closed) << "a client trickling its headers was never disconnected";
    EXPECT_TRUE(answer.empty() || StatusOf(answer) == 408) << answer;
  }

  // The gateway still serves normal requests.
  EXPECT_EQ(StatusOf(Request("127.0.0.1", port, "POST", "/v1/chat/completions", key, kChat)), 200);
}

TEST_F(SecurityEdgeTest, WebSocketMessagesAboveTheLimitCloseWith1009) {
  int port = 0;
  auto gateway = ExtraGateway({{"NEXUS_WS_MAX_MESSAGE_BYTES", "4096"}}, port);
  RawConnection ws("127.0.0.1", port);
  ASSERT_TRUE(ws.Send(
      "GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  // One masked text frame of 10000 bytes (mask 0: the payload goes unchanged).
  std::string frame = {static_cast<char>(0x81),
                       static_cast<char>(0x80 | 126),
                       static_cast<char>(10000 >> 8),
                       static_cast<char>(10000 & 0xff),
                       0,
                       0,
                       0,
                       0};
  frame += std::string(10000, 'x');
  // A client sends frames once the 101 arrived.
  const std::string upgraded = ws.ReadSome();
  ASSERT_TRUE(absl::StartsWith(upgraded, "HTTP/1.1 101")) << upgraded;
  ASSERT_TRUE(ws.Send(frame));
  const std::string frames = BodyOf(upgraded) + ws.ReadAll(absl::Seconds(10));
  const std::string close_1009 = {static_cast<char>(0x88)};
  const size_t at = frames.find(close_1009);
  ASSERT_NE(at, std::string::npos) << "no close frame";
  ASSERT_GE(frames.size(), at + 4);
  EXPECT_EQ((static_cast<uint8_t>(frames[at + 2]) << 8) | static_cast<uint8_t>(frames[at + 3]),
            1009);
}

TEST_F(SecurityEdgeTest, AdminApiRefusesClientKeysAndTheApiRefusesTheAdminToken) {
  httplib::Client client("127.0.0.1", stack_->gateway_port());
  for (const char* path : {"/api/admin/providers", "/api/admin/keys", "/api/admin/stats/summary"}) {
    auto res = client.Get(path, {{"Authorization", "Bearer " + stack_->key()}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_TRUE(IsOpenAiError(res->body)) << res->body;
  }
  auto create = client.Post("/api/admin/keys", {{"Authorization", "Bearer " + stack_->key()}},
                            R"({"name":"escalate"})", "application/json");
  ASSERT_TRUE(create);
  EXPECT_EQ(create->status, 401);
  auto models = client.Get("/v1/models", {{"Authorization", "Bearer " + stack_->admin_token()}});
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
}

TEST_F(SecurityEdgeTest, CorsClosedByDefaultOpenForConfiguredOriginsIncludingStreams) {
  const httplib::Headers preflight = {{"Origin", "https://app.example.com"},
                                      {"Access-Control-Request-Method", "POST"},
                                      {"Access-Control-Request-Headers", "authorization"}};
  httplib::Client closed("127.0.0.1", stack_->gateway_port());
  auto refused = closed.Options("/v1/chat/completions", preflight);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_FALSE(refused->has_header("Access-Control-Allow-Origin"));
  auto plain = closed.Post(
      "/v1/chat/completions",
      {{"Authorization", "Bearer " + stack_->key()}, {"Origin", "https://app.example.com"}}, kChat,
      "application/json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_FALSE(plain->has_header("Access-Control-Allow-Origin"));

  int port = 0;
  auto gateway = ExtraGateway({{"NEXUS_CORS_ALLOWED_ORIGINS", "https://app.example.com"}}, port);
  httplib::Client open("127.0.0.1", port);
  auto allowed = open.Options("/v1/chat/completions", preflight);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 204);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  auto stream = open.Post(
      "/v1/chat/completions",
      {{"Authorization", "Bearer " + stack_->key()}, {"Origin", "https://app.example.com"}},
      R"({"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi"}]})",
      "application/json");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 200);
  EXPECT_EQ(stream->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  auto other = open.Options("/v1/chat/completions", {{"Origin", "https://evil.example"},
                                                     {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  auto admin = open.Get("/api/admin/providers", {{"Origin", "https://app.example.com"}});
  ASSERT_TRUE(admin);
  EXPECT_FALSE(admin->has_header("Access-Control-Allow-Origin"));
}

TEST_F(SecurityEdgeTest, ConsoleIsServedWithSecurityHeaders) {
  int port = 0;
  auto gateway = ExtraGateway({{"NEXUS_WEB_ROOT", NEXUS_WEB_SOURCE_DIR}}, port);
  httplib::Client client("127.0.0.1", port);
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  ASSERT_EQ(index->status, 200);
  const std::string csp = index->get_header_value("Content-Security-Policy");
  EXPECT_TRUE(absl::StrContains(csp, "script-src 'self'")) << csp;
  EXPECT_TRUE(absl::StrContains(csp, "frame-ancestors 'none'")) << csp;
  EXPECT_FALSE(absl::StrContains(csp, "unsafe-inline")) << csp;
  EXPECT_FALSE(absl::StrContains(csp, "unsafe-eval")) << csp;
  EXPECT_EQ(index->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index->get_header_value_count("X-Content-Type-Options"), 1u);
  EXPECT_FALSE(index->has_header("Access-Control-Allow-Origin"));
}

TEST_F(SecurityEdgeTest, UpstreamsCannotPointAtTheGatewayOrMetadataAddresses) {
  // Through the registry directly (as nexusctl would): only the connect-time check stands.
  const std::string self = absl::StrCat("http://127.0.0.1:", stack_->gateway_port(), "/v1");
  for (const auto& [name, url] : std::vector<std::pair<std::string, std::string>>{
           {"loop", self}, {"metadata", "http://169.254.169.254/v1"}}) {
    pb::CreateProviderRequest provider;
    provider.set_name(name);
    provider.set_base_url(url);
    grpc::ClientContext context;
    pb::Provider created;
    ASSERT_TRUE(stack_->registry().CreateProvider(&context, provider, &created).ok());
    pb::CreateModelRequest model;
    model.set_provider_id(created.id());
    model.set_name(name + "-model");
    grpc::ClientContext model_context;
    pb::Model created_model;
    ASSERT_TRUE(stack_->registry().CreateModel(&model_context, model, &created_model).ok());
  }
  httplib::Client client("127.0.0.1", stack_->gateway_port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + stack_->key()}};
  const absl::Time until = absl::Now() + absl::Seconds(30);
  while (absl::Now() < until) {
    auto res = client.Get("/v1/models", auth);
    if (res && absl::StrContains(res->body, "metadata-model")) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  const size_t calls_before = stack_->primary().requests().size();
  for (const char* model : {"loop-model", "metadata-model"}) {
    auto res = client.Post("/v1/chat/completions", auth,
                           json({{"model", model},
                                 {"stream", false},
                                 {"messages", {{{"role", "user"}, {"content", "x"}}}}})
                               .dump(),
                           "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 502) << model << ": " << res->body;
    EXPECT_TRUE(IsOpenAiError(res->body));
  }
  EXPECT_EQ(stack_->primary().requests().size(), calls_before);

  // Through the admin API: refused at once, naming base_url.
  auto refused =
      client.Post("/api/admin/providers", {{"Authorization", "Bearer " + stack_->admin_token()}},
                  json({{"name", "loop2"}, {"base_url", self}}).dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_EQ(json::parse(refused->body)["error"]["param"], "base_url") << refused->body;

  // With loopback not allowed, the fake upstreams on 127.0.0.1 are refused too.
  int port = 0;
  auto strict = ExtraGateway({{"NEXUS_UPSTREAM_ALLOW_LOOPBACK", "false"}}, port);
  httplib::Client strict_client("127.0.0.1", port);
  auto denied = strict_client.Post("/v1/chat/completions", auth, kChat, "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 502) << denied->body;
  auto allowed = client.Post("/v1/chat/completions", auth, kChat, "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;
}

}  // namespace
}  // namespace nexus::testing_support
