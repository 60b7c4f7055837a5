#include "gateway/http/request_head.h"

#include <array>

#include "absl/strings/match.h"
#include "services/strings/absl_view.h"
#include "services/strings/header_tokens.h"

namespace nexus::gateway::http {
namespace {

// RFC 9110 tchar, as a table: the head of every proxied request goes through it.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool IsTokenChar(unsigned char c) { return kTokenChars[c]; }

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Origin-form targets only ("/path?query"): visible ASCII, no blanks.
bool IsOriginForm(std::string_view target) {
  if (target.empty() || target[0] != '/') return false;
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// Field values: visible characters, blanks and obs-text; never CR, LF, NUL or DEL.
bool IsFieldValue(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool ParseRequestLine(std::string_view line, RequestHead& head) {
  const size_t first = line.find(' ');
  if (first == std::string_view::npos) return false;
  const size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  head.method = line.substr(0, first);
  head.target = line.substr(first + 1, second - first - 1);
  head.version = line.substr(second + 1);
  return IsToken(head.method) && IsOriginForm(head.target) &&
         (head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
}

bool ParseHeaderLine(std::string_view line, RequestHead& head) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = TrimBlanks(line.substr(colon + 1));
  if (!IsToken(name) || !IsFieldValue(value)) return false;
  head.headers.emplace_back(name, value);
  return true;
}

}  // namespace

std::optional<RequestHead> ParseRequestHead(std::string_view bytes, size_t max_headers) {
  const size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  RequestHead head;
  head.size = end + 4;
  std::string_view rest = bytes.substr(0, end + 2);  // every line with its CRLF
  bool request_line = true;
  while (!rest.empty()) {
    const size_t eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    // A bare CR or LF inside a line fails the checks below (tokens, target and field values
    // exclude control characters), so such heads are left to the general parser.
    if (request_line) {
      if (!ParseRequestLine(line, head)) return std::nullopt;
      request_line = false;
      continue;
    }
    if (head.headers.size() >= max_headers || !ParseHeaderLine(line, head)) return std::nullopt;
  }
  return head;
}

std::optional<size_t> PlainContentLength(const RequestHead& head) {
  std::optional<size_t> length;
  for (const auto& [name, value] : head.headers) {
    if (absl::EqualsIgnoreCase(Av(name), "Transfer-Encoding") ||
        absl::EqualsIgnoreCase(Av(name), "Expect")) {
      return std::nullopt;
    }
    if (!absl::EqualsIgnoreCase(Av(name), "Content-Length")) continue;
    if (length.has_value() || value.empty() || value.size() > 12) return std::nullopt;
    size_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    length = n;
  }
  return length;
}

bool AsksToClose(const RequestHead& head) {
  for (const auto& [name, value] : head.headers) {
    if (absl::EqualsIgnoreCase(Av(name), "Connection") && HeaderListHasToken(value, "close")) {
      return true;
    }
  }
  return false;
}

}  // namespace nexus::gateway::http
