#include "gateway/io/fiber_scheduler.h"

#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>

#include "gateway/io/fiber.h"
#include "gateway/io/fiber_switch.h"
#include "gateway/io/watch_table.h"

namespace nexus::gateway::io {
namespace {

// The event that only says "look at the inbox".
constexpr uint64_t kWakeToken = ~uint64_t{0};
// A fiber's wait token is (fiber index << 32 | wait sequence); EdgeWatch events carry
// WatchTable::kTag instead (so does kWakeToken, which is told apart first).
constexpr short kAlwaysReported = POLLERR | POLLHUP | POLLRDHUP;
constexpr int kMaxEvents = 256;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

short PollOnce(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  while (true) {
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return POLLERR;
    return ready == 0 ? 0 : p.revents;
  }
}

}  // namespace

class FiberLoop;

// Outlives its loop for whoever still holds it (an EdgeWatch in a pooled upstream connection).
struct LoopHandle {
  std::mutex mutex;
  FiberLoop* loop = nullptr;  // null once the loop is being destroyed
};

struct Fiber {
#ifdef NEXUS_FIBER_OWN_SWITCH
  void* stack_pointer = nullptr;
#else
  ucontext_t context;
#endif
  char* mapping = nullptr;
  size_t mapping_bytes = 0;
  char* stack = nullptr;
  size_t stack_bytes = 0;
  std::function<void()> task;
  FiberLoop* loop = nullptr;
  uint32_t index = 0;
  uint32_t wait_seq = 0;
  bool waiting = false;
  bool finished = false;
  short result = 0;
  void* local = nullptr;
  bool has_timer = false;
  std::set<std::pair<int64_t, uint64_t>>::iterator timer;
  int64_t watch_slot = -1;  // the EdgeWatch slot this fiber waits on, if any
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

namespace {
thread_local Fiber* current_fiber = nullptr;
thread_local void* thread_slot = nullptr;
}  // namespace

// One event-loop thread with its fibers.
class FiberLoop {
 public:
  FiberLoop(BlockingPool& blocking, std::atomic<size_t>& scheduler_live, size_t stack_bytes)
      : blocking_(blocking), scheduler_live_(scheduler_live), stack_bytes_(stack_bytes) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
      std::perror("nexus-gateway: fiber loop");
      std::abort();
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeToken;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
    handle_->loop = this;
    thread_ = std::thread([this] { Run(); });
  }

