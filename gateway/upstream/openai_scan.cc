#include "gateway/upstream/openai_scan.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "gateway/upstream/json_sax.h"

namespace nexus::gateway {
namespace {

// The member names the scanner cares about; everything else is kOther.
enum class Key : uint8_t {
  kOther,
  kElement,  // an array element
  kChoices,
  kBody,  // "delta" or "message", whichever holds the text
  kText,  // content, reasoning_content, reasoning, refusal
  kToolCalls,
  kFunctionCall,
  kFunction,
  kFunctionText,  // name, arguments
  kUsage,
  kPromptTokens,
  kCompletionTokens,
  kTotalTokens,
  kIndex,
  kError,
  kFinishReason,
};

Key Classify(std::string_view k, ChoiceTextField field) {
  switch (k.size()) {
    case 4:
      if (k == "name") return Key::kFunctionText;
      break;
    case 5:
      if (k == "delta") return field == ChoiceTextField::kDelta ? Key::kBody : Key::kOther;
      if (k == "index") return Key::kIndex;
      if (k == "usage") return Key::kUsage;
      if (k == "error") return Key::kError;
      break;
    case 7:
      if (k == "choices") return Key::kChoices;
      if (k == "content") return Key::kText;
      if (k == "message") return field == ChoiceTextField::kMessage ? Key::kBody : Key::kOther;
      if (k == "refusal") return Key::kText;
      break;
    case 8:
      if (k == "function") return Key::kFunction;
      break;
    case 9:
      if (k == "reasoning") return Key::kText;
      break;
    case 10:
      if (k == "tool_calls") return Key::kToolCalls;
      break;
    case 12:
      if (k == "total_tokens") return Key::kTotalTokens;
      break;
    case 13:
      if (k == "prompt_tokens") return Key::kPromptTokens;
      if (k == "function_call") return Key::kFunctionCall;
      if (k == "finish_reason") return Key::kFinishReason;
      break;
    case 17:
      if (k == "completion_tokens") return Key::kCompletionTokens;
      if (k == "reasoning_content") return Key::kText;
      break;
    default:
      break;
  }
  if (k == "arguments") return Key::kFunctionText;
  return Key::kOther;
}

// An upstream may send any number where a count belongs (1e30): converting a double outside
// int64's range is undefined, so it saturates instead.
int64_t SaturatingInt64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return a < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

// json_sax handler tracking just enough of the path to find usage, choices and text.
class Scanner {
 public:
  Scanner(ChoiceTextField field, const CompletionTextFn& on_text, std::string& text,
          OpenAiScanResult& out)
      : field_(field), on_text_(on_text), text_(text), out_(out) {}

  bool null() {
    Slot();
    return true;
  }
  bool boolean(bool) { return Scalar(); }
  bool number_integer(int64_t v) { return Number(v); }
  bool number_unsigned(uint64_t v) { return Number(static_cast<int64_t>(v)); }
  bool number_float(double v) { return Number(SaturatingInt64(v)); }

  bool string(std::string_view s) {
    const Key slot = Slot();
    if (depth_ == 1 && slot == Key::kError) out_.has_error = true;
    if (depth_ == 3 && InChoice() && slot == Key::kFinishReason) out_.finished = true;
    if (on_text_ && InChoice() && frames_[3].key == Key::kBody) {
      const bool text = depth_ == 4 && slot == Key::kText;
      const bool tool = depth_ == 7 && slot == Key::kFunctionText &&
                        frames_[4].key == Key::kToolCalls && frames_[6].key == Key::kFunction;
      const bool legacy =
          depth_ == 5 && slot == Key::kFunctionText && frames_[4].key == Key::kFunctionCall;
      if (text || tool || legacy) text_.append(s);
    }
    return true;
  }

  bool start_object() {
    const Key slot = Slot();
    if (depth_ == 1 && slot == Key::kUsage) {
      out_.has_usage = true;
      out_.usage = TokenUsage{};
      total_seen_ = false;
    }
    if (depth_ == 1 && slot == Key::kError) out_.has_error = true;
    if (depth_ == 2 && frames_[1].key == Key::kChoices && frames_[1].array) {
      ++out_.choice_count;
      choice_index_ = static_cast<int>(out_.choice_count - 1);
      text_.clear();
    }
    return Push(slot, /*array=*/false);
  }

  bool end_object() {
    if (depth_ == 3 && InChoice() && on_text_ && !text_.empty()) on_text_(choice_index_, text_);
    if (depth_ == 2 && frames_[1].key == Key::kUsage && !total_seen_) {
      out_.usage.total_tokens =
          SaturatingAdd(out_.usage.prompt_tokens, out_.usage.completion_tokens);
    }
    --depth_;
    return true;
  }

  bool start_array() {
    const Key slot = Slot();
    if (depth_ == 1 && slot == Key::kChoices) out_.has_choices = true;
    if (depth_ == 1 && slot == Key::kError) out_.has_error = true;
    return Push(slot, /*array=*/true);
  }

  bool end_array() {
    --depth_;
    return true;
  }

  bool key(std::string_view k) {
    key_ = Classify(k, field_);
    return true;
  }

 private:
  struct Frame {
    Key key = Key::kOther;
    bool array = false;
  };
  static constexpr int kTracked = 8;

  // The key of the slot the next value fills.
  Key Slot() const {
    if (depth_ == 0) return Key::kOther;
    if (depth_ <= kTracked && frames_[depth_ - 1].array) return Key::kElement;
    return key_;
  }
  bool InChoice() const {
    return depth_ >= 3 && depth_ <= kTracked && frames_[1].key == Key::kChoices &&
           frames_[1].array && !frames_[2].array;
  }
  bool Push(Key key, bool array) {
    if (depth_ < kTracked) frames_[depth_] = Frame{key, array};
    ++depth_;
    key_ = Key::kOther;
    return true;
  }
  bool Scalar() {
    const Key slot = Slot();
    if (depth_ == 1 && slot == Key::kError) out_.has_error = true;
    if (depth_ == 3 && InChoice() && slot == Key::kFinishReason) out_.finished = true;
    return true;
  }
  bool Number(int64_t v) {
    const Key slot = Slot();
    if (depth_ == 2 && frames_[1].key == Key::kUsage && !frames_[1].array) {
      if (slot == Key::kPromptTokens) out_.usage.prompt_tokens = v;
      if (slot == Key::kCompletionTokens) out_.usage.completion_tokens = v;
      if (slot == Key::kTotalTokens) {
        out_.usage.total_tokens = v;
        total_seen_ = true;
      }
    }
    if (depth_ == 3 && InChoice() && slot == Key::kIndex) choice_index_ = static_cast<int>(v);
    return Scalar();
  }

  ChoiceTextField field_;
  const CompletionTextFn& on_text_;
  std::string& text_;
  OpenAiScanResult& out_;
  std::array<Frame, kTracked> frames_{};
  int depth_ = 0;
  Key key_ = Key::kOther;
  int choice_index_ = 0;
  bool total_seen_ = false;
};

}  // namespace

OpenAiScanResult ScanOpenAiObject(std::string_view json, ChoiceTextField field,
                                  const CompletionTextFn& on_text, std::string& scratch) {
  OpenAiScanResult out;
  Scanner scanner(field, on_text, scratch, out);
  // The scanner's text buffer is `scratch`; strings are read into a second per-thread buffer.
  thread_local std::string buffer;
  out.valid = json_sax::Parse(json, scanner, buffer);
  return out;
}

}  // namespace nexus::gateway
