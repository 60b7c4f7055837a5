#include "gateway/ws/handshake.h"

#include <gtest/gtest.h>

namespace nexus::gateway::ws {
namespace {

UpgradeRequest Valid() {
  UpgradeRequest r;
  r.method = "GET";
  r.upgrade = "websocket";
  r.connection = "keep-alive, Upgrade";
  r.version = "13";
  r.key = "dGhlIHNhbXBsZSBub25jZQ==";
  r.host = "127.0.0.1:8001";
  r.origin = "http://127.0.0.1:8001";
  return r;
}

// RFC 6455 §1.3.
TEST(HandshakeTest, AcceptKeyMatchesRfcExample) {
  EXPECT_EQ(ComputeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeTest, SwitchingProtocolsResponseCarriesAccept) {
  const std::string response = SwitchingProtocolsResponse("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_NE(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  EXPECT_EQ(response.substr(response.size() - 4), "\r\n\r\n");
}

TEST(HandshakeTest, AcceptsValidUpgrade) { EXPECT_TRUE(ValidateUpgrade(Valid(), {}).ok()); }

TEST(HandshakeTest, RejectsMalformedUpgrades) {
  UpgradeRequest r = Valid();
  r.method = "POST";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kInvalidArgument);
  r = Valid();
  r.upgrade = "h2c";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kInvalidArgument);
  r = Valid();
  r.connection = "keep-alive";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kInvalidArgument);
  r = Valid();
  r.version = "8";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kFailedPrecondition);
  r = Valid();
  r.key = "short==";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kInvalidArgument);
  r = Valid();
  r.key = "dGhlIHNhbXBsZSBub25jZQ!=";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(HandshakeTest, ChecksOriginAgainstHostAndAllowList) {
  UpgradeRequest r = Valid();
  r.origin = "https://evil.example";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(ValidateUpgrade(r, {"https://evil.example"}).ok());
  r.origin = "http://127.0.0.1:8002";  // other port, other origin
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kPermissionDenied);
  r.origin = "null";
  EXPECT_EQ(ValidateUpgrade(r, {}).code(), absl::StatusCode::kPermissionDenied);
  r.origin = "";  // not a browser: the token still guards the session
  EXPECT_TRUE(ValidateUpgrade(r, {}).ok());
}

TEST(HandshakeTest, RejectionIsACompleteHttpResponse) {
  const std::string response = RejectionResponse(403, "Origin not allowed");
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u);
  EXPECT_NE(response.find("Content-Length: 19\r\n"), std::string::npos);
  EXPECT_NE(RejectionResponse(426, "v").find("Sec-WebSocket-Version: 13"), std::string::npos);
}

}  // namespace
}  // namespace nexus::gateway::ws
