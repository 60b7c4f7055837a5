#ifndef NEXUS_GATEWAY_UPSTREAM_HTTP1_CONNECTION_H_
#define NEXUS_GATEWAY_UPSTREAM_HTTP1_CONNECTION_H_

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "gateway/io/fiber.h"
#include "gateway/upstream/upstream_client.h"

namespace nexus::gateway {

// How an HTTP/1.1 exchange on an Http1Connection ended.
enum class Http1Error {
  kNone,
  kConnect,         // refused, unreachable, or the name did not resolve
  kConnectTimeout,  // no connection within the connect timeout
  kWrite,           // the request could not be sent
  kRead,            // the connection broke, timed out, or the answer was not HTTP/1.x
  kStopped,         // the handler returned false
};

struct Http1Timeouts {
  absl::Duration connect = absl::Seconds(10);
  // Longest silence while waiting for response bytes.
  absl::Duration read = absl::Seconds(300);
  // Longest wait for the socket to take request bytes.
  absl::Duration write = absl::Seconds(60);
};

struct Http1Outcome {
  Http1Error error = Http1Error::kNone;
  // OnResponseStart ran (a status line and headers arrived).
  bool started = false;
  int http_status = 0;
  // The exchange completed and the connection may carry another request.
  bool reusable = false;
};

// One plain-HTTP/1.1 connection to an upstream, written for the proxy's hot path: the request
// head and body leave in one system call, the response is read straight from the socket into one
// reused buffer (read first, wait only when nothing is there; on a connection fiber the wait
// parks the fiber, see gateway/io/fiber.h), and a chunked
// or length-delimited body is handed to the handler as it arrives, never buffered whole. HTTPS
// connections use cpp-httplib instead (see HttplibUpstreamClient). Not thread-safe, except
// Shutdown, which another thread may call to abort a blocked exchange.
class Http1Connection {
 public:
  // Connects to `address` (an IP literal, or a host name resolved here) within the connect
  // timeout. `on_socket` sees every socket before it connects (so another thread can shut it
  // down to abort the connect). `error` says why when null is returned.
  static std::unique_ptr<Http1Connection> Connect(const std::string& address, int port,
                                                  const Http1Timeouts& timeouts,
                                                  const std::function<void(int)>& on_socket,
                                                  Http1Error* error);
  ~Http1Connection();
  Http1Connection(const Http1Connection&) = delete;
  Http1Connection& operator=(const Http1Connection&) = delete;

  // Sends `head` (request line and headers, ending with the blank line) and `body`, then reads
  // the response, calling `handler` (OnResponseStart once, then OnBodyData per piece). `head_only`
  // for HEAD requests (no response body).
  Http1Outcome Exchange(std::string_view head, std::string_view body, UpstreamHandler& handler,
                        bool head_only);

  // Unblocks a read or write in progress from any thread; the exchange then fails.
  void Shutdown();
  int socket() const { return socket_; }
  // Whether the calling fiber's event loop watches this connection's socket (see watch_).
  bool Local() const { return watch_ && watch_->Local(); }

 private:
  Http1Connection(int socket, const Http1Timeouts& timeouts);

  // recv(2) that waits (parking a connection fiber) up to the read timeout; -1 on error or
  // timeout.
  ssize_t Receive(char* data, size_t size);

  bool SendRequest(std::string_view head, std::string_view body);
  // Reads more bytes into the buffer; false on EOF, error or timeout.
  bool Fill();
  // The next CRLF-terminated line (without the CRLF); false when the connection failed or the
  // line is longer than the limit.
  bool ReadLine(std::string_view* line);
  bool ReadHead(int* status, HeaderList* headers, bool* close, long long* length, bool* chunked);
  // Body readers: false when the connection failed or the handler stopped (`stopped` set).
  bool ReadLengthBody(long long length, UpstreamHandler& handler, bool* stopped);
  bool ReadChunkedBody(UpstreamHandler& handler, bool* stopped);
  bool ReadUntilClose(UpstreamHandler& handler, bool* stopped);

  int socket_;
  // The socket stays in the connecting fiber's event loop while the connection lives (no epoll_ctl
  // per wait on that loop; on another loop's fiber a wait is a one-shot registration there).
  std::optional<io::EdgeWatch> watch_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  std::string buffer_;
  // While a body is read: told before every wait for more bytes that those so far were handed on.
  UpstreamHandler* body_reads_ = nullptr;
  bool body_stopped_ = false;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_HTTP1_CONNECTION_H_
