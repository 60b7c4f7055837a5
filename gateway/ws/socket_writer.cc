#include "gateway/ws/socket_writer.h"

#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace nexus::gateway::ws {

bool SocketWriter::SendText(std::string_view message) {
  return Send(Frame{true, Opcode::kText, std::string(message)});
}

void SocketWriter::Close(uint16_t code, std::string_view reason) {
  if (close_sent_.exchange(true)) return;
  Send(Frame{true, Opcode::kClose, ClosePayload(code, reason)});
}

bool SocketWriter::SendControl(Opcode opcode, std::string_view payload) {
  return Send(Frame{true, opcode, std::string(payload.substr(0, 125))});
}

bool SocketWriter::Send(const Frame& frame) {
  std::lock_guard lock(mutex_);
  if (broken_.load()) return false;
  // Nothing but the close frame itself may follow a close frame (RFC 6455 §5.5.1).
  if (close_sent_.load() && frame.opcode != Opcode::kClose) return false;
  const std::string bytes = SerializeFrame(frame);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Includes EAGAIN after SO_SNDTIMEO: a client that stopped reading is treated as gone.
      broken_.store(true);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace nexus::gateway::ws
