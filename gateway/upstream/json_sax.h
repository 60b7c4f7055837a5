#ifndef NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_
#define NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"

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
//   bool string(std::string& value);       // unescaped UTF-8
//   bool key(std::string& name);           // unescaped UTF-8
//   bool start_object();  bool end_object();  bool start_array();  bool end_array();

namespace internal {

// Reads the string whose opening quote is at *p into `out` (unescaped); advances p past the
// closing quote. False on malformed input.
bool ReadString(const char*& p, const char* end, std::string& out);
// Reads a number starting at *p; advances p past it and stores its kind and value.
enum class NumberKind { kInvalid, kInteger, kUnsigned, kFloat };
struct Number {
  NumberKind kind = NumberKind::kInvalid;
  int64_t integer = 0;
  uint64_t unsigned_value = 0;
  double floating = 0;
};
Number ReadNumber(const char*& p, const char* end);
bool ReadLiteral(const char*& p, const char* end, std::string_view literal);

inline const char* SkipSpace(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
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
  absl::InlinedVector<bool, 32> stack;
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
      stack.push_back(true);
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
      stack.push_back(false);
      goto value;
    case '"':
      if (!internal::ReadString(p, end, buffer) || !handler.string(buffer)) return false;
      goto after_value;
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
  if (!internal::ReadString(p, end, buffer) || !handler.key(buffer)) return false;
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
    if (stack.back()) goto key;
    goto value;
  }
  if (*p == (stack.back() ? '}' : ']')) {
    ++p;
    const bool object = stack.back();
    stack.pop_back();
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
  bool string(std::string&) { return true; }
  bool key(std::string&) { return true; }
  bool start_object() { return true; }
  bool end_object() { return true; }
  bool start_array() { return true; }
  bool end_array() { return true; }
};

}  // namespace nexus::gateway::json_sax

#endif  // NEXUS_GATEWAY_UPSTREAM_JSON_SAX_H_
