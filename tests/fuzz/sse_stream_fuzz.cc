// Fuzzes the upstream side of a chat: the bytes an upstream sends back. The text/event-stream
// parser and the OpenAI stream relay on top of it, and the usage scan of a non-streaming answer.
//
// Invariants: no crash; the parser and the relay produce the same events, usage and final status
// whether the bytes arrive at once or in small pieces (TCP may split anywhere); memory stays
// within the configured limits (small limits here, so the limit paths are reached).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/upstream/chat_body.h"
#include "gateway/upstream/chat_stream_relay.h"
#include "gateway/upstream/sse_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway {
namespace {

constexpr SseParserLimits kLimits{.max_line_bytes = 512, .max_event_bytes = 2048};

// Feeds `bytes` whole (step 0) or in pieces of `step` bytes.
template <typename FeedFn>
absl::Status FeedInPieces(std::string_view bytes, size_t step, FeedFn feed) {
  if (step == 0) return feed(bytes);
  absl::Status status;
  for (size_t at = 0; at < bytes.size() && status.ok(); at += step) {
    status = feed(bytes.substr(at, step));
  }
  return status;
}

struct ParserRun {
  std::vector<std::string> events;  // type, id and data of each event
  absl::StatusCode code = absl::StatusCode::kOk;
  bool partial = false;
};

ParserRun Parse(std::string_view bytes, size_t step) {
  ParserRun run;
  SseParser parser(
      [&](const SseEvent& event) {
        FUZZ_CHECK(event.data.size() <= kLimits.max_event_bytes);
        run.events.push_back(std::string(event.type) + '\0' + std::string(event.id) + '\0' +
                             std::string(event.data));
        return run.events.size() < 64;  // stopping early is part of the contract too
      },
      kLimits);
  run.code = FeedInPieces(bytes, step, [&](std::string_view b) { return parser.Feed(b); }).code();
  run.partial = parser.has_partial_event();
  FUZZ_CHECK(parser.events_dispatched() == run.events.size());
  return run;
}

struct RelayRun {
  std::vector<std::string> events;
  std::string text;
  absl::StatusCode feed = absl::StatusCode::kOk;
  absl::StatusCode finish = absl::StatusCode::kOk;
  std::optional<TokenUsage> usage;
  bool done = false;
  bool upstream_error = false;
};

RelayRun Relay(std::string_view bytes, size_t step, bool client_wants_usage) {
  RelayRun run;
  ChatStreamRelayOptions options;
  options.client_wants_usage = client_wants_usage;
  options.limits = kLimits;
  ChatStreamRelay relay(
      options,
      [&](std::string_view data, RelayEventKind kind) {
        run.events.push_back(std::string(data) + (kind == RelayEventKind::kError ? "E" : "C"));
        return true;
      },
      [&](int choice, std::string_view text) {
        run.text += std::to_string(choice) + ':' + std::string(text) + '\n';
      });
  run.feed = FeedInPieces(bytes, step, [&](std::string_view b) { return relay.Feed(b); }).code();
  run.finish = relay.Finish().code();
  run.usage = relay.usage();
  run.done = relay.done();
  run.upstream_error = relay.upstream_error();
  FUZZ_CHECK(relay.events_relayed() == run.events.size());
  return run;
}

}  // namespace
}  // namespace nexus::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::gateway;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The split size comes from the input, so the fuzzer also explores where pieces end.
  const size_t step = size == 0 ? 1 : 1 + data[size - 1] % 13;

  const ParserRun whole = Parse(bytes, 0);
  const ParserRun pieces = Parse(bytes, step);
  FUZZ_CHECK(whole.events == pieces.events);
  FUZZ_CHECK(whole.code == pieces.code);
  FUZZ_CHECK(whole.partial == pieces.partial || whole.code != absl::StatusCode::kOk);

  for (bool client_wants_usage : {false, true}) {
    const RelayRun a = Relay(bytes, 0, client_wants_usage);
    const RelayRun b = Relay(bytes, step, client_wants_usage);
    FUZZ_CHECK(a.events == b.events);
    FUZZ_CHECK(a.text == b.text);
    FUZZ_CHECK(a.feed == b.feed);
    FUZZ_CHECK(a.finish == b.finish);
    FUZZ_CHECK(a.usage == b.usage);
    FUZZ_CHECK(a.done == b.done && a.upstream_error == b.upstream_error);
  }

  // The same bytes as a non-streaming answer body.
  (void)ExtractJsonUsage(bytes, [](int, std::string_view) {});
  return 0;
}
