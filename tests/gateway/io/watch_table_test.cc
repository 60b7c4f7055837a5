#include "gateway/io/watch_table.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "gtest/gtest.h"

namespace nexus::gateway::io {
namespace {

// Stands for a parked fiber: the table only stores and compares the pointer.
Fiber* const kFiber = reinterpret_cast<Fiber*>(0x1000);

class WatchTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(epoll_, 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
    ::close(epoll_);
  }
  // The events epoll has now (without waiting).
  std::vector<epoll_event> Events() {
    epoll_event events[8];
    const int n = ::epoll_wait(epoll_, events, 8, 0);
    return std::vector<epoll_event>(events, events + (n > 0 ? n : 0));
  }

  int epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  int fds_[2] = {-1, -1};
  WatchTable table_{epoll_};
};

TEST_F(WatchTableTest, ReadinessSeenWithoutAWaiterIsKeptUntilTaken) {
  const std::optional<uint32_t> slot = table_.Add(fds_[0]);
  ASSERT_TRUE(slot.has_value());
  ASSERT_EQ(::write(fds_[1], "x", 1), 1);
  std::vector<epoll_event> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].data.u64 & WatchTable::kTag, 0u);
  EXPECT_EQ(table_.OnEvent(events[0].data.u64, static_cast<short>(events[0].events)).fiber,
            nullptr);
  EXPECT_EQ(table_.Take(*slot, POLLIN), POLLIN);
  EXPECT_EQ(table_.Take(*slot, POLLIN), 0);  // taken
  // Edge-triggered: nothing new arrived, so no new event although the byte is still unread.
  EXPECT_TRUE(Events().empty());
  table_.Remove(*slot);
}

TEST_F(WatchTableTest, AnEventWakesTheWaiterOnceWithWhatItWaitsFor) {
  const uint32_t slot = *table_.Add(fds_[0]);
  table_.SetWaiter(slot, kFiber, POLLIN | POLLRDHUP);
  ASSERT_EQ(::write(fds_[1], "y", 1), 1);
  std::vector<epoll_event> events = Events();
  ASSERT_EQ(events.size(), 1u);
  const WatchTable::Wakeup wakeup =
      table_.OnEvent(events[0].data.u64, static_cast<short>(events[0].events));
  EXPECT_EQ(wakeup.fiber, kFiber);
  EXPECT_EQ(wakeup.revents & POLLIN, POLLIN);
  EXPECT_EQ(table_.waiter(slot), nullptr);
  // The peer closes: a hang-up stays visible to every later look.
  ::shutdown(fds_[1], SHUT_WR);
  events = Events();
  ASSERT_EQ(events.size(), 1u);
  table_.OnEvent(events[0].data.u64, static_cast<short>(events[0].events));
  EXPECT_NE(table_.Take(slot, POLLIN | POLLRDHUP) & POLLRDHUP, 0);
  EXPECT_NE(table_.Take(slot, POLLIN | POLLRDHUP) & POLLRDHUP, 0);
  table_.Remove(slot);
}

TEST_F(WatchTableTest, EventsOfAReleasedSlotAreIgnoredEvenWhenTheSlotIsReused) {
  const uint32_t slot = *table_.Add(fds_[0]);
  ASSERT_EQ(::write(fds_[1], "z", 1), 1);
  std::vector<epoll_event> stale = Events();
  ASSERT_EQ(stale.size(), 1u);
  table_.Remove(slot);
  int other[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, other), 0);
  const uint32_t reused = *table_.Add(other[0]);
  EXPECT_EQ(reused, slot);
  table_.SetWaiter(reused, kFiber, POLLIN);
  EXPECT_EQ(table_.OnEvent(stale[0].data.u64, POLLIN).fiber, nullptr);  // old generation
  EXPECT_EQ(table_.waiter(reused), kFiber);
  table_.Remove(reused);
  ::close(other[0]);
  ::close(other[1]);
}

TEST_F(WatchTableTest, WritabilityIsWatchedOnlyOnDemand) {
  const uint32_t slot = *table_.Add(fds_[0]);
  EXPECT_TRUE(Events().empty());  // writable, but not asked
  ASSERT_TRUE(table_.WatchWritable(slot, true));
  std::vector<epoll_event> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].events & EPOLLOUT, 0u);
  ASSERT_TRUE(table_.WatchWritable(slot, false));
  EXPECT_FALSE(table_.Add(-1).has_value());  // epoll refuses a bad descriptor
  table_.Remove(slot);
}

}  // namespace
}  // namespace nexus::gateway::io
