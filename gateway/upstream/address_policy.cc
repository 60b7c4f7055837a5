#include "gateway/upstream/address_policy.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/upstream/upstream_url.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct NamedRange {
  const char* cidr;
  const char* what;
};

// Never a model server.
constexpr NamedRange kAlwaysDenied[] = {
    {"0.0.0.0/8", "an unspecified address"},
    {"::/128", "an unspecified address"},
    {"169.254.0.0/16", "a link-local address (cloud metadata services live here)"},
    {"fe80::/10", "a link-local address"},
    {"100.100.100.200/32", "a cloud metadata address"},
    {"fd00:ec2::254/128", "a cloud metadata address"},
    {"224.0.0.0/4", "a multicast address"},
    {"ff00::/8", "a multicast address"},
    {"240.0.0.0/4", "a reserved or broadcast address"},
};
constexpr NamedRange kLoopback[] = {{"127.0.0.0/8", ""}, {"::1/128", ""}};
constexpr NamedRange kPrivate[] = {{"10.0.0.0/8", ""},
                                   {"172.16.0.0/12", ""},
                                   {"192.168.0.0/16", ""},
                                   {"100.64.0.0/10", ""},
                                   {"fc00::/7", ""}};

template <size_t N>
const NamedRange* Match(const NamedRange (&ranges)[N], const IpAddress& ip) {
  for (const NamedRange& range : ranges) {
    absl::StatusOr<Cidr> cidr = ParseCidr(range.cidr);
    if (cidr.ok() && cidr->Contains(ip)) return &range;
  }
  return nullptr;
}

IpAddress FromSockaddr(const sockaddr* address) {
  IpAddress ip;
  if (address->sa_family == AF_INET) {
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.bytes.begin());
    std::memcpy(ip.bytes.data() + 12, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, 4);
  } else {
    std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
  }
  return ip;
}

Cidr HostRange(const IpAddress& ip) { return Cidr{ip, 128}; }

// Splits "host:port", "[v6]:port" and "dns:///host:port".
bool SplitHostPort(std::string_view address, std::string& host, int& port) {
  absl::string_view rest = Av(address);
  absl::ConsumePrefix(&rest, "dns:///");
  absl::ConsumePrefix(&rest, "ipv4:");
  absl::ConsumePrefix(&rest, "ipv6:");
  const size_t colon = rest.rfind(':');
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(colon + 1), &port)) {
    return false;
  }
  absl::string_view h = rest.substr(0, colon);
  if (absl::ConsumePrefix(&h, "[")) absl::ConsumeSuffix(&h, "]");
  host = std::string(h);
  return port > 0 && port < 65536;
}

std::vector<IpAddress> LocalInterfaceAddresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    if (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6) {
      out.push_back(FromSockaddr(i->ifa_addr));
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

bool IpAddress::is_v4() const {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin());
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
  }
  return text;
}

std::optional<IpAddress> ParseIp(std::string_view text) {
  const std::string s(text);
  IpAddress ip;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.bytes.begin());
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

bool Cidr::Contains(const IpAddress& ip) const {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != base.bytes[i]) return false;
  }
  return true;
}

std::string Cidr::ToString() const {
  return absl::StrCat(base.ToString(), "/", base.is_v4() && prefix >= 96 ? prefix - 96 : prefix);
}

absl::StatusOr<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  std::optional<IpAddress> ip = ParseIp(text.substr(0, slash));
  if (!ip) return absl::InvalidArgumentError(absl::StrCat("not an IP range: ", Av(text)));
  Cidr cidr{*ip, 128};
  if (slash != std::string_view::npos) {
    int bits = -1;
    const int max = ip->is_v4() ? 32 : 128;
    if (!absl::SimpleAtoi(Av(text.substr(slash + 1)), &bits) || bits < 0 || bits > max) {
      return absl::InvalidArgumentError(absl::StrCat("bad prefix length in ", Av(text)));
    }
    cidr.prefix = ip->is_v4() ? bits + 96 : bits;
  }
  int bits = cidr.prefix;
  for (uint8_t& byte : cidr.base.bytes) {
    byte &= bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
    bits -= 8;
  }
  return cidr;
}

absl::StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view text) {
  std::vector<Cidr> out;
  for (absl::string_view item :
       absl::StrSplit(Av(text), absl::ByAnyChar(", "), absl::SkipEmpty())) {
    absl::StatusOr<Cidr> cidr = ParseCidr(Sv(item));
    if (!cidr.ok()) return cidr.status();
    out.push_back(*cidr);
  }
  return out;
}

