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
  pending_head_ = std::move(head);
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

bool HttpChatSink::WriteChunk(std::string_view prefix, std::string_view payload,
                              std::string_view suffix) {
  if (broken_) return false;
  // One buffer and one send per event: chunk size, the SSE framing and the data together.
  TakeHead();
  AppendHex(prefix.size() + payload.size() + suffix.size(), chunk_);
  chunk_.append("\r\n");
  chunk_.append(prefix);
  chunk_.append(payload);
  chunk_.append(suffix);
  chunk_.append("\r\n");
  broken_ = !connection_.WriteRaw(chunk_);
  return !broken_;
}

bool HttpChatSink::SendEvent(std::string_view data) {
  if (!streaming_ || ended_) return false;
  return WriteChunk("data: ", data, "\n\n");
}

void HttpChatSink::EndStream() {
  if (!streaming_ || ended_) return;
  // The [DONE] event and the end of the chunked body leave in one send.
  constexpr std::string_view kDone = "data: [DONE]\n\n";
  ended_ = true;
  if (broken_) return;
  TakeHead();
  AppendHex(kDone.size(), chunk_);
  chunk_.append("\r\n");
  chunk_.append(kDone);
  chunk_.append("\r\n0\r\n\r\n");
  broken_ = !connection_.WriteRaw(chunk_);
}

void HttpChatSink::Finish() {
  if (!streaming_ || ended_) return;
  ended_ = true;
  if (broken_) return;
  TakeHead();
  chunk_.append("0\r\n\r\n");
  broken_ = !connection_.WriteRaw(chunk_);
}

void HttpChatSink::TakeHead() {
  chunk_.clear();
  chunk_.swap(pending_head_);
}

bool HttpChatSink::ClientGone() { return broken_ || connection_.Gone(); }

}  // namespace nexus::gateway::http
