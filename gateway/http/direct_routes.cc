#include "gateway/http/direct_routes.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::http {
namespace {

// Held by the connection with whatever else this request wrote; the server sends it all at once.
void Send(ClientConnection& connection, const std::string& response) {
  connection.write(response.data(), response.size());
}

}  // namespace

void DirectRoutes::AddPost(std::string path, httplib::Server::Handler handler) {
  posts_.emplace_back(std::move(path), std::move(handler));
}

const httplib::Server::Handler* DirectRoutes::Find(const RequestHead& head) const {
  if (head.method != "POST" || head.version != "HTTP/1.1") return nullptr;
  for (const auto& [path, handler] : posts_) {
    if (head.target == path) return &handler;
  }
  return nullptr;
}

DirectRoutes::Outcome DirectRoutes::Serve(ClientConnection& connection) const {
  if (posts_.empty()) return Outcome::kNotDirect;
  const std::optional<RequestHead> head = ParseRequestHead(connection.PeekRequest());
  if (!head) return Outcome::kNotDirect;
  const httplib::Server::Handler* handler = Find(*head);
  if (handler == nullptr) return Outcome::kNotDirect;
  const std::optional<size_t> length = PlainContentLength(*head);
  // cpp-httplib answers oversized bodies (413) and everything unusual.
  if (!length || *length > limits_.max_body_bytes) return Outcome::kNotDirect;

  httplib::Request req;
  req.method = head->method;
  req.version = head->version;
  req.target = head->target;
  req.path = req.target;
  for (const auto& [name, value] : head->headers) req.headers.emplace(name, value);
  if (AsksToClose(*head)) connection.set_close_after_response(true);
  // The views in `head` point into the connection's buffer: done with them before it moves on.
  connection.ConsumeHead(head->size);
  connection.get_remote_ip_and_port(req.remote_addr, req.remote_port);
  connection.get_local_ip_and_port(req.local_addr, req.local_port);

  httplib::Response res;
  if (!connection.ReadBody(*length, req.body)) {
    // As cpp-httplib does: a 400 (described by the error hook) and the end of the connection.
    res.status = 400;
    if (hooks_.on_error) hooks_.on_error(req, res);
    Send(connection, Render(res, true));
    return Outcome::kClose;
  }
  Dispatch(*handler, req, res);
  const bool close = connection.close_after_response();
  // A handler that wrote its response itself (an event stream) already said how it ends.
  if (!connection.raw_response()) Send(connection, Render(res, close));
  return close ? Outcome::kClose : Outcome::kKeepAlive;
}

void DirectRoutes::Dispatch(const httplib::Server::Handler& handler, httplib::Request& req,
                            httplib::Response& res) const {
  try {
    if (!hooks_.before || hooks_.before(req, res) != httplib::Server::HandlerResponse::Handled) {
      handler(req, res);
    }
  } catch (...) {
    if (hooks_.on_exception) {
      hooks_.on_exception(req, res, std::current_exception());
    } else {
      res.status = 500;
    }
  }
  if (res.status == -1) res.status = 200;
  if (res.status >= 400 && hooks_.on_error) hooks_.on_error(req, res);
  if (hooks_.after) hooks_.after(req, res);
}

std::string DirectRoutes::Render(httplib::Response& res, bool close) const {
  if (!res.body.empty() && !res.has_header("Content-Type")) {
    res.set_header("Content-Type", "text/plain");
  }
  std::string out;
  out.reserve(256 + res.body.size());
  absl::StrAppend(&out, "HTTP/1.1 ", res.status, " ", Av(status::HttpReasonPhrase(res.status)),
                  "\r\n");
  for (const auto& [name, value] : res.headers) {
    if (name == "Content-Length" || name == "Connection" || name == "Keep-Alive") continue;
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (close) {
    out += "Connection: close\r\n";
  } else {
    absl::StrAppend(&out, "Keep-Alive: timeout=", limits_.keep_alive_timeout_sec,
                    ", max=", limits_.keep_alive_max_count, "\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", res.body.size(), "\r\n\r\n");
  out += res.body;
  return out;
}

}  // namespace nexus::gateway::http
