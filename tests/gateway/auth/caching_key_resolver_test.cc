#include "gateway/auth/caching_key_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/auth/authorize.h"
#include "gateway/auth/registry_watcher.h"
#include "tests/gateway/auth/fake_registry_service.h"
#include "tests/gateway/auth/test_waits.h"
#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ClientKey;
using ::testing::ElementsAre;
using testing::Eventually;
using testing::FakeRegistryServer;
using ::testing::HasSubstr;
using testing_support::FakeClock;

ClientKey MakeKey(int64_t id) {
  ClientKey key;
  key.set_id(id);
  key.set_name(absl::StrCat("key-", id));
  key.set_enabled(true);
  return key;
}

ChangeEvent KeyEvent(int64_t id) {
  ChangeEvent event;
  event.set_kind(ChangeEvent::KIND_KEY);
  event.set_op(ChangeEvent::OP_UPDATED);
  event.set_id(id);
  return event;
}

class CachingKeyResolverTest : public ::testing::Test {
 protected:
  CachingKeyResolverTest() {
    server_.service().PutKey("nx-alice", MakeKey(1), {"gpt-4o", "gpt-4o-mini"});
    server_.service().PutKey("nx-bob", MakeKey(2));
  }

  // Resolver fed by a live watch stream, as in the gateway; both live as long as the test.
  CachingKeyResolver* WatchedResolver(CachingKeyResolverOptions options = {}) {
    resolver_ = std::make_unique<CachingKeyResolver>(server_.stub(), clock_, options);
    watcher_ = std::make_unique<RegistryWatcher>(server_.stub(), FastBackoff());
    watcher_->AddListener(resolver_.get());
    watcher_->Start();
    EXPECT_TRUE(watcher_->WaitUntilConnected(absl::Seconds(10)));
    return resolver_.get();
  }

  static RegistryWatcherOptions FastBackoff() {
    RegistryWatcherOptions options;
    options.initial_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(100);
    return options;
  }

  // Emits `event` and waits until the watcher has handed it to its listeners.
  void Deliver(const ChangeEvent& event) {
    const int64_t before = watcher_->last_revision();
    server_.service().Emit(event);
    ASSERT_TRUE(Eventually([&] { return watcher_->last_revision() > before; }));
  }

  FakeClock clock_;
  FakeRegistryServer server_;
  std::unique_ptr<CachingKeyResolver> resolver_;
  // Declared last: stops before the resolver it feeds goes away.
  std::unique_ptr<RegistryWatcher> watcher_;
};

TEST_F(CachingKeyResolverTest, ResolvesAndCachesAHit) {
  CachingKeyResolver* resolver = WatchedResolver();
  auto first = resolver->Resolve("nx-alice");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->key.id(), 1);
  EXPECT_THAT((*first)->models, ElementsAre("gpt-4o", "gpt-4o-mini"));
  auto second = resolver->Resolve("nx-alice");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->get(), first->get());
  EXPECT_EQ(server_.service().resolve_calls(), 1);
}

TEST_F(CachingKeyResolverTest, RefreshesAfterTheRefreshInterval) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  clock_.Advance(absl::Seconds(59));
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 1);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

