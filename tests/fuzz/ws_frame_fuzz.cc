// Fuzzes the WebSocket transport of the playground: what a browser (or anyone who can open a
// socket to the gateway) sends before any message is understood. ParseFrame on raw bytes,
// MessageAssembler on a byte stream, and the close payload builder.
//
// Invariants: no crash; a parsed frame serializes back to a frame that parses to the same frame;
// the assembler yields the same messages and the same error whether bytes arrive at once or in
// pieces; text messages are valid UTF-8 (the tokenizer's validator agrees); a close payload fits
// a control frame and never cuts a UTF-8 sequence.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/tokenizer/utf8.h"
#include "gateway/ws/frame_codec.h"
#include "gateway/ws/message_assembler.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway::ws {
namespace {

constexpr size_t kMaxFrame = 4096;
constexpr size_t kMaxMessage = 8192;

void CheckFrameRoundTrip(std::string_view bytes, bool require_masked) {
  const FrameLimits limits{.max_frame_bytes = kMaxFrame, .require_masked = require_masked};
  const ParseResult parsed = ParseFrame(bytes, limits);
  FUZZ_CHECK(!(parsed.frame && parsed.error));
  if (!parsed.frame) {
    FUZZ_CHECK(parsed.consumed == 0);
    return;
  }
  FUZZ_CHECK(parsed.consumed <= bytes.size());
  FUZZ_CHECK(parsed.frame->payload.size() <= kMaxFrame);
  std::optional<std::array<uint8_t, 4>> mask;
  if (require_masked) mask = std::array<uint8_t, 4>{0x12, 0x34, 0x56, 0x78};
  const std::string again = SerializeFrame(*parsed.frame, mask);
  const ParseResult reparsed = ParseFrame(again, limits);
  FUZZ_CHECK(reparsed.frame.has_value());
  FUZZ_CHECK(reparsed.consumed == again.size());
  FUZZ_CHECK(reparsed.frame->fin == parsed.frame->fin);
  FUZZ_CHECK(reparsed.frame->opcode == parsed.frame->opcode);
  FUZZ_CHECK(reparsed.frame->payload == parsed.frame->payload);
}

struct AssemblerRun {
  std::vector<std::string> messages;
  std::optional<CloseCode> error;
};

AssemblerRun Assemble(std::string_view bytes, size_t step) {
  AssemblerRun run;
  MessageAssembler assembler(FrameLimits{.max_frame_bytes = kMaxFrame}, kMaxMessage);
  for (size_t at = 0; at < bytes.size(); at += step) {
    for (Message& message : assembler.Feed(bytes.substr(at, step))) {
      FUZZ_CHECK(message.payload.size() <= kMaxMessage);
      if (message.opcode == Opcode::kText) {
        FUZZ_CHECK(IsValidUtf8(message.payload));
        FUZZ_CHECK(tokenizer::IsValidUtf8(message.payload));
      }
      run.messages.push_back(static_cast<char>(message.opcode) + message.payload);
    }
    // Only an unfinished frame (at most one, within the limit plus its header) stays buffered.
    FUZZ_CHECK(assembler.buffered_bytes() <= kMaxFrame + 14);
  }
  if (assembler.error()) run.error = assembler.error()->code;
  return run;
}

}  // namespace
}  // namespace nexus::gateway::ws

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::gateway::ws;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckFrameRoundTrip(bytes, true);
  CheckFrameRoundTrip(bytes, false);

  const AssemblerRun whole = Assemble(bytes, bytes.size() + 1);
  const AssemblerRun pieces = Assemble(bytes, size == 0 ? 1 : 1 + data[0] % 7);
  FUZZ_CHECK(whole.messages == pieces.messages);
  FUZZ_CHECK(whole.error == pieces.error);

  // The two UTF-8 validators of the code base agree on everything.
  FUZZ_CHECK(IsValidUtf8(bytes) == nexus::tokenizer::IsValidUtf8(bytes));

  const std::string close = ClosePayload(kCloseProtocolError, bytes);
  FUZZ_CHECK(close.size() <= 125);
  FUZZ_CHECK(IsValidUtf8(std::string_view(close).substr(2)));
  return 0;
}
