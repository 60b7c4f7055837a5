#include "gateway/upstream/http1_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gateway/io/fiber.h"
#include "services/strings/absl_view.h"
#include "services/strings/header_tokens.h"

namespace nexus::gateway {
namespace {

constexpr size_t kBufferBytes = 16 << 10;
// Longest status, header or chunk-size line, and the longest response head.
constexpr size_t kMaxLine = 8 << 10;
constexpr size_t kMaxHead = 64 << 10;

int TimeoutMillis(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, 24 * 3600 * 1000));
}

std::string_view Trim(std::string_view s) { return Sv(absl::StripAsciiWhitespace(Av(s))); }

// Connects `fd` (non-blocking) to `address` within `timeout`.
Http1Error ConnectWithin(int fd, const addrinfo& address, absl::Duration timeout) {
  if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return Http1Error::kNone;
  if (errno != EINPROGRESS) return Http1Error::kConnect;
  const short ready = io::WaitIo(fd, POLLOUT, TimeoutMillis(timeout));
  if (ready == 0) return Http1Error::kConnectTimeout;
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    return Http1Error::kConnect;
  }
  return Http1Error::kNone;
}

void ConfigureConnected(int fd) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
}

// Resolves `address`: an IP literal at once, a host name off the connection fiber (the resolver
// blocks).
int Resolve(const std::string& address, int port, addrinfo** found) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(address.c_str(), service.c_str(), &hints, found);
  if (rc != EAI_NONAME) return rc;
  hints.ai_flags = AI_NUMERICSERV;
  io::RunBlocking([&] { rc = ::getaddrinfo(address.c_str(), service.c_str(), &hints, found); });
  return rc;
}

}  // namespace

std::unique_ptr<Http1Connection> Http1Connection::Connect(const std::string& address, int port,
                                                          const Http1Timeouts& timeouts,
                                                          const std::function<void(int)>& on_socket,
                                                          Http1Error* error) {
  addrinfo* found = nullptr;
  *error = Http1Error::kConnect;
  if (Resolve(address, port, &found) != 0) return nullptr;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (on_socket) on_socket(fd);
    *error = ConnectWithin(fd, *a, timeouts.connect);
    if (*error != Http1Error::kNone) {
      ::close(fd);
      continue;
    }
    ConfigureConnected(fd);
    ::freeaddrinfo(found);
    return std::unique_ptr<Http1Connection>(new Http1Connection(fd, timeouts));
  }
  ::freeaddrinfo(found);
  return nullptr;
}

Http1Connection::Http1Connection(int socket, const Http1Timeouts& timeouts)
    : socket_(socket),
      read_timeout_ms_(TimeoutMillis(timeouts.read)),
      write_timeout_ms_(TimeoutMillis(timeouts.write)),
      buffer_(kBufferBytes, '\0') {
  watch_.emplace(socket_);
}

ssize_t Http1Connection::Receive(char* data, size_t size) {
  while (true) {
    ssize_t n = ::recv(socket_, data, size, MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    // Nothing more to read now: what the body's reads so far made leaves before the wait (one
    // client write per burst of upstream bytes, and no event ever waits for later ones).
    if (body_reads_ != nullptr && !body_reads_->EndBodyRead()) {
      body_stopped_ = true;
      return -1;
    }
    // Silent for the whole read timeout: the exchange fails.
    if (watch_->Wait(POLLIN, read_timeout_ms_) == 0) return -1;
  }
}

Http1Connection::~Http1Connection() {
  watch_.reset();  // before the socket closes
  ::close(socket_);
}

void Http1Connection::Shutdown() { ::shutdown(socket_, SHUT_RDWR); }

bool Http1Connection::SendRequest(std::string_view head, std::string_view body) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  iovec* next = parts;
  int count = body.empty() ? 1 : 2;
  while (count > 0) {
    msghdr message{};
    message.msg_iov = next;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(socket_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;        // broken
      if (watch_->Wait(POLLOUT, write_timeout_ms_) == 0) return false;  // timed out
      continue;
    }
    auto sent = static_cast<size_t>(n);
    while (count > 0 && sent >= next->iov_len) {
      sent -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + sent;
      next->iov_len -= sent;
    }
  }
  return true;
}

bool Http1Connection::Fill() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (end_ == buffer_.size()) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (end_ == buffer_.size()) return false;
  }
  while (true) {
    ssize_t n = Receive(buffer_.data() + end_, buffer_.size() - end_);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return true;
    }
    return false;  // closed, broken, or silent for the read timeout
  }
}

bool Http1Connection::ReadLine(std::string_view* line) {
  while (true) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(start, '\n', end_ - begin_);
    if (newline != nullptr) {
      size_t length = static_cast<size_t>(static_cast<const char*>(newline) - start);
      begin_ += length + 1;
      if (length > 0 && start[length - 1] == '\r') --length;
      *line = std::string_view(start, length);
      return true;
    }
    if (end_ - begin_ > kMaxLine || !Fill()) return false;
  }
}