TEST_F(CachingKeyResolverTest, WithoutAWatchStreamEntriesLiveOnlyShortly) {
  CachingKeyResolver resolver(server_.stub(), clock_);
  ASSERT_TRUE(resolver.Resolve("nx-alice").ok());
  ASSERT_TRUE(resolver.Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 1);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(resolver.Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

TEST_F(CachingKeyResolverTest, KeyEventEvictsSoARevocationShowsAtOnce) {
  CachingKeyResolver* resolver = WatchedResolver();
  auto before = resolver->Resolve("nx-alice");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(Authorize((*before)->key, "gpt-4o", clock_.Now()).ok());
  ASSERT_TRUE(resolver->Resolve("nx-bob").ok());

  ClientKey revoked = MakeKey(1);
  revoked.set_revoked(true);
  server_.service().PutKey("nx-alice", revoked);
  Deliver(KeyEvent(1));

  EXPECT_EQ(resolver->CachedKeys(), 1u);  // bob stays
  auto after = resolver->Resolve("nx-alice");
  ASSERT_TRUE(after.ok());
  const absl::Status status = Authorize((*after)->key, "gpt-4o", clock_.Now());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(status.message()), HasSubstr("revoked"));
  EXPECT_EQ(server_.service().resolve_calls(), 3);
}

TEST_F(CachingKeyResolverTest, DeletedKeyBecomesUnauthenticatedAfterItsEvent) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  server_.service().RemoveKey("nx-alice");
  Deliver(KeyEvent(1));
  EXPECT_EQ(resolver->Resolve("nx-alice").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(CachingKeyResolverTest, ResetClearsEverything) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  ASSERT_TRUE(resolver->Resolve("nx-bob").ok());
  ASSERT_FALSE(resolver->Resolve("nx-nobody").ok());
  EXPECT_EQ(resolver->CachedKeys(), 2u) << "streams: " << watcher_->connections();
  EXPECT_EQ(resolver->CachedNegatives(), 1u);
  ChangeEvent reset;
  reset.set_kind(ChangeEvent::KIND_RESET);
  Deliver(reset);
  EXPECT_EQ(resolver->CachedKeys(), 0u);
  EXPECT_EQ(resolver->CachedNegatives(), 0u);
}

TEST_F(CachingKeyResolverTest, ModelChangeMakesEntriesReverify) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  server_.service().PutKey("nx-alice", MakeKey(1), {"gpt-4o"});
  ChangeEvent model;
  model.set_kind(ChangeEvent::KIND_MODEL);
  model.set_id(9);
  Deliver(model);
  auto after = resolver->Resolve("nx-alice");
  ASSERT_TRUE(after.ok());
  EXPECT_THAT((*after)->models, ElementsAre("gpt-4o"));
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

TEST_F(CachingKeyResolverTest, UnknownKeyIsCachedBriefly) {
  CachingKeyResolver* resolver = WatchedResolver();
  for (int i = 0; i < 5; ++i) {
    const absl::Status status = resolver->Resolve("nx-wrong").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(status.message()), HasSubstr("Incorrect API key"));
  }
  EXPECT_EQ(server_.service().resolve_calls(), 1);
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(resolver->Resolve("nx-wrong").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

TEST_F(CachingKeyResolverTest, NegativeCacheIsBounded) {
  CachingKeyResolverOptions options;
  options.shard_count = 1;
  options.max_negative_entries = 8;
  CachingKeyResolver* resolver = WatchedResolver(options);
  for (int i = 0; i < 50; ++i) ASSERT_FALSE(resolver->Resolve(absl::StrCat("nx-bad-", i)).ok());
  EXPECT_LE(resolver->CachedNegatives(), 8u);
}

TEST_F(CachingKeyResolverTest, PositiveCacheIsBounded) {
  CachingKeyResolverOptions options;
  options.shard_count = 2;
  options.max_entries = 6;
  for (int i = 0; i < 40; ++i) server_.service().PutKey(absl::StrCat("nx-k", i), MakeKey(100 + i));
  CachingKeyResolver* resolver = WatchedResolver(options);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(resolver->Resolve(absl::StrCat("nx-k", i)).ok());
  EXPECT_LE(resolver->CachedKeys(), 6u);
  // Evicted keys still resolve, by asking again.
  EXPECT_TRUE(resolver->Resolve("nx-k0").ok());
}

TEST_F(CachingKeyResolverTest, EmptySecretIsUnauthenticatedWithoutAsking) {
  CachingKeyResolver* resolver = WatchedResolver();
  EXPECT_EQ(resolver->Resolve("").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server_.service().resolve_calls(), 0);
}

TEST_F(CachingKeyResolverTest, RegistryDownKnownKeyWorksWithinStalenessThenFails) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  server_.Stop();
  ASSERT_TRUE(Eventually([&] { return !watcher_->connected(); }));

  clock_.Advance(absl::Minutes(2));
  auto stale = resolver->Resolve("nx-alice");
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ((*stale)->key.id(), 1);

  // A key never seen is UNAVAILABLE, never a wrong UNAUTHENTICATED.
  const absl::Status unknown = resolver->Resolve("nx-bob").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("cannot be checked"));

  clock_.Advance(absl::Minutes(3) + absl::Seconds(1));
  EXPECT_EQ(resolver->Resolve("nx-alice").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(CachingKeyResolverTest, RegistryErrorsServeStaleAndAskAgainAfterTheOutageInterval) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  server_.service().FailUnary(grpc::StatusCode::UNAVAILABLE);
  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 2);
  // Within the outage interval, known keys are served without asking.
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_EQ(resolver->Resolve("nx-bob").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(server_.service().resolve_calls(), 2);
  // After it, the registry is asked again and, once back, fully trusted again.
  server_.service().FailUnary(grpc::StatusCode::OK);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(resolver->Resolve("nx-bob").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 3);
}

// Regression: the reset of a reconnected watch stream cleared the cache while the outage window
// still refused to ask, so every key, known ones too, got 503 for up to a second.
TEST_F(CachingKeyResolverTest, ReconnectedWatchEndsTheOutageWindow) {
  CachingKeyResolver* resolver = WatchedResolver();
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  server_.service().FailUnary(grpc::StatusCode::UNAVAILABLE);
  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());  // stale, and the outage window opens
  server_.service().FailUnary(grpc::StatusCode::OK);
  ChangeEvent reset;
  reset.set_kind(ChangeEvent::KIND_RESET);
  Deliver(reset);
  EXPECT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_TRUE(resolver->Resolve("nx-bob").ok());
}

