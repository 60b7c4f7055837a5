#ifndef NEXUS_GATEWAY_WS_PLAYGROUND_SINK_H_
#define NEXUS_GATEWAY_WS_PLAYGROUND_SINK_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/pipeline/chat_pipeline.h"

namespace nexus::gateway::ws {

// Turns what the chat pipeline produces (OpenAI chunks, completions, error objects) into playground
// messages: {"type":"delta"}, then {"type":"done"} or {"type":"error"}, all tagged with the
// browser's request id.
class PlaygroundSink : public ChatResponseSink {
 public:
  using SendFn = std::function<bool(const std::string& message)>;

  // `cancelled` is set by the session (cancel message or connection gone) and makes the pipeline
  // stop: ClientGone() turns true and further events are refused.
  PlaygroundSink(nlohmann::json id, SendFn send, const std::atomic<bool>& cancelled);

  void SendJson(int http_status, std::string_view body, const HeaderList& headers) override;
  bool StartStream(const HeaderList& headers) override;
  bool SendEvent(std::string_view data) override;
  void EndStream() override;
  bool ClientGone() override;

  // Sends the closing {"type":"done"} message unless an error message was sent already.
  void Finish();
  // The HTTP status of the error sent, 0 when none was.
  int error_status() const { return error_status_; }

 private:
  bool SendDelta(const std::string& content);
  void SendError(int http_status, const nlohmann::json& error);
  void TakeUsage(const nlohmann::json& object);

  int error_status_ = 0;

  nlohmann::json id_;
  SendFn send_;
  const std::atomic<bool>& cancelled_;
  std::chrono::steady_clock::time_point start_;
  std::optional<int64_t> ttft_ms_;
  nlohmann::json usage_ = nullptr;
  std::string model_;
  std::string finish_reason_;
  bool error_sent_ = false;
  bool send_failed_ = false;
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_PLAYGROUND_SINK_H_
