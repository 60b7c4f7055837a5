#include "tests/support/chat_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace nexus::testing_support {
namespace {

using Json = nlohmann::json;

std::optional<ClientUsage> UsageOf(const Json& object) {
  auto it = object.find("usage");
  if (it == object.end() || !it->is_object()) return std::nullopt;
  ClientUsage usage;
  usage.prompt_tokens = it->value("prompt_tokens", int64_t{0});
  usage.completion_tokens = it->value("completion_tokens", int64_t{0});
  usage.total_tokens = it->value("total_tokens", int64_t{0});
  return usage;
}

void ReadError(const Json& object, ChatResult& result) {
  auto it = object.find("error");
  if (it == object.end() || !it->is_object()) return;
  if (auto type = it->find("type"); type != it->end() && type->is_string()) {
    result.error_type = type->get<std::string>();
  }
  if (auto code = it->find("code"); code != it->end() && code->is_string()) {
    result.error_code = code->get<std::string>();
  }
}

void ParseEvents(ChatResult& result) {
  for (absl::string_view line : absl::StrSplit(result.body, '\n')) {
    if (!absl::ConsumePrefix(&line, "data:")) continue;
    absl::ConsumePrefix(&line, " ");
    ++result.data_events;
    if (line == "[DONE]") {
      result.done = true;
      continue;
    }
    Json chunk = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (!chunk.is_object()) continue;
    if (chunk.contains("error")) {
      result.error_event = true;
      ReadError(chunk, result);
    }
    if (std::optional<ClientUsage> usage = UsageOf(chunk)) result.usage = usage;
  }
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string ChatBody(bool stream, bool include_usage, std::string_view model) {
  Json body = {{"model", model},
               {"messages", Json::array({{{"role", "user"}, {"content", "Hi there"}}})}};
  if (stream) {
    body["stream"] = true;
    if (include_usage) body["stream_options"] = {{"include_usage", true}};
  }
  return body.dump();
}

ChatResult ParseChatAnswer(int status, std::string_view content_type, std::string body) {
  ChatResult result;
  result.status = status;
  result.body = std::move(body);
  result.streamed = content_type.starts_with("text/event-stream");
  if (result.streamed) {
    ParseEvents(result);
    return result;
  }
  Json answer = Json::parse(result.body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return result;
  ReadError(answer, result);
  result.usage = UsageOf(answer);
  return result;
}

ChatClient::ChatClient(int port, absl::Duration read_timeout)
    : client_(std::make_unique<httplib::Client>("127.0.0.1", port)) {
  client_->set_keep_alive(true);
  client_->set_connection_timeout(5, 0);
  const int64_t micros = absl::ToInt64Microseconds(read_timeout);
  client_->set_read_timeout(micros / 1000000, micros % 1000000);
  client_->set_write_timeout(10, 0);
}

ChatClient::~ChatClient() = default;

ChatResult ChatClient::Chat(const std::string& key, const std::string& body) {
  httplib::Headers headers = {{"Authorization", "Bearer " + key}};
  httplib::Result res = client_->Post("/v1/chat/completions", headers, body, "application/json");
  if (!res) return ChatResult{};
  return ParseChatAnswer(res->status, res->get_header_value("Content-Type"), res->body);
}

int StreamAndHangUp(int port, const std::string& key, const std::string& body, int events,
                    absl::Duration timeout) {
  int fd = Connect(port);
  if (fd < 0) return 0;
  timeval tv = absl::ToTimeval(absl::Milliseconds(200));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string request = absl::StrCat(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", key,
      "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
  int seen = 0;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    std::string received;
    char buffer[4096];
    const absl::Time deadline = absl::Now() + timeout;
    while (seen < events && absl::Now() < deadline) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
      if (n < 0) continue;
      received.append(buffer, static_cast<size_t>(n));
      seen = 0;
      for (size_t at = received.find("\ndata:"); at != std::string::npos;
           at = received.find("\ndata:", at + 1)) {
        ++seen;
      }
    }
  }
  ::close(fd);
  return seen;
}

bool AcceptsConnections(int port) {
  int fd = Connect(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace nexus::testing_support
