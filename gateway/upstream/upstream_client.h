#ifndef NEXUS_GATEWAY_UPSTREAM_UPSTREAM_CLIENT_H_
#define NEXUS_GATEWAY_UPSTREAM_UPSTREAM_CLIENT_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace nexus::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One call to an OpenAI-compatible upstream.
struct UpstreamRequest {
  // The provider's base URL including its version path, e.g. "https://api.openai.com/v1".
  std::string base_url;
  // Appended to base_url: "/chat/completions", "/embeddings", "/models".
  std::string path;
  std::string method = "POST";
  // Sent as "Authorization: Bearer <api_key>" (no header when empty); never logged.
  std::string api_key;
  std::string body;
  // The caller expects text/event-stream.
  bool stream = false;
};

// Receives the response as it arrives, on the thread that called Send.
class UpstreamHandler {
 public:
  virtual ~UpstreamHandler() = default;
  // Status line and headers. Return false to abort the call.
  virtual bool OnResponseStart(int http_status, const HeaderList& headers) = 0;
  // Body bytes as they arrive, never buffered whole. Return false to abort the call.
  virtual bool OnBodyData(std::string_view data) = 0;
  // Optional, for clients that hand the bytes of one socket read on in several OnBodyData calls
  // (one per chunk of a chunked body): BeginBodyReads once before the body promises that
  // EndBodyRead follows the bytes of every read, before the client reads again and when the body
  // ended. A handler may hold what it makes of OnBodyData until then (one client write per
  // upstream read). EndBodyRead returns false to abort the call.
  virtual void BeginBodyReads() {}
  virtual bool EndBodyRead() { return true; }
};

// Lets another thread abort a call that is blocked on a stalled upstream. Thread-safe.
class CancelToken {
 public:
  // Runs the registered abort action (at most once); later registrations run at once.
  void Cancel();
  bool cancelled() const;
  // Set by the client for the duration of a call; pass nullptr to clear.
  void SetAbortAction(std::function<void()> action);

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::function<void()> abort_action_;
};

struct UpstreamOutcome {
  // OK when the HTTP exchange completed, whatever its status code. UNAVAILABLE: could not connect
  // or the connection broke; DEADLINE_EXCEEDED: connect or idle-read timeout; CANCELLED: aborted by
  // the handler or the CancelToken.
  absl::Status status;
  int http_status = 0;
  // OnResponseStart was called (something came back from the upstream).
  bool response_started = false;
};

// Sends requests to upstream providers over HTTP or HTTPS with pooled keep-alive connections.
class UpstreamClient {
 public:
  virtual ~UpstreamClient() = default;
  virtual UpstreamOutcome Send(const UpstreamRequest& request, UpstreamHandler& handler,
                               CancelToken& cancel) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_UPSTREAM_CLIENT_H_
