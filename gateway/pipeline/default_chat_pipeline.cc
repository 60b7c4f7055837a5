#include "gateway/pipeline/default_chat_pipeline.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/pipeline/openai_error.h"
#include "gateway/upstream/chat_body.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::Route;
using nexus::stats::v1::TokenSource;
using nexus::stats::v1::UsageEvent;

constexpr int kClientClosedRequest = 499;

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

// Upstream counts are untrusted: their sum saturates instead of overflowing.
int64_t SumTokens(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return a < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

std::string OverheadMs(absl::Duration overhead) {
  return absl::StrFormat("%.3f",
                         absl::ToDoubleMilliseconds(std::max(overhead, absl::ZeroDuration())));
}

void SendStatus(ChatResponseSink& sink, const absl::Status& status, HeaderList headers = {}) {
  OpenAiError error = ToOpenAiError(status);
  sink.SendJson(error.http_status, EncodeOpenAiError(error), headers);
}

// The error for a call whose last deployment failed without an HTTP answer.
OpenAiError TransportError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return OpenAiError{504, "The upstream provider did not answer in time.", "timeout", "",
                       "upstream_timeout"};
  }
  return OpenAiError{502, "The upstream provider could not be reached or broke the connection.",
                     "server_error", "", "upstream_unavailable"};
}

}  // namespace

// The parts of a call the forwarding loop needs, whatever the endpoint.
struct DefaultChatPipeline::Request {
  std::string model;
  std::string body;
  std::string path;
  ChatDialect dialect = ChatDialect::kOpenAi;
  // Embeddings: the input, for local prompt counting (chat messages are parsed from `body` when
  // needed).
  const nlohmann::json* prompt = nullptr;
  bool is_chat = true;
};

// The scope guard of stage 5: whatever path a call takes, exactly one usage event leaves when it
// ends (once the key is known), and the observer always hears of the call.
class DefaultChatPipeline::Accounting {
 public:
  Accounting(const ChatPipelineDeps& deps, std::string_view request_id,
             std::string_view conversation_id, nexus::stats::v1::Endpoint endpoint)
      : deps_(deps), start_(absl::Now()) {
    event_.set_request_id(std::string(request_id));
    event_.set_conversation_id(std::string(conversation_id));
    event_.set_endpoint(endpoint);
    event_.set_timestamp_ms(absl::ToUnixMillis(deps.clock->Now()));
    event_.set_token_source(nexus::stats::v1::TOKEN_SOURCE_NONE);
  }
  ~Accounting() {
    event_.set_latency_ms(Millis(absl::Now() - start_));
    event_.set_upstream_latency_ms(Millis(upstream_));
    if (armed_) deps_.usage->Record(event_);
    deps_.observer->OnCallFinished(event_, provider_);
  }
  Accounting(const Accounting&) = delete;
  Accounting& operator=(const Accounting&) = delete;

  void Arm(int64_t key_id) {
    armed_ = true;
    event_.set_key_id(key_id);
  }
  void SetRoute(const Route& route) {
    event_.set_provider_id(route.provider_id());
    event_.set_upstream_model(route.upstream_model());
    provider_ = route.provider_name();
  }
  void SetOutcome(int http_status, std::string_view error_type) {
    event_.set_http_status(http_status);
    event_.set_error_type(std::string(error_type));
  }
  void SetTokens(int64_t prompt, int64_t completion, TokenSource source) {
    event_.set_prompt_tokens(prompt);
    event_.set_completion_tokens(completion);
    event_.set_total_tokens(SumTokens(prompt, completion));
    event_.set_token_source(source);
  }
  void AddUpstream(absl::Duration d) { upstream_ += d; }
  void FirstToken(absl::Time at) { event_.set_time_to_first_token_ms(Millis(at - start_)); }
  // Durations use the real clock (the injected one is for expiry and event timestamps).
  // Time the gateway itself added so far: everything but waiting for upstreams.
  absl::Duration Overhead(absl::Duration upstream_in_progress) const {
    return absl::Now() - start_ - upstream_ - upstream_in_progress;
  }
  UsageEvent& event() { return event_; }

 private:
  const ChatPipelineDeps& deps_;
  const absl::Time start_;
  UsageEvent event_;
  std::string provider_;
  absl::Duration upstream_ = absl::ZeroDuration();
  bool armed_ = false;
};

