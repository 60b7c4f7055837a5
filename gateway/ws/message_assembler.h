#ifndef NEXUS_GATEWAY_WS_MESSAGE_ASSEMBLER_H_
#define NEXUS_GATEWAY_WS_MESSAGE_ASSEMBLER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/ws/frame_codec.h"

namespace nexus::gateway::ws {

// One thing a peer said: a whole (reassembled) data message or a control frame.
struct Message {
  Opcode opcode = Opcode::kText;
  std::string payload;
};

// Turns a byte stream into messages: decodes frames, joins fragments, interleaves control frames,
// validates UTF-8 of text messages, and enforces the frame and message size limits. Pure state
// machine, no I/O.
class MessageAssembler {
 public:
  MessageAssembler(FrameLimits limits, size_t max_message_bytes);

  // Appends received bytes and returns every message they complete. After an error, the
  // connection must be closed with error()->code; later calls return nothing.
  std::vector<Message> Feed(std::string_view bytes);
  const std::optional<FrameError>& error() const { return error_; }
  size_t buffered_bytes() const { return buffer_.size(); }

 private:
  // Handles one decoded frame; returns a message when it completes one.
  std::optional<Message> OnFrame(Frame frame);
  void SetError(CloseCode code, std::string reason);

  FrameLimits limits_;
  size_t max_message_bytes_;
  std::string buffer_;
  // A fragmented data message in progress.
  std::optional<Opcode> partial_opcode_;
  std::string partial_;
  std::optional<FrameError> error_;
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_MESSAGE_ASSEMBLER_H_
