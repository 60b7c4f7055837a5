// No secret in any output: the real registry, stats and gateway binaries and nexusctl run a
// realistic session with distinctive secrets (upstream keys, a client key, the admin token, the
// master key), including upstreams that echo the Authorization header back in error bodies,
// in-stream error events and response headers. Every process's stdout/stderr, every HTTP answer,
// the /metrics text and every nexusctl output is captured and searched for each secret (whole,
// and a 16-character piece of it). The one output allowed to hold a secret is the answer of
// `nexusctl keys create`, which shows the new client key once by design.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::testing_support {
namespace {

using nlohmann::json;

constexpr char kMasterKey[] = "TmV4dXNTZWN1cml0eU1hc3RlcktleSMyMDI2LXYxISE=";
constexpr char kMasterKeyBytes[] = "NexusSecurityMasterKey#2026-v1!!";
constexpr char kAdminToken[] = "nxa-ADMIN-7f3c9e21d4b84a6fb0c2e5d1a9f86b34";
constexpr char kUpstreamKey[] = "sk-live-UPSTREAM-4b1d8e2f9a7c6e5d3b2a1908f7e6d5c4";
// No "sk-" shape: only masking by the exact key we sent can catch this one.
constexpr char kEchoKey[] = "ECHOED-live-a1b2c3d4e5f60718293a4b5c6d7e8f90";

std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

// An upstream that quotes the Authorization header it received everywhere it can: in a 401 body
// (message, type, param and code), in a response header, and in an error event of a 200 stream.
class EchoingUpstream {
 public:
  EchoingUpstream() {
    server_.Post(".*", [](const httplib::Request& req, httplib::Response& res) {
      const std::string auth = req.get_header_value("Authorization");
      res.set_header("X-Echo-Authorization", auth);
      json error = {{"error",
                     {{"message", "Incorrect API key provided: " + auth + " (" +
                                      auth.substr(std::min<size_t>(auth.size(), 7)) + ")"},
                      {"type", auth},
                      {"param", auth.substr(std::min<size_t>(auth.size(), 7))},
                      {"code", auth}}}};
      if (req.body.find("\"stream\":true") != std::string::npos) {
        const std::string chunk =
            R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"echo",)"
            R"("choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]})";
        res.set_content("data: " + chunk + "\n\ndata: " + error.dump() + "\n\n",
                        "text/event-stream");
        return;
      }
      res.status = 401;
      res.set_content(error.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~EchoingUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", port_, "/v1"); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class SecretLeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_port_ = FreePort();
    stats_port_ = FreePort();
    gateway_port_ = FreePort();
    upstream_ = std::make_unique<FakeUpstream>(FakeUpstreamOptions{.api_key = kUpstreamKey});
    ASSERT_TRUE(upstream_->Start().ok());
    const std::map<std::string, std::string> common = {{"NEXUS_LOG_LEVEL", "debug"}};
    registry_ = Start("nexus-registry", registry_port_,
                      {{"NEXUS_REGISTRY_LISTEN", Addr(registry_port_)},
                       {"NEXUS_DATA_DIR", dir_.path() + "/registry"},
                       {"NEXUS_MASTER_KEY", kMasterKey},
                       {"NEXUS_ADMIN_TOKEN", kAdminToken},
                       {"NEXUS_LOG_LEVEL", "debug"}});
    stats_ = Start("nexus-stats", stats_port_,
                   {{"NEXUS_STATS_LISTEN", Addr(stats_port_)},
                    {"NEXUS_DATA_DIR", dir_.path() + "/stats"},
                    {"NEXUS_LOG_LEVEL", "debug"}});
    gateway_ = Start("nexus-gateway", gateway_port_,
                     {{"NEXUS_GATEWAY_LISTEN", Addr(gateway_port_)},
                      {"NEXUS_REGISTRY_ADDR", Addr(registry_port_)},
                      {"NEXUS_STATS_ADDR", Addr(stats_port_)},
                      {"NEXUS_DATA_DIR", dir_.path() + "/gateway"},
                      {"NEXUS_LOG_LEVEL", "debug"}});
  }

