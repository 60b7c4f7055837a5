// The route table and the watcher driven from many threads against an in-memory registry (no
// gRPC): lookups during reloads, shutdown with a call or stream open, reconnects, listeners
// coming and going while events flow.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/auth/registry_route_table.h"
#include "gateway/auth/registry_watcher.h"
#include "tests/gateway/auth/in_memory_registry_client.h"
#include "tests/gateway/auth/test_waits.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ClientKey;
using nexus::registry::v1::Route;
using testing::Eventually;
using testing::InMemoryRegistryClient;

Route MakeRoute(int64_t provider_id, const std::string& model, int32_t priority) {
  Route route;
  route.set_provider_id(provider_id);
  route.set_provider_name(absl::StrCat("provider-", provider_id));
  route.set_base_url("http://127.0.0.1:9/v1");
  route.set_model(model);
  route.set_upstream_model(model);
  route.set_priority(priority);
  return route;
}

// Generation `g` of the table: gpt-4o on g % 3 + 1 providers, ordered by priority.
std::vector<Route> Generation(int g) {
  std::vector<Route> routes;
  for (int p = 0; p <= g % 3; ++p) routes.push_back(MakeRoute(p + 1, "gpt-4o", p * 10));
  routes.push_back(MakeRoute(9, "llama-3", 0));
  return routes;
}

ClientKey AnyKey() {
  ClientKey key;
  key.set_id(1);
  key.set_enabled(true);
  return key;
}

TEST(RegistryRouteTableConcurrencyTest, LookupsDuringReloadsSeeWholeSnapshotsInOrder) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  registry->SetRoutes(Generation(0));
  RegistryRouteTable table(registry);
  ASSERT_TRUE(table.WaitForRevision(registry->revision(), absl::Seconds(30)));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread changer([&] {
    for (int g = 1; g <= 40; ++g) {
      registry->SetRoutes(Generation(g));
      table.OnChange(
          testing::ChangeOf(g % 2 ? ChangeEvent::KIND_MODEL : ChangeEvent::KIND_PROVIDER, g));
      if (g % 10 == 0) {
        ASSERT_TRUE(table.LoadNow().ok());
      }
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 6; ++t) {
    readers.emplace_back([&] {
      int64_t last_revision = 0;
      for (int n = 0; !done || n < 100; ++n) {
        std::shared_ptr<const RouteSnapshot> snapshot = table.Snapshot();
        // Revisions only grow: loads are serialised and each answer is at least as new.
        if (snapshot == nullptr || snapshot->revision < last_revision) ++bad;
        if (snapshot != nullptr) last_revision = snapshot->revision;
        auto routes = table.RoutesFor("gpt-4o", AnyKey());
        if (!routes.ok() || routes->empty() || routes->size() > 3) {
          ++bad;
          continue;
        }
        for (size_t i = 0; i < routes->size(); ++i) {
          if ((*routes)[i].priority() != static_cast<int32_t>(i) * 10) ++bad;  // best first
        }
        auto models = table.ModelsFor(AnyKey());
        if (!models.ok() || models->size() != 2) ++bad;
      }
    });
  }
  changer.join();
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(bad.load(), 0);
  // Every change was followed by a reload: the table ends on the last generation.
  ASSERT_TRUE(table.WaitForRevision(registry->revision(), absl::Seconds(30)));
  auto routes = table.RoutesFor("gpt-4o", AnyKey());
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(routes->size(), static_cast<size_t>(40 % 3 + 1));
}

TEST(RegistryRouteTableConcurrencyTest, DestructionCancelsALoadInFlight) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  registry->SetRoutes(Generation(0));
  registry->CloseGate();
  {
    RegistryRouteTable table(registry);
    ASSERT_TRUE(registry->WaitForListRoutesCalls(1));
    // A waiter for the first load and a lookup, racing the shutdown.
    std::thread waiter([&] { EXPECT_FALSE(table.WaitForRevision(1, absl::Milliseconds(50))); });
    EXPECT_EQ(table.RoutesFor("gpt-4o", AnyKey()).status().code(), absl::StatusCode::kUnavailable);
    waiter.join();
  }  // must not wait for the gate: the destructor cancels the call
  EXPECT_EQ(registry->cancelled_calls(), 1);
}

// Records what the watcher hands out; also checks it is never called after its removal.
class RecordingListener : public ChangeListener {
 public:
  void OnChange(const ChangeEvent& event) override {
    std::lock_guard lock(mutex_);
    if (removed_) ++after_removal_;
    log_.push_back(event.kind() == ChangeEvent::KIND_RESET ? "reset" : absl::StrCat(event.id()));
    revisions_.push_back(event.revision());
  }
  void OnDisconnect() override {
    std::lock_guard lock(mutex_);
    if (removed_) ++after_removal_;
    log_.push_back("disconnect");
  }
  void MarkRemoved() {
    std::lock_guard lock(mutex_);
    removed_ = true;
  }
  std::vector<std::string> log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }
  std::vector<int64_t> revisions() const {
    std::lock_guard lock(mutex_);
    return revisions_;
  }
  int after_removal() const {
    std::lock_guard lock(mutex_);
    return after_removal_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> log_;
  std::vector<int64_t> revisions_;
  bool removed_ = false;
  int after_removal_ = 0;
};

