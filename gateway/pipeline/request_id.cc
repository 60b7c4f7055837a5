#include "gateway/pipeline/request_id.h"

#include <algorithm>
#include <cstdint>
#include <random>

#include "absl/time/clock.h"

namespace nexus::gateway {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Appends the low `digits` hex digits of `bits`, most significant first.
void AppendHex(uint64_t bits, int digits, std::string& out) {
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
    out.push_back(kHex[(bits >> shift) & 0xf]);
}

}  // namespace

std::string NewRequestId() { return NewRequestId(absl::Now()); }

std::string NewRequestId(absl::Time now) {
  // One generator per thread, seeded from the OS: no lock on the request path.
  thread_local std::mt19937_64 generator([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  // 48 bits of milliseconds last until the year 10889; earlier than 1970 is clamped to 0.
  const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(absl::ToUnixMillis(now), 0));
  std::string id;
  id.reserve(36);
  id = "req_";
  AppendHex(ms, 12, id);
  AppendHex(generator(), 16, id);
  AppendHex(generator(), 4, id);
  return id;
}

bool IsSaneRequestId(std::string_view value) {
  if (value.empty() || value.size() > 128) return false;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string AcceptOrNewRequestId(std::string_view client_value) {
  return IsSaneRequestId(client_value) ? std::string(client_value) : NewRequestId();
}

}  // namespace nexus::gateway
