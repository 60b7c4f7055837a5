#ifndef NEXUS_GATEWAY_UPSTREAM_HTTPLIB_UPSTREAM_CLIENT_H_
#define NEXUS_GATEWAY_UPSTREAM_HTTPLIB_UPSTREAM_CLIENT_H_

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/address_policy.h"
#include "gateway/upstream/upstream_client.h"
#include "gateway/upstream/upstream_url.h"

namespace nexus::gateway {

struct HttplibUpstreamClientOptions {
  absl::Duration connect_timeout = absl::Seconds(10);
  // Longest silence while waiting for the status line or the next body bytes.
  absl::Duration read_timeout = absl::Seconds(300);
  // Longest wait for the upstream to accept request bytes.
  absl::Duration write_timeout = absl::Seconds(60);
  // Verify HTTPS certificates and host names (against `ca_cert_file`, or the system CA bundle).
  bool verify_tls = true;
  std::string ca_cert_file;
  // Idle keep-alive connections kept per (scheme, host, port); more are closed.
  size_t max_idle_per_host = 256;
  // Idle connections older than this are closed instead of reused (servers drop idle
  // connections after their own keep-alive timeout).
  absl::Duration max_idle_time = absl::Seconds(30);
  // When set, every new connection resolves the host through it and connects to exactly the
  // address it allowed (PERMISSION_DENIED otherwise). Must outlive the client.
  const UpstreamAddressGuard* address_guard = nullptr;
};

// UpstreamClient over cpp-httplib (HTTPS) and Http1Connection (plain HTTP). Each call takes an
// idle connection to the upstream host from the pool (or opens one) and returns it after a clean
// exchange; a connection is used by one call at a time. Cancel() shuts the call's socket down
// from the cancelling thread, which unblocks a read on a stalled upstream (or a connect or TLS
// handshake) at once. When a reused idle connection turns out to be dead before any response
// byte, the call is retried once on a new connection (the server closed it while idle). Response
// bodies arrive unbuffered; the client asks for identity encoding (HTTPS answers that are
// compressed anyway are decoded by cpp-httplib; plain-HTTP ones are passed on as they came, and
// fail the JSON checks). Thread-safe.
class HttplibUpstreamClient : public UpstreamClient {
 public:
  explicit HttplibUpstreamClient(HttplibUpstreamClientOptions options = {});
  ~HttplibUpstreamClient() override;
  HttplibUpstreamClient(const HttplibUpstreamClient&) = delete;
  HttplibUpstreamClient& operator=(const HttplibUpstreamClient&) = delete;

  // Status: OK when an HTTP exchange completed (any status code); UNAVAILABLE when the upstream
  // could not be reached or the connection broke; DEADLINE_EXCEEDED on connect or idle-read
  // timeout; CANCELLED when the handler returned false or the token was cancelled before the
  // exchange completed; INVALID_ARGUMENT for a malformed base URL. Messages name the upstream
  // host, never the key.
  UpstreamOutcome Send(const UpstreamRequest& request, UpstreamHandler& handler,
                       CancelToken& cancel) override;

  // Idle pooled connections across all hosts.
  size_t idle_connections() const;

 private:
  struct Connection;
  struct Exchange;
  class ActivityTracker;

  absl::StatusOr<std::unique_ptr<Connection>> Acquire(const UpstreamUrl& url, bool& reused);
  void Release(const UpstreamUrl& url, std::unique_ptr<Connection> connection);
  absl::StatusOr<std::unique_ptr<Connection>> Open(const UpstreamUrl& url) const;
  // HTTPS exchanges go through cpp-httplib (Run), plain-HTTP ones through Http1Connection
  // (RunHttp1): fewer system calls and copies on the common local-upstream path.
  Exchange Run(Connection& connection, const UpstreamUrl& url, const UpstreamRequest& request,
               UpstreamHandler& handler, CancelToken& cancel) const;
  Exchange RunHttp1(Connection& connection, const UpstreamUrl& url, const UpstreamRequest& request,
                    UpstreamHandler& handler, CancelToken& cancel) const;

  HttplibUpstreamClientOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_HTTPLIB_UPSTREAM_CLIENT_H_