  ~FiberLoop() {
    {
      // Watches destroyed from now on off this loop's thread skip their epoll clean-up (the
      // epoll set goes away with the loop).
      std::lock_guard lock(handle_->mutex);
      handle_->loop = nullptr;
    }
    {
      std::lock_guard lock(inbox_mutex_);
      stop_requested_ = true;
    }
    Wake();
    thread_.join();
    for (auto& fiber : fibers_) {
#ifdef NEXUS_FIBER_TSAN
      if (fiber->tsan_fiber != nullptr) __tsan_destroy_fiber(fiber->tsan_fiber);
#endif
      ::munmap(fiber->mapping, fiber->mapping_bytes);
    }
    ::close(wake_fd_);
    ::close(epoll_fd_);
  }

  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(inbox_mutex_);
      new_tasks_.push_back(std::move(task));
    }
    Wake();
  }

  // From the thread that ran a RunBlocking call: the fiber may continue.
  void Resume(Fiber* fiber) {
    {
      std::lock_guard lock(inbox_mutex_);
      resumed_.push_back(fiber);
    }
    Wake();
  }

  short Wait(Fiber* fiber, int fd, short events, int timeout_ms) {
    if (++fiber->wait_seq == 0) ++fiber->wait_seq;
    const uint64_t token = (uint64_t{fiber->index} << 32) | fiber->wait_seq;
    epoll_event event{};
    // Poll and epoll share their bit values on Linux. One-shot: the registration fires once per
    // wait and stays in the set disarmed, so the next wait costs one epoll_ctl.
    event.events = static_cast<uint32_t>(events & (POLLIN | POLLOUT)) | EPOLLONESHOT | EPOLLRDHUP;
    event.data.u64 = token;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0 &&
        (errno != ENOENT || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0)) {
      return PollOnce(fd, events, timeout_ms);  // not pollable by epoll (a regular file)
    }
    return ParkUntil(fiber, token, timeout_ms);
  }

  // Adds `fd` to the epoll set for good (edge-triggered); false when epoll refuses it.
  bool AddWatch(int fd, uint32_t* slot) {
    std::optional<uint32_t> added = watches_.Add(fd);
    if (added) *slot = *added;
    return added.has_value();
  }

  // On the loop thread (the watch's fiber); RemoveWatchLater from anywhere else.
  void RemoveWatch(uint32_t slot) { watches_.Remove(slot); }

  void RemoveWatchLater(uint32_t slot, int fd) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    {
      std::lock_guard lock(inbox_mutex_);
      removed_watches_.push_back(slot);
    }
    Wake();
  }

  short WaitWatch(Fiber* fiber, uint32_t slot, short events, int timeout_ms) {
    const short wanted = static_cast<short>((events & (POLLIN | POLLOUT)) | kAlwaysReported);
    if (short seen = watches_.Take(slot, wanted); seen != 0) return seen;
    const int fd = watches_.fd(slot);
    if (timeout_ms == 0) return PollOnce(fd, events, 0);
    if (watches_.waiter(slot) != nullptr) return WaitBesideWaiter(fiber, fd, events, timeout_ms);
    const bool writer = (events & POLLOUT) != 0;
    if (writer && !watches_.WatchWritable(slot, true)) return PollOnce(fd, events, 0);
    if (++fiber->wait_seq == 0) ++fiber->wait_seq;
    watches_.SetWaiter(slot, fiber, wanted);
    fiber->watch_slot = slot;
    const short seen =
        ParkUntil(fiber, (uint64_t{fiber->index} << 32) | fiber->wait_seq, timeout_ms);
    if (writer) {
      watches_.WatchWritable(slot, false);
      watches_.Forget(slot, POLLOUT);
    }
    return seen;
  }

  const std::shared_ptr<LoopHandle>& handle() const { return handle_; }

  void Offload(Fiber* fiber, const std::function<void()>& fn) {
    blocking_.Post([this, fiber, &fn] {
      fn();
      Resume(fiber);
    });
    Park(fiber);
  }

 private:
  // A second fiber waiting on a watched socket (never done by the gateway): polls it every
  // millisecond, so the owner's registration stays as it is.
  short WaitBesideWaiter(Fiber* fiber, int fd, short events, int timeout_ms) {
    const int64_t deadline = NowNanos() + int64_t{timeout_ms} * 1'000'000;
    while (true) {
      if (short seen = PollOnce(fd, events, 0); seen != 0) return seen;
      if (timeout_ms >= 0 && NowNanos() >= deadline) return 0;
      if (++fiber->wait_seq == 0) ++fiber->wait_seq;
      ParkUntil(fiber, (uint64_t{fiber->index} << 32) | fiber->wait_seq, 1);
    }
  }

  // Parks the fiber until Ready or WatchReady wakes it for `token`, or `timeout_ms` passed
  // (negative: no limit); returns the readiness it was woken with, 0 on timeout.
  short ParkUntil(Fiber* fiber, uint64_t token, int timeout_ms) {
    fiber->waiting = true;
    fiber->result = 0;
    if (timeout_ms >= 0) {
      fiber->timer = timers_.emplace(NowNanos() + int64_t{timeout_ms} * 1'000'000, token).first;
      fiber->has_timer = true;
    }
    Park(fiber);
    return fiber->result;
  }

  void Wake() {
    uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }

  void Run() {
#ifdef NEXUS_FIBER_TSAN
    tsan_loop_fiber_ = __tsan_get_current_fiber();
#endif
    epoll_event events[kMaxEvents];
    while (true) {
      DrainInbox();
      while (!ready_.empty()) {
        Fiber* fiber = ready_.front();
        ready_.pop_front();
        SwitchTo(fiber);
        if (fiber->finished) {
          free_.push_back(fiber);
          scheduler_live_.fetch_sub(1, std::memory_order_relaxed);
          --live_;
        }
      }
      // Stop once asked and every fiber finished; fibers parked in RunBlocking count as live.
      if (stopping_ && live_ == 0) break;
      int timeout = -1;
      if (!timers_.empty()) {
        const int64_t left = timers_.begin()->first - NowNanos();
        timeout = left <= 0 ? 0 : static_cast<int>((left + 999'999) / 1'000'000);
      }
      const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kWakeToken) {
          uint64_t count;
          while (::read(wake_fd_, &count, sizeof(count)) < 0 && errno == EINTR) {
          }
          continue;
        }
        if (events[i].data.u64 & WatchTable::kTag) {
          WatchReady(events[i].data.u64, static_cast<short>(events[i].events));
        } else {
          Ready(events[i].data.u64, static_cast<short>(events[i].events));
        }
      }
      FireTimers();
    }
  }

  // Moves posted tasks and resumed fibers to the ready queue and notes a stop request.
  void DrainInbox() {
    std::vector<std::function<void()>> tasks;
    std::vector<Fiber*> resumed;
    std::vector<uint32_t> removed;
    {
      std::lock_guard lock(inbox_mutex_);
      tasks.swap(new_tasks_);
      resumed.swap(resumed_);
      removed.swap(removed_watches_);
      if (stop_requested_) stopping_ = true;
    }
    for (uint32_t slot : removed) watches_.Release(slot);
    for (std::function<void()>& task : tasks) {
      Fiber* fiber;
      if (free_.empty()) {
        fiber = NewFiber();
      } else {
        fiber = free_.back();
        free_.pop_back();
      }
      fiber->task = std::move(task);
      fiber->finished = false;
      ++live_;
      ready_.push_back(fiber);
    }
    for (Fiber* fiber : resumed) ready_.push_back(fiber);
  }

  void Ready(uint64_t token, short revents) {
    if (Fiber* fiber = Lookup(token)) WakeWith(fiber, revents);
  }

  void WatchReady(uint64_t token, short revents) {
    const WatchTable::Wakeup wakeup = watches_.OnEvent(token, revents);
    if (wakeup.fiber != nullptr) WakeWith(wakeup.fiber, wakeup.revents);
  }

  void WakeWith(Fiber* fiber, short revents) {
    fiber->waiting = false;
    fiber->result = revents;
    if (fiber->has_timer) {
      timers_.erase(fiber->timer);
      fiber->has_timer = false;
    }
    ForgetWatchWaiter(fiber);
    ready_.push_back(fiber);
  }

  void ForgetWatchWaiter(Fiber* fiber) {
    if (fiber->watch_slot < 0) return;
    watches_.ClearWaiter(static_cast<uint32_t>(fiber->watch_slot), fiber);
    fiber->watch_slot = -1;
  }

  void FireTimers() {
    const int64_t now = NowNanos();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      const uint64_t token = timers_.begin()->second;
      timers_.erase(timers_.begin());
      Fiber* fiber = Lookup(token);
      if (fiber == nullptr) continue;
      fiber->has_timer = false;
      fiber->waiting = false;
      fiber->result = 0;
      ForgetWatchWaiter(fiber);
      ready_.push_back(fiber);
    }
  }

  // The fiber still waiting for `token`, or null (a stale event or timer).
  Fiber* Lookup(uint64_t token) {
    const uint64_t index = token >> 32;
    if (index >= fibers_.size()) return nullptr;
    Fiber* fiber = fibers_[index].get();
    if (!fiber->waiting || fiber->wait_seq != static_cast<uint32_t>(token)) return nullptr;
    return fiber;
  }

  Fiber* NewFiber() {
    auto fiber = std::make_unique<Fiber>();
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    fiber->mapping_bytes = stack_bytes_ + page;
    void* mapping = ::mmap(nullptr, fiber->mapping_bytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) {
      std::perror("nexus-gateway: fiber stack");
      std::abort();
    }
    fiber->mapping = static_cast<char*>(mapping);
    ::mprotect(fiber->mapping, page, PROT_NONE);  // guard page: stacks grow down
    fiber->stack = fiber->mapping + page;
    fiber->stack_bytes = stack_bytes_;
    fiber->loop = this;
    fiber->index = static_cast<uint32_t>(fibers_.size());
    PrepareStack(*fiber);
#ifdef NEXUS_FIBER_TSAN
    fiber->tsan_fiber = __tsan_create_fiber(0);
#endif
    fibers_.push_back(std::move(fiber));
    return fibers_.back().get();
  }

