#include "gateway/ws/playground_sink.h"

#include <utility>

namespace nexus::gateway::ws {
namespace {

using nlohmann::json;

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::string StringOr(const json& object, const char* key, std::string fallback = "") {
  auto it = object.find(key);
  if (it != object.end() && it->is_string()) return it->get<std::string>();
  return fallback;
}

}  // namespace

PlaygroundSink::PlaygroundSink(json id, SendFn send, const std::atomic<bool>& cancelled)
    : id_(std::move(id)),
      send_(std::move(send)),
      cancelled_(cancelled),
      start_(std::chrono::steady_clock::now()) {}

void PlaygroundSink::SendJson(int http_status, std::string_view body, const HeaderList&) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (http_status >= 400 || parsed.is_discarded() || !parsed.is_object()) {
    json error = parsed.is_object() && parsed.contains("error") ? parsed["error"] : json::object();
    SendError(http_status >= 400 ? http_status : 502, error);
    return;
  }
  model_ = StringOr(parsed, "model");
  TakeUsage(parsed);
  const json& choices = parsed.value("choices", json::array());
  if (choices.is_array() && !choices.empty() && choices[0].is_object()) {
    const json& message = choices[0].value("message", json::object());
    if (message.is_object()) SendDelta(StringOr(message, "content"));
    finish_reason_ = StringOr(choices[0], "finish_reason");
  }
}

bool PlaygroundSink::StartStream(const HeaderList&) { return !ClientGone(); }

bool PlaygroundSink::SendEvent(std::string_view data) {
  if (ClientGone()) return false;
  json chunk = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) return true;
  if (chunk.contains("error")) {
    SendError(502, chunk["error"]);
    return !ClientGone();
  }
  if (model_.empty()) model_ = StringOr(chunk, "model");
  TakeUsage(chunk);
  const json& choices = chunk.value("choices", json::array());
  if (!choices.is_array() || choices.empty() || !choices[0].is_object()) return !ClientGone();
  const std::string reason = StringOr(choices[0], "finish_reason");
  if (!reason.empty()) finish_reason_ = reason;
  const json& delta = choices[0].value("delta", json::object());
  if (delta.is_object()) {
    const std::string content = StringOr(delta, "content");
    if (!content.empty() && !SendDelta(content)) return false;
  }
  return !ClientGone();
}

void PlaygroundSink::EndStream() {}

bool PlaygroundSink::ClientGone() { return send_failed_ || cancelled_.load(); }

void PlaygroundSink::Finish() {
  if (error_sent_) return;
  json done = {{"type", "done"},
               {"id", id_},
               {"usage", usage_.is_object() ? usage_ : json::object()},
               {"latency_ms", MillisSince(start_)},
               {"ttft_ms", ttft_ms_ ? json(*ttft_ms_) : json(nullptr)},
               {"model", model_},
               {"finish_reason", finish_reason_}};
  if (cancelled_.load()) done["cancelled"] = true;
  if (!send_failed_) send_(done.dump());
}

bool PlaygroundSink::SendDelta(const std::string& content) {
  if (content.empty()) return true;
  if (!ttft_ms_) ttft_ms_ = MillisSince(start_);
  json message = {{"type", "delta"}, {"id", id_}, {"content", content}};
  if (!send_(message.dump(-1, ' ', false, json::error_handler_t::replace))) send_failed_ = true;
  return !send_failed_;
}

void PlaygroundSink::SendError(int http_status, const json& error) {
  if (error_sent_) return;
  error_sent_ = true;
  error_status_ = http_status;
  json body = {
      {"message",
       error.is_object() ? StringOr(error, "message", "the request failed") : "the request failed"},
      {"type", error.is_object() ? StringOr(error, "type", "server_error") : "server_error"},
      {"code", error.is_object() && error.contains("code") ? error["code"] : json(nullptr)},
      {"param", error.is_object() && error.contains("param") ? error["param"] : json(nullptr)},
      {"status", http_status}};
  json message = {{"type", "error"}, {"id", id_}, {"error", body}};
  if (!send_(message.dump(-1, ' ', false, json::error_handler_t::replace))) send_failed_ = true;
}

void PlaygroundSink::TakeUsage(const json& object) {
  auto it = object.find("usage");
  // Providers that repeat cumulative usage on every chunk: the last value wins.
  if (it != object.end() && it->is_object()) usage_ = *it;
}

}  // namespace nexus::gateway::ws