TEST_F(CachingKeyResolverTest, OtherRegistryErrorsAreUnavailableButNoOutage) {
  CachingKeyResolver* resolver = WatchedResolver();
  server_.service().FailUnary(grpc::StatusCode::INTERNAL);
  EXPECT_EQ(resolver->Resolve("nx-alice").status().code(), absl::StatusCode::kUnavailable);
  server_.service().FailUnary(grpc::StatusCode::OK);
  // No outage window: the next call asks at once.
  EXPECT_TRUE(resolver->Resolve("nx-bob").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

TEST_F(CachingKeyResolverTest, DeadlineExceededCountsAsUnreachable) {
  CachingKeyResolverOptions options;
  options.rpc_timeout = absl::Milliseconds(100);
  CachingKeyResolver* resolver = WatchedResolver(options);
  server_.service().CloseGate();
  const absl::Status status = resolver->Resolve("nx-alice").status();
  server_.service().OpenGate();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(CachingKeyResolverTest, ConcurrentMissesShareOneCall) {
  CachingKeyResolver* resolver = WatchedResolver();
  server_.service().CloseGate();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (resolver->Resolve("nx-alice").ok()) ++ok;
    });
  }
  ASSERT_TRUE(server_.service().WaitForResolveCalls(1, absl::Seconds(10)));
  server_.service().OpenGate();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(server_.service().resolve_calls(), 1);
}

TEST_F(CachingKeyResolverTest, AnswerRacingAnEvictionIsNotCached) {
  CachingKeyResolver* resolver = WatchedResolver();
  server_.service().CloseGate();
  std::thread caller([&] { EXPECT_TRUE(resolver->Resolve("nx-alice").ok()); });
  ASSERT_TRUE(server_.service().WaitForResolveCalls(1, absl::Seconds(10)));
  Deliver(KeyEvent(1));
  server_.service().OpenGate();
  caller.join();
  EXPECT_EQ(resolver->CachedKeys(), 0u);
  ASSERT_TRUE(resolver->Resolve("nx-alice").ok());
  EXPECT_EQ(server_.service().resolve_calls(), 2);
}

}  // namespace
}  // namespace nexus::gateway
