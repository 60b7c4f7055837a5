#include "gateway/upstream/chat_stream_relay.h"

#include <string.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/upstream/openai_scan.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// True when some occurrence of the quoted member name is followed by a value other than null.
// A quoted name cannot occur inside a JSON string (its quotes would be escaped), so a miss is
// exact and a hit only costs a parse.
bool HasNonNullMember(std::string_view json, std::string_view quoted_name) {
  size_t from = 0;
  while (true) {
    const void* hit =
        memmem(json.data() + from, json.size() - from, quoted_name.data(), quoted_name.size());
    if (hit == nullptr) return false;
    const size_t at = static_cast<const char*>(hit) - json.data();
    from = at + 1;
    size_t i = at + quoted_name.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == ':' || json[i] == '\t' ||
                               json[i] == '\n' || json[i] == '\r')) {
      ++i;
    }
    if (json.substr(i, 4) != "null") return true;
  }
}

}  // namespace

ChatStreamRelay::ChatStreamRelay(ChatStreamRelayOptions options, EventFn on_event,
                                 CompletionTextFn on_text)
    : options_(options),
      on_event_(std::move(on_event)),
      on_text_(std::move(on_text)),
      parser_([this](const SseEvent& e) { return OnSseEvent(e); }, options.limits) {}

absl::Status ChatStreamRelay::Feed(std::string_view bytes) {
  if (!status_.ok() || done_) return status_;
  absl::Status parsed = parser_.Feed(bytes);
  if (done_ || !status_.ok()) return status_;
  if (!parsed.ok()) {
    status_ = absl::DataLossError(absl::StrCat("upstream event stream: ", parsed.message()));
  }
  return status_;
}

bool ChatStreamRelay::NeedsScan(std::string_view data) const {
  return on_text_ != nullptr || HasNonNullMember(data, "\"usage\"") ||
         HasNonNullMember(data, "\"error\"") || HasNonNullMember(data, "\"finish_reason\"");
}

bool ChatStreamRelay::OnSseEvent(const SseEvent& event) {
  RelayEventKind kind = RelayEventKind::kChunk;
  if (event.type == "error") {
    kind = RelayEventKind::kError;
    upstream_error_ = true;
  } else {
    const std::string_view trimmed = Trim(event.data);
    if (trimmed.empty()) return true;  // an empty keep-alive event
    if (trimmed == "[DONE]") {
      done_ = true;
      return false;
    }
    if (NeedsScan(event.data)) {
      OpenAiScanResult scan =
          ScanOpenAiObject(event.data, ChoiceTextField::kDelta, on_text_, scratch_);
      if (!scan.valid) {
        status_ = absl::DataLossError("upstream sent a stream event that is not JSON");
        return false;
      }
      if (scan.finished) finished_ = true;
      if (scan.has_error) {
        kind = RelayEventKind::kError;
        upstream_error_ = true;
      } else if (scan.has_usage) {
        usage_ = scan.usage;
        // The usage-only chunk exists because we asked; the client did not want it.
        if (!options_.client_wants_usage && scan.choice_count == 0) return true;
      }
    }
  }
  ++events_relayed_;
  if (!on_event_(event.data, kind)) {
    status_ = absl::CancelledError("the client stopped reading the stream");
    return false;
  }
  return true;
}

absl::Status ChatStreamRelay::Finish() const {
  if (!status_.ok()) return status_;
  if (done_ || finished_ || upstream_error_) return absl::OkStatus();
  return absl::DataLossError("upstream stream ended before [DONE]");
}

}  // namespace nexus::gateway
