#include "gateway/upstream/sse_parser.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nexus::gateway {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Index of the first CR or LF at or after `from`, or npos.
size_t FindLineEnd(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') return i;
  }
  return std::string_view::npos;
}

}  // namespace

SseParser::SseParser(EventCallback on_event, SseParserLimits limits)
    : on_event_(std::move(on_event)), limits_(limits) {}

absl::Status SseParser::Feed(std::string_view bytes) {
  if (!status_.ok()) return status_;
  size_t pos = 0;
  if (after_cr_ && !bytes.empty()) {
    if (bytes[0] == '\n') pos = 1;
    after_cr_ = false;
  }
  while (pos < bytes.size()) {
    const size_t end = FindLineEnd(bytes, pos);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(pos));
      if (line_.size() > limits_.max_line_bytes) {
        status_ = absl::ResourceExhaustedError(
            absl::StrCat("event-stream line longer than ", limits_.max_line_bytes, " bytes"));
      }
      return status_;
    }
    absl::Status st;
    if (line_.empty()) {
      st = ProcessLine(bytes.substr(pos, end - pos));
    } else {
      line_.append(bytes.substr(pos, end - pos));
      st = ProcessLine(line_);
      line_.clear();
    }
    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos < bytes.size()) {
        if (bytes[pos] == '\n') ++pos;
      } else {
        after_cr_ = true;
      }
    }
    if (!st.ok()) {
      status_ = st;
      return status_;
    }
  }
  return status_;
}

absl::Status SseParser::ProcessLine(std::string_view line) {
  if (at_stream_start_) {
    at_stream_start_ = false;
    if (line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
  }
  if (line.size() > limits_.max_line_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("event-stream line longer than ", limits_.max_line_bytes, " bytes"));
  }
  if (line.empty()) return Dispatch();
  if (line[0] == ':') return absl::OkStatus();  // comment (keep-alive)
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
    if (data_.size() > limits_.max_event_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("event-stream event larger than ", limits_.max_event_bytes, " bytes"));
    }
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  }
  // "retry" and unknown fields are ignored, as the standard says.
  return absl::OkStatus();
}

absl::Status SseParser::Dispatch() {
  if (!has_data_) {
    type_.clear();
    return absl::OkStatus();
  }
  ++events_dispatched_;
  const bool go_on = on_event_(SseEvent{type_, data_, id_});
  data_.clear();
  type_.clear();
  has_data_ = false;
  if (!go_on) return absl::CancelledError("event-stream consumer stopped");
  return absl::OkStatus();
}

bool SseParser::has_partial_event() const { return has_data_ || !line_.empty() || !type_.empty(); }

}  // namespace nexus::gateway
