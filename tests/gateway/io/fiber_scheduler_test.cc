#include "gateway/io/fiber_scheduler.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/io/fiber.h"
#include "gtest/gtest.h"

namespace nexus::gateway::io {
namespace {

// Only a guard against a hang: a correct scheduler finishes each test in milliseconds.
constexpr auto kHangGuard = std::chrono::seconds(30);

// The value a fiber gives `promise`; aborts after the hang guard (returning would leave the fiber
// with dangling references to the test's locals).
template <typename T>
T Await(std::promise<T>& promise) {
  auto future = promise.get_future();
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    std::fprintf(stderr, "a fiber did not finish within the hang guard\n");
    std::abort();
  }
  return future.get();
}

struct SocketPair {
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  int fds[2] = {-1, -1};
};

// Reads one byte, parking until it arrives.
char ReadByte(int fd) {
  char byte = 0;
  while (::read(fd, &byte, 1) != 1) {
    EXPECT_NE(WaitIo(fd, POLLIN, -1) & POLLIN, 0);
  }
  return byte;
}

void WriteByte(int fd, char byte) { ASSERT_EQ(::write(fd, &byte, 1), 1); }

TEST(FiberSchedulerTest, RunsEveryPostedTaskBeforeShutdownReturns) {
  std::atomic<int> done{0};
  {
    FiberScheduler scheduler(FiberSchedulerOptions{.threads = 2});
    for (int i = 0; i < 1000; ++i) {
      scheduler.Post([&done] {
        EXPECT_TRUE(OnFiber());
        done.fetch_add(1);
      });
    }
    scheduler.Shutdown();
    EXPECT_EQ(scheduler.live(), 0u);
  }
  EXPECT_EQ(done.load(), 1000);
  EXPECT_FALSE(OnFiber());
}

TEST(FiberSchedulerTest, FibersOnOneThreadTakeTurnsWhileWaitingForSockets) {
  // Ping-pong between two fibers on a single loop thread: if a wait blocked the thread instead of
  // parking the fiber, the other fiber could never answer.
  SocketPair a;
  SocketPair b;
  std::promise<std::vector<char>> seen;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    std::vector<char> got;
    for (char c = 'a'; c < 'a' + 20; ++c) {
      WriteByte(a.fds[0], c);
      got.push_back(ReadByte(b.fds[0]));
    }
    seen.set_value(got);
  });
  scheduler.Post([&] {
    for (int i = 0; i < 20; ++i) WriteByte(b.fds[1], static_cast<char>(ReadByte(a.fds[1]) - 32));
  });
  std::vector<char> expected;
  for (char c = 'A'; c < 'A' + 20; ++c) expected.push_back(c);
  EXPECT_EQ(Await(seen), expected);
}

TEST(FiberSchedulerTest, WaitEndsWithZeroWhenNothingArrivesInTime) {
  SocketPair pair;
  std::promise<short> result;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] { result.set_value(WaitIo(pair.fds[0], POLLIN, 20)); });
  EXPECT_EQ(Await(result), 0);
}

TEST(FiberSchedulerTest, WaitSeesDataWrittenByAnotherThreadAndPeerHangUp) {
  SocketPair pair;
  std::promise<short> first;
  std::promise<short> second;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    first.set_value(WaitIo(pair.fds[0], POLLIN, -1));
    char buffer[8];
    EXPECT_EQ(::read(pair.fds[0], buffer, sizeof(buffer)), 1);
    second.set_value(WaitIo(pair.fds[0], POLLIN, -1));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  WriteByte(pair.fds[1], 'x');
  EXPECT_NE(Await(first) & POLLIN, 0);
  ::shutdown(pair.fds[1], SHUT_RDWR);
  EXPECT_NE(Await(second) & (POLLIN | POLLHUP | POLLRDHUP), 0);
}

