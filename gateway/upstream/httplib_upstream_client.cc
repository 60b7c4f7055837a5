#include "gateway/upstream/httplib_upstream_client.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace nexus::gateway {
namespace {

std::pair<time_t, time_t> SecUsec(absl::Duration d) {
  const int64_t sec = absl::ToInt64Seconds(d);
  return {static_cast<time_t>(sec),
          static_cast<time_t>(absl::ToInt64Microseconds(d - absl::Seconds(sec)))};
}

// A duplicate of the connection's current socket, so that another thread can shut it down
// (unblocking the call) without racing httplib, which may close and reuse the descriptor number.
class SocketWatch {
 public:
  ~SocketWatch() { Close(); }
  // Called by httplib (on the calling thread) for every socket it creates.
  void Adopt(int sock) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::dup(sock);
  }
  // Called from any thread: the blocked read, write, connect or handshake fails at once.
  void Shutdown() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  std::mutex mutex_;
  int fd_ = -1;
};

HeaderList ToHeaderList(const httplib::Headers& headers) {
  HeaderList out;
  out.reserve(headers.size());
  for (const auto& [k, v] : headers) out.emplace_back(k, v);
  return out;
}

absl::Status MapError(httplib::Error error, absl::Duration silent_for, const std::string& where,
                      const HttplibUpstreamClientOptions& options) {
  using E = httplib::Error;
  switch (error) {
    case E::Connection:
      return absl::UnavailableError(absl::StrCat("cannot connect to upstream ", where));
    case E::ConnectionTimeout:
      return absl::DeadlineExceededError(
          absl::StrCat("connecting to upstream ", where, " timed out after ",
                       absl::FormatDuration(options.connect_timeout)));
    case E::Read:
      // httplib reports a read timeout as a read error; the silence tells them apart.
      if (silent_for >= options.read_timeout - absl::Milliseconds(50)) {
        return absl::DeadlineExceededError(absl::StrCat(
            "upstream ", where, " sent nothing for ", absl::FormatDuration(options.read_timeout)));
      }
      return absl::UnavailableError(absl::StrCat("connection to upstream ", where, " broke"));
    case E::Write:
      return absl::UnavailableError(absl::StrCat("could not send the request to upstream ", where));
    case E::SSLConnection:
      return absl::UnavailableError(absl::StrCat("TLS handshake with upstream ", where, " failed"));
    case E::SSLServerVerification:
      return absl::UnavailableError(
          absl::StrCat("TLS certificate of upstream ", where, " failed verification"));
    case E::SSLLoadingCerts:
      return absl::UnavailableError("cannot load the CA certificates for upstream TLS");
    case E::Canceled:
      return absl::CancelledError(absl::StrCat("upstream call to ", where, " aborted"));
    default:
      return absl::UnavailableError(
          absl::StrCat("upstream ", where, " call failed: ", httplib::to_string(error)));
  }
}

}  // namespace

struct HttplibUpstreamClient::Connection {
  SocketWatch watch;  // declared first: outlives the client that reports sockets to it
  std::unique_ptr<httplib::ClientImpl> client;
  absl::Time idle_since;
};

struct HttplibUpstreamClient::Exchange {
  bool ok = false;
  httplib::Error error = httplib::Error::Success;
  bool started = false;
  int http_status = 0;
  bool handler_stopped = false;
  absl::Time began;
  absl::Time last_activity;
};

HttplibUpstreamClient::HttplibUpstreamClient(HttplibUpstreamClientOptions options)
    : options_(std::move(options)) {}

HttplibUpstreamClient::~HttplibUpstreamClient() = default;

size_t HttplibUpstreamClient::idle_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

absl::StatusOr<std::unique_ptr<HttplibUpstreamClient::Connection>> HttplibUpstreamClient::Open(
    const UpstreamUrl& url) const {
  std::string pinned_ip;
  if (options_.address_guard != nullptr) {
    absl::StatusOr<IpAddress> ip = options_.address_guard->Resolve(url.host, url.port);
    if (!ip.ok()) return ip.status();
    pinned_ip = ip->ToString();
  }
  auto connection = std::make_unique<Connection>();
  if (url.tls) {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls->enable_server_certificate_verification(options_.verify_tls);
    if (!options_.ca_cert_file.empty()) tls->set_ca_cert_path(options_.ca_cert_file);
    connection->client = std::move(tls);
  } else {
    connection->client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  httplib::ClientImpl& c = *connection->client;
  c.set_keep_alive(true);
  c.set_follow_location(false);
  c.set_compress(false);
  c.set_tcp_nodelay(true);
  auto [cs, cu] = SecUsec(options_.connect_timeout);
  c.set_connection_timeout(cs, cu);
  auto [rs, ru] = SecUsec(options_.read_timeout);
  c.set_read_timeout(rs, ru);
  auto [ws, wu] = SecUsec(options_.write_timeout);
  c.set_write_timeout(ws, wu);
  // Connect to exactly the address checked above: a second lookup could answer differently.
  if (!pinned_ip.empty()) c.set_hostname_addr_map({{url.host, pinned_ip}});
  SocketWatch* watch = &connection->watch;
  c.set_socket_options([watch](int sock) {
    int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    watch->Adopt(sock);
  });
  return connection;
}

absl::StatusOr<std::unique_ptr<HttplibUpstreamClient::Connection>> HttplibUpstreamClient::Acquire(
    const UpstreamUrl& url, bool& reused) {
  std::vector<std::unique_ptr<Connection>> expired;  // closed outside the lock
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(url.PoolKey());
    const absl::Time now = absl::Now();
    while (it != idle_.end() && !it->second.empty()) {
      std::unique_ptr<Connection> c = std::move(it->second.back());
      it->second.pop_back();
      if (now - c->idle_since > options_.max_idle_time || !c->client->is_socket_open()) {
        expired.push_back(std::move(c));
        continue;
      }
      reused = true;
      return c;
    }
  }
  reused = false;
  return Open(url);
}

