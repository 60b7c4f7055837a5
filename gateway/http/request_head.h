#ifndef NEXUS_GATEWAY_HTTP_REQUEST_HEAD_H_
#define NEXUS_GATEWAY_HTTP_REQUEST_HEAD_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace nexus::gateway::http {

// An HTTP/1.x request head as views into the bytes it was parsed from.
struct RequestHead {
  std::string_view method;
  std::string_view target;
  std::string_view version;
  // In arrival order; values without surrounding blanks.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  // Bytes of the head including the blank line that ends it.
  size_t size = 0;
};

// Parses the request head at the start of `bytes` strictly: `METHOD SP TARGET SP HTTP/1.x CRLF`,
// then `name: value CRLF` lines (token names, no line folding, no control characters in values)
// and an empty line. nullopt when the head is incomplete or is anything but plainly valid: the
// caller then leaves the request to the general parser, which also answers the malformed ones.
std::optional<RequestHead> ParseRequestHead(std::string_view bytes, size_t max_headers = 100);

// The body length of a request that announces it with exactly one plain Content-Length and no
// Transfer-Encoding or Expect; nullopt otherwise.
std::optional<size_t> PlainContentLength(const RequestHead& head);

// Whether the request asked for the connection to end after the response (`Connection: close`,
// a token of a comma-separated list, any letter case).
bool AsksToClose(const RequestHead& head);

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_REQUEST_HEAD_H_
