// Fuzzes the playground protocol: the text messages a browser sends over /ws/chat
// (PlaygroundSession::OnText, one message per input line), and what the session makes of the
// chat pipeline's output (PlaygroundSink). The chat pipeline here streams the content of the
// chat's last message back line by line as upstream events, so the fuzzer controls both sides;
// a content starting with "json:" is answered as a non-streaming body instead.
//
// Invariants: no crash, no exception; every message the session sends is a JSON object with a
// "type"; a session that said the connection must end is not used any further.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/strings/str_split.h"
#include "gateway/auth/admin_authenticator.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/ws/playground_session.h"
#include "services/strings/absl_view.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway::ws {
namespace {

using nlohmann::json;

class EchoPipeline : public ChatPipeline {
 public:
  void Handle(const ChatCall& call, ChatResponseSink& sink) override {
    const json body = json::parse(call.body, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(body.is_object());
    const json& messages = body["messages"];
    FUZZ_CHECK(messages.is_array() && !messages.empty());
    const json& content = messages.back().value("content", json());
    const std::string text = content.is_string() ? content.get<std::string>() : "";
    if (text.rfind("json:", 0) == 0) {
      sink.SendJson(text.size() % 2 == 0 ? 200 : 502, std::string_view(text).substr(5), {});
      return;
    }
    if (!sink.StartStream({})) return;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (!sink.SendEvent(Sv(line))) return;
    }
    sink.EndStream();
  }
};

class Authenticator : public AdminAuthenticator {
 public:
  absl::Status Check(std::string_view token) override {
    if (token == "admin") return absl::OkStatus();
    if (token == "down") return absl::UnavailableError("registry down");
    return absl::UnauthenticatedError("bad token");
  }
};

class CheckingWriter : public MessageWriter {
 public:
  bool SendText(std::string_view message) override {
    const json parsed = json::parse(message, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(parsed.is_object());
    FUZZ_CHECK(parsed.value("type", json()).is_string());
    std::lock_guard lock(mutex_);
    return !closed_;
  }
  void Close(uint16_t code, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

 private:
  std::mutex mutex_;
  bool closed_ = false;
};

}  // namespace
}  // namespace nexus::gateway::ws

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::gateway::ws;
  static EchoPipeline pipeline;
  static Authenticator authenticator;
  CheckingWriter writer;
  PlaygroundSession session(pipeline, authenticator, writer,
                            SessionLimits{.max_concurrent_chats = 2});
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (absl::string_view line : absl::StrSplit(nexus::Av(input), '\n')) {
    if (!session.OnText(nexus::Sv(line))) break;
    session.ReapFinished();
  }
  session.Shutdown();
  FUZZ_CHECK(session.running() == 0);
  return 0;
}
