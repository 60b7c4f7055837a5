#include "gateway/auth/caching_admin_authenticator.h"

#include <gtest/gtest.h>

#include "tests/gateway/auth/fake_registry_service.h"
#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using testing::FakeRegistryServer;
using testing_support::FakeClock;

constexpr char kToken[] = "admin-token-0123456789abcdef";

class CachingAdminAuthenticatorTest : public ::testing::Test {
 protected:
  CachingAdminAuthenticatorTest() { server_.service().SetAdminToken(kToken); }

  FakeClock clock_;
  FakeRegistryServer server_;
};

TEST_F(CachingAdminAuthenticatorTest, AcceptedTokenIsCachedForTheTtlOnly) {
  CachingAdminAuthenticator auth(server_.stub(), clock_);
  EXPECT_TRUE(auth.Check(kToken).ok());
  EXPECT_TRUE(auth.Check(kToken).ok());
  EXPECT_EQ(server_.service().admin_calls(), 1);
  clock_.Advance(absl::Seconds(31));
  EXPECT_TRUE(auth.Check(kToken).ok());
  EXPECT_EQ(server_.service().admin_calls(), 2);
}

TEST_F(CachingAdminAuthenticatorTest, RotatedTokenStopsWorkingAfterTheTtl) {
  CachingAdminAuthenticator auth(server_.stub(), clock_);
  EXPECT_TRUE(auth.Check(kToken).ok());
  server_.service().SetAdminToken("a-brand-new-admin-token-42");
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(auth.Check(kToken).code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(CachingAdminAuthenticatorTest, WrongTokenIsUnauthenticatedAndNeverCached) {
  CachingAdminAuthenticator auth(server_.stub(), clock_);
  EXPECT_EQ(auth.Check("nx-client-key").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Check("nx-client-key").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server_.service().admin_calls(), 2);
  EXPECT_EQ(auth.Check("").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server_.service().admin_calls(), 2);
}

TEST_F(CachingAdminAuthenticatorTest, UnreachableRegistryIsUnavailableUnlessCached) {
  CachingAdminAuthenticator auth(server_.stub(), clock_);
  EXPECT_TRUE(auth.Check(kToken).ok());
  server_.service().FailUnary(grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(auth.Check(kToken).ok());
  EXPECT_EQ(auth.Check("another-token-abcdefgh").code(), absl::StatusCode::kUnavailable);
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(auth.Check(kToken).code(), absl::StatusCode::kUnavailable);
}

TEST_F(CachingAdminAuthenticatorTest, ResetDropsTheCache) {
  CachingAdminAuthenticator auth(server_.stub(), clock_);
  EXPECT_TRUE(auth.Check(kToken).ok());
  ChangeEvent reset;
  reset.set_kind(ChangeEvent::KIND_RESET);
  auth.OnChange(reset);
  EXPECT_TRUE(auth.Check(kToken).ok());
  EXPECT_EQ(server_.service().admin_calls(), 2);
}

}  // namespace
}  // namespace nexus::gateway
