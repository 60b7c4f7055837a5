#include "gateway/http/gateway_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/pipeline/request_id.h"

namespace nexus::gateway::http {
namespace {

// Set while the accepting thread runs a task the pool refused: process_and_close_socket then
// answers 503 instead of serving.
thread_local bool rejecting = false;

// Address reuse for quick restarts, but never SO_REUSEPORT: a second gateway on the same port
// must fail to bind instead of silently sharing it.
void GatewaySocketOptions(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// Why bind failed: cpp-httplib only says false, so try once more by hand for errno.
std::string BindProblem(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
      rc != 0) {
    return ::gai_strerror(rc);
  }
  std::string problem = "unknown error";
  int fd = ::socket(result->ai_family, result->ai_socktype, result->ai_protocol);
  if (fd >= 0) {
    GatewaySocketOptions(fd);
    if (::bind(fd, result->ai_addr, result->ai_addrlen) != 0) {
      problem = std::strerror(errno);
      if (errno == EADDRINUSE) problem += " (is another gateway or service using this port?)";
    }
    ::close(fd);
  }
  ::freeaddrinfo(result);
  return problem;
}

}  // namespace

BoundedWorkerPool::BoundedWorkerPool(size_t max_workers, std::shared_ptr<PoolStats> stats,
                                     std::function<void(std::function<void()>)> reject)
    : max_workers_(max_workers), stats_(std::move(stats)), reject_(std::move(reject)) {
  stats_->max_workers = static_cast<int64_t>(max_workers);
}

BoundedWorkerPool::~BoundedWorkerPool() { shutdown(); }

void BoundedWorkerPool::enqueue(std::function<void()> fn) {
  // Only the accepting thread enqueues, so the check and the post cannot race each other.
  if (static_cast<size_t>(stats_->busy.load()) >= max_workers_ || threads_ == nullptr) {
    stats_->rejected.fetch_add(1);
    reject_(std::move(fn));
    return;
  }
  stats_->busy.fetch_add(1);
  threads_->Post([this, fn = std::move(fn)] {
    fn();
    stats_->busy.fetch_sub(1);
  });
  stats_->threads = static_cast<int64_t>(threads_->threads());
}

void BoundedWorkerPool::shutdown() { threads_.reset(); }

FiberConnectionQueue::FiberConnectionQueue(size_t max_connections, size_t io_threads,
                                           std::shared_ptr<PoolStats> stats,
                                           std::function<void(std::function<void()>)> reject)
    : max_connections_(max_connections),
      stats_(std::move(stats)),
      reject_(std::move(reject)),
      scheduler_(io::FiberSchedulerOptions{.threads = io_threads}) {
  stats_->max_workers = static_cast<int64_t>(max_connections);
  stats_->threads = static_cast<int64_t>(scheduler_.threads());
}

FiberConnectionQueue::~FiberConnectionQueue() { shutdown(); }

void FiberConnectionQueue::enqueue(std::function<void()> fn) {
  // Only the accepting thread enqueues, so the check and the post cannot race each other.
  if (scheduler_.live() >= max_connections_) {
    stats_->rejected.fetch_add(1);
    reject_(std::move(fn));
    return;
  }
  scheduler_.Post([this, fn = std::move(fn)] {
    stats_->busy.fetch_add(1);
    fn();
    stats_->busy.fetch_sub(1);
  });
}

void FiberConnectionQueue::shutdown() { scheduler_.Shutdown(); }

GatewayHttpServer::GatewayHttpServer(ServerOptions options)
    : options_(std::move(options)),
      direct_(DirectLimits{.max_body_bytes = options_.max_body_bytes,
                           .keep_alive_timeout_sec = options_.keep_alive_timeout_sec,
                           .keep_alive_max_count = options_.keep_alive_max_count}),
      pool_stats_(std::make_shared<PoolStats>()) {
  set_socket_options(GatewaySocketOptions);
  set_tcp_nodelay(true);
  set_keep_alive_timeout(options_.keep_alive_timeout_sec);
  set_keep_alive_max_count(options_.keep_alive_max_count);
  set_read_timeout(options_.timeouts.read_sec, options_.timeouts.read_usec);
  set_write_timeout(options_.timeouts.write_sec, options_.timeouts.write_usec);
  set_payload_max_length(options_.max_body_bytes);
  // The accept loop wakes every 100 ms to re-check for stop(), so stopping never depends on a
  // closed listening socket waking a blocked accept().
  set_idle_interval(0, 100000);
  new_task_queue = [this]() -> httplib::TaskQueue* {
    auto reject = [](std::function<void()> task) {
      rejecting = true;
      task();
      rejecting = false;
    };
    if (options_.io_model == IoModel::kFibers) {
      return new FiberConnectionQueue(options_.max_workers, options_.io_threads, pool_stats_,
                                      reject);
    }
    return new BoundedWorkerPool(options_.max_workers, pool_stats_, reject);
  };
}

GatewayHttpServer::~GatewayHttpServer() { Stop(); }

absl::Status GatewayHttpServer::Bind() {
  if (!bind_to_port(options_.host, options_.port)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                               options_.port, ": ",
                                               BindProblem(options_.host, options_.port)));
  }
  // cpp-httplib listens with a compiled-in backlog of 5; listening again only raises it.
  if (::listen(svr_sock_, options_.listen_backlog) != 0) {
    return absl::InternalError(absl::StrCat("listen: ", std::strerror(errno)));
  }
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(svr_sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    bound_port_ = address.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  }
  return absl::OkStatus();
}