#ifdef NEXUS_FIBER_OWN_SWITCH
  static void PrepareStack(Fiber& fiber) {
    // From the top: 16 bytes of padding, the address nexus_fiber_switch returns to, the six
    // callee-saved registers (r12 = the fiber) and the control words (MXCSR and x87 defaults).
    auto top = reinterpret_cast<uintptr_t>(fiber.stack + fiber.stack_bytes) & ~uintptr_t{15};
    auto* slots = reinterpret_cast<uint64_t*>(top) - 10;
    slots[0] = 0x1F80 | (uint64_t{0x037F} << 32);               // mxcsr, x87 control word
    slots[1] = slots[2] = slots[3] = 0;                         // r15, r14, r13
    slots[4] = reinterpret_cast<uint64_t>(&fiber);              // r12
    slots[5] = slots[6] = 0;                                    // rbx, rbp
    slots[7] = reinterpret_cast<uint64_t>(&nexus_fiber_start);  // return address
    slots[8] = slots[9] = 0;
    fiber.stack_pointer = slots;
  }
#else
  static void PrepareStack(Fiber& fiber) {
    ::getcontext(&fiber.context);
    fiber.context.uc_stack.ss_sp = fiber.stack;
    fiber.context.uc_stack.ss_size = fiber.stack_bytes;
    fiber.context.uc_link = nullptr;
    const auto address = reinterpret_cast<uintptr_t>(&fiber);
    ::makecontext(&fiber.context, reinterpret_cast<void (*)()>(&StartFromUcontext), 2,
                  static_cast<unsigned>(address & 0xffffffffu),
                  static_cast<unsigned>(address >> 32));
  }
  static void StartFromUcontext(unsigned low, unsigned high) {
    Entry(reinterpret_cast<Fiber*>((uintptr_t{high} << 32) | low));
  }