DefaultChatPipeline::DefaultChatPipeline(ChatPipelineDeps deps, ChatPipelineOptions options)
    : deps_(deps), options_(options), decoder_(options.max_body_bytes) {}

void DefaultChatPipeline::Refuse(const AdmissionError& error, ChatResponseSink& sink,
                                 Accounting& accounting) {
  OpenAiError openai = ToOpenAiError(error.status);
  if (error.key_id != 0) accounting.Arm(error.key_id);
  accounting.SetOutcome(openai.http_status, openai.type);
  HeaderList headers;
  if (error.retry_after > absl::ZeroDuration()) {
    headers.emplace_back(
        "Retry-After",
        std::to_string(absl::ToInt64Seconds(absl::Ceil(error.retry_after, absl::Seconds(1)))));
  }
  sink.SendJson(openai.http_status, EncodeOpenAiError(openai), headers);
}

void DefaultChatPipeline::Handle(const ChatCall& call, ChatResponseSink& sink) {
  Accounting accounting(deps_, call.request_id, call.conversation_id, call.endpoint);
  absl::StatusOr<CheckedChatRequest> decoded = decoder_.CheckChat(call.body, call.dialect);
  if (!decoded.ok()) {
    OpenAiError error = ToOpenAiError(decoded.status());
    accounting.SetOutcome(error.http_status, error.type);
    sink.SendJson(error.http_status, EncodeOpenAiError(error), {});
    return;
  }
  accounting.event().set_model(decoded->model);
  accounting.event().set_streamed(decoded->stream);
  AdmittedCall admitted;
  AdmissionError refused;
  if (!deps_.admission->Admit(call.bearer_secret, call.admin_session, decoded->model, &admitted,
                              &refused)) {
    Refuse(refused, sink, accounting);
    return;
  }
  accounting.Arm(admitted.key_id());
  Request request;
  request.model = decoded->model;
  request.body = call.body;
  request.path = "/chat/completions";
  request.dialect = call.dialect;
  Forward(request, admitted.routes, sink, accounting);
}

absl::StatusOr<PreparedChatBody> DefaultChatPipeline::PrepareBody(const Request& request,
                                                                  const Route& route) const {
  ChatBodyOptions options;
  options.upstream_model = route.upstream_model().empty() ? request.model : route.upstream_model();
  options.ask_stream_usage = request.is_chat && route.stream_usage();
  if (request.dialect == ChatDialect::kSimplified) {
    options.default_stream = true;
    options.default_temperature = 0.7;
  }
  return PrepareChatRequestBody(request.body, options);
}

void DefaultChatPipeline::Forward(const Request& request, const std::vector<Route>& routes,
                                  ChatResponseSink& sink, Accounting& accounting) {
  CancelToken cancel;
  ScopedWatch watch(*deps_.watchdog, sink, cancel);
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& route = routes[i];
    accounting.SetRoute(route);
    absl::StatusOr<PreparedChatBody> prepared = PrepareBody(request, route);
    if (!prepared.ok()) {
      accounting.SetOutcome(400, "invalid_request_error");
      SendStatus(sink, WithOpenAiDetail(prepared.status(), "", "invalid_value"));
      return;
    }
    accounting.event().set_streamed(prepared->stream);
    CompletionCounter completion(deps_.counter, request.model, route.tokenizer());
    absl::Time sent_at = absl::Now();
    ChatAttempt attempt(
        sink, prepared->stream, prepared->client_wants_usage, &completion, options_.attempt,
        [&accounting, sent_at] {
          return HeaderList{
              {"X-Nexus-Overhead-Ms", OverheadMs(accounting.Overhead(absl::Now() - sent_at))}};
        },
        deps_.observer);
    attempt.set_upstream_key(route.api_key());
    UpstreamRequest upstream{route.base_url(), request.path,   "POST",
                             route.api_key(),  prepared->body, prepared->stream};
    UpstreamOutcome outcome = deps_.upstream->Send(upstream, attempt, cancel);
    accounting.AddUpstream(absl::Now() - sent_at);
    if (attempt.first_event_at()) accounting.FirstToken(*attempt.first_event_at());
    bool gone = cancel.cancelled() || attempt.client_refused();
    if (attempt.client_started() || gone) {
      if (gone) {
        accounting.SetOutcome(kClientClosedRequest, "request_cancelled");
        SettleTokens(request, route, attempt.stream_usage(), completion,
                     attempt.http_status() == 200, accounting);
        return;
      }
      FinishStream(request, route, attempt, completion, sink, accounting);
      return;
    }
    if (i + 1 < routes.size() && RetryableOutcome(outcome, attempt)) continue;
    Answer(request, route, outcome, attempt, completion, sink, accounting);
    return;
  }
}

