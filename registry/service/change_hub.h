#ifndef NEXUS_REGISTRY_SERVICE_CHANGE_HUB_H_
#define NEXUS_REGISTRY_SERVICE_CHANGE_HUB_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/time/time.h"
#include "nexus/registry/v1/registry.pb.h"
#include "registry/domain/change_sink.h"

namespace nexus::registry {

// Fans committed changes out to every open Watch stream. Each subscription starts with a
// KIND_RESET event carrying the revision at that moment and then sees every later revision,
// without gaps; a subscriber that falls too far behind is ended (it reconnects and resets)
// rather than slowing writers or growing without bound.
class ChangeHub : public ChangeSink {
 public:
  using Event = nexus::registry::v1::ChangeEvent;

  enum class End { kNone, kClosed, kOverflow };

  struct Batch {
    std::vector<Event> events;
    End end = End::kNone;  // set once the subscription is over (after any events in `events`)
  };

  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // Waits up to `timeout` for events; an empty batch with End::kNone means none came. The
    // bounded wait lets the caller notice a cancelled call.
    Batch Next(absl::Duration timeout);

   private:
    friend class ChangeHub;
    struct State {
      std::mutex mutex;
      std::condition_variable ready;
      std::deque<Event> queue;
      End end = End::kNone;
    };
    Subscription(ChangeHub* hub, std::shared_ptr<State> state)
        : hub_(hub), state_(std::move(state)) {}

    ChangeHub* hub_;
    std::shared_ptr<State> state_;
  };

  explicit ChangeHub(size_t max_queued_events = 10000);

  void Publish(ChangeKind kind, ChangeOp op, int64_t id) override;
  // The revision of the newest change (0 before any).
  int64_t revision() const;
  std::unique_ptr<Subscription> Subscribe();
  // Ends every subscription, now and later; for shutdown.
  void Close();
  size_t subscriber_count() const;

 private:
  void Unsubscribe(const std::shared_ptr<Subscription::State>& state);

  const size_t max_queued_events_;
  mutable std::mutex mutex_;
  int64_t revision_ = 0;
  bool closed_ = false;
  std::list<std::shared_ptr<Subscription::State>> subscribers_;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_SERVICE_CHANGE_HUB_H_
