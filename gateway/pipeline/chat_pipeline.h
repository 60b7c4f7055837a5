#ifndef NEXUS_GATEWAY_PIPELINE_CHAT_PIPELINE_H_
#define NEXUS_GATEWAY_PIPELINE_CHAT_PIPELINE_H_

#include <string>
#include <string_view>

#include "gateway/upstream/upstream_client.h"
#include "nexus/stats/v1/stats.pb.h"

namespace nexus::gateway {

// Where a chat answer goes: an HTTP JSON body, an SSE stream, or WebSocket messages. Called on the
// thread that runs ChatPipeline::Handle, except ClientGone (see there).
class ChatResponseSink {
 public:
  virtual ~ChatResponseSink() = default;
  // A complete answer or error: status and body (an OpenAI chat.completion or error object).
  virtual void SendJson(int http_status, std::string_view body, const HeaderList& headers) = 0;
  // Streaming: called once, before the first event. Return false when the client is gone.
  virtual bool StartStream(const HeaderList& headers) = 0;
  // One event's data (a chat.completion.chunk JSON, or an error object after a stream started).
  // Return false when the client is gone.
  virtual bool SendEvent(std::string_view data) = 0;
  // The stream ended normally (an SSE sink writes "data: [DONE]"). Later calls do nothing.
  virtual void EndStream() = 0;
  // Optional batching: between BeginBatch and EndBatch, SendEvent and EndStream may only queue
  // their bytes, and EndBatch writes all of them at once (one write and one client wake-up for
  // the events of one upstream read). EndBatch returns false when the client is gone; the caller
  // then stops as when SendEvent fails. Sinks whose writes are cheap keep these no-ops.
  virtual void BeginBatch() {}
  virtual bool EndBatch() { return true; }
  // True once the client went away. Polled every ~150 ms by the pipeline's watchdog thread while
  // the call runs, so a stalled upstream cannot keep a dead client's call alive: it must be
  // thread-safe and must not block.
  virtual bool ClientGone() = 0;
};

// How the request dialect fills in missing fields.
enum class ChatDialect {
  // POST /v1/chat/completions: OpenAI semantics (stream only when "stream": true).
  kOpenAi,
  // POST /chat/completions: "stream" defaults to true and "temperature" to 0.7 when absent.
  kSimplified,
};

struct ChatCall {
  std::string request_id;
  std::string conversation_id;
  // The client key as sent; empty when the caller already authenticated an admin session.
  std::string bearer_secret;
  bool admin_session = false;
  std::string body;
  ChatDialect dialect = ChatDialect::kOpenAi;
  nexus::stats::v1::Endpoint endpoint = nexus::stats::v1::ENDPOINT_CHAT_COMPLETIONS;
};

// decode -> authenticate -> authorize and route -> forward (with failover) -> account -> encode.
// Every outcome, including errors, is delivered through the sink; exactly one usage event is
// recorded per call that got past authentication (unauthenticated noise is not a usage).
class ChatPipeline {
 public:
  virtual ~ChatPipeline() = default;
  virtual void Handle(const ChatCall& call, ChatResponseSink& sink) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_CHAT_PIPELINE_H_
