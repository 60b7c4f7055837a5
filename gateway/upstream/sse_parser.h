#ifndef NEXUS_GATEWAY_UPSTREAM_SSE_PARSER_H_
#define NEXUS_GATEWAY_UPSTREAM_SSE_PARSER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace nexus::gateway {

// One dispatched server-sent event. The views are valid only during the callback.
struct SseEvent {
  // The "event:" field; empty when absent (the default type "message").
  std::string_view type;
  // The "data:" lines joined with "\n".
  std::string_view data;
  // The "id:" field of this event; empty when absent.
  std::string_view id;
};

struct SseParserLimits {
  // A line longer than this (without its terminator) is an error.
  size_t max_line_bytes = 1 << 20;
  // An event whose data grows beyond this is an error.
  size_t max_event_bytes = 4 << 20;
};

// Incremental text/event-stream parser (the WHATWG event-stream grammar): bytes may arrive in any
// split; lines end with CRLF, LF or CR; ":" lines are comments; "data:" lines accumulate; a blank
// line dispatches. Memory is bounded by the limits. No I/O, no allocation per event once warm.
class SseParser {
 public:
  // Return false to stop: Feed returns at once and the parser refuses further input.
  using EventCallback = std::function<bool(const SseEvent& event)>;

  explicit SseParser(EventCallback on_event, SseParserLimits limits = {});

  // Consumes `bytes`, dispatching every event completed by them. Returns OK, CANCELLED once the
  // callback asked to stop, or RESOURCE_EXHAUSTED when a limit was exceeded (then sticky).
  absl::Status Feed(std::string_view bytes);

  // True when bytes of an unfinished event are pending. At the end of the stream such an event
  // is discarded (as the standard says); callers may treat it as a truncated stream.
  bool has_partial_event() const;

  size_t events_dispatched() const { return events_dispatched_; }

 private:
  // Handles one complete line (without terminator); `in_input` when it lies in the bytes of the
  // current Feed call (not in line_).
  absl::Status ProcessLine(std::string_view line, bool in_input);
  absl::Status Dispatch();

  EventCallback on_event_;
  SseParserLimits limits_;
  std::string line_;  // partial line carried between Feed calls
  std::string data_;
  // The data of the event being read while it is one line of the current input (not copied).
  std::string_view data_view_;
  bool data_in_input_ = false;
  std::string type_;
  std::string id_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the previous byte was CR: a following LF belongs to it
  bool at_stream_start_ = true;
  absl::Status status_;
  size_t events_dispatched_ = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_SSE_PARSER_H_
