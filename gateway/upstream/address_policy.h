#ifndef NEXUS_GATEWAY_UPSTREAM_ADDRESS_POLICY_H_
#define NEXUS_GATEWAY_UPSTREAM_ADDRESS_POLICY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Which addresses a provider base URL may make the gateway connect to. An upstream base URL is
// set by an administrator, but it is still a request forgery lever: pointed at the gateway's own
// admin API, at the registry's or stats' gRPC port, or at a cloud metadata service, it would turn
// the gateway into a proxy into places its callers cannot reach. The policy is decided on the
// resolved IP address at connect time (the connection then goes to exactly that address, so a DNS
// answer that changes between check and connect cannot slip past it).
namespace nexus::gateway {

// An IPv4 or IPv6 address; IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so both spellings
// of an IPv4 address are the same value.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  bool is_v4() const;
  // "127.0.0.1", "fe80::1".
  std::string ToString() const;
  friend bool operator==(const IpAddress& a, const IpAddress& b) { return a.bytes == b.bytes; }
};

// A literal IPv4 or IPv6 address (no brackets, no zone); nullopt otherwise.
std::optional<IpAddress> ParseIp(std::string_view text);

// An address range: "10.0.0.0/8", "fe80::/10"; a bare address is a single host.
struct Cidr {
  IpAddress base;    // host bits cleared
  int prefix = 128;  // over the 128-bit form (an IPv4 /8 is /104 here)

  bool Contains(const IpAddress& ip) const;
  std::string ToString() const;
};

absl::StatusOr<Cidr> ParseCidr(std::string_view text);
// Comma- or space-separated CIDRs; empty text is an empty list.
absl::StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view text);

// One denied (range, port) pair: a service of our own.
struct DeniedEndpoint {
  Cidr range;
  int port = 0;
  std::string what;  // "the gateway's own port", "the registry's gRPC port"
};

struct AddressPolicyOptions {
  // 127.0.0.0/8 and ::1. Allowed by default so that local model servers (and the tests' fake
  // upstreams) work; the gateway's own and internal ports stay denied either way.
  bool allow_loopback = true;
  // 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT) and fc00::/7: self-hosted model
  // servers on the LAN are a main use of the gateway.
  bool allow_private = true;
  // Denied whatever the above say.
  std::vector<Cidr> deny;
  std::vector<DeniedEndpoint> deny_endpoints;
};

// Decides whether the gateway may connect to an address. Always denied: unspecified (0.0.0.0/8,
// ::), link-local (169.254.0.0/16, fe80::/10, where cloud metadata services live, plus the other
// well-known metadata addresses), multicast, broadcast and reserved ranges. Pure; thread-safe.
class AddressPolicy {
 public:
  explicit AddressPolicy(AddressPolicyOptions options = {});

  // OK, or PERMISSION_DENIED saying which rule refused the address.
  absl::Status Check(const IpAddress& ip, int port) const;

  const AddressPolicyOptions& options() const { return options_; }

 private:
  AddressPolicyOptions options_;
};

// Host name -> addresses. The system one uses getaddrinfo.
using HostResolver =
    std::function<absl::StatusOr<std::vector<IpAddress>>(const std::string& host, int port)>;
absl::StatusOr<std::vector<IpAddress>> SystemResolve(const std::string& host, int port);

// Resolves an upstream host and applies the policy to every address it resolves to (one denied
// address denies the host: which one a connection would use is not ours to choose). Returns the
// address to connect to. Thread-safe.
class UpstreamAddressGuard {
 public:
  explicit UpstreamAddressGuard(AddressPolicy policy, HostResolver resolver = SystemResolve);

  // PERMISSION_DENIED (policy), UNAVAILABLE (name does not resolve).
  absl::StatusOr<IpAddress> Resolve(const std::string& host, int port) const;

  // For the admin API: INVALID_ARGUMENT "base_url: ..." when the URL is malformed or points at a
  // denied address. A host that does not resolve now passes (the connect-time check decides).
  absl::Status CheckBaseUrl(std::string_view base_url) const;

 private:
  AddressPolicy policy_;
  HostResolver resolver_;
};

// The services of our own an upstream must not reach, from their listen or dial addresses
// ("host:port", "[v6]:port", "dns:///host:port"). A wildcard host (0.0.0.0, ::, empty) denies the
// port on loopback and on every address of this machine's interfaces; a name is resolved now.
// Addresses that cannot be parsed or resolved are skipped.
std::vector<DeniedEndpoint> OwnEndpoints(
    const std::vector<std::pair<std::string, std::string>>& what_and_address,
    const HostResolver& resolver = SystemResolve);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_ADDRESS_POLICY_H_
