// The key and admin-token caches driven from many threads against an in-memory registry (no
// gRPC), so that ThreadSanitizer sees all of their synchronisation: cache hits, misses sharing one
// call, evictions and resets racing with answers in flight, outages.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/auth/caching_admin_authenticator.h"
#include "gateway/auth/caching_key_resolver.h"
#include "tests/gateway/auth/in_memory_registry_client.h"
#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ClientKey;
using testing::InMemoryRegistryClient;
using testing_support::FakeClock;

constexpr int kThreads = 8;

ClientKey MakeKey(int64_t id, int version = 0) {
  ClientKey key;
  key.set_id(id);
  key.set_name(absl::StrCat("key-", id, "-v", version));
  key.set_enabled(true);
  return key;
}

std::string Secret(int i) { return absl::StrCat("nx-secret-", i); }

// Runs `body(thread_index)` on kThreads threads at once and joins them.
template <typename Body>
void OnThreads(Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&body, t] { body(t); });
  for (auto& thread : threads) thread.join();
}

class CachingKeyResolverConcurrencyTest : public ::testing::Test {
 protected:
  CachingKeyResolverConcurrencyTest() {
    for (int i = 0; i < kKeys; ++i) registry_->PutKey(Secret(i), MakeKey(i + 1));
  }

  static constexpr int kKeys = 16;
  FakeClock clock_;
  std::shared_ptr<InMemoryRegistryClient> registry_ = std::make_shared<InMemoryRegistryClient>();
};

TEST_F(CachingKeyResolverConcurrencyTest, ConcurrentMissesForOneSecretShareOneCall) {
  CachingKeyResolver resolver(registry_, clock_);
  registry_->CloseGate();
  std::atomic<int> right{0};
  std::thread opener([&] {
    ASSERT_TRUE(registry_->WaitForResolveCalls(1));
    registry_->OpenGate();
  });
  OnThreads([&](int) {
    auto key = resolver.Resolve(Secret(3));
    if (key.ok() && (*key)->key.id() == 4) ++right;
  });
  opener.join();
  EXPECT_EQ(right.load(), kThreads);
  // Callers that came after the answer found it cached (the fake clock stands still).
  EXPECT_EQ(registry_->resolve_calls(), 1);
}

TEST_F(CachingKeyResolverConcurrencyTest, AnAnswerInFlightDuringItsEvictionIsUsedOnceNotCached) {
  CachingKeyResolver resolver(registry_, clock_);
  resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
  registry_->CloseGate();
  std::thread caller([&] {
    auto key = resolver.Resolve(Secret(2));
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ((*key)->key.name(), "key-3-v0");  // answered before the change
  });
  ASSERT_TRUE(registry_->WaitForResolveCalls(1));
  registry_->PutKey(Secret(2), MakeKey(3, 1));
  resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_KEY, 3));
  registry_->OpenGate();
  caller.join();
  EXPECT_EQ(resolver.CachedKeys(), 0u);
  auto key = resolver.Resolve(Secret(2));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)->key.name(), "key-3-v1");
  EXPECT_EQ(registry_->resolve_calls(), 2);
}

// Readers resolve every secret while another thread changes keys and sends the events the watch
// stream would. Every answer must belong to the secret asked about; and once a key's change event
// was handled, the cache must never serve the old version again (an answer that was in flight
// during the eviction is used once, never cached).
TEST_F(CachingKeyResolverConcurrencyTest, AnswersRacingEvictionsAreNeverCachedStale) {
  CachingKeyResolverOptions options;
  options.shard_count = 4;
  CachingKeyResolver resolver(registry_, clock_, options);
  resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));  // a live watch stream
  std::atomic<bool> done{false};
  std::atomic<int> wrong_key{0}, failed{0}, resolved{0};
  std::thread changer([&] {
    for (int version = 1; version <= 60; ++version) {
      const int i = version % kKeys;
      registry_->PutKey(Secret(i), MakeKey(i + 1, version));
      resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_KEY, i + 1));
      if (version % 7 == 0) resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_MODEL, 1));
      if (version % 13 == 0) resolver.OnDisconnect();
      if (version % 17 == 0) resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
      // The first call may join a flight that started before the change; the second cannot.
      (void)resolver.Resolve(Secret(i));
      auto after = resolver.Resolve(Secret(i));
      ASSERT_TRUE(after.ok()) << after.status();
      EXPECT_EQ((*after)->key.name(), absl::StrCat("key-", i + 1, "-v", version));
    }
    done = true;
  });
  OnThreads([&](int t) {
    for (int n = 0; !done || n < 200; ++n) {
      const int i = (n + t) % (kKeys + 2);  // two secrets the registry does not know
      auto key = resolver.Resolve(Secret(i));
      ++resolved;
      if (i >= kKeys) {
        if (key.status().code() != absl::StatusCode::kUnauthenticated) ++wrong_key;
      } else if (!key.ok()) {
        ++failed;
      } else if ((*key)->key.id() != i + 1) {
        ++wrong_key;
      }
    }
  });
  changer.join();
  EXPECT_EQ(wrong_key.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(resolved.load(), kThreads * 200);
  EXPECT_LE(resolver.CachedKeys(), static_cast<size_t>(kKeys));
  resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
  EXPECT_EQ(resolver.CachedKeys(), 0u);
  EXPECT_EQ(resolver.CachedNegatives(), 0u);
}

