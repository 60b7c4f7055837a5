#ifndef NEXUS_TESTS_GATEWAY_WS_FAKE_CHAT_PIPELINE_H_
#define NEXUS_TESTS_GATEWAY_WS_FAKE_CHAT_PIPELINE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway/auth/admin_authenticator.h"
#include "gateway/pipeline/chat_pipeline.h"

namespace nexus::gateway::ws {

// Streams "Hello" + " world" chunks and a usage chunk; with "model":"stall" it waits until the sink
// reports the client gone (as the real pipeline does with a stalled upstream); with "model":"bad"
// it answers a 404 error, with "model":"unauthorized" a 401.
class FakeChatPipeline : public ChatPipeline {
 public:
  void Handle(const ChatCall& call, ChatResponseSink& sink) override {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
    }
    const nlohmann::json body = nlohmann::json::parse(call.body);
    const std::string model = body["model"];
    if (model == "unauthorized") {
      sink.SendJson(401,
                    R"({"error":{"message":"bad key","type":"invalid_request_error",)"
                    R"("param":null,"code":"invalid_api_key"}})",
                    {});
      return;
    }
    if (model == "bad") {
      sink.SendJson(404,
                    R"({"error":{"message":"model not found","type":"invalid_request_error",)"
                    R"("param":"model","code":"model_not_found"}})",
                    {});
      return;
    }
    if (!sink.StartStream({})) return;
    sink.SendEvent(R"({"model":"m","choices":[{"index":0,"delta":{"content":"Hello"}}]})");
    if (model == "stall") {
      while (!sink.ClientGone()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      aborted_ = true;
      return;
    }
    sink.SendEvent(
        R"({"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":"stop"}]})");
    sink.SendEvent(
        R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})");
    sink.EndStream();
  }

  std::vector<ChatCall> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::atomic<bool> aborted_{false};

 private:
  std::mutex mutex_;
  std::vector<ChatCall> calls_;
};

class FakeAdminAuthenticator : public AdminAuthenticator {
 public:
  absl::Status Check(std::string_view token) override {
    if (token == "admin-token-0123456789") return absl::OkStatus();
    if (token == "registry-down") return absl::UnavailableError("registry unreachable");
    return absl::UnauthenticatedError("bad token");
  }
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_TESTS_GATEWAY_WS_FAKE_CHAT_PIPELINE_H_
