#ifndef NEXUS_GATEWAY_WS_FRAME_CODEC_H_
#define NEXUS_GATEWAY_WS_FRAME_CODEC_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::gateway::ws {

// RFC 6455 opcodes.
enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// RFC 6455 §7.4.1 close codes the server uses.
enum CloseCode : uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,
  kCloseProtocolError = 1002,
  kCloseUnsupportedData = 1003,
  kCloseNoStatus = 1005,
  kCloseInvalidPayload = 1007,
  kClosePolicyViolation = 1008,
  kCloseMessageTooBig = 1009,
  kCloseInternalError = 1011,
};

struct Frame {
  bool fin = true;
  Opcode opcode = Opcode::kText;
  // Unmasked payload.
  std::string payload;
};

// A protocol violation found while decoding, with the close code to answer it.
struct FrameError {
  CloseCode code = kCloseProtocolError;
  std::string reason;
};

struct FrameLimits {
  // Largest payload accepted in one frame.
  size_t max_frame_bytes = 1 << 20;
  // Clients must mask their frames (RFC 6455 §5.1); a server-side decoder requires it.
  bool require_masked = true;
};

// Outcome of decoding the front of a byte buffer: a frame and the bytes it took, "need more bytes"
// (consumed == 0, no frame, no error), or an error.
struct ParseResult {
  size_t consumed = 0;
  std::optional<Frame> frame;
  std::optional<FrameError> error;
};

// Decodes one frame from the front of `data`. Pure: no I/O, no state; safe on any input.
ParseResult ParseFrame(std::string_view data, const FrameLimits& limits);

// Encodes one frame; masked with `mask` when given (client side), unmasked otherwise (server side).
std::string SerializeFrame(const Frame& frame,
                           const std::optional<std::array<uint8_t, 4>>& mask = std::nullopt);

// The payload of a close frame: the code in network order and a UTF-8 reason (truncated to fit the
// 125-byte control frame limit).
std::string ClosePayload(uint16_t code, std::string_view reason);

// XORs `data` in place with the 4-byte mask, starting at mask offset `offset`.
void ApplyMask(std::string& data, const std::array<uint8_t, 4>& mask, size_t offset = 0);

// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_FRAME_CODEC_H_
