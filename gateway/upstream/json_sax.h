#ifndef NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_
#define NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

// A strict, allocation-free (after warm-up) JSON event parser for the gateway's hot paths: every
// request body and every relayed stream chunk is checked and scanned once. It accepts exactly what
// nlohmann::json::sax_parse accepts (RFC 8259, well-formed UTF-8, paired \u surrogates, finite
// numbers, an optional leading UTF-8 byte order mark, nothing after the value), so a fast path
// built on it can fall back to a DOM parse for error reporting without changing any answer. It
// costs a few instructions per byte where nlohmann's lexer costs tens.
namespace nexus::gateway::json_sax {

// The handler is a class with these members; returning false stops the parse (Parse then returns
// false):
//   bool null();                 bool boolean(bool value);
//   bool number_integer(int64_t value);    // negative integers that fit int64_t
//   bool number_unsigned(uint64_t value);  // non-negative integers that fit uint64_t
//   bool number_float(double value);       // everything else (fraction, exponent, overflow)
//   bool string(std::string_view value);   // unescaped UTF-8, valid during the call
//   bool key(std::string_view name);       // unescaped UTF-8, valid during the call
//   bool start_object();  bool end_object();  bool start_array();  bool end_array();
// string/key may take `std::string&` instead (nlohmann's SAX signature): the text is then copied
// into the buffer first. With std::string_view a string without escapes is never copied.

namespace internal {

// The high bit of each of the eight bytes at p that needs attention inside a JSON string (a quote,
// a backslash, a control or a non-ASCII byte). The lowest flagged byte is exact: a borrow only
// runs upwards from a flagged byte.
inline uint64_t SpecialBytes(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  const uint64_t quote = v ^ (kOnes * '"');
  const uint64_t backslash = v ^ (kOnes * '\\');
  const uint64_t special = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                           ((v - kOnes * 0x20) & ~v) | v;
  return special & kHigh;
}

// ReadString for every string the inline fast path does not finish.
bool ReadStringSlow(const char*& p, const char* end, std::string& buffer, std::string_view* value);

// Reads the string whose opening quote is at *p; advances p past the closing quote. `*value` is its
// unescaped text: a view of the input when the string holds no escape, else of `buffer`. False on
// malformed input.
inline bool ReadString(const char*& p, const char* end, std::string& buffer,
                       std::string_view* value) {
  // Fast path, inline: plain ASCII up to the closing quote, eight bytes at a time.
  if constexpr (std::endian::native == std::endian::little) {
    const char* q = p + 1;
    while (end - q >= 8) {
      const uint64_t special = SpecialBytes(q);
      if (special == 0) {
        q += 8;
        continue;
      }
      q += std::countr_zero(special) / 8;
      if (*q != '"') break;
      *value = std::string_view(p + 1, static_cast<size_t>(q - p - 1));
      p = q + 1;
      return true;
    }
  }
  return ReadStringSlow(p, end, buffer, value);
}
// Reads a number starting at *p; advances p past it and stores its kind and value.
enum class NumberKind { kInvalid, kInteger, kUnsigned, kFloat };
struct Number {
  NumberKind kind = NumberKind::kInvalid;
  int64_t integer = 0;
  uint64_t unsigned_value = 0;
  double floating = 0;
};
Number ReadNumber(const char*& p, const char* end);

// Reads `literal` (true, false, null) at p.
template <size_t N>
inline bool ReadLiteral(const char*& p, const char* end, const char (&literal)[N]) {
  constexpr size_t kLength = N - 1;
  if (static_cast<size_t>(end - p) < kLength) return false;
  for (size_t i = 0; i < kLength; ++i) {
    if (p[i] != literal[i]) return false;
  }
  p += kLength;
  return true;
}

inline const char* SkipSpace(const char* p, const char* end) {
  // Compact JSON (the usual kind) has no whitespace between tokens: one test.
  if (p<end&& static_cast<unsigned char>(*p)> ' ') return p;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
}

// The open containers (true: object, false: array): one word for the first 64 levels, a vector
// beyond (nesting depth is not limited, as in nlohmann).
class ContainerStack {
 public:
  bool empty() const { return depth_ == 0; }
  bool top() const {
    const size_t i = depth_ - 1;
    return i < 64 ? (bits_ >> i) & 1 : deep_[i - 64];
  }
  void push(bool object) {
    if (depth_ < 64) {
      bits_ = object ? bits_ | (uint64_t{1} << depth_) : bits_ & ~(uint64_t{1} << depth_);
    } else {
      deep_.push_back(object);
    }
    ++depth_;
  }
  void pop() {
    --depth_;
    if (depth_ >= 64) deep_.pop_back();
  }

