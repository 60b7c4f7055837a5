#ifndef NEXUS_GATEWAY_HTTP_GATEWAY_SERVER_H_
#define NEXUS_GATEWAY_HTTP_GATEWAY_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gateway/http/client_connection.h"
#include "gateway/http/direct_routes.h"
#include "gateway/io/blocking_pool.h"
#include "gateway/io/fiber_scheduler.h"

namespace nexus::gateway::http {

// Counters of the worker pool, readable while the server runs (for /metrics).
struct PoolStats {
  std::atomic<int64_t> max_workers{0};
  std::atomic<int64_t> threads{0};
  std::atomic<int64_t> busy{0};
  // Connections answered 503 at once because every worker was busy.
  std::atomic<int64_t> rejected{0};
};

// cpp-httplib's task queue for accepted connections, with a hard cap: a connection is served by an
// idle worker, a new worker while fewer than `max_workers` exist, or not at all. cpp-httplib's own
// pool queues without limit, which makes an overloaded gateway look hung instead of busy.
class BoundedWorkerPool : public httplib::TaskQueue {
 public:
  // `reject` runs a task that could not be placed, on the accepting thread; it must be quick.
  BoundedWorkerPool(size_t max_workers, std::shared_ptr<PoolStats> stats,
                    std::function<void(std::function<void()>)> reject);
  ~BoundedWorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs the queued tasks, then joins every worker.
  void shutdown() override;

 private:
  const size_t max_workers_;
  std::shared_ptr<PoolStats> stats_;
  std::function<void(std::function<void()>)> reject_;
  // A thread per connection served; threads are kept for reuse.
  std::unique_ptr<io::BlockingPool> threads_ = std::make_unique<io::BlockingPool>();
};

// cpp-httplib's task queue that serves each accepted connection on a fiber of a FiberScheduler
// (see gateway/io/fiber.h), with the same hard cap and immediate rejection as BoundedWorkerPool.
class FiberConnectionQueue : public httplib::TaskQueue {
 public:
  FiberConnectionQueue(size_t max_connections, size_t io_threads, std::shared_ptr<PoolStats> stats,
                       std::function<void(std::function<void()>)> reject);
  ~FiberConnectionQueue() override;

  void enqueue(std::function<void()> fn) override;
  // Lets every connection finish, then stops the event loops.
  void shutdown() override;

 private:
  const size_t max_connections_;
  std::shared_ptr<PoolStats> stats_;
  std::function<void(std::function<void()>)> reject_;
  io::FiberScheduler scheduler_;
};

// How accepted connections are served.
enum class IoModel {
  // Fibers on one epoll event loop per CPU: no thread switch per request (the default).
  kFibers,
  // One thread per connection (BoundedWorkerPool).
  kThreads,
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8001;
  IoModel io_model = IoModel::kFibers;
  // Event-loop threads for kFibers; 0 = one per CPU the process may run on.
  size_t io_threads = 0;
  // Connections served at once (threads or fibers); beyond it, 503 at once.
  size_t max_workers = 1024;
  int listen_backlog = 1024;
  ConnectionTimeouts timeouts;
  RequestHeadLimits head_limits;
  time_t keep_alive_timeout_sec = 5;
  size_t keep_alive_max_count = 10000;
  size_t max_body_bytes = 4 << 20;
  // The body of the 503 sent when every worker is busy.
  std::string overload_body;
};

// The gateway's HTTP server: cpp-httplib's parser and router with the gateway's own connection
// handling (bounded pool with immediate 503, large listen backlog, no SO_REUSEPORT, per-request
// access to the client connection; see ClientConnection).
class GatewayHttpServer : public httplib::Server {
 public:
  explicit GatewayHttpServer(ServerOptions options);
  ~GatewayHttpServer() override;

  // Binds and listens; a clear error when the address is taken (no port sharing, ever).
  absl::Status Bind();
  int bound_port() const { return bound_port_; }
  // Accepts and serves until Stop(); returns after every connection finished.
  void Serve();
  // Stops accepting; idle keep-alive connections close, requests in flight continue.
  void Stop();

  // Hot routes served without cpp-httplib's parser (see DirectRoutes); set up before Serve().
  DirectRoutes& direct_routes() { return direct_; }

  std::shared_ptr<PoolStats> pool_stats() const { return pool_stats_; }
  // Connections being served right now.
  size_t open_connections() const;
  // Shuts down every open connection (the drain deadline passed): blocked reads and writes fail
  // at once, so every worker returns.
  void AbortConnections();

 private:
  // Overrides cpp-httplib's private virtual to run the gateway's keep-alive loop over
  // ClientConnection; cpp-httplib 0.11.4 has no other hook that exposes the socket.
  bool process_and_close_socket(socket_t sock) override;
  // The keep-alive loop of one connection; the caller closes the socket afterwards.
  bool ServeConnection(int sock);
  void RejectConnection(int sock);

  ServerOptions options_;
  DirectRoutes direct_;
  std::shared_ptr<PoolStats> pool_stats_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex connections_mutex_;
  std::set<int> connections_;
  int bound_port_ = 0;
};

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_GATEWAY_SERVER_H_
