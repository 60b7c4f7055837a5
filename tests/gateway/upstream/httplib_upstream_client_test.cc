#include "gateway/upstream/httplib_upstream_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "gateway/upstream/chat_stream_relay.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using ::nexus::testing_support::FakeScript;
using ::nexus::testing_support::FakeUpstream;
using ::nexus::testing_support::FakeUpstreamOptions;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "sk-upstream-secret-123";

// Records what the client delivers; can stop the call or signal the first body bytes.
class RecordingHandler : public UpstreamHandler {
 public:
  bool OnResponseStart(int status, const HeaderList& headers) override {
    std::lock_guard<std::mutex> lock(mutex_);
    this->status = status;
    this->headers = headers;
    return !stop_at_start;
  }
  bool OnBodyData(std::string_view data) override {
    std::lock_guard<std::mutex> lock(mutex_);
    body.append(data);
    ++body_calls;
    got_data_.notify_all();
    return stop_after_calls == 0 || body_calls < stop_after_calls;
  }
  bool WaitForData(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return got_data_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                              [&] { return body_calls > 0; });
  }
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }

  int status = 0;
  HeaderList headers;
  std::string body;
  int body_calls = 0;
  bool stop_at_start = false;
  int stop_after_calls = 0;

 private:
  std::mutex mutex_;
  std::condition_variable got_data_;
};

ChatStreamRelayOptions RelayOptions() {
  ChatStreamRelayOptions options;
  options.client_wants_usage = true;
  return options;
}

HttplibUpstreamClientOptions ClientOptions(absl::Duration read_timeout = absl::Seconds(300),
                                           size_t max_idle = 32) {
  HttplibUpstreamClientOptions options;
  options.read_timeout = read_timeout;
  options.max_idle_per_host = max_idle;
  return options;
}

FakeUpstreamOptions WithKey() {
  FakeUpstreamOptions options;
  options.api_key = kKey;
  return options;
}

class HttplibUpstreamClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }
  void SetUp() override { ASSERT_TRUE(fake_.Start().ok()); }

  UpstreamRequest Chat(bool stream) const {
    UpstreamRequest r;
    r.base_url = fake_.base_url();
    r.path = "/chat/completions";
    r.api_key = kKey;
    r.body = stream
                 ? R"({"model":"up-model","stream":true,"stream_options":{"include_usage":true}})"
                 : R"({"model":"up-model","messages":[{"role":"user","content":"hi"}]})";
    r.stream = stream;
    return r;
  }

  FakeUpstream fake_{WithKey()};
};

TEST_F(HttplibUpstreamClientTest, JsonRoundTripSendsKeyAndBody) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  UpstreamOutcome out = client.Send(request, handler, cancel);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_TRUE(out.response_started);
  EXPECT_EQ(out.http_status, 200);
  EXPECT_EQ(handler.status, 200);
  EXPECT_THAT(handler.Header("Content-Type"), HasSubstr("application/json"));
  auto usage = ExtractJsonUsage(handler.body);
  ASSERT_TRUE(usage.ok() && usage->has_value());
  EXPECT_EQ((*usage)->total_tokens, 14);

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].Header("Authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].body, request.body);
}

TEST_F(HttplibUpstreamClientTest, ModelsAndEmbeddings) {
  HttplibUpstreamClient client;
  CancelToken cancel;
  UpstreamRequest models;
  models.base_url = fake_.base_url() + "/";  // a trailing slash is tolerated
  models.path = "/models";
  models.method = "GET";
  models.api_key = kKey;
  RecordingHandler listed;
  ASSERT_TRUE(client.Send(models, listed, cancel).status.ok());
  EXPECT_EQ(listed.status, 200);
  EXPECT_THAT(listed.body, HasSubstr(R"("id":"fake-model")"));

  UpstreamRequest embeddings = models;
  embeddings.method = "POST";
  embeddings.path = "/embeddings";
  embeddings.body = R"({"model":"e","input":["a","b"]})";
  RecordingHandler embedded;
  ASSERT_TRUE(client.Send(embeddings, embedded, cancel).status.ok());
  auto usage = ExtractJsonUsage(embedded.body);
  ASSERT_TRUE(usage.ok() && usage->has_value());
  EXPECT_EQ((*usage)->prompt_tokens, 9);

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v1/models");
  EXPECT_EQ(requests[0].Header("Content-Type"), "");
  EXPECT_EQ(requests[1].path, "/v1/embeddings");
  EXPECT_EQ(fake_.connections(), 1);
}

