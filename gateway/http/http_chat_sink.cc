#include "gateway/http/http_chat_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nexus::gateway::http {

HttpChatSink::HttpChatSink(ClientConnection& connection, httplib::Response& response,
                           std::string request_id)
    : connection_(connection), response_(response), request_id_(std::move(request_id)) {}

void HttpChatSink::SendJson(int http_status, std::string_view body, const HeaderList& headers) {
  response_.status = http_status;
  for (const auto& [name, value] : headers) response_.set_header(name, value);
  response_.set_content(std::string(body), "application/json");
}

bool HttpChatSink::StartStream(const HeaderList& headers) {
  if (streaming_) return !broken_;
  streaming_ = true;
  connection_.BeginRawResponse();
  std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\n"
      "Transfer-Encoding: chunked\r\n";
  absl::StrAppend(
      &head, "Connection: ", connection_.close_after_response() ? "close" : "keep-alive", "\r\n");
  absl::StrAppend(&head, "X-Request-Id: ", request_id_, "\r\n");
  // Headers the edge set before routing (CORS for allowed origins, nosniff).
  for (const auto& [name, value] : response_.headers) {
    if (name.rfind("Access-Control-", 0) == 0 || name == "Vary" ||
        name == "X-Content-Type-Options") {
      absl::StrAppend(&head, name, ": ", value, "\r\n");
    }
  }
  for (const auto& [name, value] : headers) {
    if (name == "X-Request-Id") continue;
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  head += "\r\n";
  // The head leaves with the first event (one send, one client wake-up); a gone client shows
  // on that write.
  out_.reserve(4096);
  out_.assign(head);
  return !broken_;
}

namespace {

// Appends `n` in hexadecimal (a chunk-size line of chunked encoding).
void AppendHex(size_t n, std::string& out) {
  char digits[16];
  size_t i = sizeof(digits);
  do {
    digits[--i] = "0123456789abcdef"[n & 0xF];
    n >>= 4;
  } while (n != 0);
  out.append(digits + i, sizeof(digits) - i);
}

}  // namespace

void HttpChatSink::AppendEvent(std::string_view data) {
  // One chunk of chunked encoding holding the SSE event: size line, "data: ", data, blank line.
  constexpr std::string_view kPrefix = "data: ";
  constexpr std::string_view kSuffix = "\n\n";
  AppendHex(kPrefix.size() + data.size() + kSuffix.size(), out_);
  out_.append("\r\ndata: ");
  out_.append(data);
  out_.append("\n\n\r\n");
}

bool HttpChatSink::Flush() {
  if (!broken_ && !out_.empty()) broken_ = !connection_.WriteRaw(out_);
  out_.clear();
  return !broken_;
}

bool HttpChatSink::SendEvent(std::string_view data) {
  if (!streaming_ || ended_ || broken_) return false;
  AppendEvent(data);
  if (batching_ && out_.size() < kMaxQueuedBytes) return true;
  return Flush();
}

void HttpChatSink::EndStream() {
  if (!streaming_ || ended_) return;
  // The [DONE] event and the end of the chunked body leave in one send.
  ended_ = true;
  if (broken_) return;
  AppendEvent("[DONE]");
  out_.append("0\r\n\r\n");
  if (!batching_) Flush();
}

void HttpChatSink::Finish() {
  batching_ = false;
  if (streaming_ && !ended_) {
    ended_ = true;
    out_.append("0\r\n\r\n");
  }
  Flush();
}

void HttpChatSink::BeginBatch() { batching_ = true; }

bool HttpChatSink::EndBatch() {
  batching_ = false;
  return Flush();
}

bool HttpChatSink::ClientGone() { return broken_ || connection_.Gone(); }

}  // namespace nexus::gateway::http
