#include "gateway/ws/handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"
#include "services/strings/header_tokens.h"

namespace nexus::gateway::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool IsBase64Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
}

// A valid key is the base64 encoding of exactly 16 bytes: 22 characters and "==".
bool IsValidKey(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, IsBase64Char);
}

}  // namespace

std::string ComputeAcceptKey(std::string_view key) {
  const std::string input = absl::StrCat(Av(key), Av(kGuid));
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  // 20 bytes encode to 28 characters plus the terminating NUL that EVP_EncodeBlock writes.
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int length = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<size_t>(length));
}

bool OriginAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed_origins) {
  for (const std::string& allowed : allowed_origins) {
    if (absl::EqualsIgnoreCase(Av(allowed), Av(origin))) return true;
  }
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || host.empty()) return false;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  return absl::EqualsIgnoreCase(Av(origin.substr(scheme_end + 3)), Av(host));
}

absl::Status ValidateUpgrade(const UpgradeRequest& request,
                             const std::vector<std::string>& allowed_origins) {
  if (request.method != "GET") return absl::InvalidArgumentError("WebSocket upgrade must be a GET");
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(Av(request.upgrade)), "websocket")) {
    return absl::InvalidArgumentError("missing header Upgrade: websocket");
  }
  if (!HeaderListHasToken(request.connection, "upgrade")) {
    return absl::InvalidArgumentError("missing header Connection: Upgrade");
  }
  if (request.version != "13") {
    return absl::FailedPreconditionError("Sec-WebSocket-Version must be 13");
  }
  if (!IsValidKey(request.key)) return absl::InvalidArgumentError("invalid Sec-WebSocket-Key");
  if (!request.origin.empty() && !OriginAllowed(request.origin, request.host, allowed_origins)) {
    return absl::PermissionDeniedError("Origin not allowed");
  }
  return absl::OkStatus();
}

std::string SwitchingProtocolsResponse(std::string_view key) {
  return absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      ComputeAcceptKey(key), "\r\n\r\n");
}

std::string RejectionResponse(int http_status, std::string_view message) {
  std::string body = absl::StrCat(Av(message), "\n");
  std::string extra;
  if (http_status == 426) extra = "Sec-WebSocket-Version: 13\r\n";
  return absl::StrCat("HTTP/1.1 ", http_status, " ", Av(status::HttpReasonPhrase(http_status)),
                      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ",
                      body.size(), "\r\n", extra, "Connection: close\r\n\r\n", body);
}

}  // namespace nexus::gateway::ws
