#include "gateway/auth/registry_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "tests/gateway/auth/fake_registry_service.h"
#include "tests/gateway/auth/test_waits.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using ::testing::ElementsAre;
using testing::Eventually;
using testing::FakeRegistryServer;

class RecordingListener : public ChangeListener {
 public:
  void OnChange(const ChangeEvent& event) override {
    std::lock_guard lock(mutex_);
    kinds_.push_back(event.kind());
  }
  void OnDisconnect() override {
    std::lock_guard lock(mutex_);
    kinds_.push_back(-1);
  }
  std::vector<int> kinds() const {
    std::lock_guard lock(mutex_);
    return kinds_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<int> kinds_;
};

RegistryWatcherOptions FastBackoff() {
  RegistryWatcherOptions options;
  options.initial_backoff = absl::Milliseconds(10);
  options.max_backoff = absl::Milliseconds(100);
  return options;
}

ChangeEvent Event(ChangeEvent::Kind kind, int64_t id) {
  ChangeEvent event;
  event.set_kind(kind);
  event.set_id(id);
  return event;
}

TEST(RegistryWatcherTest, DeliversResetThenEventsInOrder) {
  FakeRegistryServer server;
  RecordingListener listener;
  RegistryWatcher watcher(server.stub(), FastBackoff());
  watcher.AddListener(&listener);
  EXPECT_FALSE(watcher.connected());
  watcher.Start();
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(10)));
  server.service().Emit(Event(ChangeEvent::KIND_KEY, 1));
  server.service().Emit(Event(ChangeEvent::KIND_MODEL, 2));
  ASSERT_TRUE(Eventually([&] { return watcher.last_revision() == 2; }));
  EXPECT_THAT(listener.kinds(),
              ElementsAre(ChangeEvent::KIND_RESET, ChangeEvent::KIND_KEY, ChangeEvent::KIND_MODEL));
}

TEST(RegistryWatcherTest, ReconnectsAfterTheServerRestartsAndResetsAgain) {
  FakeRegistryServer server;
  RecordingListener listener;
  RegistryWatcher watcher(server.stub(), FastBackoff());
  watcher.AddListener(&listener);
  watcher.Start();
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(10)));

  server.Stop();
  ASSERT_TRUE(Eventually([&] { return !watcher.connected(); }));
  ASSERT_TRUE(server.Restart());
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(20)));
  EXPECT_EQ(watcher.connections(), 2);
  EXPECT_THAT(listener.kinds(), ElementsAre(ChangeEvent::KIND_RESET, -1, ChangeEvent::KIND_RESET));

  server.service().Emit(Event(ChangeEvent::KIND_PROVIDER, 3));
  ASSERT_TRUE(Eventually([&] { return listener.kinds().size() == 4; }));
  EXPECT_EQ(listener.kinds().back(), ChangeEvent::KIND_PROVIDER);
}

TEST(RegistryWatcherTest, ReconnectsWhenTheServerEndsTheStream) {
  FakeRegistryServer server;
  RecordingListener listener;
  RegistryWatcher watcher(server.stub(), FastBackoff());
  watcher.AddListener(&listener);
  watcher.Start();
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(10)));
  server.service().EndWatches();
  ASSERT_TRUE(Eventually([&] { return watcher.connections() == 2 && watcher.connected(); }));
  EXPECT_THAT(listener.kinds(), ElementsAre(ChangeEvent::KIND_RESET, -1, ChangeEvent::KIND_RESET));
}

TEST(RegistryWatcherTest, StopEndsAnOpenStream) {
  FakeRegistryServer server;
  RegistryWatcher watcher(server.stub(), FastBackoff());
  watcher.Start();
  ASSERT_TRUE(watcher.WaitUntilConnected(absl::Seconds(10)));
  watcher.Stop();  // would hang here if the stream were not cancelled
  EXPECT_FALSE(watcher.connected());
  watcher.Stop();  // idempotent
}

TEST(RegistryWatcherTest, StopEndsTheRetryLoopWhileTheRegistryIsDown) {
  FakeRegistryServer server;
  server.Stop();
  RegistryWatcherOptions options;
  options.initial_backoff = absl::Seconds(30);
  options.max_backoff = absl::Seconds(60);
  RegistryWatcher watcher(server.stub(), options);
  watcher.Start();
  EXPECT_FALSE(watcher.WaitUntilConnected(absl::Milliseconds(200)));
  watcher.Stop();  // would wait out the 30 s backoff if the sleep were not interruptible
  EXPECT_EQ(watcher.connections(), 0);
}

}  // namespace
}  // namespace nexus::gateway
