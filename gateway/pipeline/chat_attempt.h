#ifndef NEXUS_GATEWAY_PIPELINE_CHAT_ATTEMPT_H_
#define NEXUS_GATEWAY_PIPELINE_CHAT_ATTEMPT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/pipeline/call_observer.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/pipeline/completion_counter.h"
#include "gateway/upstream/chat_body.h"
#include "gateway/upstream/chat_stream_relay.h"
#include "gateway/upstream/upstream_client.h"

namespace nexus::gateway {

struct AttemptLimits {
  // A JSON answer larger than this is refused (502) instead of held in memory.
  size_t max_json_bytes = 32 << 20;
  // Error bodies are kept only this far (enough for any OpenAI error object).
  size_t max_error_bytes = 64 << 10;
};

// One upstream call of a request: receives the response and relays a 200 stream to the client
// event by event, or collects a JSON answer or an error body for the pipeline to judge (failover
// is only possible while client_started() is false). The events made of one OnBodyData call (or,
// when the upstream client brackets its reads, of one upstream read) go to the client in one sink
// batch, written as soon as those bytes are processed; [DONE] goes with the last of them.
class ChatAttempt : public UpstreamHandler {
 public:
  // `stream_headers` is asked for the client's headers when the first event is about to go out.
  ChatAttempt(ChatResponseSink& sink, bool stream, bool client_wants_usage,
              CompletionCounter* completion, AttemptLimits limits,
              std::function<HeaderList()> stream_headers, CallObserver* observer);
  ~ChatAttempt() override;
  ChatAttempt(const ChatAttempt&) = delete;
  ChatAttempt& operator=(const ChatAttempt&) = delete;

  bool OnResponseStart(int http_status, const HeaderList& headers) override;
  bool OnBodyData(std::string_view data) override;
  // For upstream clients that hand the bytes of one socket read on in several OnBodyData calls
  // (one per chunk of a chunked body): BeginBodyReads, once before the body, promises that
  // EndBodyRead follows the bytes of every read, before the client waits for more and when the
  // body ended; the events of a read are then written in one piece at EndBodyRead instead of one
  // write per chunk. EndBodyRead returns false when the client went away (abort the call).
  void BeginBodyReads() override { reads_bracketed_ = true; }
  bool EndBodyRead() override;

  int http_status() const { return http_status_; }
  bool success_status() const { return http_status_ >= 200 && http_status_ < 300; }
  const HeaderList& response_headers() const { return response_headers_; }
  // The JSON answer, or the (truncated) error body.
  const std::string& body() const { return body_; }
  bool body_too_large() const { return body_too_large_; }

  // Streams: bytes reached the client; from here on there is no failover.
  bool client_started() const { return client_started_; }
  // The sink refused an event (the client went away).
  bool client_refused() const { return client_refused_; }
  // The relay saw [DONE] / an error event after the 200; its status after the body ended.
  bool stream_done() const { return relay_ && relay_->done(); }
  bool stream_error_event() const { return relay_ && relay_->upstream_error(); }
  absl::Status StreamEnd() const;
  std::optional<TokenUsage> stream_usage() const;

  // When the first response byte arrived and when the first event went to the client.
  std::optional<absl::Time> response_started_at() const { return response_started_at_; }
  std::optional<absl::Time> first_event_at() const { return first_event_at_; }

  // The credential sent upstream, masked in relayed error events (patterns of common key shapes
  // are masked either way).
  void set_upstream_key(std::string_view key) { upstream_key_ = std::string(key); }

 private:
  bool Relay(std::string_view data, RelayEventKind kind);
  bool CollectBody(std::string_view data);
  // Writes the open sink batch (with [DONE] when the stream is complete); false when the client
  // is gone.
  bool FlushClient();

  ChatResponseSink& sink_;
  const bool stream_;
  const bool client_wants_usage_;
  CompletionCounter* completion_;
  const AttemptLimits limits_;
  std::function<HeaderList()> stream_headers_;
  CallObserver* observer_;
  std::unique_ptr<ChatStreamRelay> relay_;
  int http_status_ = 0;
  HeaderList response_headers_;
  std::string body_;
  bool body_too_large_ = false;
  bool client_started_ = false;
  bool client_refused_ = false;
  bool batch_open_ = false;
  bool reads_bracketed_ = false;
  absl::Status relay_status_;
  std::optional<absl::Time> response_started_at_;
  std::optional<absl::Time> first_event_at_;
  std::string upstream_key_;
};

// Whether another deployment should be tried after this outcome (nothing reached the client yet):
// connection errors, timeouts, 429 and 5xx.
bool RetryableOutcome(const UpstreamOutcome& outcome, const ChatAttempt& attempt);

// An upstream's error answer as an OpenAI error for the client: the upstream's status, its error
// message/type/code when it sent an OpenAI error object, and never the upstream key (masked).
std::string SanitizedUpstreamError(int http_status, std::string_view body,
                                   std::string_view upstream_key, std::string* error_type);
// An error event of an upstream stream, the same way: OpenAI's error shape, text masked.
std::string SanitizedStreamError(std::string_view data, std::string_view upstream_key);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_CHAT_ATTEMPT_H_
