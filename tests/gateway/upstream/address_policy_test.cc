#include "gateway/upstream/address_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace nexus::gateway {
namespace {

using ::testing::HasSubstr;

IpAddress Ip(std::string_view text) {
  std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

Cidr Range(std::string_view text) {
  absl::StatusOr<Cidr> cidr = ParseCidr(text);
  EXPECT_TRUE(cidr.ok()) << text;
  return cidr.value_or(Cidr{});
}

TEST(AddressPolicyTest, ParsesAddressesAndRanges) {
  EXPECT_TRUE(Ip("127.0.0.1").is_v4());
  EXPECT_EQ(Ip("::ffff:127.0.0.1"), Ip("127.0.0.1"));
  EXPECT_FALSE(Ip("::1").is_v4());
  EXPECT_EQ(Ip("fe80::1").ToString(), "fe80::1");
  EXPECT_FALSE(ParseIp("example.com"));
  EXPECT_FALSE(ParseIp("[::1]"));
  EXPECT_FALSE(ParseIp("1.2.3"));

  EXPECT_EQ(Range("10.1.2.3/8").ToString(), "10.0.0.0/8");
  EXPECT_EQ(Range("fe80::1/10").ToString(), "fe80::/10");
  EXPECT_EQ(Range("192.0.2.7").ToString(), "192.0.2.7/32");
  EXPECT_TRUE(Range("172.16.0.0/12").Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(Range("172.16.0.0/12").Contains(Ip("172.32.0.0")));
  EXPECT_TRUE(Range("0.0.0.0/0").Contains(Ip("8.8.8.8")));
  EXPECT_FALSE(Range("0.0.0.0/0").Contains(Ip("2001:db8::1")));
  EXPECT_TRUE(Range("::/0").Contains(Ip("8.8.8.8")));

  EXPECT_FALSE(ParseCidr("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseCidr("10.0.0.0/x").ok());
  EXPECT_FALSE(ParseCidr("::/129").ok());
  EXPECT_FALSE(ParseCidr("nope/8").ok());

  absl::StatusOr<std::vector<Cidr>> list = ParseCidrList("10.0.0.0/8, 192.168.1.0/24 fd00::/8");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);
  EXPECT_TRUE(ParseCidrList("")->empty());
  EXPECT_FALSE(ParseCidrList("10.0.0.0/8,bad").ok());
}

TEST(AddressPolicyTest, DefaultsAllowPublicPrivateAndLoopback) {
  AddressPolicy policy;
  EXPECT_TRUE(policy.Check(Ip("104.18.6.192"), 443).ok());
  EXPECT_TRUE(policy.Check(Ip("2606:4700::6812:6c0"), 443).ok());
  EXPECT_TRUE(policy.Check(Ip("10.0.0.5"), 8000).ok());
  EXPECT_TRUE(policy.Check(Ip("192.168.1.20"), 11434).ok());
  EXPECT_TRUE(policy.Check(Ip("127.0.0.1"), 8080).ok());
  EXPECT_TRUE(policy.Check(Ip("::1"), 8080).ok());
}

TEST(AddressPolicyTest, LinkLocalMetadataMulticastAndUnspecifiedAreAlwaysDenied) {
  AddressPolicy policy;
  for (const char* ip :
       {"169.254.169.254", "169.254.0.1", "fe80::1", "100.100.100.200", "fd00:ec2::254", "0.0.0.0",
        "::", "224.0.0.1", "ff02::1", "255.255.255.255", "::ffff:169.254.169.254"}) {
    absl::Status status = policy.Check(Ip(ip), 80);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << ip;
  }
  EXPECT_THAT(std::string(policy.Check(Ip("169.254.169.254"), 80).message()),
              HasSubstr("link-local"));
}

TEST(AddressPolicyTest, LoopbackAndPrivateOnlyWhenAllowed) {
  AddressPolicyOptions options;
  options.allow_loopback = false;
  options.allow_private = false;
  AddressPolicy policy(options);
  for (const char* ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    absl::Status status = policy.Check(Ip(ip), 8080);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << ip;
    EXPECT_THAT(std::string(status.message()), HasSubstr("NEXUS_UPSTREAM_ALLOW_LOOPBACK")) << ip;
  }
  for (const char* ip : {"10.0.0.5", "172.20.0.1", "192.168.0.1", "100.64.0.1", "fd12::1"}) {
    absl::Status status = policy.Check(Ip(ip), 8080);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << ip;
    EXPECT_THAT(std::string(status.message()), HasSubstr("NEXUS_UPSTREAM_ALLOW_PRIVATE")) << ip;
  }
  EXPECT_TRUE(policy.Check(Ip("8.8.8.8"), 443).ok());
}

TEST(AddressPolicyTest, ExtraDeniedRanges) {
  AddressPolicyOptions options;
  options.deny = *ParseCidrList("10.9.0.0/16,2001:db8::/32");
  AddressPolicy policy(options);
  EXPECT_THAT(std::string(policy.Check(Ip("10.9.1.1"), 80).message()),
              HasSubstr("NEXUS_UPSTREAM_DENY"));
  EXPECT_FALSE(policy.Check(Ip("2001:db8::5"), 80).ok());
  EXPECT_TRUE(policy.Check(Ip("10.8.1.1"), 80).ok());
}

TEST(AddressPolicyTest, OwnPortsAreDeniedEvenWhereLoopbackIsAllowed) {
  AddressPolicyOptions options;
  options.deny_endpoints = OwnEndpoints({{"the gateway's own port", "127.0.0.1:8001"},
                                         {"the registry's gRPC port", "127.0.0.1:50051"},
                                         {"the stats gRPC port", "dns:///127.0.0.1:50052"}});
  AddressPolicy policy(options);
  absl::Status own = policy.Check(Ip("127.0.0.1"), 8001);
  EXPECT_EQ(own.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(own.message()), HasSubstr("the gateway's own port"));
  EXPECT_FALSE(policy.Check(Ip("127.0.0.1"), 50051).ok());
  EXPECT_FALSE(policy.Check(Ip("::ffff:127.0.0.1"), 50052).ok());
  EXPECT_TRUE(policy.Check(Ip("127.0.0.1"), 8002).ok());
  EXPECT_TRUE(policy.Check(Ip("10.0.0.5"), 8001).ok());
}

TEST(AddressPolicyTest, WildcardListenDeniesThePortOnEveryLocalAddress) {
  std::vector<DeniedEndpoint> own = OwnEndpoints({{"the gateway's own port", "0.0.0.0:8001"}});
  AddressPolicyOptions options;
  options.deny_endpoints = own;
  AddressPolicy policy(options);
  EXPECT_FALSE(policy.Check(Ip("127.0.0.1"), 8001).ok());
  EXPECT_FALSE(policy.Check(Ip("127.0.0.53"), 8001).ok());
  EXPECT_FALSE(policy.Check(Ip("::1"), 8001).ok());
  EXPECT_TRUE(policy.Check(Ip("127.0.0.1"), 9000).ok());
}

TEST(AddressPolicyTest, NamedServicesAreResolvedWhenTheListIsBuilt) {
  HostResolver resolver = [](const std::string& host,
                             int) -> absl::StatusOr<std::vector<IpAddress>> {
    if (host == "registry") return std::vector<IpAddress>{Ip("172.18.0.3")};
    return absl::UnavailableError("no such host");
  };
  std::vector<DeniedEndpoint> own = OwnEndpoints(
      {{"the registry's gRPC port", "registry:50051"}, {"unknown", "nowhere:1"}, {"bad", "x"}},
      resolver);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_TRUE(own[0].range.Contains(Ip("172.18.0.3")));
  EXPECT_EQ(own[0].port, 50051);
}

class GuardTest : public ::testing::Test {
 protected:
  GuardTest()
      : guard_(AddressPolicy(Options()), [this](const std::string& host, int) {
          ++lookups_;
          auto found = dns_.find(host);
          if (found == dns_.end()) {
            return absl::StatusOr<std::vector<IpAddress>>(absl::UnavailableError("no such host"));
          }
          return absl::StatusOr<std::vector<IpAddress>>(found->second);
        }) {}

  static AddressPolicyOptions Options() {
    AddressPolicyOptions options;
    options.deny_endpoints = OwnEndpoints({{"the gateway's own port", "127.0.0.1:8001"}});
    return options;
  }

  std::map<std::string, std::vector<IpAddress>> dns_;
  int lookups_ = 0;
  UpstreamAddressGuard guard_;
};

TEST_F(GuardTest, ResolvesToTheCheckedAddress) {
  dns_["api.example.com"] = {Ip("104.18.6.192")};
  absl::StatusOr<IpAddress> ip = guard_.Resolve("api.example.com", 443);
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(*ip, Ip("104.18.6.192"));
  // Literals are not looked up.
  EXPECT_EQ(*guard_.Resolve("10.0.0.5", 8000), Ip("10.0.0.5"));
  EXPECT_EQ(lookups_, 1);
}

TEST_F(GuardTest, OneDeniedAnswerDeniesTheHost) {
  // A rebinding name that answers with a public and a metadata address.
  dns_["rebind.example"] = {Ip("104.18.6.192"), Ip("169.254.169.254")};
  absl::StatusOr<IpAddress> ip = guard_.Resolve("rebind.example", 80);
  EXPECT_EQ(ip.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(ip.status().message()), HasSubstr("rebind.example"));
  dns_["self.example"] = {Ip("127.0.0.1")};
  EXPECT_FALSE(guard_.Resolve("self.example", 8001).ok());
  EXPECT_TRUE(guard_.Resolve("self.example", 8002).ok());
  EXPECT_EQ(guard_.Resolve("unknown.example", 80).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GuardTest, BaseUrlCheckNamesTheField) {
  dns_["metadata.internal"] = {Ip("169.254.169.254")};
  for (const char* url :
       {"http://127.0.0.1:8001/v1", "http://169.254.169.254/latest", "http://[fe80::1]:8080/v1",
        "http://metadata.internal/v1", "ftp://example.com", "http://user:pw@example.com/v1"}) {
    absl::Status status = guard_.CheckBaseUrl(url);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(std::string(status.message()), HasSubstr("base_url: ")) << url;
  }
  EXPECT_TRUE(guard_.CheckBaseUrl("http://127.0.0.1:9000/v1").ok());
  EXPECT_TRUE(guard_.CheckBaseUrl("http://10.0.0.5:8000/v1").ok());
  // Not resolvable now: the connect-time check decides later.
  EXPECT_TRUE(guard_.CheckBaseUrl("https://not-yet-in-dns.example/v1").ok());
}

}  // namespace
}  // namespace nexus::gateway
