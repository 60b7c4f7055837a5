#include "gateway/upstream/json_sax.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace nexus::gateway {
namespace {

using Json = nlohmann::json;

// Records events as text, for both parsers alike.
struct Recorder {
  std::vector<std::string> events;
  bool null() { return Add("null"); }
  bool boolean(bool v) { return Add(v ? "true" : "false"); }
  bool number_integer(int64_t v) { return Add("i" + std::to_string(v)); }
  bool number_unsigned(uint64_t v) { return Add("u" + std::to_string(v)); }
  bool number_float(double v) { return Add("f" + std::to_string(v)); }
  bool number_float(double v, const std::string&) { return number_float(v); }
  bool string(std::string& s) { return Add("s:" + s); }
  bool key(std::string& s) { return Add("k:" + s); }
  bool binary(Json::binary_t&) { return Add("binary"); }
  bool start_object() { return Add("{"); }
  bool start_object(std::size_t) { return Add("{"); }
  bool end_object() { return Add("}"); }
  bool start_array() { return Add("["); }
  bool start_array(std::size_t) { return Add("["); }
  bool end_array() { return Add("]"); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
  bool Add(std::string e) {
    events.push_back(std::move(e));
    return true;
  }
};

struct Outcome {
  bool ok;
  std::vector<std::string> events;
};

Outcome Ours(std::string_view text) {
  Recorder r;
  std::string buffer;
  bool ok = json_sax::Parse(text, r, buffer);
  return {ok, r.events};
}

Outcome Reference(std::string_view text) {
  Recorder r;
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &r);
  } catch (const Json::exception&) {
    ok = false;
  }
  return {ok, r.events};
}

void ExpectSame(std::string_view text) {
  Outcome ours = Ours(text);
  Outcome reference = Reference(text);
  ASSERT_EQ(ours.ok, reference.ok) << "input: " << text;
  if (ours.ok) {
    EXPECT_EQ(ours.events, reference.events) << "input: " << text;
  }
}

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
      R"("choices":[{"index":0,"delta":{"content":"Hi \"there\"\n\u00e9\ud83d\ude00"},)"
      R"("finish_reason":null}],"usage":{"prompt_tokens":9,"completion_tokens":12,)"
      R"("total_tokens":21}})",
      R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":[{"type":"text","text":"x"}]}],"temperature":0.2,"top_p":1,)"
      R"("max_tokens":128,"n":1,"stream":true,"stream_options":{"include_usage":true}})",
      R"([1, -1, 0, -0, 1.5, -2.5e10, 1E-3, 18446744073709551615, 18446744073709551616,)"
      R"( -9223372036854775808, -9223372036854775809, 123456789012345678901234567890])",
      "  {\"a\" : [ true , false , null ] , \"b\" : { } , \"c\" : [ ] }\r\n\t",
      "\xEF\xBB\xBF{\"bom\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}",
  };
  return seeds;
}

TEST(JsonSaxTest, MatchesTheReferenceParserOnValidDocuments) {
  for (const std::string& seed : Seeds()) {
    ASSERT_TRUE(Ours(seed).ok) << seed;
    ExpectSame(seed);
  }
}

TEST(JsonSaxTest, MatchesTheReferenceParserOnInvalidDocuments) {
  const std::vector<std::string> bad = {
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{a:1}",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "1e+",
      "+1",
      "1e400",
      "-1e400",
      "tru",
      "nul",
      "true false",
      "\"unterminated",
      "\"bad escape \\x\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      std::string("\"ctl \x01\""),
      std::string("\"nul \0\"", 7),
      "\"\xC0\xAF\"",
      "\"\xED\xA0\x80\"",
      "\"\xF4\x90\x80\x80\"",
      "\"\xE2\x82\"",
      "\"\x80\"",
      "\xEF\xBB{}",
      "[1] x",
      "{\"a\":[1,2}",
      "[[[[[]]]]",
      "NaN",
      "Infinity",
      "[1,,2]",
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(Ours(text).ok) << text;
    ExpectSame(text);
  }
}

TEST(JsonSaxTest, MatchesTheReferenceParserOnMutatedDocuments) {
  std::mt19937 random(20261126);
  const std::string alphabet = "{}[],:\"\\ 0123456789.eE+-tfnul\x01\x7f\xC3\xA9\xED\xF0u";
  for (const std::string& seed : Seeds()) {
    for (int round = 0; round < 3000; ++round) {
      std::string text = seed;
      const int edits = 1 + static_cast<int>(random() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t at = random() % text.size();
        const char c = alphabet[random() % alphabet.size()];
        switch (random() % 3) {
          case 0:
            text[at] = c;
            break;
          case 1:
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
            break;
          default:
            text.erase(at, 1);
        }
      }
      ExpectSame(text);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(JsonSaxTest, SpecialBytesAtEveryOffsetOfALongString) {
  const std::vector<std::string> specials = {"\\n", "\\\"",     "\x01", "\x1f", "\x7f",
                                             " ",   "\xC3\xA9", "\xFF", "\"",   "~"};
  for (const std::string& special : specials) {
    for (size_t at = 0; at <= 24; ++at) {
      std::string text = "[\"" + std::string(24, 'a') + "\"]";
      text.insert(2 + at, special);
      ExpectSame(text);
    }
  }
}

TEST(JsonSaxTest, DeepNestingNeedsNoRecursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_TRUE(Ours(deep).ok);
  EXPECT_FALSE(Ours(deep.substr(0, deep.size() - 1)).ok);
}

TEST(JsonSaxTest, AHandlerCanStopTheParse) {
  struct StopAtKey : json_sax::Validator {
    bool key(std::string& k) { return k != "stop"; }
  } handler;
  std::string buffer;
  EXPECT_TRUE(json_sax::Parse(R"({"go":1})", handler, buffer));
  EXPECT_FALSE(json_sax::Parse(R"({"stop":1})", handler, buffer));
}

}  // namespace
}  // namespace nexus::gateway