void HttplibUpstreamClient::Release(const UpstreamUrl& url, std::unique_ptr<Connection> c) {
  c->idle_since = absl::Now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto& list = idle_[url.PoolKey()];
  // The newest connections are reused first; the oldest is the one dropped when full.
  if (list.size() >= options_.max_idle_per_host) list.erase(list.begin());
  list.push_back(std::move(c));
}

HttplibUpstreamClient::Exchange HttplibUpstreamClient::Run(Connection& connection,
                                                           const UpstreamUrl& url,
                                                           const UpstreamRequest& request,
                                                           UpstreamHandler& handler,
                                                           CancelToken& cancel) const {
  Exchange ex;
  ex.began = ex.last_activity = absl::Now();
  httplib::Request req;
  req.method = request.method;
  req.path = url.path_prefix + request.path;
  req.headers = {{"Accept", request.stream ? "text/event-stream" : "application/json"},
                 {"Accept-Encoding", "identity"},
                 {"User-Agent", "nexus-hub"}};
  // A keyless provider (a local server) gets no Authorization header at all.
  if (!request.api_key.empty()) req.headers.emplace("Authorization", "Bearer " + request.api_key);
  if (!request.body.empty()) req.headers.emplace("Content-Type", "application/json");
  req.body = request.body;
  req.response_handler = [&](const httplib::Response& res) {
    ex.started = true;
    ex.http_status = res.status;
    ex.last_activity = absl::Now();
    if (handler.OnResponseStart(res.status, ToHeaderList(res.headers))) return true;
    ex.handler_stopped = true;
    return false;
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    ex.last_activity = absl::Now();
    if (handler.OnBodyData(std::string_view(data, size))) return true;
    ex.handler_stopped = true;
    return false;
  };
  cancel.SetAbortAction([&connection] { connection.watch.Shutdown(); });
  httplib::Response res;
  ex.ok = connection.client->send(req, res, ex.error);
  cancel.SetAbortAction(nullptr);
  if (ex.ok && !ex.started) {  // httplib skips the response handler for 204 and HEAD
    ex.started = true;
    ex.http_status = res.status;
    handler.OnResponseStart(res.status, ToHeaderList(res.headers));
  }
  return ex;
}

UpstreamOutcome HttplibUpstreamClient::Send(const UpstreamRequest& request,
                                            UpstreamHandler& handler, CancelToken& cancel) {
  UpstreamOutcome out;
  if (cancel.cancelled()) {
    out.status = absl::CancelledError("upstream call cancelled before it started");
    return out;
  }
  absl::StatusOr<UpstreamUrl> url = ParseUpstreamUrl(request.base_url);
  if (!url.ok()) {
    out.status = url.status();
    return out;
  }
  const std::string where = url->Authority();
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    absl::StatusOr<std::unique_ptr<Connection>> acquired = Acquire(*url, reused);
    if (!acquired.ok()) {
      out.status = acquired.status();
      return out;
    }
    std::unique_ptr<Connection> connection = *std::move(acquired);
    Exchange ex = Run(*connection, *url, request, handler, cancel);
    const bool cancelled = cancel.cancelled() || ex.handler_stopped;
    // A pooled connection the server closed while idle fails at once, before any response.
    const bool stale = reused && attempt == 0 && !ex.ok && !ex.started && !cancelled &&
                       (ex.error == httplib::Error::Read || ex.error == httplib::Error::Write) &&
                       absl::Now() - ex.began < absl::Seconds(1);
    if (stale) continue;
    out.response_started = ex.started;
    out.http_status = ex.http_status;
    if (ex.ok) {
      // A cancel that raced the end of a complete exchange may have shut the socket down:
      // report the completed exchange, but do not pool the connection.
      if (!cancel.cancelled() && connection->client->is_socket_open()) {
        Release(*url, std::move(connection));
      }
    } else if (cancel.cancelled()) {
      out.status = absl::CancelledError(absl::StrCat("upstream call to ", where, " cancelled"));
    } else if (ex.handler_stopped) {
      out.status = absl::CancelledError(absl::StrCat("upstream call to ", where, " aborted"));
    } else {
      out.status = MapError(ex.error, absl::Now() - ex.last_activity, where, options_);
    }
    return out;
  }
}

}  // namespace nexus::gateway