AddressPolicy::AddressPolicy(AddressPolicyOptions options) : options_(std::move(options)) {}

absl::Status AddressPolicy::Check(const IpAddress& ip, int port) const {
  const std::string where = absl::StrCat(ip.ToString(), " port ", port);
  for (const DeniedEndpoint& endpoint : options_.deny_endpoints) {
    if (endpoint.port == port && endpoint.range.Contains(ip)) {
      return absl::PermissionDeniedError(absl::StrCat(where, " is ", endpoint.what));
    }
  }
  if (const NamedRange* range = Match(kAlwaysDenied, ip)) {
    return absl::PermissionDeniedError(absl::StrCat(where, " is ", range->what));
  }
  for (const Cidr& cidr : options_.deny) {
    if (cidr.Contains(ip)) {
      return absl::PermissionDeniedError(absl::StrCat(where, " is in the denied range ",
                                                      cidr.ToString(), " (NEXUS_UPSTREAM_DENY)"));
    }
  }
  if (!options_.allow_loopback && Match(kLoopback, ip)) {
    return absl::PermissionDeniedError(absl::StrCat(
        where, " is a loopback address (allow with NEXUS_UPSTREAM_ALLOW_LOOPBACK=true)"));
  }
  if (!options_.allow_private && Match(kPrivate, ip)) {
    return absl::PermissionDeniedError(absl::StrCat(
        where, " is a private address (allow with NEXUS_UPSTREAM_ALLOW_PRIVATE=true)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<IpAddress>> SystemResolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve upstream host ", host, ": ", ::gai_strerror(rc)));
  }
  std::vector<IpAddress> out;
  for (addrinfo* a = result; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET || a->ai_family == AF_INET6)
      out.push_back(FromSockaddr(a->ai_addr));
  }
  ::freeaddrinfo(result);
  if (out.empty())
    return absl::UnavailableError(absl::StrCat("no address for upstream host ", host));
  return out;
}

UpstreamAddressGuard::UpstreamAddressGuard(AddressPolicy policy, HostResolver resolver)
    : policy_(std::move(policy)), resolver_(std::move(resolver)) {}

absl::StatusOr<IpAddress> UpstreamAddressGuard::Resolve(const std::string& host, int port) const {
  std::vector<IpAddress> addresses;
  if (std::optional<IpAddress> literal = ParseIp(host)) {
    addresses.push_back(*literal);
  } else {
    absl::StatusOr<std::vector<IpAddress>> resolved = resolver_(host, port);
    if (!resolved.ok()) return resolved.status();
    addresses = *std::move(resolved);
  }
  for (const IpAddress& ip : addresses) {
    if (absl::Status allowed = policy_.Check(ip, port); !allowed.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("upstream host ", host, " is not allowed: ", allowed.message()));
    }
  }
  return addresses.front();
}

absl::Status UpstreamAddressGuard::CheckBaseUrl(std::string_view base_url) const {
  absl::StatusOr<UpstreamUrl> url = ParseUpstreamUrl(base_url);
  if (!url.ok())
    return absl::InvalidArgumentError(absl::StrCat("base_url: ", url.status().message()));
  absl::StatusOr<IpAddress> ip = Resolve(url->host, url->port);
  if (ip.ok() || ip.status().code() != absl::StatusCode::kPermissionDenied) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("base_url: ", ip.status().message()));
}

std::vector<DeniedEndpoint> OwnEndpoints(
    const std::vector<std::pair<std::string, std::string>>& what_and_address,
    const HostResolver& resolver) {
  std::vector<DeniedEndpoint> out;
  for (const auto& [what, address] : what_and_address) {
    std::string host;
    int port = 0;
    if (!SplitHostPort(address, host, port)) continue;
    std::vector<IpAddress> ips;
    std::optional<IpAddress> literal = ParseIp(host);
    const bool wildcard =
        host.empty() || host == "*" ||
        (literal && (*literal == *ParseIp("0.0.0.0") || *literal == *ParseIp("::")));
    if (wildcard) {
      // A wildcard listen answers on every local address.
      for (const NamedRange& range : kLoopback) out.push_back({*ParseCidr(range.cidr), port, what});
      ips = LocalInterfaceAddresses();
    } else if (literal) {
      ips.push_back(*literal);
    } else if (absl::StatusOr<std::vector<IpAddress>> resolved = resolver(host, port);
               resolved.ok()) {
      ips = *std::move(resolved);
    }
    for (const IpAddress& ip : ips) out.push_back({HostRange(ip), port, what});
  }
  return out;
}

}  // namespace nexus::gateway
