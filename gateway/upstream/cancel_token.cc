#include <utility>

#include "gateway/upstream/upstream_client.h"

namespace nexus::gateway {

// The action runs under the mutex so that SetAbortAction(nullptr), which the client calls before
// it releases the connection the action refers to, waits for a running action to finish.
void CancelToken::Cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelled_) return;
  cancelled_ = true;
  if (abort_action_) {
    std::function<void()> action = std::move(abort_action_);
    abort_action_ = nullptr;
    action();
  }
}

bool CancelToken::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

void CancelToken::SetAbortAction(std::function<void()> action) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelled_) {
    abort_action_ = nullptr;
    if (action) action();
    return;
  }
  abort_action_ = std::move(action);
}

}  // namespace nexus::gateway
