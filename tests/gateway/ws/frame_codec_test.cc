#include "gateway/ws/frame_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/ws/message_assembler.h"

namespace nexus::gateway::ws {
namespace {

constexpr std::array<uint8_t, 4> kMask = {0x37, 0xfa, 0x21, 0x3d};

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

FrameLimits ClientLimits() { return FrameLimits{}; }

FrameLimits UnmaskedLimits() {
  FrameLimits limits;
  limits.require_masked = false;
  return limits;
}

// RFC 6455 §5.7: "A single-frame unmasked text message".
TEST(FrameCodecTest, ParsesRfcUnmaskedHello) {
  const std::string wire = Bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  ParseResult result = ParseFrame(wire, UnmaskedLimits());
  ASSERT_TRUE(result.frame);
  EXPECT_EQ(result.consumed, wire.size());
  EXPECT_TRUE(result.frame->fin);
  EXPECT_EQ(result.frame->opcode, Opcode::kText);
  EXPECT_EQ(result.frame->payload, "Hello");
}

// RFC 6455 §5.7: "A single-frame masked text message".
TEST(FrameCodecTest, ParsesRfcMaskedHello) {
  const std::string wire =
      Bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  ParseResult result = ParseFrame(wire, ClientLimits());
  ASSERT_TRUE(result.frame);
  EXPECT_EQ(result.frame->payload, "Hello");
  EXPECT_EQ(SerializeFrame(Frame{true, Opcode::kText, "Hello"}, kMask), wire);
}

TEST(FrameCodecTest, SerializesRfcUnmaskedExamples) {
  EXPECT_EQ(SerializeFrame(Frame{true, Opcode::kText, "Hello"}),
            Bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  // "Unmasked Ping request" and its pong.
  EXPECT_EQ(SerializeFrame(Frame{true, Opcode::kPing, "Hello"}),
            Bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(SerializeFrame(Frame{true, Opcode::kPong, "Hello"}),
            Bytes({0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(FrameCodecTest, UsesSixteenAndSixtyFourBitLengths) {
  const std::string medium(256, 'a');
  const std::string wire = SerializeFrame(Frame{true, Opcode::kBinary, medium});
  EXPECT_EQ(wire.substr(0, 4), Bytes({0x82, 0x7E, 0x01, 0x00}));  // RFC: 256 bytes
  const std::string large(65536, 'b');
  const std::string big_wire = SerializeFrame(Frame{true, Opcode::kBinary, large}, kMask);
  EXPECT_EQ(big_wire.substr(0, 10), Bytes({0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}));
  ParseResult result = ParseFrame(big_wire, ClientLimits());
  ASSERT_TRUE(result.frame);
  EXPECT_EQ(result.frame->payload, large);
  EXPECT_EQ(result.consumed, big_wire.size());
}

TEST(FrameCodecTest, WaitsForMoreBytesAtEveryCut) {
  const std::string wire = SerializeFrame(Frame{true, Opcode::kText, std::string(300, 'x')}, kMask);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    ParseResult result = ParseFrame(std::string_view(wire).substr(0, cut), ClientLimits());
    EXPECT_FALSE(result.frame) << cut;
    EXPECT_FALSE(result.error) << cut;
    EXPECT_EQ(result.consumed, 0u);
  }
}

TEST(FrameCodecTest, RejectsUnmaskedClientFrame) {
  ParseResult result = ParseFrame(Bytes({0x81, 0x01, 0x41}), ClientLimits());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, kCloseProtocolError);
}

TEST(FrameCodecTest, RejectsReservedBitsAndUnknownOpcodes) {
  EXPECT_TRUE(ParseFrame(Bytes({0xC1, 0x80, 0, 0, 0, 0}), ClientLimits()).error);  // RSV1
  EXPECT_TRUE(ParseFrame(Bytes({0x83, 0x80, 0, 0, 0, 0}), ClientLimits()).error);  // opcode 3
  EXPECT_TRUE(ParseFrame(Bytes({0x8B, 0x80, 0, 0, 0, 0}), ClientLimits()).error);  // opcode 0xB
}

TEST(FrameCodecTest, RejectsBadControlFrames) {
  // A fragmented ping.
  ParseResult fragmented = ParseFrame(Bytes({0x09, 0x80, 0, 0, 0, 0}), ClientLimits());
  ASSERT_TRUE(fragmented.error);
  EXPECT_EQ(fragmented.error->code, kCloseProtocolError);
  // A ping announcing 126 bytes.
  ParseResult too_long = ParseFrame(Bytes({0x89, 0xFE, 0x00, 0x7E}), ClientLimits());
  ASSERT_TRUE(too_long.error);
  EXPECT_EQ(too_long.error->code, kCloseProtocolError);
}

TEST(FrameCodecTest, RejectsNonMinimalLengths) {
  EXPECT_TRUE(ParseFrame(Bytes({0x81, 0xFE, 0x00, 0x05}), ClientLimits()).error);
  EXPECT_TRUE(ParseFrame(Bytes({0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5}), ClientLimits()).error);
  EXPECT_TRUE(ParseFrame(Bytes({0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}), ClientLimits()).error);
}

TEST(FrameCodecTest, RefusesOversizedFrameFromItsHeader) {
  FrameLimits limits;
  limits.max_frame_bytes = 1000;
  // Only the header of a 2000-byte frame has arrived: refused at once, not buffered.
  ParseResult result = ParseFrame(Bytes({0x82, 0xFE, 0x07, 0xD0}), limits);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, kCloseMessageTooBig);
}

TEST(FrameCodecTest, MaskRoundTripsAtAnyOffset) {
  std::string data = "The quick brown fox";
  const std::string original = data;
  ApplyMask(data, kMask, 3);
  EXPECT_NE(data, original);
  ApplyMask(data, kMask, 3);
  EXPECT_EQ(data, original);
}

TEST(FrameCodecTest, ValidatesUtf8Strictly) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // κόσμε
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));                              // emoji
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                                     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                                 // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                             // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));                                     // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(FrameCodecTest, ClosePayloadCarriesCodeAndTruncatedReason) {
  const std::string payload = ClosePayload(1000, "bye");
  EXPECT_EQ(payload, Bytes({0x03, 0xE8, 'b', 'y', 'e'}));
  EXPECT_LE(ClosePayload(1001, std::string(500, 'r')).size(), 125u);
}

std::string Masked(bool fin, Opcode opcode, std::string payload) {
  return SerializeFrame(Frame{fin, opcode, std::move(payload)}, kMask);
}

// RFC 6455 §5.7: a fragmented unmasked text message "Hel" + "lo", here masked as a client sends.
TEST(MessageAssemblerTest, JoinsFragmentsWithInterleavedPing) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  std::string wire = Masked(false, Opcode::kText, "Hel") + Masked(true, Opcode::kPing, "p") +
                     Masked(true, Opcode::kContinuation, "lo");
  std::vector<Message> messages;
  // Byte by byte: every split point must work.
  for (char c : wire) {
    for (Message& m : assembler.Feed(std::string(1, c))) messages.push_back(std::move(m));
  }
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].opcode, Opcode::kPing);
  EXPECT_EQ(messages[1].opcode, Opcode::kText);
  EXPECT_EQ(messages[1].payload, "Hello");
  EXPECT_FALSE(assembler.error());
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
}

