#include "gateway/auth/failed_auth_throttle.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/auth/secret_hasher.h"
#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using testing_support::FakeClock;

FailedAuthThrottleOptions Options(int max_failures, absl::Duration window) {
  FailedAuthThrottleOptions options;
  options.max_failures = max_failures;
  options.window = window;
  return options;
}

TEST(FailedAuthThrottleTest, LocksOutAfterNFailuresWithinTheWindow) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(3, absl::Seconds(60)));
  for (int i = 0; i < 2; ++i) {
    throttle.RecordFailure("203.0.113.7");
    EXPECT_FALSE(throttle.LockedOut("203.0.113.7")) << i;
  }
  throttle.RecordFailure("203.0.113.7");
  std::optional<absl::Duration> retry = throttle.LockedOut("203.0.113.7");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, absl::Seconds(60));
  EXPECT_EQ(throttle.lockouts(), 1);

  // Retry-After counts down in whole seconds, rounded up, never below one.
  clock.Advance(absl::Seconds(59.5));
  EXPECT_EQ(throttle.LockedOut("203.0.113.7"), absl::Seconds(1));
  clock.Advance(absl::Seconds(0.5));
  EXPECT_FALSE(throttle.LockedOut("203.0.113.7"));
}

TEST(FailedAuthThrottleTest, OtherAddressesAreNeverAffected) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(2, absl::Seconds(60)));
  throttle.RecordFailure("198.51.100.1");
  throttle.RecordFailure("198.51.100.1");
  EXPECT_TRUE(throttle.LockedOut("198.51.100.1"));
  EXPECT_FALSE(throttle.LockedOut("198.51.100.2"));
  EXPECT_FALSE(throttle.LockedOut("2001:db8::1"));
}

TEST(FailedAuthThrottleTest, FailuresOutsideTheWindowDoNotAddUp) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(3, absl::Seconds(10)));
  for (int i = 0; i < 10; ++i) {
    throttle.RecordFailure("192.0.2.9");
    throttle.RecordFailure("192.0.2.9");
    EXPECT_FALSE(throttle.LockedOut("192.0.2.9")) << i;
    clock.Advance(absl::Seconds(10));
  }
  // An expired record is forgotten on the next look.
  EXPECT_EQ(throttle.TrackedAddresses(), 1u);
  EXPECT_FALSE(throttle.LockedOut("192.0.2.9"));
  EXPECT_EQ(throttle.TrackedAddresses(), 0u);
}

TEST(FailedAuthThrottleTest, ALockoutEndsWithAFreshWindow) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(2, absl::Seconds(30)));
  throttle.RecordFailure("192.0.2.1");
  throttle.RecordFailure("192.0.2.1");
  ASSERT_TRUE(throttle.LockedOut("192.0.2.1"));
  // Attempts refused during the lockout are not counted again.
  throttle.RecordFailure("192.0.2.1");
  clock.Advance(absl::Seconds(30));
  EXPECT_FALSE(throttle.LockedOut("192.0.2.1"));
  throttle.RecordFailure("192.0.2.1");
  EXPECT_FALSE(throttle.LockedOut("192.0.2.1"));
  throttle.RecordFailure("192.0.2.1");
  EXPECT_TRUE(throttle.LockedOut("192.0.2.1"));
  EXPECT_EQ(throttle.lockouts(), 2);
}

TEST(FailedAuthThrottleTest, ZeroFailuresTurnsItOff) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(0, absl::Seconds(60)));
  EXPECT_FALSE(throttle.enabled());
  for (int i = 0; i < 100; ++i) throttle.RecordFailure("192.0.2.1");
  EXPECT_FALSE(throttle.LockedOut("192.0.2.1"));
  EXPECT_EQ(throttle.TrackedAddresses(), 0u);
}

TEST(FailedAuthThrottleTest, IpV6CountsPerSlash64AndMappedV4AsV4) {
  EXPECT_EQ(ThrottleBucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ThrottleBucket("::ffff:192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(ThrottleBucket("192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(ThrottleBucket("not-an-ip"), "not-an-ip");

  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(2, absl::Seconds(60)));
  throttle.RecordFailure("2001:db8:1:2::1");
  throttle.RecordFailure("2001:db8:1:2::ffff");
  EXPECT_TRUE(throttle.LockedOut("2001:db8:1:2::42"));
  EXPECT_FALSE(throttle.LockedOut("2001:db8:1:3::1"));
  throttle.RecordFailure("::ffff:192.0.2.5");
  throttle.RecordFailure("192.0.2.5");
  EXPECT_TRUE(throttle.LockedOut("192.0.2.5"));
}

TEST(FailedAuthThrottleTest, MemoryIsBoundedAndExpiredAddressesMakeRoom) {
  FakeClock clock;
  FailedAuthThrottleOptions options = Options(5, absl::Seconds(10));
  options.max_addresses = 8;
  options.shard_count = 1;
  FailedAuthThrottle throttle(clock, options);
  for (int i = 0; i < 100; ++i) throttle.RecordFailure(absl::StrCat("10.0.0.", i));
  EXPECT_EQ(throttle.TrackedAddresses(), 8u);
  clock.Advance(absl::Seconds(10));
  throttle.RecordFailure("10.0.1.1");
  EXPECT_EQ(throttle.TrackedAddresses(), 1u);
}

TEST(FailedAuthThrottleTest, ConcurrentFailuresAreAllCounted) {
  FakeClock clock;
  FailedAuthThrottle throttle(clock, Options(400, absl::Seconds(60)));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) throttle.RecordFailure("192.0.2.200");
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(throttle.LockedOut("192.0.2.200"));
  EXPECT_EQ(throttle.lockouts(), 1);
}

TEST(ConstantTimeEqualsTest, ComparesLengthAndEveryByte) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("nx-secret-key-1234", "nx-secret-key-1234"));
  EXPECT_FALSE(ConstantTimeEquals("nx-secret-key-1234", "nx-secret-key-1235"));
  EXPECT_FALSE(ConstantTimeEquals("Nx-secret-key-1234", "nx-secret-key-1234"));
  EXPECT_FALSE(ConstantTimeEquals("nx-secret", "nx-secret-key"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  // Embedded NUL bytes are compared, not treated as terminators.
  EXPECT_FALSE(ConstantTimeEquals(std::string("ab\0c", 4), std::string("ab\0d", 4)));
  EXPECT_TRUE(ConstantTimeEquals(std::string("ab\0c", 4), std::string("ab\0c", 4)));
}

TEST(ConstantTimeEqualsTest, DigestEqualityUsesEveryByte) {
  SecretHasher hasher;
  SecretDigest a = hasher.Hash("nx-one");
  SecretDigest b = hasher.Hash("nx-one");
  EXPECT_TRUE(a == b);
  for (size_t i = 0; i < b.bytes.size(); ++i) {
    SecretDigest c = a;
    c.bytes[i] ^= 0x01;
    EXPECT_FALSE(a == c) << i;
  }
  EXPECT_FALSE(hasher.Hash("nx-one") == hasher.Hash("nx-two"));
}

}  // namespace
}  // namespace nexus::gateway