 private:
  uint64_t bits_ = 0;
  size_t depth_ = 0;
  std::vector<bool> deep_;
};

// Hands a string (or, with `is_key`, a member name) to the handler in the form it takes.
template <typename Handler>
inline bool Emit(Handler& handler, bool is_key, std::string_view value, std::string& buffer) {
  if constexpr (requires(Handler & h, std::string_view v) {
                  h.string(v);
                  h.key(v);
                }) {
    return is_key ? handler.key(value) : handler.string(value);
  } else {
    if (value.data() != buffer.data()) buffer.assign(value);
    return is_key ? handler.key(buffer) : handler.string(buffer);
  }
}

}  // namespace internal

// Parses `json`, calling `handler` for every event. `buffer` holds strings between calls (reuse it
// to avoid allocations). True when the whole input was one valid JSON value and no handler call
// returned false.
template <typename Handler>
bool Parse(std::string_view json, Handler& handler, std::string& buffer) {
  using internal::SkipSpace;
  const char* p = json.data();
  const char* const end = p + json.size();
  if (json.size() >= 3 && json.substr(0, 3) == "\xEF\xBB\xBF") p += 3;
  // true: object, false: array.
  internal::ContainerStack stack;
value:
  p = SkipSpace(p, end);
  if (p == end) return false;
  switch (*p) {
    case '{':
      ++p;
      if (!handler.start_object()) return false;
      p = SkipSpace(p, end);
      if (p < end && *p == '}') {
        ++p;
        if (!handler.end_object()) return false;
        goto after_value;
      }
      stack.push(true);
      goto key;
    case '[':
      ++p;
      if (!handler.start_array()) return false;
      p = SkipSpace(p, end);
      if (p < end && *p == ']') {
        ++p;
        if (!handler.end_array()) return false;
        goto after_value;
      }
      stack.push(false);
      goto value;
    case '"': {
      std::string_view text;
      if (!internal::ReadString(p, end, buffer, &text) ||
          !internal::Emit(handler, /*is_key=*/false, text, buffer)) {
        return false;
      }
      goto after_value;
    }
    case 't':
      if (!internal::ReadLiteral(p, end, "true") || !handler.boolean(true)) return false;
      goto after_value;
    case 'f':
      if (!internal::ReadLiteral(p, end, "false") || !handler.boolean(false)) return false;
      goto after_value;
    case 'n':
      if (!internal::ReadLiteral(p, end, "null") || !handler.null()) return false;
      goto after_value;
    default: {
      const internal::Number n = internal::ReadNumber(p, end);
      switch (n.kind) {
        case internal::NumberKind::kInteger:
          if (!handler.number_integer(n.integer)) return false;
          break;
        case internal::NumberKind::kUnsigned:
          if (!handler.number_unsigned(n.unsigned_value)) return false;
          break;
        case internal::NumberKind::kFloat:
          if (!handler.number_float(n.floating)) return false;
          break;
        case internal::NumberKind::kInvalid:
          return false;
      }
      goto after_value;
    }
  }
key:
  p = SkipSpace(p, end);
  if (p == end || *p != '"') return false;
  {
    std::string_view name;
    if (!internal::ReadString(p, end, buffer, &name) ||
        !internal::Emit(handler, /*is_key=*/true, name, buffer)) {
      return false;
    }
  }
  p = SkipSpace(p, end);
  if (p == end || *p != ':') return false;
  ++p;
  goto value;
after_value:
  p = SkipSpace(p, end);
  if (stack.empty()) return p == end;
  if (p == end) return false;
  if (*p == ',') {
    ++p;
    if (stack.top()) goto key;
    goto value;
  }
  if (*p == (stack.top() ? '}' : ']')) {
    ++p;
    const bool object = stack.top();
    stack.pop();
    if (!(object ? handler.end_object() : handler.end_array())) return false;
    goto after_value;
  }
  return false;
}

// A handler that accepts everything: Parse(json, validator, buffer) only checks syntax.
struct Validator {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(int64_t) { return true; }
  bool number_unsigned(uint64_t) { return true; }
  bool number_float(double) { return true; }
  bool string(std::string_view) { return true; }
  bool key(std::string_view) { return true; }
  bool start_object() { return true; }
  bool end_object() { return true; }
  bool start_array() { return true; }
  bool end_array() { return true; }
};

}  // namespace nexus::gateway::json_sax

#endif  // NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_
