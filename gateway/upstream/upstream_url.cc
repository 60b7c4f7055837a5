#include "gateway/upstream/upstream_url.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {

std::string UpstreamUrl::PoolKey() const {
  return absl::StrCat(tls ? "https://" : "http://", Authority());
}

std::string UpstreamUrl::Authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
}

absl::StatusOr<UpstreamUrl> ParseUpstreamUrl(std::string_view url) {
  UpstreamUrl out;
  if (url.substr(0, 8) == "https://") {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.substr(0, 7) == "http://") {
    url.remove_prefix(7);
  } else {
    return absl::InvalidArgumentError("upstream base URL must start with http:// or https://");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError("upstream base URL must not have a query or fragment");
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError("upstream base URL must not contain credentials");
  }
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("upstream base URL has a malformed IPv6 address");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') {
      return absl::InvalidArgumentError("upstream base URL has a malformed IPv6 address");
    }
    has_port = !rest.empty();
    if (has_port) port_text = rest.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return absl::InvalidArgumentError("upstream base URL has no host");
  out.port = out.tls ? 443 : 80;
  if (has_port) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError("upstream base URL has an invalid port");
    }
    out.port = port;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path_prefix = std::string(path);
  return out;
}

}  // namespace nexus::gateway