TEST_F(HttplibUpstreamClientTest, StreamArrivesIncrementally) {
  FakeScript script;
  script.event_delay = absl::Milliseconds(20);
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client;
  CancelToken cancel;

  // Relay what arrives, noting how many events were complete at each delivery.
  class StreamHandler : public UpstreamHandler {
   public:
    bool OnResponseStart(int status, const HeaderList&) override { return status == 200; }
    bool OnBodyData(std::string_view data) override {
      ++calls;
      if (!relay.done()) calls_before_done = calls;
      return relay.Feed(data).ok();
    }
    std::vector<std::string> events;
    ChatStreamRelay relay{RelayOptions(), [this](std::string_view d, RelayEventKind) {
                            events.emplace_back(d);
                            return true;
                          }};
    int calls = 0;
    int calls_before_done = 0;
  } handler;

  UpstreamOutcome out = client.Send(Chat(true), handler, cancel);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_TRUE(handler.relay.done());
  EXPECT_GT(handler.calls_before_done, 1);  // bytes reached us before the stream ended
  EXPECT_EQ(handler.events.size(), 8u);     // role, 5 pieces, finish, usage
  ASSERT_TRUE(handler.relay.usage().has_value());
  EXPECT_EQ(*handler.relay.usage(), (TokenUsage{9, 5, 14}));
  EXPECT_EQ(fake_.requests()[0].Header("Accept"), "text/event-stream");
}

TEST_F(HttplibUpstreamClientTest, ReusesKeepAliveConnections) {
  HttplibUpstreamClient client;
  for (int i = 0; i < 5; ++i) {
    RecordingHandler handler;
    CancelToken cancel;
    ASSERT_TRUE(client.Send(Chat(i % 2 == 0), handler, cancel).status.ok());
  }
  EXPECT_EQ(fake_.requests().size(), 5u);
  EXPECT_EQ(fake_.connections(), 1);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(HttplibUpstreamClientTest, ConcurrentCallsUseSeparateConnectionsAndPoolThem) {
  HttplibUpstreamClient client(ClientOptions(absl::Seconds(300), 2));
  FakeScript script;
  script.event_delay = absl::Milliseconds(5);
  fake_.SetDefaultScript(script);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        RecordingHandler handler;
        CancelToken cancel;
        if (client.Send(Chat(true), handler, cancel).status.ok() && handler.status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_LE(fake_.connections(), 20);
  EXPECT_LE(client.idle_connections(), 2u);
}

TEST_F(HttplibUpstreamClientTest, HttpErrorsAreCompletedExchanges) {
  FakeScript script;
  script.mode = FakeScript::Mode::kHttpError;
  script.http_status = 429;
  script.retry_after_seconds = 7;
  fake_.QueueScript(script);
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamOutcome out = client.Send(Chat(false), handler, cancel);
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.http_status, 429);
  EXPECT_EQ(handler.Header("Retry-After"), "7");
  EXPECT_THAT(handler.body, HasSubstr("rate_limit_exceeded"));
  // The connection stays usable.
  RecordingHandler again;
  EXPECT_TRUE(client.Send(Chat(false), again, cancel).status.ok());
  EXPECT_EQ(fake_.connections(), 1);
}

TEST_F(HttplibUpstreamClientTest, WrongKeyGets401) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.api_key = "sk-wrong";
  UpstreamOutcome out = client.Send(request, handler, cancel);
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.http_status, 401);
}

TEST_F(HttplibUpstreamClientTest, NoKeyNoAuthorizationHeader) {
  FakeUpstream open_fake;
  ASSERT_TRUE(open_fake.Start().ok());
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = open_fake.base_url();
  request.api_key.clear();
  ASSERT_TRUE(client.Send(request, handler, cancel).status.ok());
  ASSERT_EQ(open_fake.requests().size(), 1u);
  EXPECT_EQ(open_fake.requests()[0].Header("Authorization"), "");
}

TEST_F(HttplibUpstreamClientTest, ConnectionRefusedIsUnavailable) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = "http://127.0.0.1:" + std::to_string(testing_support::FreePort()) + "/v1";
  UpstreamOutcome out = client.Send(request, handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kUnavailable) << out.status;
  EXPECT_FALSE(out.response_started);
  EXPECT_THAT(std::string(out.status.message()), Not(HasSubstr(kKey)));
}

