#ifndef NEXUS_GATEWAY_UPSTREAM_OPENAI_SCAN_H_
#define NEXUS_GATEWAY_UPSTREAM_OPENAI_SCAN_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/upstream/chat_body.h"

namespace nexus::gateway {

// What one OpenAI response object (a stream chunk or a whole answer) says about accounting.
struct OpenAiScanResult {
  // The input was well-formed JSON.
  bool valid = false;
  // A top-level "choices" array, and how many elements it had.
  bool has_choices = false;
  size_t choice_count = 0;
  // A non-null top-level "usage" object, and its counts.
  bool has_usage = false;
  TokenUsage usage;
  // A non-null top-level "error".
  bool has_error = false;
  // Some choice carried a non-null finish_reason.
  bool finished = false;
};

// Where the completion text of a choice lives.
enum class ChoiceTextField { kDelta, kMessage };

// Scans `json` in one pass with json_sax (no document is built): usage, choices, error, and the
// text of each choice handed to `on_text` (may be empty). `scratch` is reused between calls to
// avoid allocations.
OpenAiScanResult ScanOpenAiObject(std::string_view json, ChoiceTextField field,
                                  const CompletionTextFn& on_text, std::string& scratch);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_OPENAI_SCAN_H_
