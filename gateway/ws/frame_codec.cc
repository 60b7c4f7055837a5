#include "gateway/ws/frame_codec.h"

namespace nexus::gateway::ws {
namespace {

bool IsControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

bool IsKnownOpcode(uint8_t opcode) { return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA); }

ParseResult Fail(CloseCode code, std::string reason) {
  ParseResult result;
  result.error = FrameError{code, std::move(reason)};
  return result;
}

}  // namespace

ParseResult ParseFrame(std::string_view data, const FrameLimits& limits) {
  if (data.size() < 2) return {};
  const auto b0 = static_cast<uint8_t>(data[0]);
  const auto b1 = static_cast<uint8_t>(data[1]);
  const bool fin = (b0 & 0x80) != 0;
  const uint8_t opcode = b0 & 0x0F;
  const bool masked = (b1 & 0x80) != 0;
  // No extension is negotiated, so every reserved bit must be clear.
  if ((b0 & 0x70) != 0) return Fail(kCloseProtocolError, "reserved bits set");
  if (!IsKnownOpcode(opcode)) return Fail(kCloseProtocolError, "unknown opcode");
  if (limits.require_masked && !masked) return Fail(kCloseProtocolError, "client frame not masked");

  uint64_t length = b1 & 0x7F;
  size_t pos = 2;
  if (IsControl(opcode)) {
    if (!fin) return Fail(kCloseProtocolError, "fragmented control frame");
    if (length > 125) return Fail(kCloseProtocolError, "control frame too long");
  }
  if (length == 126) {
    if (data.size() < pos + 2) return {};
    length =
        (static_cast<uint64_t>(static_cast<uint8_t>(data[2])) << 8) | static_cast<uint8_t>(data[3]);
    pos += 2;
    if (length < 126) return Fail(kCloseProtocolError, "non-minimal length encoding");
  } else if (length == 127) {
    if (data.size() < pos + 8) return {};
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<uint8_t>(data[pos + i]);
    pos += 8;
    if ((length >> 63) != 0) return Fail(kCloseProtocolError, "length high bit set");
    if (length <= 0xFFFF) return Fail(kCloseProtocolError, "non-minimal length encoding");
  }
  // Checked before waiting for the payload, so an oversized frame is refused at its header.
  if (length > limits.max_frame_bytes) return Fail(kCloseMessageTooBig, "frame too large");

  std::array<uint8_t, 4> mask{};
  if (masked) {
    if (data.size() < pos + 4) return {};
    for (int i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(data[pos + i]);
    pos += 4;
  }
  if (data.size() - pos < length) return {};

  ParseResult result;
  Frame frame;
  frame.fin = fin;
  frame.opcode = static_cast<Opcode>(opcode);
  frame.payload.assign(data.substr(pos, static_cast<size_t>(length)));
  if (masked) ApplyMask(frame.payload, mask);
  result.consumed = pos + static_cast<size_t>(length);
  result.frame = std::move(frame);
  return result;
}

std::string SerializeFrame(const Frame& frame, const std::optional<std::array<uint8_t, 4>>& mask) {
  std::string out;
  const uint64_t length = frame.payload.size();
  out.reserve(14 + frame.payload.size());
  out.push_back(static_cast<char>((frame.fin ? 0x80 : 0x00) | static_cast<uint8_t>(frame.opcode)));
  const uint8_t mask_bit = mask ? 0x80 : 0x00;
  if (length < 126) {
    out.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((length >> 8) & 0xFF));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  if (!mask) {
    out.append(frame.payload);
    return out;
  }
  for (uint8_t b : *mask) out.push_back(static_cast<char>(b));
  std::string body = frame.payload;
  ApplyMask(body, *mask);
  out.append(body);
  return out;
}

std::string ClosePayload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  std::string_view cut = reason.substr(0, 123);
  // Never cut a UTF-8 sequence in half.
  while (!cut.empty() && !IsValidUtf8(cut)) cut.remove_suffix(1);
  out.append(cut);
  return out;
}

void ApplyMask(std::string& data, const std::array<uint8_t, 4>& mask, size_t offset) {
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>(static_cast<uint8_t>(data[i]) ^ mask[(i + offset) & 3]);
  }
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<uint8_t>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace nexus::gateway::ws
