#ifndef NEXUS_TESTS_SUPPORT_CHAT_CLIENT_H_
#define NEXUS_TESTS_SUPPORT_CHAT_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace nexus::testing_support {

// Token usage as a client saw it in an answer.
struct ClientUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
};

// What a client got from one chat call, JSON or SSE.
struct ChatResult {
  // 0: no HTTP answer at all (connection refused, reset or timed out).
  int status = 0;
  std::string body;
  bool streamed = false;  // the answer was text/event-stream
  int data_events = 0;    // SSE "data:" events, [DONE] included
  bool done = false;      // SSE ended with data: [DONE]
  // The error object of a JSON error answer or of an SSE error event.
  std::string error_type;
  std::string error_code;
  bool error_event = false;
  // JSON: "usage"; SSE: the last usage object of any chunk.
  std::optional<ClientUsage> usage;
};

// A chat completion request body for "fake-model"; streams ask for usage when `include_usage`.
std::string ChatBody(bool stream, bool include_usage, std::string_view model = "fake-model");

// Parses an answer's body as OpenAI clients read it (JSON or SSE).
ChatResult ParseChatAnswer(int status, std::string_view content_type, std::string body);

// A keep-alive HTTP client of the gateway's chat endpoint on 127.0.0.1:port. Not thread-safe: one
// per thread.
class ChatClient {
 public:
  ChatClient(int port, absl::Duration read_timeout);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  ChatResult Chat(const std::string& key, const std::string& body);

 private:
  std::unique_ptr<httplib::Client> client_;
};

// Sends a streaming chat call on a fresh connection, reads until `events` SSE data events arrived
// (or the answer ended, or `timeout` passed), then closes the socket: a client that goes away.
// Returns the data events read.
int StreamAndHangUp(int port, const std::string& key, const std::string& body, int events,
                    absl::Duration timeout);

// Whether a TCP connection to 127.0.0.1:port is accepted right now.
bool AcceptsConnections(int port);

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_CHAT_CLIENT_H_
