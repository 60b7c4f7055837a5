#include "gateway/pipeline/chat_attempt.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/pipeline/openai_error.h"
#include "nlohmann/json.hpp"
#include "services/log/redactor.h"

namespace nexus::gateway {

ChatAttempt::ChatAttempt(ChatResponseSink& sink, bool stream, bool client_wants_usage,
                         CompletionCounter* completion, AttemptLimits limits,
                         std::function<HeaderList()> stream_headers, CallObserver* observer)
    : sink_(sink),
      stream_(stream),
      client_wants_usage_(client_wants_usage),
      completion_(completion),
      limits_(limits),
      stream_headers_(std::move(stream_headers)),
      observer_(observer) {}

ChatAttempt::~ChatAttempt() {
  // A client that stopped between bracketed reads without EndBodyRead: what is queued goes out.
  if (batch_open_) sink_.EndBatch();
  if (client_started_ && observer_ != nullptr) observer_->OnStreamEnded();
}

bool ChatAttempt::OnResponseStart(int http_status, const HeaderList& headers) {
  http_status_ = http_status;
  response_headers_ = headers;
  response_started_at_ = absl::Now();
  if (stream_ && success_status()) {
    ChatStreamRelayOptions options;
    options.client_wants_usage = client_wants_usage_;
    CompletionTextFn on_text;
    if (completion_ != nullptr) {
      on_text = [this](int, std::string_view text) { completion_->Add(text); };
    }
    relay_ = std::make_unique<ChatStreamRelay>(
        options, [this](std::string_view data, RelayEventKind kind) { return Relay(data, kind); },
        std::move(on_text));
  }
  return true;
}

bool ChatAttempt::OnBodyData(std::string_view data) {
  if (!relay_) return CollectBody(data);
  if (!batch_open_) {
    sink_.BeginBatch();
    batch_open_ = true;
  }
  relay_status_ = relay_->Feed(data);
  // The batch is written when this call's bytes are processed, unless the upstream client
  // brackets its reads (then at EndBodyRead); a stream that ended or failed writes at once.
  if (!reads_bracketed_ || !relay_status_.ok() || relay_->done()) {
    const bool written = FlushClient();
    return written && relay_status_.ok();
  }
  return true;
}

bool ChatAttempt::EndBodyRead() { return FlushClient(); }

bool ChatAttempt::FlushClient() {
  if (!batch_open_) return !client_refused_;
  batch_open_ = false;
  // [DONE] leaves with the last events. The pipeline ends such a stream the same way once the
  // upstream call returned (its EndStream then does nothing).
  if (client_started_ && !client_refused_ && relay_ && relay_->done() &&
      !relay_->upstream_error()) {
    sink_.EndStream();
  }
  if (!sink_.EndBatch()) client_refused_ = true;
  return !client_refused_;
}

bool ChatAttempt::CollectBody(std::string_view data) {
  size_t limit = success_status() ? limits_.max_json_bytes : limits_.max_error_bytes;
  if (body_.size() + data.size() > limit) {
    if (success_status()) {
      body_too_large_ = true;
      return false;
    }
    body_.append(data.substr(0, limit - body_.size()));
    return true;  // keep draining so the connection can be reused
  }
  body_.append(data);
  return true;
}

bool ChatAttempt::Relay(std::string_view data, RelayEventKind kind) {
  if (!client_started_) {
    if (!sink_.StartStream(stream_headers_())) {
      client_refused_ = true;
      return false;
    }
    client_started_ = true;
    first_event_at_ = absl::Now();
    if (observer_ != nullptr) observer_->OnStreamStarted();
  }
  // An error event is re-encoded with its text masked, like an error body.
  const std::string sanitized =
      kind == RelayEventKind::kError ? SanitizedStreamError(data, upstream_key_) : std::string();
  if (!sink_.SendEvent(kind == RelayEventKind::kError ? std::string_view(sanitized) : data)) {
    client_refused_ = true;
    return false;
  }
  return true;
}

absl::Status ChatAttempt::StreamEnd() const {
  if (!relay_) return absl::OkStatus();
  if (!relay_status_.ok()) return relay_status_;
  return relay_->Finish();
}

std::optional<TokenUsage> ChatAttempt::stream_usage() const {
  if (!relay_) return std::nullopt;
  return relay_->usage();
}

bool RetryableOutcome(const UpstreamOutcome& outcome, const ChatAttempt& attempt) {
  if (attempt.client_started() || attempt.client_refused() || attempt.body_too_large()) {
    return false;
  }
  // A 200 stream that broke or turned malformed before its first event: nothing reached the
  // client, so another deployment may still answer.
  if (!attempt.StreamEnd().ok()) return true;
  if (!outcome.status.ok()) return outcome.status.code() != absl::StatusCode::kCancelled;
  int status = attempt.http_status();
  return status == 429 || status >= 500;
}

namespace {

// An upstream's OpenAI error object with every text field masked: an upstream may quote our
// credential back ("Incorrect API key provided: sk-...") in any of them. `error` holds the
// defaults for what the body does not say.
OpenAiError SanitizeErrorObject(std::string_view body, std::string_view upstream_key,
                                OpenAiError error) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const nlohmann::json& e = parsed["error"];
    if (e.contains("message") && e["message"].is_string()) error.message = e["message"];
    if (e.contains("type") && e["type"].is_string()) error.type = e["type"];
    if (e.contains("param") && e["param"].is_string()) error.param = e["param"];
    if (e.contains("code") && e["code"].is_string()) error.code = e["code"];
  }
  log::Redactor redactor;
  redactor.AddSecret(upstream_key);
  for (std::string* field : {&error.message, &error.type, &error.param, &error.code}) {
    *field = redactor.Redact(*field);
  }
  return error;
}

}  // namespace

std::string SanitizedUpstreamError(int http_status, std::string_view body,
                                   std::string_view upstream_key, std::string* error_type) {
  OpenAiError error = SanitizeErrorObject(
      body, upstream_key,
      OpenAiError{http_status,
                  absl::StrCat("The upstream provider answered HTTP ", http_status, "."),
                  http_status >= 500 ? "server_error" : "invalid_request_error", "", ""});
  if (error_type != nullptr) *error_type = error.type;
  return EncodeOpenAiError(error);
}

std::string SanitizedStreamError(std::string_view data, std::string_view upstream_key) {
  return EncodeOpenAiError(SanitizeErrorObject(
      data, upstream_key,
      OpenAiError{500, "The upstream provider reported an error during the stream.", "server_error",
                  "", ""}));
}

}  // namespace nexus::gateway