#endif

 public:
  [[noreturn]] static void Entry(Fiber* fiber) {
    FiberLoop* loop = fiber->loop;
    loop->FinishSwitchIntoFiber(fiber);
    while (true) {
      try {
        fiber->task();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nexus-gateway: a connection task failed: %s\n", e.what());
      } catch (...) {
        std::fprintf(stderr, "nexus-gateway: a connection task failed\n");
      }
      fiber->task = nullptr;
      fiber->local = nullptr;
      fiber->finished = true;
      loop->Park(fiber);  // back here when the fiber is reused for the next task
    }
  }

 private:
  void SwitchTo(Fiber* fiber) {
    current_fiber = fiber;
#ifdef NEXUS_FIBER_ASAN
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, fiber->stack, fiber->stack_bytes);
#endif
#ifdef NEXUS_FIBER_TSAN
    __tsan_switch_to_fiber(fiber->tsan_fiber, 0);
#endif
#ifdef NEXUS_FIBER_OWN_SWITCH
    nexus_fiber_switch(&loop_stack_pointer_, fiber->stack_pointer);
#else
    ::swapcontext(&loop_context_, &fiber->context);
#endif
#ifdef NEXUS_FIBER_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
    current_fiber = nullptr;
  }

 public:
  void Park(Fiber* fiber) {
#ifdef NEXUS_FIBER_ASAN
    __sanitizer_start_switch_fiber(&fiber->asan_fake_stack, loop_stack_bottom_, loop_stack_size_);
#endif
#ifdef NEXUS_FIBER_TSAN
    __tsan_switch_to_fiber(tsan_loop_fiber_, 0);
#endif
#ifdef NEXUS_FIBER_OWN_SWITCH
    nexus_fiber_switch(&fiber->stack_pointer, loop_stack_pointer_);
#else
    ::swapcontext(&fiber->context, &loop_context_);
#endif
    FinishSwitchIntoFiber(fiber);
  }

 private:
  void FinishSwitchIntoFiber([[maybe_unused]] Fiber* fiber) {
#ifdef NEXUS_FIBER_ASAN
    __sanitizer_finish_switch_fiber(fiber->asan_fake_stack, &loop_stack_bottom_, &loop_stack_size_);
#endif
  }

  BlockingPool& blocking_;
  std::shared_ptr<LoopHandle> handle_ = std::make_shared<LoopHandle>();
  std::atomic<size_t>& scheduler_live_;
  const size_t stack_bytes_;
  const int epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  int wake_fd_ = -1;
  std::mutex inbox_mutex_;
  std::vector<std::function<void()>> new_tasks_;
  std::vector<Fiber*> resumed_;
  std::vector<uint32_t> removed_watches_;
  bool stop_requested_ = false;
  // Below: the loop thread's own state.
  bool stopping_ = false;
  std::deque<Fiber*> ready_;
  std::vector<std::unique_ptr<Fiber>> fibers_;
  std::vector<Fiber*> free_;
  std::set<std::pair<int64_t, uint64_t>> timers_;  // (deadline, wait token)
  WatchTable watches_{epoll_fd_};
  size_t live_ = 0;