void DefaultChatPipeline::FinishStream(const Request& request, const Route& route,
                                       ChatAttempt& attempt, CompletionCounter& completion,
                                       ChatResponseSink& sink, Accounting& accounting) {
  absl::Status end = attempt.StreamEnd();
  if (attempt.stream_error_event()) {
    // The upstream's own error event already went out; the stream ends without [DONE].
    accounting.SetOutcome(502, "upstream_error");
  } else if (end.ok()) {
    sink.EndStream();
    accounting.SetOutcome(200, "");
  } else {
    OpenAiError error{502, "The upstream stream ended before it was complete.", "server_error", "",
                      "upstream_stream_broken"};
    sink.SendEvent(EncodeOpenAiError(error));
    accounting.SetOutcome(502, error.type);
  }
  SettleTokens(request, route, attempt.stream_usage(), completion, true, accounting);
}

void DefaultChatPipeline::Answer(const Request& request, const Route& route,
                                 const UpstreamOutcome& outcome, ChatAttempt& attempt,
                                 CompletionCounter& completion, ChatResponseSink& sink,
                                 Accounting& accounting) {
  HeaderList headers{
      {"X-Nexus-Overhead-Ms", OverheadMs(accounting.Overhead(absl::ZeroDuration()))}};
  std::optional<OpenAiError> failure;
  if (attempt.body_too_large()) {
    failure = OpenAiError{502, "The upstream answer is larger than the gateway accepts.",
                          "server_error", "", "upstream_answer_too_large"};
  } else if (attempt.http_status() == 0 || (attempt.success_status() && !outcome.status.ok()) ||
             !attempt.StreamEnd().ok()) {
    failure = TransportError(outcome.status.ok() ? absl::UnavailableError("") : outcome.status);
  }
  if (failure.has_value()) {
    accounting.SetOutcome(failure->http_status, failure->type);
    sink.SendJson(failure->http_status, EncodeOpenAiError(*failure), headers);
    return;
  }
  if (!attempt.success_status()) {
    std::string type;
    std::string body =
        SanitizedUpstreamError(attempt.http_status(), attempt.body(), route.api_key(), &type);
    for (const auto& [name, value] : attempt.response_headers()) {
      if (absl::EqualsIgnoreCase(Av(name), "retry-after"))
        headers.emplace_back("Retry-After", value);
    }
    accounting.SetOutcome(attempt.http_status(), type);
    sink.SendJson(attempt.http_status(), body, headers);
    return;
  }
  accounting.SetOutcome(attempt.http_status(), "");
  if (accounting.event().streamed()) {
    // A complete stream that carried no event at all: still a well-formed (empty) stream.
    if (sink.StartStream(headers)) sink.EndStream();
    SettleTokens(request, route, attempt.stream_usage(), completion, true, accounting);
    return;
  }
  absl::StatusOr<std::optional<TokenUsage>> usage = ExtractJsonUsage(
      attempt.body(), [&completion](int, std::string_view text) { completion.Add(text); });
  SettleTokens(request, route, usage.ok() ? *usage : std::nullopt, completion, true, accounting);
  if (!usage.ok()) {
    // A 200 whose body is not JSON (cut short, garbled) would break the client's parser.
    OpenAiError broken{502, "The upstream answer is not valid JSON.", "server_error", "",
                       "upstream_invalid_answer"};
    accounting.SetOutcome(broken.http_status, broken.type);
    sink.SendJson(broken.http_status, EncodeOpenAiError(broken), headers);
    return;
  }
  sink.SendJson(attempt.http_status(), attempt.body(), headers);
}

namespace {

// Captures the JSON answer of a non-streaming endpoint (embeddings never stream).
class ReplySink : public ChatResponseSink {
 public:
  explicit ReplySink(HttpReply& reply) : reply_(reply) {}
  void SendJson(int http_status, std::string_view body, const HeaderList& headers) override {
    reply_.status = http_status;
    reply_.body = std::string(body);
    reply_.headers = headers;
  }
  bool StartStream(const HeaderList&) override { return false; }
  bool SendEvent(std::string_view) override { return false; }
  void EndStream() override {}
  bool ClientGone() override { return false; }

