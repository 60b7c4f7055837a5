#include "gateway/upstream/json_sax.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace nexus::gateway::json_sax::internal {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the four hex digits after "\u" at p; -1 when malformed.
int ReadHex4(const char* p, const char* end) {
  if (end - p < 4) return -1;
  int value = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = HexDigit(p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or 0.
size_t Utf8Length(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  auto cont = [&](size_t i, unsigned char lo, unsigned char hi) {
    return p + i < end && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) {
    return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

// Reads the escape sequence after the backslash at p (p points at the escape letter).
bool ReadEscape(const char*& p, const char* end, std::string& out) {
  if (p == end) return false;
  switch (*p) {
    case '"':
    case '\\':
    case '/':
      out.push_back(*p);
      ++p;
      return true;
    case 'b':
      out.push_back('\b');
      ++p;
      return true;
    case 'f':
      out.push_back('\f');
      ++p;
      return true;
    case 'n':
      out.push_back('\n');
      ++p;
      return true;
    case 'r':
      out.push_back('\r');
      ++p;
      return true;
    case 't':
      out.push_back('\t');
      ++p;
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  const int first = ReadHex4(p + 1, end);
  if (first < 0) return false;
  p += 5;
  uint32_t cp = static_cast<uint32_t>(first);
  if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    // A high surrogate must be followed by an escaped low one.
    if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
    const int second = ReadHex4(p + 2, end);
    if (second < 0xDC00 || second > 0xDFFF) return false;
    p += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(second) - 0xDC00);
  }
  AppendUtf8(cp, out);
  return true;
}

}  // namespace

namespace {

// Advances p to the next byte that needs attention inside a string (or to end): eight bytes at a
// time, then one by one.
inline void SkipPlain(const char*& p, const char* end) {
  if constexpr (std::endian::native == std::endian::little) {
    while (end - p >= 8) {
      const uint64_t special = SpecialBytes(p);
      if (special != 0) {
        p += std::countr_zero(special) / 8;
        return;
      }
      p += 8;
    }
  }
  while (p < end) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return;
    ++p;
  }
}

// The rest of a string from the first backslash at p on, unescaped into `out` (which holds the
// text before it).
bool ReadEscapedRest(const char*& p, const char* end, std::string& out) {
  while (true) {
    const char* run = p;
    SkipPlain(p, end);
    out.append(run, static_cast<size_t>(p - run));
    if (p == end) return false;
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      ++p;
      return true;
    }
    if (c == '\\') {
      ++p;
      if (!ReadEscape(p, end, out)) return false;
      continue;
    }
    if (c < 0x20) return false;  // control characters must be escaped
    const size_t length = Utf8Length(reinterpret_cast<const unsigned char*>(p),
                                     reinterpret_cast<const unsigned char*>(end));
    if (length == 0) return false;
    out.append(p, length);
    p += length;
  }
}

}  // namespace

bool ReadStringSlow(const char*& p, const char* end, std::string& buffer, std::string_view* value) {
  ++p;  // the opening quote
  const char* const start = p;
  // Checked in place; copied only when an escape must be decoded.
  while (true) {
    SkipPlain(p, end);
    if (p == end) return false;
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      *value = std::string_view(start, static_cast<size_t>(p - start));
      ++p;
      return true;
    }
    if (c == '\\') break;
    if (c < 0x20) return false;  // control characters must be escaped
    const size_t length = Utf8Length(reinterpret_cast<const unsigned char*>(p),
                                     reinterpret_cast<const unsigned char*>(end));
    if (length == 0) return false;
    p += length;
  }
  buffer.assign(start, static_cast<size_t>(p - start));
  if (!ReadEscapedRest(p, end, buffer)) return false;
  *value = buffer;
  return true;
}

Number ReadNumber(const char*& p, const char* end) {
  Number n;
  const char* begin = p;
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  if (p == end || *p < '0' || *p > '9') return n;
  uint64_t value = 0;
  bool overflow = false;
  if (*p == '0') {
    ++p;
  } else {
    // Up to 19 digits always fit; beyond, each step is checked.
    const char* const unchecked_end = end - p > 19 ? p + 19 : end;
    while (p < unchecked_end && *p >= '0' && *p <= '9') {
      value = value * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
    }
    while (p < end && *p >= '0' && *p <= '9') {
      const uint64_t digit = static_cast<uint64_t>(*p - '0');
      if (value > (UINT64_MAX - digit) / 10) overflow = true;
      value = value * 10 + digit;
      ++p;
    }
  }
  bool integral = true;
  if (p < end && *p == '.') {
    integral = false;
    ++p;
    if (p == end || *p < '0' || *p > '9') return n;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    integral = false;
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || *p < '0' || *p > '9') return n;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  if (integral && !overflow) {
    if (!negative) {
      n.kind = NumberKind::kUnsigned;
      n.unsigned_value = value;
      return n;
    }
    if (value <= static_cast<uint64_t>(INT64_MAX) + 1) {
      n.kind = NumberKind::kInteger;
      n.integer =
          value == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(value);
      return n;
    }
  }
  // As nlohmann does: strtod of the token, and an infinite result is an error.
  std::string token(begin, static_cast<size_t>(p - begin));
  const double d = std::strtod(token.c_str(), nullptr);
  if (!std::isfinite(d)) return n;
  n.kind = NumberKind::kFloat;
  n.floating = d;
  return n;
}

}  // namespace nexus::gateway::json_sax::internal
