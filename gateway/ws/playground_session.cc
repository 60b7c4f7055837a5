#include "gateway/ws/playground_session.h"

#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "gateway/ws/frame_codec.h"
#include "gateway/ws/playground_sink.h"

namespace nexus::gateway::ws {
namespace {

using nlohmann::json;

constexpr size_t kMaxIdLength = 128;

std::string NewRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrFormat("ws-%016x%016x", random(), random());
}

// A chat id is what the browser uses to match replies: a short string or an integer.
bool ValidId(const json& id) {
  return (id.is_string() && !id.get<std::string>().empty() &&
          id.get<std::string>().size() <= kMaxIdLength) ||
         id.is_number_integer();
}

// Builds the OpenAI request body the pipeline receives; returns the name of a bad field instead.
std::string BuildBody(const json& message, std::string& body) {
  const json& model = message.value("model", json());
  if (!model.is_string() || model.get<std::string>().empty()) return "model";
  const json& messages = message.value("messages", json());
  if (!messages.is_array() || messages.empty()) return "messages";
  for (const json& item : messages) {
    if (!item.is_object() || !item.value("role", json()).is_string()) return "messages";
  }
  json request = {{"model", model},
                  {"messages", messages},
                  {"stream", true},
                  {"stream_options", {{"include_usage", true}}}};
  if (message.contains("temperature") && !message["temperature"].is_null()) {
    const json& t = message["temperature"];
    if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 2) return "temperature";
    request["temperature"] = t;
  }
  if (message.contains("max_tokens") && !message["max_tokens"].is_null()) {
    const json& m = message["max_tokens"];
    if (!m.is_number_integer() || m.get<int64_t>() <= 0) return "max_tokens";
    request["max_tokens"] = m;
  }
  body = request.dump();
  return "";
}

}  // namespace

PlaygroundSession::PlaygroundSession(ChatPipeline& pipeline, AdminAuthenticator& authenticator,
                                     MessageWriter& writer, SessionLimits limits,
                                     std::function<void()> on_auth_failure)
    : pipeline_(pipeline),
      authenticator_(authenticator),
      writer_(writer),
      limits_(limits),
      on_auth_failure_(std::move(on_auth_failure)) {}

PlaygroundSession::~PlaygroundSession() { Shutdown(); }

bool PlaygroundSession::OnText(std::string_view payload) {
  json message = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object() ||
      !message.value("type", json()).is_string()) {
    SendError(nullptr, "invalid_request_error", "messages must be JSON objects with a \"type\"",
              "type");
    return true;
  }
  const std::string type = message["type"].get<std::string>();
  if (type == "auth") return OnAuth(message);
  if (!authenticated_) {
    SendError(nullptr, "authentication_error", "send {\"type\":\"auth\"} first", "");
    writer_.Close(kClosePolicyViolation, "not authenticated");
    return false;
  }
  if (type == "chat") {
    OnChat(message);
  } else if (type == "cancel") {
    OnCancel(message);
  } else if (type == "ping") {
    writer_.SendText(R"({"type":"pong"})");
  } else {
    SendError(message.value("id", json()), "invalid_request_error", "unknown message type: " + type,
              "type");
  }
  return true;
}

bool PlaygroundSession::OnAuth(const json& message) {
  const json& token = message.value("token", json());
  const json& key = message.value("key", json());
  if (token.is_string() && !token.get<std::string>().empty()) {
    absl::Status status = authenticator_.Check(token.get<std::string>());
    if (!status.ok()) {
      const bool unavailable = status.code() == absl::StatusCode::kUnavailable;
      if (!unavailable && on_auth_failure_) on_auth_failure_();
      SendError(nullptr, unavailable ? "service_unavailable" : "authentication_error",
                unavailable ? "the registry is unreachable, try again shortly"
                            : "the admin token is not valid",
                "token");
      writer_.Close(unavailable ? kCloseInternalError : kClosePolicyViolation,
                    "authentication failed");
      return false;
    }
    authenticated_ = true;
    admin_ = true;
  } else if (key.is_string() && !key.get<std::string>().empty()) {
    // A client key is checked by the pipeline on every chat, exactly as on /v1/chat/completions.
    authenticated_ = true;
    admin_ = false;
    client_key_ = key.get<std::string>();
  } else {
    SendError(nullptr, "invalid_request_error", "auth needs a \"token\" or a \"key\"", "token");
    writer_.Close(kClosePolicyViolation, "authentication failed");
    return false;
  }
  writer_.SendText(json({{"type", "ready"}, {"session", admin_ ? "admin" : "key"}}).dump());
  return true;
}