TEST_F(CachingKeyResolverConcurrencyTest, OutageServesKnownKeysStaleAndAsksOncePerSecret) {
  CachingKeyResolver resolver(registry_, clock_);
  resolver.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
  ASSERT_TRUE(resolver.Resolve(Secret(0)).ok());
  resolver.OnDisconnect();  // cached entries must re-verify
  registry_->FailUnary(absl::UnavailableError("registry down"));
  const int calls_before = registry_->resolve_calls();
  std::atomic<int> stale_ok{0}, unavailable{0};
  OnThreads([&](int t) {
    for (int n = 0; n < 50; ++n) {
      if ((n + t) % 2 == 0) {
        auto key = resolver.Resolve(Secret(0));
        if (key.ok() && (*key)->key.id() == 1) ++stale_ok;
      } else if (resolver.Resolve(Secret(1)).status().code() == absl::StatusCode::kUnavailable) {
        ++unavailable;  // never seen: UNAVAILABLE, never a wrong 401
      }
    }
  });
  EXPECT_EQ(stale_ok.load() + unavailable.load(), kThreads * 50);
  // One failed call opens the outage window; misses racing it share their secret's call.
  EXPECT_LE(registry_->resolve_calls() - calls_before, 2);
  EXPECT_GE(registry_->resolve_calls() - calls_before, 1);
}

TEST_F(CachingKeyResolverConcurrencyTest, BoundsHoldUnderConcurrentInserts) {
  CachingKeyResolverOptions options;
  options.shard_count = 2;
  options.max_entries = 6;
  options.max_negative_entries = 4;
  CachingKeyResolver resolver(registry_, clock_, options);
  std::atomic<int> wrong{0};
  OnThreads([&](int t) {
    for (int n = 0; n < 100; ++n) {
      const int i = (n * 7 + t) % (kKeys + 10);
      auto key = resolver.Resolve(Secret(i));
      const bool right = i < kKeys ? key.ok() && (*key)->key.id() == i + 1
                                   : key.status().code() == absl::StatusCode::kUnauthenticated;
      if (!right) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(resolver.CachedKeys(), 6u);
  EXPECT_LE(resolver.CachedNegatives(), 4u);
}

TEST(CachingAdminAuthenticatorConcurrencyTest, ChecksRacingResetsAndRotation) {
  FakeClock clock;
  auto registry = std::make_shared<InMemoryRegistryClient>();
  registry->SetAdminToken("adm-1");
  CachingAdminAuthenticatorOptions options;
  options.max_entries = 1;
  CachingAdminAuthenticator admin(registry, clock, options);
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::thread resetter([&] {
    for (int n = 0; n < 100; ++n) admin.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
    done = true;
  });
  OnThreads([&](int t) {
    for (int n = 0; !done || n < 100; ++n) {
      const absl::StatusCode got = admin.Check((n + t) % 3 == 0 ? "adm-wrong" : "adm-1").code();
      const absl::StatusCode want =
          (n + t) % 3 == 0 ? absl::StatusCode::kUnauthenticated : absl::StatusCode::kOk;
      if (got != want) ++wrong;
      if (admin.Check("").code() != absl::StatusCode::kUnauthenticated) ++wrong;
    }
  });
  resetter.join();
  EXPECT_EQ(wrong.load(), 0);

  // A cached acceptance saves the call; after a rotation and a reset the old token is refused.
  ASSERT_TRUE(admin.Check("adm-1").ok());
  const int calls = registry->admin_calls();
  ASSERT_TRUE(admin.Check("adm-1").ok());
  EXPECT_EQ(registry->admin_calls(), calls);
  registry->SetAdminToken("adm-2");
  admin.OnChange(testing::ChangeOf(ChangeEvent::KIND_RESET));
  EXPECT_EQ(admin.Check("adm-1").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(admin.Check("adm-2").ok());
  registry->FailUnary(absl::UnavailableError("down"));
  EXPECT_TRUE(admin.Check("adm-2").ok());  // cached
  EXPECT_EQ(admin.Check("adm-3").code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nexus::gateway
