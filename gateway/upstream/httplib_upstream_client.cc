#include "gateway/upstream/httplib_upstream_client.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/io/fiber.h"
#include "gateway/upstream/http1_connection.h"

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

// The request line and headers for the plain-HTTP path, as cpp-httplib would send them. False
// when a value would break the head (CR or LF).
bool RequestHead(const UpstreamUrl& url, const UpstreamRequest& request, std::string* head) {
  for (std::string_view value :
       {std::string_view(request.method), std::string_view(request.path),
        std::string_view(url.path_prefix), std::string_view(request.api_key)}) {
    if (value.find_first_of("\r\n") != std::string_view::npos) return false;
  }
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != 80) absl::StrAppend(&host, ":", url.port);
  *head =
      absl::StrCat(request.method, " ", url.path_prefix, request.path, " HTTP/1.1\r\nHost: ", host,
                   "\r\nAccept: ", request.stream ? "text/event-stream" : "application/json",
                   "\r\nAccept-Encoding: identity\r\nUser-Agent: nexus-hub\r\n");
  // A keyless provider (a local server) gets no Authorization header at all.
  if (!request.api_key.empty())
    absl::StrAppend(head, "Authorization: Bearer ", request.api_key, "\r\n");
  if (!request.body.empty()) absl::StrAppend(head, "Content-Type: application/json\r\n");
  if (!request.body.empty() || (request.method != "GET" && request.method != "HEAD")) {
    absl::StrAppend(head, "Content-Length: ", request.body.size(), "\r\n");
  }
  head->append("\r\n");
  return true;
}

}  // namespace

// Notes the time of every response event, so that a failure can tell a timeout from a break.
class HttplibUpstreamClient::ActivityTracker : public UpstreamHandler {
 public:
  ActivityTracker(UpstreamHandler& inner, Exchange& ex) : inner_(inner), ex_(ex) {}
  bool OnResponseStart(int http_status, const HeaderList& headers) override;
  bool OnBodyData(std::string_view data) override;
  void BeginBodyReads() override { inner_.BeginBodyReads(); }
  bool EndBodyRead() override { return inner_.EndBodyRead(); }

 private:
  UpstreamHandler& inner_;
  Exchange& ex_;
};

struct HttplibUpstreamClient::Connection {
  SocketWatch watch;  // declared first: outlives the client that reports sockets to it
  // HTTPS: cpp-httplib. Plain HTTP: the gateway's own HTTP/1.1 connection (connected on first
  // use to `address`, the host or the address the policy pinned).
  std::unique_ptr<httplib::ClientImpl> client;
  std::unique_ptr<Http1Connection> http1;
  std::string address;
  absl::Time idle_since;

  bool open() const { return client ? client->is_socket_open() : http1 != nullptr; }
};

struct HttplibUpstreamClient::Exchange {
  bool ok = false;
  httplib::Error error = httplib::Error::Success;
  bool started = false;
  int http_status = 0;
  bool handler_stopped = false;
  // The connection may carry another request.
  bool reusable = false;
  absl::Time began;
  absl::Time last_activity;
};

bool HttplibUpstreamClient::ActivityTracker::OnResponseStart(int http_status,
                                                             const HeaderList& headers) {
  ex_.last_activity = absl::Now();
  return inner_.OnResponseStart(http_status, headers);
}

