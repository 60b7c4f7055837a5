#include "registry/service/change_hub.h"

#include <algorithm>

namespace nexus::registry {
namespace {

using v1::ChangeEvent;

ChangeEvent::Kind ToProtoKind(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kProvider:
      return ChangeEvent::KIND_PROVIDER;
    case ChangeKind::kModel:
      return ChangeEvent::KIND_MODEL;
    case ChangeKind::kKey:
      return ChangeEvent::KIND_KEY;
  }
  return ChangeEvent::KIND_UNSPECIFIED;
}

ChangeEvent::Op ToProtoOp(ChangeOp op) {
  switch (op) {
    case ChangeOp::kCreated:
      return ChangeEvent::OP_CREATED;
    case ChangeOp::kUpdated:
      return ChangeEvent::OP_UPDATED;
    case ChangeOp::kDeleted:
      return ChangeEvent::OP_DELETED;
  }
  return ChangeEvent::OP_UNSPECIFIED;
}

}  // namespace

ChangeHub::ChangeHub(size_t max_queued_events) : max_queued_events_(max_queued_events) {}

void ChangeHub::Publish(ChangeKind kind, ChangeOp op, int64_t id) {
  std::lock_guard lock(mutex_);
  Event event;
  event.set_kind(ToProtoKind(kind));
  event.set_op(ToProtoOp(op));
  event.set_id(id);
  event.set_revision(++revision_);
  for (const auto& state : subscribers_) {
    std::lock_guard state_lock(state->mutex);
    if (state->end != End::kNone) continue;
    if (state->queue.size() >= max_queued_events_) {
      // Dropping one event would leave a gap; ending the stream makes the watcher reset.
      state->end = End::kOverflow;
      state->queue.clear();
    } else {
      state->queue.push_back(event);
    }
    state->ready.notify_all();
  }
}

int64_t ChangeHub::revision() const {
  std::lock_guard lock(mutex_);
  return revision_;
}

std::unique_ptr<ChangeHub::Subscription> ChangeHub::Subscribe() {
  auto state = std::make_shared<Subscription::State>();
  std::lock_guard lock(mutex_);
  Event reset;
  reset.set_kind(Event::KIND_RESET);
  reset.set_revision(revision_);
  state->queue.push_back(reset);
  if (closed_) {
    state->end = End::kClosed;
  } else {
    subscribers_.push_back(state);
  }
  return std::unique_ptr<Subscription>(new Subscription(this, std::move(state)));
}

void ChangeHub::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const auto& state : subscribers_) {
    std::lock_guard state_lock(state->mutex);
    if (state->end == End::kNone) state->end = End::kClosed;
    state->ready.notify_all();
  }
}

size_t ChangeHub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

void ChangeHub::Unsubscribe(const std::shared_ptr<Subscription::State>& state) {
  std::lock_guard lock(mutex_);
  subscribers_.remove(state);
}

ChangeHub::Subscription::~Subscription() { hub_->Unsubscribe(state_); }

ChangeHub::Batch ChangeHub::Subscription::Next(absl::Duration timeout) {
  std::unique_lock lock(state_->mutex);
  state_->ready.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                         [&] { return !state_->queue.empty() || state_->end != End::kNone; });
  Batch batch;
  batch.events.assign(state_->queue.begin(), state_->queue.end());
  state_->queue.clear();
  batch.end = state_->end;
  return batch;
}

}  // namespace nexus::registry