void PlaygroundSession::OnChat(const json& message) {
  const json& id = message.value("id", json());
  if (!ValidId(id)) {
    SendError(nullptr, "invalid_request_error", "chat needs an \"id\" (string or integer)", "id");
    return;
  }
  ChatCall call;
  const std::string bad_field = BuildBody(message, call.body);
  if (!bad_field.empty()) {
    SendError(id, "invalid_request_error", "invalid or missing field: " + bad_field, bad_field);
    return;
  }
  const json& conversation = message.value("conversation_id", json());
  if (conversation.is_string()) {
    if (conversation.get<std::string>().size() > kMaxIdLength) {
      SendError(id, "invalid_request_error", "conversation_id is too long", "conversation_id");
      return;
    }
    call.conversation_id = conversation.get<std::string>();
  }
  call.request_id = NewRequestId();
  call.admin_session = admin_;
  call.bearer_secret = admin_ ? "" : client_key_;
  call.endpoint = nexus::stats::v1::ENDPOINT_PLAYGROUND;

  std::lock_guard lock(mutex_);
  int running = 0;
  for (const auto& chat : chats_) {
    if (chat->finished.load()) continue;
    ++running;
    if (chat->id == id) {
      SendError(id, "invalid_request_error", "a chat with this id is already running", "id");
      return;
    }
  }
  if (running >= limits_.max_concurrent_chats) {
    SendError(id, "rate_limit_error", "too many chats running on this connection", "");
    return;
  }
  auto chat = std::make_unique<Chat>();
  chat->id = id;
  Chat& ref = *chat;
  chats_.push_back(std::move(chat));
  ref.thread = std::thread(
      [this, &ref, call = std::move(call)]() mutable { RunChat(ref, std::move(call)); });
}

void PlaygroundSession::RunChat(Chat& chat, ChatCall call) {
  PlaygroundSink sink(
      chat.id, [this](const std::string& text) { return writer_.SendText(text); }, chat.cancelled);
  pipeline_.Handle(call, sink);
  sink.Finish();
  if (sink.error_status() == 401 && on_auth_failure_) on_auth_failure_();
  chat.finished.store(true);
}

void PlaygroundSession::OnCancel(const json& message) {
  const json& id = message.value("id", json());
  std::lock_guard lock(mutex_);
  for (const auto& chat : chats_) {
    if (chat->id == id && !chat->finished.load()) {
      chat->cancelled.store(true);
      return;
    }
  }
  // Cancelling a chat that already ended is not an error: the two messages crossed.
}

int PlaygroundSession::running() const {
  std::lock_guard lock(mutex_);
  int count = 0;
  for (const auto& chat : chats_) count += chat->finished.load() ? 0 : 1;
  return count;
}

void PlaygroundSession::ReapFinished() {
  std::list<std::unique_ptr<Chat>> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = chats_.begin(); it != chats_.end();) {
      if ((*it)->finished.load()) {
        done.push_back(std::move(*it));
        it = chats_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& chat : done) chat->thread.join();
}

void PlaygroundSession::Shutdown() {
  std::list<std::unique_ptr<Chat>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& chat : chats_) chat->cancelled.store(true);
    all.swap(chats_);
  }
  for (auto& chat : all) {
    if (chat->thread.joinable()) chat->thread.join();
  }
}

void PlaygroundSession::SendError(const json& id, std::string_view type, std::string_view message,
                                  std::string_view param) {
  json error = {{"message", message},
                {"type", type},
                {"param", param.empty() ? json(nullptr) : json(param)},
                {"code", nullptr}};
  json out = {{"type", "error"}, {"error", error}};
  if (!id.is_null()) out["id"] = id;
  writer_.SendText(out.dump());
}

}  // namespace nexus::gateway::ws
