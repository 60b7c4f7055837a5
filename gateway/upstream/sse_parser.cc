#include "gateway/upstream/sse_parser.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nexus::gateway {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Index of the first CR or LF at or after `from`, or npos. LF ends nearly every line, so it is
// searched first and CR only in the line before it.
size_t FindLineEnd(std::string_view s, size_t from) {
  const char* const begin = s.data() + from;
  const size_t size = s.size() - from;
  const void* lf = std::memchr(begin, '\n', size);
  const size_t until =
      lf == nullptr ? size : static_cast<size_t>(static_cast<const char*>(lf) - begin);
  if (const void* cr = std::memchr(begin, '\r', until); cr != nullptr) {
    return from + static_cast<size_t>(static_cast<const char*>(cr) - begin);
  }
  return lf == nullptr ? std::string_view::npos : from + until;
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
      break;
    }
    absl::Status st;
    if (line_.empty()) {
      // The line lies in `bytes`: a data line may be dispatched from there without a copy.
      st = ProcessLine(bytes.substr(pos, end - pos), /*in_input=*/true);
    } else {
      line_.append(bytes.substr(pos, end - pos));
      st = ProcessLine(line_, /*in_input=*/false);
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
  // An event still open keeps its data past this call: copy what still points into `bytes`.
  if (data_in_input_) {
    data_.assign(data_view_);
    data_in_input_ = false;
  }
  return status_;
}

absl::Status SseParser::ProcessLine(std::string_view line, bool in_input) {
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
    if (!has_data_ && in_input) {
      // The first data line of an event: kept as a view until the event grows or outlives the
      // input (the usual event is one data line and is dispatched straight from the input).
      data_view_ = value;
      data_in_input_ = true;
    } else {
      if (data_in_input_) {
        data_.assign(data_view_);
        data_in_input_ = false;
      }
      if (has_data_) data_.push_back('\n');
      data_.append(value);
    }
    has_data_ = true;
    const size_t size = data_in_input_ ? data_view_.size() : data_.size();
    if (size > limits_.max_event_bytes) {
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
  const std::string_view data = data_in_input_ ? data_view_ : std::string_view(data_);
  data_in_input_ = false;
  const bool go_on = on_event_(SseEvent{type_, data, id_});
  data_.clear();
  type_.clear();
  has_data_ = false;
  if (!go_on) return absl::CancelledError("event-stream consumer stopped");
  return absl::OkStatus();
}

bool SseParser::has_partial_event() const { return has_data_ || !line_.empty() || !type_.empty(); }

}  // namespace nexus::gateway