bool Http1Connection::ReadHead(int* status, HeaderList* headers, bool* close, long long* length,
                               bool* chunked) {
  size_t head_bytes = 0;
  while (true) {  // interim 1xx answers are skipped
    std::string_view line;
    if (!ReadLine(&line)) return false;
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
        !absl::SimpleAtoi(Av(line.substr(9, 3)), status)) {
      return false;
    }
    *close = line[7] == '0';
    headers->clear();
    *length = -1;
    *chunked = false;
    while (true) {
      if (!ReadLine(&line)) return false;
      head_bytes += line.size() + 2;
      if (head_bytes > kMaxHead) return false;
      if (line.empty()) break;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      const std::string_view name = Trim(line.substr(0, colon));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (absl::EqualsIgnoreCase(Av(name), "content-length")) {
        if (!absl::SimpleAtoi(Av(value), length) || *length < 0) return false;
      } else if (absl::EqualsIgnoreCase(Av(name), "transfer-encoding")) {
        *chunked = HeaderListHasToken(value, "chunked");
      } else if (absl::EqualsIgnoreCase(Av(name), "connection")) {
        if (HeaderListHasToken(value, "close")) *close = true;
        if (HeaderListHasToken(value, "keep-alive")) *close = false;
      }
      headers->emplace_back(std::string(name), std::string(value));
    }
    if (*status >= 200 || *status == 101) return true;
  }
}

bool Http1Connection::ReadLengthBody(long long length, UpstreamHandler& handler, bool* stopped) {
  auto remaining = static_cast<size_t>(length);
  while (remaining > 0) {
    if (begin_ == end_ && !Fill()) return false;
    const size_t n = std::min(remaining, end_ - begin_);
    const std::string_view piece(buffer_.data() + begin_, n);
    begin_ += n;
    remaining -= n;
    if (!handler.OnBodyData(piece)) {
      *stopped = true;
      return false;
    }
  }
  return true;
}

bool Http1Connection::ReadChunkedBody(UpstreamHandler& handler, bool* stopped) {
  while (true) {
    std::string_view line;
    if (!ReadLine(&line)) return false;
    const std::string_view digits = Trim(line.substr(0, line.find(';')));
    unsigned long long size = 0;
    if (digits.empty() || digits.size() > 15) return false;
    for (char c : digits) {
      const int v = absl::ascii_isdigit(c)   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
      if (v < 0) return false;
      size = size * 16 + static_cast<unsigned long long>(v);
    }
    if (size == 0) {
      // Trailer fields, then the blank line that ends the message.
      do {
        if (!ReadLine(&line)) return false;
      } while (!line.empty());
      return true;
    }
    if (!ReadLengthBody(static_cast<long long>(size), handler, stopped)) return false;
    if (!ReadLine(&line) || !line.empty()) return false;
  }
}

bool Http1Connection::ReadUntilClose(UpstreamHandler& handler, bool* stopped) {
  while (true) {
    if (begin_ == end_) {
      begin_ = end_ = 0;
      const ssize_t n = Receive(buffer_.data(), buffer_.size());
      if (n == 0) return true;
      if (n < 0) return false;
      end_ = static_cast<size_t>(n);
    }
    const std::string_view piece(buffer_.data() + begin_, end_ - begin_);
    begin_ = end_;
    if (!handler.OnBodyData(piece)) {
      *stopped = true;
      return false;
    }
  }
}

Http1Outcome Http1Connection::Exchange(std::string_view head, std::string_view body,
                                       UpstreamHandler& handler, bool head_only) {
  Http1Outcome out;
  begin_ = end_ = 0;
  if (!SendRequest(head, body)) {
    out.error = Http1Error::kWrite;
    return out;
  }
  // The answer cannot be there yet: wait before the first read instead of reading in vain.
  if (io::OnFiber() && watch_->Wait(POLLIN, read_timeout_ms_) == 0) {
    out.error = Http1Error::kRead;  // silent for the whole read timeout
    return out;
  }
  HeaderList headers;
  bool close = false;
  bool chunked = false;
  long long length = -1;
  if (!ReadHead(&out.http_status, &headers, &close, &length, &chunked)) {
    out.error = Http1Error::kRead;
    return out;
  }
  out.started = true;
  if (!handler.OnResponseStart(out.http_status, headers)) {
    out.error = Http1Error::kStopped;
    return out;
  }
  const bool no_body = head_only || out.http_status == 204 || out.http_status == 304;
  bool stopped = false;
  bool complete = true;
  bool framed = true;
  body_stopped_ = false;
  if (!no_body) {
    handler.BeginBodyReads();
    body_reads_ = &handler;
    if (chunked) {
      complete = ReadChunkedBody(handler, &stopped);
    } else if (length >= 0) {
      complete = ReadLengthBody(length, handler, &stopped);
    } else {
      framed = false;
      complete = ReadUntilClose(handler, &stopped);
    }
    body_reads_ = nullptr;
    if (complete && !handler.EndBodyRead()) {
      complete = false;
      stopped = true;
    }
  }
  stopped = stopped || body_stopped_;
  if (!complete) {
    out.error = stopped ? Http1Error::kStopped : Http1Error::kRead;
    return out;
  }
  // Bytes beyond the answer mean the connection is out of step: never reuse it.
  out.reusable = framed && !close && begin_ == end_;
  return out;
}

}  // namespace nexus::gateway
