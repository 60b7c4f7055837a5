#include "gateway/ws/message_assembler.h"

#include <utility>

namespace nexus::gateway::ws {

MessageAssembler::MessageAssembler(FrameLimits limits, size_t max_message_bytes)
    : limits_(limits), max_message_bytes_(max_message_bytes) {}

std::vector<Message> MessageAssembler::Feed(std::string_view bytes) {
  std::vector<Message> out;
  if (error_) return out;
  buffer_.append(bytes);
  size_t offset = 0;
  while (!error_) {
    ParseResult parsed = ParseFrame(std::string_view(buffer_).substr(offset), limits_);
    if (parsed.error) {
      error_ = std::move(parsed.error);
      break;
    }
    if (!parsed.frame) break;
    offset += parsed.consumed;
    std::optional<Message> message = OnFrame(std::move(*parsed.frame));
    if (message) out.push_back(std::move(*message));
  }
  buffer_.erase(0, offset);
  if (error_) buffer_.clear();
  return out;
}

std::optional<Message> MessageAssembler::OnFrame(Frame frame) {
  switch (frame.opcode) {
    case Opcode::kClose:
      if (frame.payload.size() == 1) {
        SetError(kCloseProtocolError, "close payload of one byte");
        return std::nullopt;
      }
      if (frame.payload.size() > 2 && !IsValidUtf8(std::string_view(frame.payload).substr(2))) {
        SetError(kCloseInvalidPayload, "close reason is not UTF-8");
        return std::nullopt;
      }
      return Message{frame.opcode, std::move(frame.payload)};
    case Opcode::kPing:
    case Opcode::kPong:
      return Message{frame.opcode, std::move(frame.payload)};
    case Opcode::kContinuation:
      if (!partial_opcode_) {
        SetError(kCloseProtocolError, "continuation without a message");
        return std::nullopt;
      }
      break;
    case Opcode::kText:
    case Opcode::kBinary:
      if (partial_opcode_) {
        SetError(kCloseProtocolError, "new message inside a fragmented one");
        return std::nullopt;
      }
      partial_opcode_ = frame.opcode;
      break;
  }
  if (partial_.size() + frame.payload.size() > max_message_bytes_) {
    SetError(kCloseMessageTooBig, "message too large");
    return std::nullopt;
  }
  partial_.append(frame.payload);
  if (!frame.fin) return std::nullopt;
  Message message{*partial_opcode_, std::move(partial_)};
  partial_.clear();
  partial_opcode_.reset();
  if (message.opcode == Opcode::kText && !IsValidUtf8(message.payload)) {
    SetError(kCloseInvalidPayload, "text message is not UTF-8");
    return std::nullopt;
  }
  return message;
}

void MessageAssembler::SetError(CloseCode code, std::string reason) {
  error_ = FrameError{code, std::move(reason)};
}

}  // namespace nexus::gateway::ws