#ifdef NEXUS_FIBER_OWN_SWITCH
  void* loop_stack_pointer_ = nullptr;
#else
  ucontext_t loop_context_{};
#endif
#ifdef NEXUS_FIBER_ASAN
  const void* loop_stack_bottom_ = nullptr;
  size_t loop_stack_size_ = 0;
#endif
#ifdef NEXUS_FIBER_TSAN
  void* tsan_loop_fiber_ = nullptr;
#endif
  std::thread thread_;
};

FiberScheduler::FiberScheduler(FiberSchedulerOptions options) {
  const size_t threads = options.threads > 0 ? options.threads : UsableCpus();
  size_t stack_bytes = options.stack_bytes;
#if defined(NEXUS_FIBER_ASAN) || defined(NEXUS_FIBER_TSAN)
  stack_bytes *= 4;  // instrumented frames are several times larger
#endif
  for (size_t i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<FiberLoop>(blocking_, live_, stack_bytes));
  }
}

FiberScheduler::~FiberScheduler() { Shutdown(); }

void FiberScheduler::Post(std::function<void()> task) {
  live_.fetch_add(1, std::memory_order_relaxed);
  const size_t index = next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size();
  loops_[index]->Post(std::move(task));
}

void FiberScheduler::Shutdown() {
  std::lock_guard lock(shutdown_mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  loops_.clear();  // each loop finishes its fibers, then its thread ends
}

short WaitIo(int fd, short events, int timeout_ms) {
  Fiber* fiber = current_fiber;
  if (fiber == nullptr || timeout_ms == 0) return PollOnce(fd, events, timeout_ms);
  return fiber->loop->Wait(fiber, fd, events, timeout_ms);
}

void RunBlocking(const std::function<void()>& fn) {
  Fiber* fiber = current_fiber;
  if (fiber == nullptr) {
    fn();
    return;
  }
  fiber->loop->Offload(fiber, fn);
}

bool OnFiber() { return current_fiber != nullptr; }

namespace {

// Whether the calling fiber runs on the loop behind `handle` (compared by handle: a loop's
// address may be reused after it ended, its handle's not while held).
FiberLoop* CurrentLoopIf(const std::shared_ptr<LoopHandle>& handle) {
  Fiber* fiber = current_fiber;
  if (fiber == nullptr || handle == nullptr || fiber->loop->handle() != handle) return nullptr;
  return fiber->loop;
}

}  // namespace

EdgeWatch::EdgeWatch(int fd) : fd_(fd) {
  Fiber* fiber = current_fiber;
  if (fiber != nullptr && fiber->loop->AddWatch(fd, &slot_)) loop_ = fiber->loop->handle();
}

EdgeWatch::~EdgeWatch() {
  if (loop_ == nullptr) return;
  if (FiberLoop* loop = CurrentLoopIf(loop_)) {
    loop->RemoveWatch(slot_);
    return;
  }
  std::lock_guard lock(loop_->mutex);
  if (loop_->loop != nullptr) loop_->loop->RemoveWatchLater(slot_, fd_);
}

bool EdgeWatch::Local() const { return CurrentLoopIf(loop_) != nullptr; }

short EdgeWatch::Wait(short events, int timeout_ms) {
  FiberLoop* loop = CurrentLoopIf(loop_);
  if (loop == nullptr) return WaitIo(fd_, events, timeout_ms);
  return loop->WaitWatch(current_fiber, slot_, events, timeout_ms);
}

void*& FiberLocalSlot() { return current_fiber != nullptr ? current_fiber->local : thread_slot; }

}  // namespace nexus::gateway::io

#ifdef NEXUS_FIBER_OWN_SWITCH
extern "C" void nexus_fiber_main(void* fiber) {
  nexus::gateway::io::FiberLoop::Entry(static_cast<nexus::gateway::io::Fiber*>(fiber));
}
#endif
