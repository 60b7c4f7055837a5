#include "gateway/http/http_chat_sink.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

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
  for (const auto& [name, value] : headers) {
    if (name == "X-Request-Id") continue;
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  head += "\r\n";
  broken_ = !connection_.WriteRaw(head);
  return !broken_;
}

bool HttpChatSink::WriteChunk(std::string_view payload) {
  if (broken_) return false;
  char size[24];
  int length = std::snprintf(size, sizeof(size), "%zx\r\n", payload.size());
  chunk_.assign(size, static_cast<size_t>(length));
  chunk_.append(payload);
  chunk_.append("\r\n");
  broken_ = !connection_.WriteRaw(chunk_);
  return !broken_;
}

bool HttpChatSink::SendEvent(std::string_view data) {
  if (!streaming_ || ended_) return false;
  return WriteChunk(absl::StrCat("data: ", Av(data), "\n\n"));
}

void HttpChatSink::EndStream() {
  if (!streaming_ || ended_) return;
  WriteChunk("data: [DONE]\n\n");
  Finish();
}

void HttpChatSink::Finish() {
  if (!streaming_ || ended_) return;
  ended_ = true;
  if (!broken_) broken_ = !connection_.WriteRaw("0\r\n\r\n");
}

bool HttpChatSink::ClientGone() { return broken_ || connection_.Gone(); }

}  // namespace nexus::gateway::http