 private:
  HttpReply& reply_;
};

}  // namespace

HttpReply DefaultChatPipeline::HandleEmbeddings(const JsonCall& call) {
  HttpReply reply;
  ReplySink sink(reply);
  Accounting accounting(deps_, call.request_id, call.conversation_id,
                        nexus::stats::v1::ENDPOINT_EMBEDDINGS);
  absl::StatusOr<DecodedEmbeddingsRequest> decoded = decoder_.DecodeEmbeddings(call.body);
  if (!decoded.ok()) {
    OpenAiError error = ToOpenAiError(decoded.status());
    accounting.SetOutcome(error.http_status, error.type);
    return HttpReply{error.http_status, EncodeOpenAiError(error), {}};
  }
  accounting.event().set_model(decoded->model);
  AdmittedCall admitted;
  AdmissionError refused;
  if (!deps_.admission->Admit(call.bearer_secret, false, decoded->model, &admitted, &refused)) {
    Refuse(refused, sink, accounting);
    return reply;
  }
  accounting.Arm(admitted.key_id());
  Request request;
  request.model = decoded->model;
  request.body = call.body;
  request.path = "/embeddings";
  request.prompt = &decoded->body["input"];
  request.is_chat = false;
  Forward(request, admitted.routes, sink, accounting);
  return reply;
}

int64_t DefaultChatPipeline::CountPrompt(const Request& request, const Route& route,
                                         bool* exact) const {
  // Chat messages are parsed only here, when the upstream reported no usage.
  nlohmann::json messages;
  if (request.prompt == nullptr && request.is_chat) {
    absl::StatusOr<DecodedChatRequest> decoded = decoder_.DecodeChat(request.body, request.dialect);
    if (decoded.ok()) messages = std::move(decoded->body["messages"]);
  }
  const nlohmann::json* source = request.prompt != nullptr ? request.prompt : &messages;
  if (source->is_null() || deps_.counter == nullptr) {
    *exact = false;
    return 0;
  }
  const nlohmann::json& prompt = *source;
  absl::StatusOr<tokenizer::TokenCount> count;
  if (request.is_chat) {
    count = deps_.counter->CountChat(request.model, route.tokenizer(), prompt);
  } else if (prompt.is_string()) {
    count = deps_.counter->CountText(request.model, route.tokenizer(), prompt.get<std::string>());
  } else {
    tokenizer::TokenCount total;
    for (const nlohmann::json& item : prompt) {
      if (item.is_number_integer()) {
        ++total.tokens;  // already token ids
      } else if (item.is_array()) {
        total.tokens += static_cast<int64_t>(item.size());
      } else if (item.is_string()) {
        absl::StatusOr<tokenizer::TokenCount> part =
            deps_.counter->CountText(request.model, route.tokenizer(), item.get<std::string>());
        if (!part.ok()) {
          count = part.status();
          break;
        }
        total.tokens += part->tokens;
        total.exact = total.exact && part->exact;
      }
    }
    if (count.status().code() != absl::StatusCode::kInvalidArgument) count = total;
  }
  if (!count.ok()) {
    *exact = false;
    return 0;
  }
  *exact = count->exact;
  return count->tokens;
}

void DefaultChatPipeline::SettleTokens(const Request& request, const Route& route,
                                       const std::optional<TokenUsage>& reported,
                                       CompletionCounter& completion, bool answered,
                                       Accounting& accounting) const {
  if (reported.has_value()) {
    accounting.SetTokens(reported->prompt_tokens, reported->completion_tokens,
                         nexus::stats::v1::TOKEN_SOURCE_REPORTED);
    accounting.event().set_total_tokens(
        reported->total_tokens > 0
            ? reported->total_tokens
            : SumTokens(reported->prompt_tokens, reported->completion_tokens));
    return;
  }
  if (!answered) return;
  bool prompt_exact = true;
  int64_t prompt = CountPrompt(request, route, &prompt_exact);
  completion.Flush();
  bool exact = prompt_exact && completion.exact();
  accounting.SetTokens(
      prompt, completion.tokens(),
      exact ? nexus::stats::v1::TOKEN_SOURCE_COUNTED : nexus::stats::v1::TOKEN_SOURCE_ESTIMATED);
}

}  // namespace nexus::gateway