TEST(FiberSchedulerTest, BlockingCallRunsElsewhereWhileTheLoopGoesOn) {
  // The first fiber blocks on a future only the second fiber (same loop thread) fulfils.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<bool> finished;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    bool ran_off_fiber = false;
    RunBlocking([&] {
      ran_off_fiber = !OnFiber();
      released.wait();
    });
    EXPECT_TRUE(OnFiber());
    finished.set_value(ran_off_fiber);
  });
  scheduler.Post([&] { release.set_value(); });
  EXPECT_TRUE(Await(finished));
}

TEST(FiberSchedulerTest, LocalSlotBelongsToEachFiber) {
  SocketPair a;
  SocketPair b;
  std::promise<void*> first;
  std::promise<void*> second;
  int first_value = 1;
  int second_value = 2;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    FiberLocalSlot() = &first_value;
    WriteByte(b.fds[1], 'g');
    ReadByte(a.fds[0]);  // parked while the other fiber sets its own slot
    first.set_value(FiberLocalSlot());
  });
  scheduler.Post([&] {
    FiberLocalSlot() = &second_value;
    ReadByte(b.fds[0]);
    WriteByte(a.fds[1], 'x');
    second.set_value(FiberLocalSlot());
  });
  EXPECT_EQ(Await(first), &first_value);
  EXPECT_EQ(Await(second), &second_value);
}

TEST(FiberSchedulerTest, ATaskThatThrowsDoesNotStopTheLoop) {
  std::promise<void> later;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([] { throw std::runtime_error("boom"); });
  scheduler.Post([&] { later.set_value(); });
  Await(later);
}

TEST(FiberSchedulerTest, OffAFiberEveryCallSimplyBlocks) {
  SocketPair pair;
  WriteByte(pair.fds[1], 'x');
  EXPECT_NE(WaitIo(pair.fds[0], POLLIN, -1) & POLLIN, 0);
  EXPECT_EQ(WaitIo(pair.fds[1], POLLIN, 0), 0);
  bool ran = false;
  RunBlocking([&] { ran = true; });
  EXPECT_TRUE(ran);
  int value = 7;
  FiberLocalSlot() = &value;
  EXPECT_EQ(FiberLocalSlot(), &value);
  FiberLocalSlot() = nullptr;
}

// Reads one byte through a watch, parking until it arrives.
char ReadByteWatched(int fd, EdgeWatch& watch) {
  char byte = 0;
  while (::read(fd, &byte, 1) != 1) {
    EXPECT_NE(watch.Wait(POLLIN, -1) & POLLIN, 0);
  }
  return byte;
}

TEST(EdgeWatchTest, WatchedSocketsPingPongOnOneLoop) {
  // As FibersOnOneThreadTakeTurnsWhileWaitingForSockets, through edge-triggered registrations:
  // bytes that arrive while the reader is busy (not waiting) must still wake it later.
  SocketPair a;
  SocketPair b;
  std::promise<std::string> seen;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    EdgeWatch watch(b.fds[0]);
    EXPECT_TRUE(watch.Local());
    std::string got;
    for (int i = 0; i < 50; ++i) {
      WriteByte(a.fds[0], static_cast<char>('0' + i));  // '0' .. 'a'
      got.push_back(ReadByteWatched(b.fds[0], watch));
    }
    seen.set_value(got);
  });
  scheduler.Post([&] {
    EdgeWatch watch(a.fds[1]);
    for (int i = 0; i < 50; ++i) {
      const char c = ReadByteWatched(a.fds[1], watch);
      WriteByte(b.fds[1], static_cast<char>(c - 32));
    }
  });
  std::string expected;
  for (int i = 0; i < 50; ++i) expected.push_back(static_cast<char>('0' + i - 32));
  EXPECT_EQ(Await(seen), expected);
}

