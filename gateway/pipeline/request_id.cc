#include "gateway/pipeline/request_id.h"

#include <cstdint>
#include <random>

namespace nexus::gateway {

std::string NewRequestId() {
  // One generator per thread, seeded from the OS: no lock on the request path.
  thread_local std::mt19937_64 generator([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "req_";
  for (int part = 0; part < 2; ++part) {
    uint64_t bits = generator();
    for (int i = 0; i < 12; ++i) {
      id.push_back(kHex[bits & 0xf]);
      bits >>= 4;
    }
  }
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
