#include "gateway/upstream/upstream_url.h"

#include <gtest/gtest.h>

namespace nexus::gateway {
namespace {

TEST(UpstreamUrlTest, ParsesSchemesPortsAndPaths) {
  auto a = ParseUpstreamUrl("https://api.example.com/v1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "api.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->path_prefix, "/v1");
  EXPECT_EQ(a->PoolKey(), "https://api.example.com:443");

  auto b = ParseUpstreamUrl("http://10.0.0.5:8000/v1/");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 8000);
  EXPECT_EQ(b->path_prefix, "/v1");

  auto c = ParseUpstreamUrl("http://[::1]:9000");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->path_prefix, "");
  EXPECT_EQ(c->Authority(), "[::1]:9000");
}

TEST(UpstreamUrlTest, RejectsBadUrlsWithoutEchoingThem) {
  for (const char* bad :
       {"ftp://x/v1", "https://", "http://host:0/v1", "http://host:99999", "http://host:/v1",
        "http://host:12ab", "https://x/v1?key=sk-secret", "http://[::1/v1", "api.example.com"}) {
    auto r = ParseUpstreamUrl(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  auto creds = ParseUpstreamUrl("https://user:sk-secret@api.example.com/v1");
  EXPECT_EQ(creds.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(creds.status().message()).find("sk-secret"), std::string::npos);
}

}  // namespace
}  // namespace nexus::gateway
