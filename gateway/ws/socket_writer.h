#ifndef NEXUS_GATEWAY_WS_SOCKET_WRITER_H_
#define NEXUS_GATEWAY_WS_SOCKET_WRITER_H_

#include <atomic>
#include <mutex>
#include <string_view>

#include "gateway/ws/frame_codec.h"
#include "gateway/ws/playground_session.h"

namespace nexus::gateway::ws {

// Writes server frames to a connected socket, one whole frame at a time under a lock, so that
// chats streaming from several threads never interleave bytes.
class SocketWriter : public MessageWriter {
 public:
  explicit SocketWriter(int fd) : fd_(fd) {}

  bool SendText(std::string_view message) override;
  void Close(uint16_t code, std::string_view reason) override;
  bool SendControl(Opcode opcode, std::string_view payload);
  bool broken() const { return broken_.load(); }
  bool close_sent() const { return close_sent_.load(); }

 private:
  bool Send(const Frame& frame);

  int fd_;
  std::mutex mutex_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> close_sent_{false};
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_SOCKET_WRITER_H_