  std::unique_ptr<Subprocess> Start(const std::string& binary, int port,
                                    std::map<std::string, std::string> env) {
    auto process =
        std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath(binary)}, std::move(env),
                                     dir_.path() + "/" + binary + ".log");
    EXPECT_TRUE(WaitForPort(port, absl::Seconds(20))) << process->ReadLog();
    return process;
  }

  // Runs nexusctl and records its stdout and stderr.
  CommandResult Ctl(const std::string& label, std::vector<std::string> args,
                    const std::string& stdin_text = "", bool record = true) {
    std::vector<std::string> argv = {BinaryPath("nexusctl"), "--registry", Addr(registry_port_),
                                     "--stats", Addr(stats_port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult result = RunCommand(argv, {}, stdin_text);
    if (record) Record("nexusctl " + label, result.output);
    Record("nexusctl " + label + " (stderr)", result.errors);
    return result;
  }

  // Sends one gateway request and records the whole answer (status, headers, body).
  httplib::Result Call(const std::string& label, const std::string& method, const std::string& path,
                       const httplib::Headers& headers, const std::string& body = "") {
    httplib::Client client("127.0.0.1", gateway_port_);
    client.set_read_timeout(30, 0);
    httplib::Result res = method == "GET" ? client.Get(path, headers)
                          : method == "PATCH"
                              ? client.Patch(path, headers, body, "application/json")
                              : client.Post(path, headers, body, "application/json");
    std::string text = absl::StrCat(label, " -> ", res ? res->status : -1, "\n");
    if (res) {
      for (const auto& [name, value] : res->headers)
        absl::StrAppend(&text, name, ": ", value, "\n");
      text += res->body;
    }
    Record("HTTP " + label, text);
    return res;
  }

  void Record(const std::string& label, const std::string& text) { captured_[label] += text; }

  httplib::Headers Bearer(const std::string& secret) {
    return {{"Authorization", "Bearer " + secret}};
  }

  TempDir dir_;
  int registry_port_ = 0;
  int stats_port_ = 0;
  int gateway_port_ = 0;
  std::unique_ptr<FakeUpstream> upstream_;
  EchoingUpstream echo_;
  std::unique_ptr<Subprocess> registry_;
  std::unique_ptr<Subprocess> stats_;
  std::unique_ptr<Subprocess> gateway_;
  std::map<std::string, std::string> captured_;
};

TEST_F(SecretLeakTest, NoSecretInAnyLogBodyMetricOrCtlOutput) {
  // Providers, models and a client key through nexusctl (the upstream key via stdin).
  ASSERT_EQ(Ctl("providers add",
                {"providers", "add", "--name", "main", "--base-url", upstream_->base_url(),
                 "--api-key-stdin"},
                kUpstreamKey)
                .exit_code,
            0);
  ASSERT_EQ(Ctl("models add", {"models", "add", "--provider", "main", "--name", "fake-model",
                               "--tokenizer", "cl100k_base"})
                .exit_code,
            0);
  CommandResult created = Ctl("keys create", {"keys", "create", "--name", "leak-test"}, "",
                              /*record=*/false);
  ASSERT_EQ(created.exit_code, 0) << created.errors;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(created.output, match, std::regex(R"(\n\n  (\S+)\n)")))
      << created.output;
  const std::string client_key = match[1];
  ASSERT_GE(client_key.size(), 20u);

  // A second provider through the admin API, with an upstream that echoes its key back.
  const httplib::Headers admin = Bearer(kAdminToken);
  auto provider = Call("create echo provider", "POST", "/api/admin/providers", admin,
                       json({{"name", "echo"},
                             {"base_url", echo_.base_url()},
                             {"api_key", kEchoKey},
                             {"priority", 5}})
                           .dump());
  ASSERT_TRUE(provider && provider->status == 201) << (provider ? provider->body : "no answer");
  const int64_t echo_id = json::parse(provider->body)["id"];
  auto model =
      Call("create echo model", "POST", absl::StrCat("/api/admin/providers/", echo_id, "/models"),
           admin, json({{"name", "echo-model"}, {"upstream_name", "echo"}}).dump());
  ASSERT_TRUE(model && model->status == 201) << (model ? model->body : "no answer");

  // Wait until the gateway routes both models for the client key.
  const absl::Time until = absl::Now() + absl::Seconds(30);
  while (absl::Now() < until) {
    httplib::Client client("127.0.0.1", gateway_port_);
    auto res = client.Get("/v1/models", Bearer(client_key));
    if (res && res->status == 200 && res->body.find("echo-model") != std::string::npos &&
        res->body.find("fake-model") != std::string::npos) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }

  const std::string json_chat =
      R"({"model":"fake-model","stream":false,"messages":[{"role":"user","content":"hi"}]})";
  const std::string sse_chat =
      R"({"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const std::string echo_json =
      R"({"model":"echo-model","stream":false,"messages":[{"role":"user","content":"hi"}]})";
  const std::string echo_sse =
      R"({"model":"echo-model","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  auto ok = Call("chat json", "POST", "/v1/chat/completions", Bearer(client_key), json_chat);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  auto streamed = Call("chat sse", "POST", "/v1/chat/completions", Bearer(client_key), sse_chat);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->status, 200);
  Call("chat alias", "POST", "/chat/completions", Bearer(client_key), sse_chat);
  auto echoed = Call("echo json", "POST", "/v1/chat/completions", Bearer(client_key), echo_json);
  ASSERT_TRUE(echoed);
  EXPECT_GE(echoed->status, 400);
  Call("echo sse", "POST", "/v1/chat/completions", Bearer(client_key), echo_sse);
  Call("models", "GET", "/v1/models", Bearer(client_key));
  Call("key in query", "GET", "/v1/models?api_key=" + client_key, {});
  Call("tokens count", "POST", "/api/tokens/count", Bearer(client_key),
       R"({"model":"fake-model","text":"hello"})");

  // Wrong credentials in every place a secret could be echoed from.
  Call("bad key", "POST", "/v1/chat/completions", Bearer("nx-not-a-real-key-0000000000000000"),
       json_chat);
  Call("admin token as client key", "POST", "/v1/chat/completions", Bearer(kAdminToken), json_chat);
  Call("upstream key as client key", "GET", "/v1/models", Bearer(kUpstreamKey));
  Call("admin token in api-key", "GET", "/v1/models", {{"api-key", kAdminToken}});
  Call("client key on admin api", "GET", "/api/admin/providers", Bearer(client_key));
  Call("master key on admin api", "GET", "/api/admin/keys", Bearer(kMasterKey));
  // A client pasting a secret into a field: answers may quote the client's own text back, but the
  // metrics must not turn it into a label (checked below on the metrics text only).
  {
    httplib::Client client("127.0.0.1", gateway_port_);
    auto res = client.Post(
        "/v1/chat/completions", Bearer(client_key),
        json({{"model", kMasterKeyBytes}, {"messages", {{{"role", "user"}, {"content", "x"}}}}})
            .dump(),
        "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
  }

  // Admin reads and writes.
  Call("list providers", "GET", "/api/admin/providers", admin);
  Call("get provider", "GET", absl::StrCat("/api/admin/providers/", echo_id), admin);
  Call("patch provider", "PATCH", absl::StrCat("/api/admin/providers/", echo_id), admin,
       json({{"description", "rotated"}, {"api_key", kEchoKey}}).dump());
  Call("list keys", "GET", "/api/admin/keys", admin);
  Call("list models", "GET", "/api/admin/models", admin);
  Call("stats summary", "GET", "/api/admin/stats/summary", admin);
  auto metrics = Call("metrics", "GET", "/metrics", {});

  Ctl("providers list", {"providers", "list"});
  Ctl("providers show", {"providers", "show", "main"});
  Ctl("providers list json", {"--json", "providers", "list"});
  Ctl("keys list", {"keys", "list"});
  Ctl("keys list json", {"--json", "keys", "list"});
  Ctl("usage", {"usage", "--by", "key"});

  // Stop everything so that every log line is flushed, then read the logs.
  EXPECT_EQ(gateway_->Stop(SIGTERM, absl::Seconds(15)), 0);
  EXPECT_EQ(stats_->Stop(SIGTERM, absl::Seconds(15)), 0);
  EXPECT_EQ(registry_->Stop(SIGTERM, absl::Seconds(15)), 0);
  Record("gateway log", gateway_->ReadLog());
  Record("registry log", registry_->ReadLog());
  Record("stats log", stats_->ReadLog());
  ASSERT_NE(captured_["gateway log"].find("serving HTTP"), std::string::npos)
      << "the gateway log is not where it was expected";

  const std::map<std::string, std::string> secrets = {
      {"upstream key", kUpstreamKey},        {"echoed upstream key", kEchoKey},
      {"admin token", kAdminToken},          {"master key", kMasterKey},
      {"master key bytes", kMasterKeyBytes}, {"client key", client_key}};
  for (const auto& [what, secret] : secrets) {
    // A piece from the middle catches partial leaks too (a masked hint keeps only the ends).
    const std::string piece = secret.substr(secret.size() / 2 - 8, 16);
    for (const auto& [where, text] : captured_) {
      EXPECT_EQ(text.find(secret), std::string::npos) << what << " leaked in " << where << ":\n"
                                                      << text;
      EXPECT_EQ(text.find(piece), std::string::npos)
          << "part of the " << what << " leaked in " << where << ":\n"
          << text;
    }
  }
  // Everything else a client sends back to itself is excluded from the search above except the
  // metrics text, which must not hold client-chosen labels either.
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body.find(kMasterKeyBytes), std::string::npos);
  // The session did exercise what it claims to.
  EXPECT_GT(upstream_->requests().size(), 0u);
  EXPECT_NE(captured_["HTTP metrics"].find("nexus_"), std::string::npos);
}

}  // namespace
}  // namespace nexus::testing_support