RegistryWatcherOptions FastBackoff() {
  RegistryWatcherOptions options;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(5);
  return options;
}

TEST(RegistryWatcherConcurrencyTest, DeliversEveryEventInOrderAcrossReconnects) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  RegistryWatcher watcher(registry, FastBackoff());
  RecordingListener listener;
  watcher.AddListener(&listener);
  // Start is idempotent, also when called from several threads at once.
  std::vector<std::thread> starters;
  for (int t = 0; t < 4; ++t) starters.emplace_back([&] { watcher.Start(); });
  for (auto& starter : starters) starter.join();
  std::vector<std::thread> waiters;
  for (int t = 0; t < 4; ++t) {
    waiters.emplace_back([&] { EXPECT_TRUE(watcher.WaitUntilConnected(absl::Seconds(30))); });
  }
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(registry->streams(), 1);

  std::vector<std::string> expected = {"reset"};
  for (int id = 1; id <= 30; ++id) {
    registry->Emit(testing::ChangeOf(ChangeEvent::KIND_KEY, id));
    expected.push_back(absl::StrCat(id));
  }
  ASSERT_TRUE(Eventually([&] { return watcher.last_revision() == registry->revision(); }));
  registry->EndStreams(absl::UnavailableError("registry restarting"));
  expected.push_back("disconnect");
  ASSERT_TRUE(registry->WaitForStreams(2));
  ASSERT_TRUE(Eventually([&] { return watcher.connections() == 2 && watcher.connected(); }));
  expected.push_back("reset");
  for (int id = 31; id <= 40; ++id) {
    registry->Emit(testing::ChangeOf(ChangeEvent::KIND_MODEL, id));
    expected.push_back(absl::StrCat(id));
  }
  ASSERT_TRUE(Eventually([&] { return watcher.last_revision() == registry->revision(); }));
  watcher.Stop();
  EXPECT_FALSE(watcher.connected());
  // Stop cancelled the open stream; on shutdown no disconnect is handed out.
  EXPECT_EQ(registry->cancelled_calls(), 1);
  EXPECT_EQ(listener.log(), expected);
  std::vector<int64_t> revisions = listener.revisions();
  EXPECT_TRUE(std::is_sorted(revisions.begin(), revisions.end()));
}

TEST(RegistryWatcherConcurrencyTest, ARemovedListenerIsNeverCalledAgain) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  RegistryWatcher watcher(registry, FastBackoff());
  RecordingListener steady;
  watcher.AddListener(&steady);
  watcher.Start();
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(30)));
  std::atomic<bool> done{false};
  std::thread emitter([&] {
    for (int id = 1; !done; ++id) {
      registry->Emit(testing::ChangeOf(ChangeEvent::KIND_KEY, id));
      if (id % 50 == 0) registry->EndStreams(absl::UnavailableError("blip"));
      std::this_thread::yield();
    }
  });
  int total_after_removal = 0;
  for (int round = 0; round < 100; ++round) {
    RecordingListener transient;
    watcher.AddListener(&transient);
    std::this_thread::yield();
    watcher.RemoveListener(&transient);
    transient.MarkRemoved();
    std::this_thread::yield();
    total_after_removal += transient.after_removal();
  }  // each transient listener dies right after its removal: a late call would be a use after free
  done = true;
  emitter.join();
  watcher.Stop();
  EXPECT_EQ(total_after_removal, 0);
  EXPECT_GE(steady.log().size(), 1u);
  EXPECT_EQ(steady.log().front(), "reset");
}

TEST(RegistryWatcherConcurrencyTest, StopWakesTheReconnectBackoff) {
  auto registry = std::make_shared<InMemoryRegistryClient>();
  registry->RefuseStreams(true);
  RegistryWatcherOptions options;
  options.initial_backoff = absl::Hours(1);  // only Stop can end this wait
  options.max_backoff = absl::Hours(1);
  RegistryWatcher watcher(registry, options);
  watcher.Start();
  ASSERT_TRUE(registry->WaitForStreams(1));
  EXPECT_FALSE(watcher.WaitUntilConnected(absl::Milliseconds(10)));
  watcher.Stop();
  EXPECT_FALSE(watcher.connected());
  EXPECT_EQ(watcher.connections(), 0);
}

}  // namespace
}  // namespace nexus::gateway
