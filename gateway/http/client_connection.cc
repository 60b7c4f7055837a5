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

namespace nexus::gateway::http {
namespace {

// The per-thread pointer behind ClientConnection::Current(). Worker threads serve one connection
// at a time, so a thread-local is exact (see the class comment for why it is needed at all).
ClientConnection*& CurrentSlot() {
  thread_local ClientConnection* current = nullptr;
  return current;
}

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

int ToMillis(time_t sec, time_t usec) {
  return static_cast<int>(std::min<time_t>(sec * 1000 + usec / 1000, 24 * 3600 * 1000));
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

ClientConnection::ClientConnection(int socket, ConnectionTimeouts timeouts)
    : socket_(socket), timeouts_(timeouts) {}

ClientConnection* ClientConnection::Current() { return CurrentSlot(); }

CurrentConnectionScope::CurrentConnectionScope(ClientConnection* connection)
    : previous_(CurrentSlot()) {
  CurrentSlot() = connection;
}

CurrentConnectionScope::~CurrentConnectionScope() { CurrentSlot() = previous_; }

bool ClientConnection::WaitFor(short events, time_t sec, time_t usec) const {
  pollfd fd{socket_, events, 0};
  int timeout = ToMillis(sec, usec);
  while (true) {
    int ready = ::poll(&fd, 1, timeout);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0 && !(fd.revents & (POLLERR | POLLNVAL));
  }
}

bool ClientConnection::is_readable() const {
  return buffer_begin_ < buffer_end_ || WaitFor(POLLIN, timeouts_.read_sec, timeouts_.read_usec);
}

bool ClientConnection::is_writable() const {
  return !taken_over_ && WaitFor(POLLOUT, timeouts_.write_sec, timeouts_.write_usec);
}

ssize_t ClientConnection::read(char* ptr, size_t size) {
  if (taken_over_) return -1;
  if (buffer_begin_ == buffer_end_) {
    // The read timeout bounds how long a slow client may hold a worker (slow-loris).
    if (!WaitFor(POLLIN, timeouts_.read_sec, timeouts_.read_usec)) return -1;
    ssize_t n;
    do {
      n = ::recv(socket_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    buffer_begin_ = 0;
    buffer_end_ = static_cast<size_t>(n);
  }
  size_t count = std::min(size, buffer_end_ - buffer_begin_);
  std::memcpy(ptr, buffer_.data() + buffer_begin_, count);
  buffer_begin_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t ClientConnection::write(const char* ptr, size_t size) {
  if (taken_over_) return -1;
  // The handler already wrote this request's response: what httplib adds is dropped.
  if (raw_response_) return static_cast<ssize_t>(size);
  return WriteRaw(std::string_view(ptr, size)) ? static_cast<ssize_t>(size) : -1;
}

bool ClientConnection::WriteRaw(std::string_view data) {
  while (!data.empty()) {
    if (!WaitFor(POLLOUT, timeouts_.write_sec, timeouts_.write_usec)) return false;
    ssize_t n = ::send(socket_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void ClientConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getpeername(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    AddressOf(address, ip, port);
  }
}

void ClientConnection::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    AddressOf(address, ip, port);
  }
}

bool ClientConnection::Gone() const { return PeerClosed(socket_); }

std::string ClientConnection::TakeOver() {
  taken_over_ = true;
  std::string rest(buffer_.data() + buffer_begin_, buffer_end_ - buffer_begin_);
  buffer_begin_ = buffer_end_ = 0;
  return rest;
}

bool ClientConnection::WaitForRequest(time_t timeout_sec, const std::atomic<bool>& stop) {
  if (buffer_begin_ < buffer_end_) return true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_sec);
  while (!stop.load()) {
    pollfd fd{socket_, POLLIN, 0};
    int ready = ::poll(&fd, 1, 100);
    if (ready < 0 && errno != EINTR) return false;
    if (ready > 0) return !(fd.revents & (POLLERR | POLLNVAL));
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

void ClientConnection::BeginRequest(bool close_after_response) {
  raw_response_ = false;
  close_after_response_ = close_after_response;
}

}  // namespace nexus::gateway::http
