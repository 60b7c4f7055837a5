#ifndef NEXUS_GATEWAY_HTTP_CLIENT_CONNECTION_H_
#define NEXUS_GATEWAY_HTTP_CLIENT_CONNECTION_H_

#include <httplib.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/io/fiber.h"

namespace nexus::gateway::http {

struct ConnectionTimeouts {
  time_t read_sec = 30;
  time_t read_usec = 0;
  time_t write_sec = 30;
  time_t write_usec = 0;
};

// Bounds on a request's head (request line and headers), which cpp-httplib itself only bounds
// per line: without them a client could send headers forever, or one byte per read timeout.
struct RequestHeadLimits {
  // The whole head must arrive within this long of its first byte (slow-loris bound).
  int64_t timeout_ms = 10'000;
  // Largest head in bytes (header-flood bound).
  size_t max_bytes = 64 << 10;
};

// One client TCP connection, served by GatewayHttpServer's own keep-alive loop; also the
// httplib::Stream that cpp-httplib reads requests from and writes responses to.
//
// Why this exists: cpp-httplib 0.11.4 gives handlers no access to the connection they serve. The
// gateway needs it for three things: (1) noticing that a client went away while an upstream is
// silent, (2) writing a response itself (an SSE stream whose status depends on the upstream's
// first answer), and (3) handing the socket to the WebSocket endpoint. The server publishes the
// connection a thread is serving through Current() (one per worker thread, set only while a
// request of that connection is being processed).
class ClientConnection : public httplib::Stream {
 public:
  ClientConnection(int socket, ConnectionTimeouts timeouts, RequestHeadLimits head_limits = {});

  // The connection of the request the calling thread is serving, or nullptr.
  static ClientConnection* Current();

  // httplib::Stream. Reads are buffered: httplib reads request lines byte by byte.
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return socket_; }

  // True once the peer closed or reset the connection. Never blocks; safe from any thread.
  bool Gone() const;

  // A handler writes the response itself: raw bytes go straight to the socket, and whatever
  // cpp-httplib writes for this request afterwards is discarded. False when the write failed.
  bool WriteRaw(std::string_view data);
  // Sends what cpp-httplib wrote and is still held (see write()); the server calls it once a
  // request is done. False when the send failed.
  bool Flush();
  void BeginRawResponse() { raw_response_ = true; }
  bool raw_response() const { return raw_response_; }
  // Whether the response to the current request must end the connection (the request said so,
  // or it is the last one this connection may carry).
  bool close_after_response() const { return close_after_response_; }
  void set_close_after_response(bool close) { close_after_response_ = close; }

  // The WebSocket endpoint owns the socket from now on; the server writes nothing more and closes
  // it once the handler returns. Returns bytes already read past the request (none in practice:
  // a client waits for the 101 before sending frames).
  std::string TakeOver();
  bool taken_over() const { return taken_over_; }

  // Waits for the next request's first byte: false when the peer closed, `timeout_sec` passed, or
  // `stop` became true (checked every 100 ms).
  bool WaitForRequest(time_t timeout_sec, const std::atomic<bool>& stop);
  // Called before each request of the keep-alive loop.
  void BeginRequest(bool close_after_response);

  // For a caller that parses the request head itself: the bytes read ahead of the current
  // request (at most one buffer; one read without waiting when none are buffered yet). Nothing is
  // consumed, so cpp-httplib can still read the request when the caller leaves it alone.
  std::string_view PeekRequest();
  // The caller parsed the first `size` peeked bytes as the request head.
  void ConsumeHead(size_t size);
  // Reads exactly `size` bytes of body into `body` (read ahead first, then from the socket within
  // the read timeout); false when the client stopped sending or went away.
  bool ReadBody(size_t size, std::string& body);

  // Why reading the current request's head failed; once set, the connection reads nothing more.
  enum class HeadError { kNone, kTooLarge, kTimeout };
  HeadError head_error() const { return head_error_; }

 private:
  friend class CurrentConnectionScope;
  bool WaitFor(short events, time_t sec, time_t usec) const;
  short Wait(short events, int timeout_ms) const;
  bool SendAll(std::string_view data);
  // One recv(2) without waiting into the (empty) buffer: bytes read, 0 at end of stream, -1 with
  // errno (EAGAIN: nothing yet).
  ssize_t FillBuffer();

  struct Address {
    bool known = false;
    std::string ip;
    int port = 0;
  };
  // Held cpp-httplib output is sent at once beyond this size.
  static constexpr size_t kMaxPending = 64 << 10;
  // Waits for request bytes within the read timeout and, while the head is incomplete, the head
  // deadline; false (head_error_ set when the deadline passed) when none came.
  bool WaitForRequestBytes();
  // Counts head bytes handed to cpp-httplib and notices the blank line that ends the head.
  void TrackHead(const char* data, size_t size);

  int socket_;
  // The socket's registration in the event loop; dropped when the WebSocket endpoint takes over
  // (it waits in its own thread).
  // Mutable: cpp-httplib's Stream waits in const members (is_readable, is_writable).
  mutable std::optional<io::EdgeWatch> watch_;
  ConnectionTimeouts timeouts_;
  std::array<char, 4096> buffer_{};
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
  bool raw_response_ = false;
  bool close_after_response_ = false;
  bool taken_over_ = false;
  std::string pending_;
  mutable Address remote_;
  mutable Address local_;
  RequestHeadLimits head_limits_;
  bool head_done_ = true;
  size_t head_bytes_ = 0;
  uint32_t head_tail_ = 0;  // the last four head bytes
  std::chrono::steady_clock::time_point head_deadline_;
  HeadError head_error_ = HeadError::kNone;
};

// Publishes a connection as Current() for the lifetime of the scope.
class CurrentConnectionScope {
 public:
  explicit CurrentConnectionScope(ClientConnection* connection);
  ~CurrentConnectionScope();
  CurrentConnectionScope(const CurrentConnectionScope&) = delete;
  CurrentConnectionScope& operator=(const CurrentConnectionScope&) = delete;

 private:
  ClientConnection* previous_;
};

// True once the peer of `socket` closed or reset it (poll for hang-up, then peek for EOF).
bool PeerClosed(int socket);

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_CLIENT_CONNECTION_H_
