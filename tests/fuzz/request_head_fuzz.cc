// Fuzzes the strict request-head parser of the gateway's direct routes: the first bytes any
// client sends.
//
// Invariants: no crash; a parsed head ends exactly at its blank line and every view lies inside the
// input; the method and header names are tokens and values hold no CR, LF or NUL; rendering the
// parsed head again and parsing that gives the same head (nothing is lost or invented); the
// Content-Length and Connection helpers never crash on what the parser accepts.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/request_head.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway::http {
namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::string Render(const RequestHead& head) {
  std::string out;
  out.append(head.method).append(" ").append(head.target).append(" ").append(head.version);
  out.append("\r\n");
  for (const auto& [name, value] : head.headers)
    out.append(name).append(": ").append(value).append("\r\n");
  out.append("\r\n");
  return out;
}

void Check(std::string_view input) {
  const std::optional<RequestHead> head = ParseRequestHead(input, 16);
  if (!head) return;
  FUZZ_CHECK(head->size >= 4 && head->size <= input.size());
  FUZZ_CHECK(input.substr(head->size - 4, 4) == "\r\n\r\n");
  FUZZ_CHECK(input.substr(0, head->size - 2).find("\r\n\r\n") == std::string_view::npos);
  FUZZ_CHECK(Inside(head->method, input) && Inside(head->target, input));
  FUZZ_CHECK(head->headers.size() <= 16);
  FUZZ_CHECK(!head->target.empty() && head->target[0] == '/');
  for (const auto& [name, value] : head->headers) {
    FUZZ_CHECK(Inside(name, input) && Inside(value, input) && !name.empty());
    FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
  }
  const std::string rendered = Render(*head);
  const std::optional<RequestHead> again = ParseRequestHead(rendered, 16);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->method == head->method && again->target == head->target &&
             again->version == head->version && again->headers == head->headers);
  FUZZ_CHECK(again->size == rendered.size());
  (void)PlainContentLength(*head);
  (void)AsksToClose(*head);
}

}  // namespace
}  // namespace nexus::gateway::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nexus::gateway::http::Check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