TEST(MessageAssemblerTest, RejectsContinuationWithoutStart) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  EXPECT_TRUE(assembler.Feed(Masked(true, Opcode::kContinuation, "x")).empty());
  ASSERT_TRUE(assembler.error());
  EXPECT_EQ(assembler.error()->code, kCloseProtocolError);
}

TEST(MessageAssemblerTest, RejectsNewMessageInsideFragmentedOne) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  assembler.Feed(Masked(false, Opcode::kText, "a") + Masked(true, Opcode::kText, "b"));
  ASSERT_TRUE(assembler.error());
  EXPECT_EQ(assembler.error()->code, kCloseProtocolError);
}

TEST(MessageAssemblerTest, EnforcesMessageLimitAcrossFragments) {
  MessageAssembler assembler(FrameLimits{}, 10);
  assembler.Feed(Masked(false, Opcode::kText, "123456") +
                 Masked(true, Opcode::kContinuation, "78901"));
  ASSERT_TRUE(assembler.error());
  EXPECT_EQ(assembler.error()->code, kCloseMessageTooBig);
}

TEST(MessageAssemblerTest, RejectsInvalidUtf8Text) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  assembler.Feed(Masked(true, Opcode::kText, "\xc0\xaf"));
  ASSERT_TRUE(assembler.error());
  EXPECT_EQ(assembler.error()->code, kCloseInvalidPayload);
}

TEST(MessageAssemblerTest, AllowsUtf8SplitAcrossFragments) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  std::vector<Message> messages = assembler.Feed(Masked(false, Opcode::kText, "\xce") +
                                                 Masked(true, Opcode::kContinuation, "\xba"));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].payload, "\xce\xba");
}

TEST(MessageAssemblerTest, RejectsOneByteClosePayload) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  assembler.Feed(Masked(true, Opcode::kClose, "x"));
  ASSERT_TRUE(assembler.error());
}

TEST(MessageAssemblerTest, StopsAfterError) {
  MessageAssembler assembler(FrameLimits{}, 1 << 20);
  assembler.Feed(Bytes({0x81, 0x01, 0x41}));  // unmasked
  ASSERT_TRUE(assembler.error());
  EXPECT_TRUE(assembler.Feed(Masked(true, Opcode::kText, "ok")).empty());
}

}  // namespace
}  // namespace nexus::gateway::ws
