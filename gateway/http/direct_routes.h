#ifndef NEXUS_GATEWAY_HTTP_DIRECT_ROUTES_H_
#define NEXUS_GATEWAY_HTTP_DIRECT_ROUTES_H_

#include <httplib.h>

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/client_connection.h"
#include "gateway/http/request_head.h"

namespace nexus::gateway::http {

// The handlers cpp-httplib runs around every route, kept for requests served directly.
struct DirectHooks {
  httplib::Server::HandlerWithResponse before;  // the pre-routing handler
  httplib::Server::Handler after;               // the post-routing handler
  httplib::Server::HandlerWithResponse on_error;
  httplib::Server::ExceptionHandler on_exception;
};

struct DirectLimits {
  size_t max_body_bytes = 4 << 20;
  time_t keep_alive_timeout_sec = 5;
  size_t keep_alive_max_count = 10000;
};

// The proxy's hot routes (exact-path POSTs) served without cpp-httplib's request parser, router
// and response writer, which cost about as much CPU per request as the proxying itself (a byte at
// a time head reading, a regex per route, case-insensitive header maps, string streams). Only the
// plain case is taken: an HTTP/1.1 request whose whole head was read in one go, a known path, one
// Content-Length within the body limit, no Transfer-Encoding or Expect. Anything else, including
// every malformed request, is left untouched to cpp-httplib, which answers it as before. The same
// handlers and hooks run either way, and the response carries the same headers.
class DirectRoutes {
 public:
  explicit DirectRoutes(DirectLimits limits) : limits_(limits) {}

  // Configuration happens before the server starts serving (not synchronized).
  void SetHooks(DirectHooks hooks) { hooks_ = std::move(hooks); }
  void AddPost(std::string path, httplib::Server::Handler handler);

  enum class Outcome {
    kNotDirect,  // nothing consumed: cpp-httplib serves the request
    kKeepAlive,  // served; the connection may carry another request
    kClose,      // served (or the body never came); the connection ends
  };
  // Serves the request waiting on `connection` when it is a direct one.
  Outcome Serve(ClientConnection& connection) const;

 private:
  const httplib::Server::Handler* Find(const RequestHead& head) const;
  void Dispatch(const httplib::Server::Handler& handler, httplib::Request& req,
                httplib::Response& res) const;
  // The response as cpp-httplib would write it (status line, headers, Content-Length, and
  // Connection: close or Keep-Alive).
  std::string Render(httplib::Response& res, bool close) const;

  DirectLimits limits_;
  DirectHooks hooks_;
  std::vector<std::pair<std::string, httplib::Server::Handler>> posts_;
};

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_DIRECT_ROUTES_H_
