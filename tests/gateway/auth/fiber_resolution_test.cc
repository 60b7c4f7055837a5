// The key cache used from connection fibers (gateway/io): a cache miss waits for the registry off
// the event loop, and so do the fibers that join that miss's flight, so the loop keeps serving
// other connections meanwhile. A join that waited on the loop thread would deadlock it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "gateway/auth/caching_key_resolver.h"
#include "gateway/auth/offloading_registry_client.h"
#include "gateway/io/fiber_scheduler.h"
#include "tests/gateway/auth/in_memory_registry_client.h"
#include "tests/support/fake_clock.h"

namespace nexus::gateway {
namespace {

using testing::InMemoryRegistryClient;
using testing_support::FakeClock;

// A guard against hangs only.
constexpr auto kHangGuard = std::chrono::seconds(30);

TEST(FiberKeyResolutionTest, FibersJoiningOneMissLeaveTheLoopFree) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  nexus::registry::v1::ClientKey key;
  key.set_id(7);
  key.set_enabled(true);
  registry->PutKey("nx-shared", key);
  registry->CloseGate();
  FakeClock clock;
  CachingKeyResolver resolver(std::make_shared<OffloadingRegistryClient>(registry), clock);

  constexpr int kFibers = 6;
  std::vector<std::promise<int64_t>> resolved(kFibers);
  std::promise<void> loop_free;
  {
    io::FiberScheduler scheduler(io::FiberSchedulerOptions{.threads = 1});
    for (int i = 0; i < kFibers; ++i) {
      scheduler.Post([&, i] {
        auto result = resolver.Resolve("nx-shared");
        resolved[i].set_value(result.ok() ? (*result)->key.id() : -1);
      });
    }
    ASSERT_TRUE(registry->WaitForResolveCalls(1));
    // Every fiber is now waiting for the one registry call; the loop must still run this one.
    scheduler.Post([&] { loop_free.set_value(); });
    ASSERT_EQ(loop_free.get_future().wait_for(kHangGuard), std::future_status::ready);
    registry->OpenGate();
    for (auto& promise : resolved) {
      auto future = promise.get_future();
      ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
      EXPECT_EQ(future.get(), 7);
    }
  }
  EXPECT_EQ(registry->resolve_calls(), 1);
}

}  // namespace
}  // namespace nexus::gateway
