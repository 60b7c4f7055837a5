#include "gateway/auth/local_rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using ::testing::HasSubstr;
using testing_support::FakeClock;

// FakeClock's default start is a whole minute, i.e. the start of a rate window.
class LocalRateLimiterTest : public ::testing::Test {
 protected:
  LocalRateLimiterOptions OneShard() {
    LocalRateLimiterOptions options;
    options.shard_count = 1;
    return options;
  }

  FakeClock clock_;
};

TEST_F(LocalRateLimiterTest, NoLimitsAlwaysAdmitsAndTracksNothing) {
  LocalRateLimiter limiter(clock_);
  std::vector<std::unique_ptr<RateLimitPermit>> permits;
  for (int i = 0; i < 100; ++i) {
    auto permit = limiter.Admit(1, 0, 0, nullptr);
    ASSERT_TRUE(permit.ok());
    permits.push_back(*std::move(permit));
  }
  EXPECT_EQ(limiter.TrackedKeys(), 0u);
}

TEST_F(LocalRateLimiterTest, RequestsPerMinuteRejectsWithRetryAfter) {
  LocalRateLimiter limiter(clock_);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(1, 3, 0, nullptr).ok()) << i;
  RateLimitRejection rejection;
  auto rejected = limiter.Admit(1, 3, 0, &rejection);
  ASSERT_EQ(rejected.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(rejected.status().message()), HasSubstr("3 requests per minute"));
  // The whole window is used up: wait for the next one (plus rounding up to a millisecond).
  EXPECT_EQ(rejection.retry_after, absl::Seconds(60) + absl::Milliseconds(1));

  // Another key is independent.
  EXPECT_TRUE(limiter.Admit(2, 3, 0, nullptr).ok());

  clock_.Advance(rejection.retry_after);
  EXPECT_TRUE(limiter.Admit(1, 3, 0, nullptr).ok());
  // Now the previous window's three requests still weigh almost fully: one more costs ~20 s.
  auto again = limiter.Admit(1, 3, 0, &rejection);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GT(rejection.retry_after, absl::Seconds(19.9));
  EXPECT_LT(rejection.retry_after, absl::Seconds(20.1));
  clock_.Advance(rejection.retry_after);
  EXPECT_TRUE(limiter.Admit(1, 3, 0, nullptr).ok());
}

TEST_F(LocalRateLimiterTest, SlidingWindowSmoothsTheBoundaryBurst) {
  LocalRateLimiter limiter(clock_);
  // 10 requests late in one window...
  clock_.Advance(absl::Seconds(50));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.Admit(1, 10, 0, nullptr).ok());
  // ...leave little room early in the next one, unlike a fixed window, which would allow 10 more.
  clock_.Advance(absl::Seconds(16));  // 6 s into the next window: previous weighs 0.9 -> 9.
  EXPECT_TRUE(limiter.Admit(1, 10, 0, nullptr).ok());
  EXPECT_FALSE(limiter.Admit(1, 10, 0, nullptr).ok());
  // Two quiet windows later everything is forgotten.
  clock_.Advance(absl::Minutes(2));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Admit(1, 10, 0, nullptr).ok());
}

TEST_F(LocalRateLimiterTest, ConcurrencyPermitReleasesOnDestruction) {
  LocalRateLimiter limiter(clock_);
  auto first = limiter.Admit(1, 0, 2, nullptr);
  auto second = limiter.Admit(1, 0, 2, nullptr);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  RateLimitRejection rejection;
  auto third = limiter.Admit(1, 0, 2, &rejection);
  ASSERT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(third.status().message()), HasSubstr("2 concurrent requests"));
  EXPECT_EQ(rejection.retry_after, absl::Seconds(1));
  first->reset();
  EXPECT_TRUE(limiter.Admit(1, 0, 2, nullptr).ok());
}

TEST_F(LocalRateLimiterTest, RejectedRequestsDoNotCountAgainstTheRate) {
  LocalRateLimiter limiter(clock_);
  auto held = limiter.Admit(1, 2, 1, nullptr);
  ASSERT_TRUE(held.ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Admit(1, 2, 1, nullptr).ok());
  held->reset();
  auto second = limiter.Admit(1, 2, 1, nullptr);
  ASSERT_TRUE(second.ok());
  second->reset();
  auto third = limiter.Admit(1, 2, 1, nullptr);
  EXPECT_THAT(std::string(third.status().message()), HasSubstr("per minute"));
}

TEST_F(LocalRateLimiterTest, IdleKeysExpireButKeysHoldingPermitsStay) {
  LocalRateLimiter limiter(clock_, OneShard());
  for (int64_t key = 1; key <= 100; ++key) ASSERT_TRUE(limiter.Admit(key, 5, 0, nullptr).ok());
  auto busy = limiter.Admit(1000, 0, 1, nullptr);
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(limiter.TrackedKeys(), 101u);
  clock_.Advance(absl::Minutes(3));
  ASSERT_TRUE(limiter.Admit(2000, 5, 0, nullptr).ok());
  EXPECT_EQ(limiter.TrackedKeys(), 2u);
  // The busy key's slot is still taken.
  EXPECT_FALSE(limiter.Admit(1000, 0, 1, nullptr).ok());
}

TEST_F(LocalRateLimiterTest, ConcurrentAdmissionsNeverExceedTheLimit) {
  LocalRateLimiter limiter(clock_);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.Admit(42, 1000, 0, nullptr).ok()) ++admitted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1000);
}

}  // namespace
}  // namespace nexus::gateway
