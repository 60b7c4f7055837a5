#include "gateway/http/client_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "gateway/io/fiber.h"

namespace nexus::gateway::http {
namespace {

// The pointer behind ClientConnection::Current(): per connection fiber (a loop thread runs many
// connections, so a thread-local would hand one connection's pointer to another).
ClientConnection* CurrentConnection() {
  return static_cast<ClientConnection*>(io::FiberLocalSlot());
}
void SetCurrentConnection(ClientConnection* connection) { io::FiberLocalSlot() = connection; }

void AddressOf(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

// Rounded up: a wait must not end before the deadline it was computed from (the head deadline
// check after it would find time left and fail the request without saying why).
int ToMillis(time_t sec, time_t usec) {
  return static_cast<int>(std::min<time_t>(sec * 1000 + (usec + 999) / 1000, 24 * 3600 * 1000));
}

}  // namespace

bool PeerClosed(int socket) {
  pollfd fd{socket, static_cast<short>(POLLIN | POLLRDHUP), 0};
  int ready = ::poll(&fd, 1, 0);
  if (ready <= 0) return false;
  if (fd.revents & (POLLHUP | POLLERR | POLLNVAL | POLLRDHUP)) return true;
  if (fd.revents & POLLIN) {
    char byte;
    ssize_t n = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
  return false;
}

ClientConnection::ClientConnection(int socket, ConnectionTimeouts timeouts,
                                   RequestHeadLimits head_limits)
    : socket_(socket), timeouts_(timeouts), head_limits_(head_limits) {
  watch_.emplace(socket_);
}

ClientConnection* ClientConnection::Current() { return CurrentConnection(); }

CurrentConnectionScope::CurrentConnectionScope(ClientConnection* connection)
    : previous_(CurrentConnection()) {
  SetCurrentConnection(connection);
}

CurrentConnectionScope::~CurrentConnectionScope() { SetCurrentConnection(previous_); }

short ClientConnection::Wait(short events, int timeout_ms) const {
  return watch_ ? watch_->Wait(events, timeout_ms) : io::WaitIo(socket_, events, timeout_ms);
}

bool ClientConnection::WaitFor(short events, time_t sec, time_t usec) const {
  const short ready = Wait(events, ToMillis(sec, usec));
  return ready != 0 && !(ready & (POLLERR | POLLNVAL));
}

bool ClientConnection::is_readable() const {
  return buffer_begin_ < buffer_end_ || WaitFor(POLLIN, timeouts_.read_sec, timeouts_.read_usec);
}

bool ClientConnection::is_writable() const {
  return !taken_over_ && WaitFor(POLLOUT, timeouts_.write_sec, timeouts_.write_usec);
}

bool ClientConnection::WaitForRequestBytes() {
  if (head_done_) return WaitFor(POLLIN, timeouts_.read_sec, timeouts_.read_usec);
  const auto now = std::chrono::steady_clock::now();
  const int64_t left_us =
      std::chrono::duration_cast<std::chrono::microseconds>(head_deadline_ - now).count();
  const int64_t read_us = int64_t{timeouts_.read_sec} * 1000000 + timeouts_.read_usec;
  if (left_us > 0 && WaitFor(POLLIN, 0, static_cast<time_t>(std::min(left_us, read_us)))) {
    return true;
  }
  if (std::chrono::steady_clock::now() >= head_deadline_) head_error_ = HeadError::kTimeout;
  return false;
}

void ClientConnection::TrackHead(const char* data, size_t size) {
  for (size_t i = 0; i < size && !head_done_; ++i) {
    head_tail_ = (head_tail_ << 8) | static_cast<unsigned char>(data[i]);
    head_done_ = head_tail_ == 0x0d0a0d0a;  // "\r\n\r\n"
    if (++head_bytes_ > head_limits_.max_bytes && !head_done_) {
      head_error_ = HeadError::kTooLarge;
      return;
    }
  }
}

ssize_t ClientConnection::read(char* ptr, size_t size) {
  if (taken_over_ || head_error_ != HeadError::kNone) return -1;
  if (buffer_begin_ == buffer_end_) {
    // The response so far must leave before waiting for more of the client (100-continue).
    if (!Flush()) return -1;
    ssize_t n;
    // Bytes usually wait already (the keep-alive loop polled for them): read first, poll only
    // when there are none, saving a system call per read.
    while ((n = FillBuffer()) < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      // The read timeout bounds how long a slow client may hold a worker; the head deadline
      // bounds a client that trickles its headers (slow-loris).
      if (!WaitForRequestBytes()) return -1;
    }
    if (n == 0) return 0;
  }
  size_t count = std::min(size, buffer_end_ - buffer_begin_);
  if (!head_done_) {
    TrackHead(buffer_.data() + buffer_begin_, count);
    if (head_error_ != HeadError::kNone) return -1;
  }
  std::memcpy(ptr, buffer_.data() + buffer_begin_, count);
  buffer_begin_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t ClientConnection::write(const char* ptr, size_t size) {
  if (taken_over_) return -1;
  // The handler already wrote this request's response: what httplib adds is dropped.
  if (raw_response_) return static_cast<ssize_t>(size);
  // cpp-httplib writes a response in pieces (head, then body); they leave as one send when the
  // request is done (Flush), which also saves the client a wake-up per piece.
  pending_.append(ptr, size);
  if (pending_.size() >= kMaxPending && !Flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool ClientConnection::Flush() {
  if (pending_.empty()) return true;
  const bool sent = SendAll(pending_);
  pending_.clear();
  if (pending_.capacity() > kMaxPending) pending_.shrink_to_fit();
  return sent;
}

bool ClientConnection::WriteRaw(std::string_view data) { return Flush() && SendAll(data); }

bool ClientConnection::SendAll(std::string_view data) {
  while (!data.empty()) {
    // Send first and poll only when the socket buffer is full: one system call per write.
    ssize_t n = ::send(socket_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!WaitFor(POLLOUT, timeouts_.write_sec, timeouts_.write_usec)) return false;
      continue;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// cpp-httplib asks for both addresses on every request; they are fixed per connection, so they
// are looked up once.
void ClientConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (!remote_.known) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      AddressOf(address, remote_.ip, remote_.port);
      remote_.known = true;
    }
  }
  ip = remote_.ip;
  port = remote_.port;
}

void ClientConnection::get_local_ip_and_port(std::string& ip, int& port) const {
  if (!local_.known) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      AddressOf(address, local_.ip, local_.port);
      local_.known = true;
    }
  }
  ip = local_.ip;
  port = local_.port;
}

bool ClientConnection::Gone() const { return PeerClosed(socket_); }

std::string ClientConnection::TakeOver() {
  Flush();
  taken_over_ = true;
  watch_.reset();
  std::string rest(buffer_.data() + buffer_begin_, buffer_end_ - buffer_begin_);
  buffer_begin_ = buffer_end_ = 0;
  return rest;
}

bool ClientConnection::WaitForRequest(time_t timeout_sec, const std::atomic<bool>& stop) {
  if (head_error_ != HeadError::kNone) return false;
  if (buffer_begin_ < buffer_end_) return true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_sec);
  while (!stop.load()) {
    const short ready = Wait(POLLIN, 100);
    if (ready != 0) return !(ready & (POLLERR | POLLNVAL));
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

ssize_t ClientConnection::FillBuffer() {
  ssize_t n;
  do {
    n = ::recv(socket_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    buffer_begin_ = 0;
    buffer_end_ = static_cast<size_t>(n);
  }
  return n;
}

std::string_view ClientConnection::PeekRequest() {
  if (taken_over_ || head_error_ != HeadError::kNone) return {};
  // End of stream, errors and "nothing yet" are read again by cpp-httplib.
  if (buffer_begin_ == buffer_end_ && FillBuffer() <= 0) return {};
  return std::string_view(buffer_.data() + buffer_begin_, buffer_end_ - buffer_begin_);
}

void ClientConnection::ConsumeHead(size_t size) {
  buffer_begin_ += std::min(size, buffer_end_ - buffer_begin_);
  head_done_ = true;
}

bool ClientConnection::ReadBody(size_t size, std::string& body) {
  body.resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(body.data() + done, size - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void ClientConnection::BeginRequest(bool close_after_response) {
  raw_response_ = false;
  close_after_response_ = close_after_response;
  head_done_ = false;
  head_bytes_ = 0;
  head_tail_ = 0;
  head_deadline_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(head_limits_.timeout_ms);
}

}  // namespace nexus::gateway::http
