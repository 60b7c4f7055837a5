#ifndef NEXUS_GATEWAY_UPSTREAM_CHAT_STREAM_RELAY_H_
#define NEXUS_GATEWAY_UPSTREAM_CHAT_STREAM_RELAY_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/upstream/chat_body.h"
#include "gateway/upstream/sse_parser.h"

namespace nexus::gateway {

enum class RelayEventKind {
  // A chat.completion.chunk to pass to the client.
  kChunk,
  // An error the upstream sent after its 200 (a top-level "error" member, or "event: error").
  kError,
};

struct ChatStreamRelayOptions {
  // The client asked for stream_options.include_usage: pass the usage-only chunk on. Otherwise it
  // is dropped (the gateway asked for it only to account).
  bool client_wants_usage = false;
  SseParserLimits limits;
};

// The OpenAI chat stream dialect, without I/O: fed the upstream's text/event-stream bytes in any
// split, it hands each client-bound event's data on byte for byte and in order, stops at
// [DONE], keeps the last usage the upstream reported (never a sum), drops the usage-only chunk
// the client did not ask for, flags errors sent after the 200, and passes completion text to an
// optional callback for local token counting. Memory stays bounded by the parser limits.
class ChatStreamRelay {
 public:
  // Return false when the client is gone: Feed stops and returns CANCELLED.
  using EventFn = std::function<bool(std::string_view data, RelayEventKind kind)>;

  ChatStreamRelay(ChatStreamRelayOptions options, EventFn on_event,
                  CompletionTextFn on_text = nullptr);

  // OK; CANCELLED when on_event returned false; DATA_LOSS when the upstream sent something that
  // is not an OpenAI event stream (an event whose data is not JSON, an oversized line). Sticky.
  absl::Status Feed(std::string_view bytes);

  // Call when the upstream body ended. OK when the stream ended properly ([DONE], or a finished
  // choice, or an error event); DATA_LOSS when it was cut short.
  absl::Status Finish() const;

  // [DONE] arrived; later bytes are ignored.
  bool done() const { return done_; }
  bool upstream_error() const { return upstream_error_; }
  // The last usage the upstream reported, if any.
  const std::optional<TokenUsage>& usage() const { return usage_; }
  // Events handed to on_event.
  size_t events_relayed() const { return events_relayed_; }

 private:
  bool OnSseEvent(const SseEvent& event);
  // Whether the chunk must be parsed: always when text is wanted, else only when it may carry
  // usage or an error.
  bool NeedsScan(std::string_view data) const;

  ChatStreamRelayOptions options_;
  EventFn on_event_;
  CompletionTextFn on_text_;
  SseParser parser_;
  std::string scratch_;
  std::optional<TokenUsage> usage_;
  absl::Status status_;
  bool done_ = false;
  bool finished_ = false;
  bool upstream_error_ = false;
  size_t events_relayed_ = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_CHAT_STREAM_RELAY_H_
