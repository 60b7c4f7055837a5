#include "gateway/pipeline/chat_request_check.h"

#include <cstdint>

#include "gateway/upstream/json_sax.h"

namespace nexus::gateway {
namespace {

enum class Type { kNull, kBool, kInteger, kFloat, kString, kObject, kArray };

bool Matches(ChatFieldKind kind, Type t) {
  switch (kind) {
    case ChatFieldKind::kBool:
      return t == Type::kBool;
    case ChatFieldKind::kNumber:
      return t == Type::kInteger || t == Type::kFloat;
    case ChatFieldKind::kInteger:
      return t == Type::kInteger;
    case ChatFieldKind::kString:
      return t == Type::kString;
    case ChatFieldKind::kArray:
      return t == Type::kArray;
    case ChatFieldKind::kObject:
      return t == Type::kObject;
    case ChatFieldKind::kStringOrArray:
      return t == Type::kString || t == Type::kArray;
  }
  return false;
}

// Top-level members the check cares about: model, messages, then kChatFieldTypes in order.
constexpr int kModel = 0;
constexpr int kMessages = 1;
constexpr int kFirstTyped = 2;
constexpr int kOther = -1;

int TopLevelField(std::string_view key) {
  if (key == "model") return kModel;
  if (key == "messages") return kMessages;
  for (size_t i = 0; i < kChatFieldTypes.size(); ++i) {
    if (key == kChatFieldTypes[i].name) return kFirstTyped + static_cast<int>(i);
  }
  return kOther;
}

// json_sax handler applying DecodeChat's rules as the events go by. Any doubt returns false.
class ChatCheck {
 public:
  explicit ChatCheck(int max_depth) : max_depth_(max_depth) {}

  bool null() {
    if (!Value(Type::kNull)) return false;
    if (depth_ == 2 && container_ == kStreamOptionsField && include_usage_key_) {
      summary_.client_wants_usage = false;
    }
    return true;
  }
  bool boolean(bool v) {
    if (!Value(Type::kBool)) return false;
    if (depth_ == 1 && field_ == kStreamField) summary_.stream = v;
    if (depth_ == 2 && container_ == kStreamOptionsField && include_usage_key_) {
      summary_.client_wants_usage = v;
    }
    return true;
  }
  bool number_integer(int64_t) { return Value(Type::kInteger); }
  bool number_unsigned(uint64_t) { return Value(Type::kInteger); }
  bool number_float(double) { return Value(Type::kFloat); }
  bool string(std::string_view s) {
    if (!Value(Type::kString)) return false;
    if (depth_ == 1 && field_ == kModel) {
      if (s.empty()) return false;
      summary_.model = s;
    }
    return true;
  }
  bool key(std::string_view k) {
    if (depth_ == 1) {
      field_ = TopLevelField(k);
      container_ = kOther;
      if (field_ == kOther) return true;
      const uint32_t bit = 1u << field_;
      if (seen_ & bit) return false;  // given twice: let the DOM decide which wins
      seen_ |= bit;
    } else if (depth_ == 2 && container_ == kStreamOptionsField) {
      include_usage_key_ = k == "include_usage";
    } else if (depth_ == 3 && container_ == kMessages) {
      message_key_ = k == "role" ? kRoleKey : k == "content" ? kContentKey : kOtherKey;
    }
    return true;
  }
  bool start_object() { return Value(Type::kObject) && Push(); }
  bool start_array() { return Value(Type::kArray) && Push(); }
  bool end_object() {
    --depth_;
    if (depth_ == 2 && container_ == kMessages && !role_seen_) return false;
    return true;
  }
  bool end_array() {
    --depth_;
    if (depth_ == 1 && field_ == kMessages && messages_ == 0) return false;
    return true;
  }

  bool complete() const { return (seen_ & 1u << kModel) && (seen_ & 1u << kMessages); }
  ChatRequestSummary& summary() { return summary_; }

 private:
  static constexpr int kStreamField = kFirstTyped + 0;
  static constexpr int kStreamOptionsField = kFirstTyped + 1;
  enum MessageKey { kOtherKey, kRoleKey, kContentKey };

  bool Push() { return ++depth_ <= max_depth_; }

  // Called with the type of every value before its container (if any) is entered.
  bool Value(Type t) {
    switch (depth_) {
      case 0:
        return t == Type::kObject;
      case 1:
        return TopLevelValue(t);
      case 2:
        if (container_ == kMessages) {
          if (t != Type::kObject) return false;
          ++messages_;
          role_seen_ = false;
          message_key_ = kOtherKey;
        } else if (container_ == kStreamOptionsField && include_usage_key_) {
          return t == Type::kNull || t == Type::kBool;
        }
        return true;
      case 3:
        if (container_ != kMessages) return true;
        if (message_key_ == kRoleKey) {
          role_seen_ = true;
          return t == Type::kString;
        }
        if (message_key_ == kContentKey) {
          return t == Type::kNull || t == Type::kString || t == Type::kArray;
        }
        return true;
      default:
        return true;
    }
  }

  bool TopLevelValue(Type t) {
    if (field_ == kOther) return true;
    if (field_ == kModel) return t == Type::kString;
    if (field_ == kMessages) {
      if (t != Type::kArray) return false;
      container_ = kMessages;
      return true;
    }
    if (t == Type::kNull) return true;  // null means "not given"
    if (!Matches(kChatFieldTypes[static_cast<size_t>(field_ - kFirstTyped)].kind, t)) return false;
    if (field_ == kStreamOptionsField) container_ = kStreamOptionsField;
    return true;
  }

  const int max_depth_;
  int depth_ = 0;
  int field_ = kOther;      // the top-level member being read
  int container_ = kOther;  // kMessages or kStreamOptionsField while inside one
  uint32_t seen_ = 0;
  bool include_usage_key_ = false;
  MessageKey message_key_ = kOtherKey;
  bool role_seen_ = false;
  size_t messages_ = 0;
  ChatRequestSummary summary_;
};

}  // namespace

std::optional<ChatRequestSummary> QuickCheckChatRequest(std::string_view body, int max_depth) {
  ChatCheck check(max_depth);
  thread_local std::string buffer;
  if (!json_sax::Parse(body, check, buffer) || !check.complete()) return std::nullopt;
  return std::move(check.summary());
}

}  // namespace nexus::gateway
