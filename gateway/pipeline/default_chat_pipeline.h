#ifndef NEXUS_GATEWAY_PIPELINE_DEFAULT_CHAT_PIPELINE_H_
#define NEXUS_GATEWAY_PIPELINE_DEFAULT_CHAT_PIPELINE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/accounting/usage_sink.h"
#include "gateway/pipeline/admission.h"
#include "gateway/pipeline/call_observer.h"
#include "gateway/pipeline/chat_attempt.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/pipeline/chat_request_decoder.h"
#include "gateway/pipeline/disconnect_watchdog.h"
#include "gateway/pipeline/http_reply.h"
#include "gateway/tokenizer/token_counter.h"
#include "gateway/upstream/upstream_client.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

struct ChatPipelineOptions {
  size_t max_body_bytes = 4 << 20;
  AttemptLimits attempt;
};

// Everything the pipeline talks to; all must outlive it. `counter` may be null (tokens are then
// estimated from bytes when an upstream reports no usage).
struct ChatPipelineDeps {
  Admission* admission = nullptr;
  UpstreamClient* upstream = nullptr;
  UsageSink* usage = nullptr;
  const tokenizer::TokenCounter* counter = nullptr;
  DisconnectWatchdog* watchdog = nullptr;
  CallObserver* observer = nullptr;
  const Clock* clock = nullptr;
};

// The orchestrator of DESIGN §3: decode -> admission (authenticate, authorize, rate-limit,
// route) -> forward with failover before the first client byte -> relay -> account (one usage
// event per admitted call, from a scope guard, whatever the outcome) -> encode.
class DefaultChatPipeline : public ChatPipeline {
 public:
  DefaultChatPipeline(ChatPipelineDeps deps, ChatPipelineOptions options);

  void Handle(const ChatCall& call, ChatResponseSink& sink) override;

  // POST /v1/embeddings: the same admission, failover and accounting, JSON only.
  HttpReply HandleEmbeddings(const JsonCall& call);

 private:
  struct Request;
  class Accounting;

  void Forward(const Request& request, const std::vector<nexus::registry::v1::Route>& routes,
               ChatResponseSink& sink, Accounting& accounting);
  void Refuse(const AdmissionError& error, ChatResponseSink& sink, Accounting& accounting);
  absl::StatusOr<PreparedChatBody> PrepareBody(const Request& request,
                                               const nexus::registry::v1::Route& route) const;
  // The final answer when nothing was streamed to the client yet.
  void Answer(const Request& request, const nexus::registry::v1::Route& route,
              const UpstreamOutcome& outcome, ChatAttempt& attempt, CompletionCounter& completion,
              ChatResponseSink& sink, Accounting& accounting);
  // The end of a stream that reached the client: [DONE], or an error event when it broke.
  void FinishStream(const Request& request, const nexus::registry::v1::Route& route,
                    ChatAttempt& attempt, CompletionCounter& completion, ChatResponseSink& sink,
                    Accounting& accounting);
  // Provider usage when reported, else local counts (or none when nothing was answered).
  void SettleTokens(const Request& request, const nexus::registry::v1::Route& route,
                    const std::optional<TokenUsage>& reported, CompletionCounter& completion,
                    bool answered, Accounting& accounting) const;
  int64_t CountPrompt(const Request& request, const nexus::registry::v1::Route& route,
                      bool* exact) const;

  ChatPipelineDeps deps_;
  ChatPipelineOptions options_;
  RequestDecoder decoder_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_DEFAULT_CHAT_PIPELINE_H_