TEST_F(HttplibUpstreamClientTest, UnknownHostIsUnavailable) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = "http://no-such-host.invalid/v1";
  EXPECT_EQ(client.Send(request, handler, cancel).status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(HttplibUpstreamClientTest, BadBaseUrlIsInvalidArgument) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = "ftp://x";
  EXPECT_EQ(client.Send(request, handler, cancel).status.code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(HttplibUpstreamClientTest, SilentUpstreamHitsTheReadTimeout) {
  FakeScript script;
  script.response_delay = absl::Seconds(30);
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client(ClientOptions(absl::Milliseconds(300)));
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamOutcome out = client.Send(Chat(false), handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kDeadlineExceeded) << out.status;
  EXPECT_FALSE(out.response_started);
}

TEST_F(HttplibUpstreamClientTest, StalledStreamHitsTheReadTimeoutAfterData) {
  FakeScript script;
  script.mode = FakeScript::Mode::kStall;
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client(ClientOptions(absl::Milliseconds(300)));
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamOutcome out = client.Send(Chat(true), handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kDeadlineExceeded) << out.status;
  EXPECT_TRUE(out.response_started);
  EXPECT_GT(handler.body_calls, 0);
}

TEST_F(HttplibUpstreamClientTest, CancelUnblocksAStalledStream) {
  FakeScript script;
  script.mode = FakeScript::Mode::kStall;
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client;  // default 300 s read timeout: only the cancel can end this
  RecordingHandler handler;
  CancelToken cancel;
  auto call =
      std::async(std::launch::async, [&] { return client.Send(Chat(true), handler, cancel); });
  ASSERT_TRUE(handler.WaitForData(absl::Seconds(5)));
  cancel.Cancel();
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  UpstreamOutcome out = call.get();
  EXPECT_EQ(out.status.code(), absl::StatusCode::kCancelled) << out.status;
  EXPECT_TRUE(out.response_started);
  EXPECT_TRUE(fake_.WaitForClientAborts(1, absl::Seconds(5)));  // the upstream saw us leave
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttplibUpstreamClientTest, CancelUnblocksACallWaitingForHeaders) {
  FakeScript script;
  script.mode = FakeScript::Mode::kStall;
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  auto call =
      std::async(std::launch::async, [&] { return client.Send(Chat(false), handler, cancel); });
  while (fake_.requests().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  cancel.Cancel();
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  UpstreamOutcome out = call.get();
  EXPECT_EQ(out.status.code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(out.response_started);
}

TEST_F(HttplibUpstreamClientTest, CancelledTokenNeverSends) {
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  cancel.Cancel();
  EXPECT_EQ(client.Send(Chat(false), handler, cancel).status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(HttplibUpstreamClientTest, HandlerStopAbortsAndDropsTheConnection) {
  FakeScript script;
  script.event_delay = absl::Milliseconds(10);
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client;
  RecordingHandler handler;
  handler.stop_after_calls = 1;
  CancelToken cancel;
  UpstreamOutcome out = client.Send(Chat(true), handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(client.idle_connections(), 0u);
  RecordingHandler stop_at_start;
  stop_at_start.stop_at_start = true;
  EXPECT_EQ(client.Send(Chat(false), stop_at_start, cancel).status.code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(fake_.connections(), 2);
}

TEST_F(HttplibUpstreamClientTest, ConnectionClosedMidStreamIsUnavailable) {
  FakeScript script;
  script.mode = FakeScript::Mode::kCloseMidStream;
  fake_.SetDefaultScript(script);
  HttplibUpstreamClient client;
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamOutcome out = client.Send(Chat(true), handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kUnavailable) << out.status;
  EXPECT_TRUE(out.response_started);
  EXPECT_GT(handler.body_calls, 0);
  EXPECT_THAT(std::string(out.status.message()), Not(HasSubstr(kKey)));
}

TEST_F(HttplibUpstreamClientTest, SurvivesAnUpstreamRestartBetweenCalls) {
  HttplibUpstreamClient client;
  RecordingHandler first;
  CancelToken cancel;
  ASSERT_TRUE(client.Send(Chat(false), first, cancel).status.ok());
  ASSERT_EQ(client.idle_connections(), 1u);
  const int port = fake_.port();
  fake_.Stop();  // the pooled connection is now dead
  FakeUpstream restarted(WithKey());
  ASSERT_TRUE(restarted.Start(port).ok());
  RecordingHandler second;
  UpstreamOutcome out = client.Send(Chat(false), second, cancel);
  EXPECT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.http_status, 200);
}

// A listener whose accept queue is full: new connections hang in the handshake.
class FullBacklog {
 public:
  FullBacklog() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listener_, 0);
    for (int i = 0; i < 4; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ~FullBacklog() {
    for (int fd : fillers_) close(fd);
    close(listener_);
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

TEST_F(HttplibUpstreamClientTest, UnansweredConnectIsDeadlineExceeded) {
  FullBacklog hole;
  HttplibUpstreamClientOptions options = ClientOptions(absl::Milliseconds(300));
  options.connect_timeout = absl::Milliseconds(300);
  HttplibUpstreamClient client(options);
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = hole.base_url();
  UpstreamOutcome out = client.Send(request, handler, cancel);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kDeadlineExceeded) << out.status;
  EXPECT_FALSE(out.response_started);
}

TEST_F(HttplibUpstreamClientTest, CancelUnblocksAConnectInProgress) {
  FullBacklog hole;
  HttplibUpstreamClient client;  // 10 s connect timeout: only the cancel ends this quickly
  RecordingHandler handler;
  CancelToken cancel;
  UpstreamRequest request = Chat(false);
  request.base_url = hole.base_url();
  auto call = std::async(std::launch::async, [&] { return client.Send(request, handler, cancel); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  cancel.Cancel();
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(call.get().status.code(), absl::StatusCode::kCancelled);
}

// HTTPS against a local TLS server with a certificate made at test time.
class HttpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }
  void SetUp() override {
    cert_ = dir_.path() + "/cert.pem";
    key_ = dir_.path() + "/key.pem";
    auto made = testing_support::RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey",
                                             "rsa:2048", "-nodes", "-keyout", key_, "-out", cert_,
                                             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                                             "subjectAltName=IP:127.0.0.1"});
    if (made.exit_code != 0) GTEST_SKIP() << "openssl CLI unavailable: " << made.errors;
    server_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->Post("/v1/chat/completions", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(R"({"auth":")" + req.get_header_value("Authorization") + "\"}",
                      "application/json");
    });
    server_->Post("/v1/stall", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "text/event-stream", [this](size_t, httplib::DataSink& sink) {
            sink.write("data: {}\n\n", 10);
            std::unique_lock<std::mutex> lock(mutex_);
            released_.wait_for(lock, std::chrono::seconds(30), [&] { return release_; });
            return false;
          });
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  UpstreamOutcome Call(HttplibUpstreamClientOptions options, RecordingHandler& handler,
                       std::string path = "/chat/completions") {
    HttplibUpstreamClient client(options);
    CancelToken cancel;
    return Call(client, handler, cancel, path);
  }
  UpstreamOutcome Call(HttplibUpstreamClient& client, RecordingHandler& handler,
                       CancelToken& cancel, const std::string& path) {
    UpstreamRequest r;
    r.base_url = "https://127.0.0.1:" + std::to_string(port_) + "/v1";
    r.path = path;
    r.api_key = kKey;
    r.body = "{}";
    return client.Send(r, handler, cancel);
  }

  testing_support::TempDir dir_;
  std::string cert_, key_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
};

TEST_F(HttpsTest, VerifiesAgainstTheGivenCaAndRejectsUnknownCertificates) {
  RecordingHandler trusted;
  HttplibUpstreamClientOptions with_ca;
  with_ca.ca_cert_file = cert_;
  UpstreamOutcome ok = Call(with_ca, trusted);
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_THAT(trusted.body, HasSubstr(kKey));

  RecordingHandler untrusted;
  UpstreamOutcome rejected = Call({}, untrusted);  // system CAs do not know this certificate
  EXPECT_EQ(rejected.status.code(), absl::StatusCode::kUnavailable) << rejected.status;
  EXPECT_FALSE(rejected.response_started);

  RecordingHandler unverified;
  HttplibUpstreamClientOptions no_verify;
  no_verify.verify_tls = false;
  EXPECT_TRUE(Call(no_verify, unverified).status.ok());
}

TEST_F(HttpsTest, CancelUnblocksAStalledTlsStream) {
  HttplibUpstreamClientOptions no_verify;
  no_verify.verify_tls = false;
  HttplibUpstreamClient client(no_verify);
  RecordingHandler handler;
  CancelToken cancel;
  auto call =
      std::async(std::launch::async, [&] { return Call(client, handler, cancel, "/stall"); });
  ASSERT_TRUE(handler.WaitForData(absl::Seconds(10)));
  cancel.Cancel();
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  UpstreamOutcome out = call.get();
  EXPECT_EQ(out.status.code(), absl::StatusCode::kCancelled) << out.status;
  EXPECT_TRUE(out.response_started);
}

}  // namespace
}  // namespace nexus::gateway