TEST(EdgeWatchTest, ReadinessThatCameBeforeTheWaitIsNotLost) {
  SocketPair pair;
  std::promise<short> waited;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    EdgeWatch watch(pair.fds[0]);
    WriteByte(pair.fds[1], 'x');
    // Let the loop see the edge while nobody waits (other fibers run, epoll reports it).
    RunBlocking([] {});
    waited.set_value(watch.Wait(POLLIN, 5000));
  });
  EXPECT_NE(Await(waited) & POLLIN, 0);
}

TEST(EdgeWatchTest, TimeoutHangUpAndBlockedWriter) {
  SocketPair pair;
  std::promise<void> done;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    EdgeWatch watch(pair.fds[0]);
    EXPECT_EQ(watch.Wait(POLLIN, 20), 0);  // nothing comes: timeout
    EXPECT_EQ(watch.Wait(POLLIN, 0), 0);   // just looks
    // Fill the send buffer, then wait to write while the peer drains it on a helper thread.
    std::string chunk(65536, 'z');
    size_t queued = 0;
    while (true) {
      ssize_t n = ::send(pair.fds[0], chunk.data(), chunk.size(), MSG_DONTWAIT);
      if (n <= 0) break;
      queued += static_cast<size_t>(n);
    }
    std::thread drain([fd = pair.fds[1], queued] {
      std::vector<char> sink(65536);
      size_t got = 0;
      while (got < queued) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 1000);
        ssize_t n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (n > 0) got += static_cast<size_t>(n);
      }
    });
    EXPECT_NE(watch.Wait(POLLOUT, 20000) & POLLOUT, 0);
    drain.join();
    // The peer goes away: a waiting reader wakes (hang-up or end of stream to read).
    std::thread closer([fd = pair.fds[1]] { ::shutdown(fd, SHUT_RDWR); });
    EXPECT_NE(watch.Wait(POLLIN, 20000), 0);
    closer.join();
    done.set_value();
  });
  Await(done);
}

TEST(EdgeWatchTest, ReusedDescriptorNumbersGetFreshRegistrations) {
  std::promise<int> served;
  FiberScheduler scheduler(FiberSchedulerOptions{.threads = 1});
  scheduler.Post([&] {
    int count = 0;
    for (int round = 0; round < 20; ++round) {
      int fds[2];
      ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
      {
        EdgeWatch watch(fds[0]);
        WriteByte(fds[1], 'r');
        if (ReadByteWatched(fds[0], watch) == 'r') ++count;
      }
      ::close(fds[0]);  // the next round's socket likely gets the same number
      ::close(fds[1]);
    }
    served.set_value(count);
  });
  EXPECT_EQ(Await(served), 20);
}

TEST(EdgeWatchTest, UsableFromAnotherLoopAndDestroyableAfterItsLoopEnded) {
  // A pooled upstream connection: watched by the loop that connected it, used by a fiber of
  // another loop, destroyed after every loop is gone.
  SocketPair pair;
  std::unique_ptr<EdgeWatch> watch;
  {
    FiberScheduler first(FiberSchedulerOptions{.threads = 1});
    std::promise<void> made;
    first.Post([&] {
      watch = std::make_unique<EdgeWatch>(pair.fds[0]);
      made.set_value();
    });
    Await(made);
    FiberScheduler second(FiberSchedulerOptions{.threads = 1});
    std::promise<char> read;
    second.Post([&] {
      EXPECT_FALSE(watch->Local());
      WriteByte(pair.fds[1], 'q');
      read.set_value(ReadByteWatched(pair.fds[0], *watch));
    });
    EXPECT_EQ(Await(read), 'q');
  }
  watch.reset();  // its loop ended: nothing to clean up there, and no crash
  // Off a fiber it simply polls.
  EdgeWatch plain(pair.fds[0]);
  EXPECT_FALSE(plain.Local());
  WriteByte(pair.fds[1], 'p');
  EXPECT_NE(plain.Wait(POLLIN, 5000) & POLLIN, 0);
}

}  // namespace
}  // namespace nexus::gateway::io