void GatewayHttpServer::Serve() { listen_after_bind(); }

void GatewayHttpServer::Stop() {
  stopping_ = true;
  if (is_running()) stop();
}

bool GatewayHttpServer::process_and_close_socket(socket_t sock) {
  if (rejecting) {
    RejectConnection(sock);
    return false;
  }
  {
    std::lock_guard lock(connections_mutex_);
    connections_.insert(sock);
  }
  // The connection (and its registration in the event loop) ends before the socket is closed.
  const bool result = ServeConnection(sock);
  {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(sock);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return result;
}

bool GatewayHttpServer::ServeConnection(int sock) {
  ClientConnection connection(sock, options_.timeouts, options_.head_limits);
  CurrentConnectionScope scope(&connection);
  bool result = false;
  size_t remaining = keep_alive_max_count_;
  while (remaining > 0 && !stopping_.load() &&
         connection.WaitForRequest(keep_alive_timeout_sec_, stopping_)) {
    bool last = remaining == 1;
    bool closed = false;
    connection.BeginRequest(last);
    switch (direct_.Serve(connection)) {
      case DirectRoutes::Outcome::kNotDirect:
        result = process_request(connection, last, closed, nullptr);
        break;
      case DirectRoutes::Outcome::kKeepAlive:
        result = true;
        break;
      case DirectRoutes::Outcome::kClose:
        result = true;
        closed = true;
        break;
    }
    if (connection.taken_over()) break;
    if (!connection.Flush()) result = false;
    if (!result || closed || connection.close_after_response()) break;
    --remaining;
  }
  return result;
}

size_t GatewayHttpServer::open_connections() const {
  std::lock_guard lock(connections_mutex_);
  return connections_.size();
}

void GatewayHttpServer::AbortConnections() {
  std::lock_guard lock(connections_mutex_);
  for (int sock : connections_) ::shutdown(sock, SHUT_RDWR);
}

void GatewayHttpServer::RejectConnection(int sock) {
  // Answer without reading the request: every worker is busy and this runs on the accepting
  // thread. Non-blocking writes only; the request bytes are drained so the close is clean.
  std::string response = absl::StrCat(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nX-Request-Id: ",
      NewRequestId(), "\r\nContent-Length: ", options_.overload_body.size(), "\r\n\r\n",
      options_.overload_body);
  ::send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(sock, SHUT_WR);
  char drain[4096];
  while (::recv(sock, drain, sizeof(drain), MSG_DONTWAIT) > 0) {
  }
  ::close(sock);
}

}  // namespace nexus::gateway::http
