#ifndef NEXUS_GATEWAY_WS_PLAYGROUND_SESSION_H_
#define NEXUS_GATEWAY_WS_PLAYGROUND_SESSION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/auth/admin_authenticator.h"
#include "gateway/pipeline/chat_pipeline.h"

namespace nexus::gateway::ws {

// Where a session's outgoing messages go (a WebSocket connection, or a recorder in tests).
// Thread-safe: chats stream from their own threads.
class MessageWriter {
 public:
  virtual ~MessageWriter() = default;
  // Sends one text message; false when the connection is gone.
  virtual bool SendText(std::string_view message) = 0;
  // Sends a close frame; later sends fail.
  virtual void Close(uint16_t code, std::string_view reason) = 0;
};

struct SessionLimits {
  // Chats running at once on one connection.
  int max_concurrent_chats = 4;
};

// The playground protocol on one connection, independent of the transport:
//   -> {"type":"auth","token":"<admin token>"}  or  {"type":"auth","key":"<client key>"}
//   <- {"type":"ready","session":"admin"|"key"}
//   -> {"type":"chat","id":..,"model":..,"messages":[..],"temperature":..,"max_tokens":..,
//       "conversation_id":..}
//   <- {"type":"delta","id":..,"content":..}*, then {"type":"done","id":..,"usage":{..},
//       "latency_ms":..,"ttft_ms":..} or {"type":"error","id":..,"error":{..}}
//   -> {"type":"cancel","id":..}   stops that chat and its upstream call
//   -> {"type":"ping"}  <- {"type":"pong"}
// Every chat runs on its own thread through the ChatPipeline, so a cancel is read while it runs.
class PlaygroundSession {
 public:
  // `on_auth_failure` is told of every failed authentication: the admin token refused, a chat
  // refused with 401 (a wrong client key). The gateway counts them in its failed-auth throttle,
  // as it does for 401s over HTTP.
  PlaygroundSession(ChatPipeline& pipeline, AdminAuthenticator& authenticator,
                    MessageWriter& writer, SessionLimits limits,
                    std::function<void()> on_auth_failure = {});
  // Cancels and joins every running chat.
  ~PlaygroundSession();
  PlaygroundSession(const PlaygroundSession&) = delete;
  PlaygroundSession& operator=(const PlaygroundSession&) = delete;

  // Handles one text message. Returns false when the connection must end (the writer was told).
  bool OnText(std::string_view payload);
  bool authenticated() const { return authenticated_; }
  // Chats still running.
  int running() const;
  // Cancels every chat (the connection is gone) and waits for them.
  void Shutdown();
  // Joins the threads of chats that have finished.
  void ReapFinished();

 private:
  struct Chat {
    nlohmann::json id;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> finished{false};
    std::thread thread;
  };

  bool OnAuth(const nlohmann::json& message);
  void OnChat(const nlohmann::json& message);
  void OnCancel(const nlohmann::json& message);
  void RunChat(Chat& chat, ChatCall call);
  void SendError(const nlohmann::json& id, std::string_view type, std::string_view message,
                 std::string_view param);

  ChatPipeline& pipeline_;
  AdminAuthenticator& authenticator_;
  MessageWriter& writer_;
  SessionLimits limits_;
  std::function<void()> on_auth_failure_;
  bool authenticated_ = false;
  bool admin_ = false;
  std::string client_key_;
  mutable std::mutex mutex_;
  std::list<std::unique_ptr<Chat>> chats_;
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_PLAYGROUND_SESSION_H_