bool HttplibUpstreamClient::ActivityTracker::OnBodyData(std::string_view data) {
  ex_.last_activity = absl::Now();
  return inner_.OnBodyData(data);
}

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
  if (!url.tls) {
    connection->address = pinned_ip.empty() ? url.host : pinned_ip;
    return connection;
  }
  {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls->enable_server_certificate_verification(options_.verify_tls);
    if (!options_.ca_cert_file.empty()) tls->set_ca_cert_path(options_.ca_cert_file);
    connection->client = std::move(tls);
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

namespace {

// The newest idle connection whose socket the calling fiber's event loop watches (its waits cost
// no system call), else the newest one. Only the newest few are looked at.
template <typename ConnectionPtr>
ConnectionPtr TakePreferringLocal(std::vector<ConnectionPtr>& idle) {
  constexpr size_t kLookedAt = 8;
  const size_t oldest = idle.size() > kLookedAt ? idle.size() - kLookedAt : 0;
  size_t chosen = idle.size() - 1;
  for (size_t i = idle.size(); i-- > oldest;) {
    if (idle[i]->http1 != nullptr && idle[i]->http1->Local()) {
      chosen = i;
      break;
    }
  }
  ConnectionPtr taken = std::move(idle[chosen]);
  idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(chosen));
  return taken;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttplibUpstreamClient::Connection>> HttplibUpstreamClient::Acquire(
    const UpstreamUrl& url, bool& reused) {
  std::vector<std::unique_ptr<Connection>> expired;  // closed outside the lock
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(url.PoolKey());
    const absl::Time now = absl::Now();
    while (it != idle_.end() && !it->second.empty()) {
      std::unique_ptr<Connection> c = TakePreferringLocal(it->second);
      if (now - c->idle_since > options_.max_idle_time || !c->open()) {
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
  std::unique_ptr<Connection> dropped;  // closed outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto& list = idle_[url.PoolKey()];
  // The newest connections are reused first; the oldest is the one dropped when full.
  if (list.size() >= options_.max_idle_per_host) {
    if (list.empty()) return;  // max_idle_per_host == 0: keep none
    dropped = std::move(list.front());
    list.erase(list.begin());
  }
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
  // cpp-httplib's client blocks in its own socket calls: off the connection fiber, so the loop
  // keeps serving other connections meanwhile.
  io::RunBlocking([&] { ex.ok = connection.client->send(req, res, ex.error); });
  cancel.SetAbortAction(nullptr);
  if (ex.ok && !ex.started) {  // httplib skips the response handler for 204 and HEAD
    ex.started = true;
    ex.http_status = res.status;
    handler.OnResponseStart(res.status, ToHeaderList(res.headers));
  }
  ex.reusable = ex.ok && connection.client->is_socket_open();
  return ex;
}

HttplibUpstreamClient::Exchange HttplibUpstreamClient::RunHttp1(Connection& connection,
                                                                const UpstreamUrl& url,
                                                                const UpstreamRequest& request,
                                                                UpstreamHandler& handler,
                                                                CancelToken& cancel) const {
  Exchange ex;
  ex.began = ex.last_activity = absl::Now();
  std::string head;
  if (!RequestHead(url, request, &head)) {
    ex.error = httplib::Error::Unknown;
    return ex;
  }
  // Set before connecting: a cancel also aborts a connect in progress.
  cancel.SetAbortAction([&connection] { connection.watch.Shutdown(); });
  if (connection.http1 == nullptr) {
    Http1Error error = Http1Error::kNone;
    SocketWatch* watch = &connection.watch;
    connection.http1 = Http1Connection::Connect(
        connection.address, url.port,
        Http1Timeouts{options_.connect_timeout, options_.read_timeout, options_.write_timeout},
        [watch](int sock) { watch->Adopt(sock); }, &error);
    if (connection.http1 == nullptr) {
      cancel.SetAbortAction(nullptr);
      ex.error = error == Http1Error::kConnectTimeout ? httplib::Error::ConnectionTimeout
                                                      : httplib::Error::Connection;
      return ex;
    }
  }
  ActivityTracker tracker(handler, ex);
  const Http1Outcome outcome =
      connection.http1->Exchange(head, request.body, tracker, request.method == "HEAD");
  cancel.SetAbortAction(nullptr);
  ex.started = outcome.started;
  ex.http_status = outcome.http_status;
  ex.ok = outcome.error == Http1Error::kNone;
  ex.reusable = outcome.reusable;
  switch (outcome.error) {
    case Http1Error::kWrite:
      ex.error = httplib::Error::Write;
      break;
    case Http1Error::kStopped:
      ex.handler_stopped = true;
      ex.error = httplib::Error::Canceled;
      break;
    case Http1Error::kNone:
      break;
    default:
      ex.error = httplib::Error::Read;
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
    Exchange ex = url->tls ? Run(*connection, *url, request, handler, cancel)
                           : RunHttp1(*connection, *url, request, handler, cancel);
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
      if (!cancel.cancelled() && ex.reusable) {
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
