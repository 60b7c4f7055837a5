#include "gateway/upstream/chat_body.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/upstream/openai_scan.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

using Json = nlohmann::json;

// One top-level member of a JSON object, as byte offsets into the text.
struct Member {
  std::string key;  // unescaped
  size_t value_begin = 0;
  size_t value_end = 0;
};

struct TopLevel {
  std::vector<Member> members;
  size_t close_brace = 0;  // offset of the object's final '}'
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Returns the offset just past the string starting at s[i] == '"', or npos.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Returns the offset just past the value starting at s[i], or npos. Nested containers are
// skipped by bracket matching; the decoder has already validated their contents.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return std::string_view::npos;
  }
  const size_t begin = i;
  while (i < s.size() && !IsSpace(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i == begin ? std::string_view::npos : i;
}

absl::StatusOr<TopLevel> ScanTopLevel(std::string_view s) {
  const absl::Status bad = absl::InvalidArgumentError("request body is not a JSON object");
  TopLevel top;
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') return bad;
  i = SkipSpace(s, i + 1);
  if (i < s.size() && s[i] == '}') {
    top.close_brace = i;
    return SkipSpace(s, i + 1) == s.size() ? absl::StatusOr<TopLevel>(top) : bad;
  }
  while (true) {
    if (i >= s.size() || s[i] != '"') return bad;
    const size_t key_end = SkipString(s, i);
    if (key_end == std::string_view::npos) return bad;
    Member m;
    std::string_view raw = s.substr(i + 1, key_end - i - 2);
    if (raw.find('\\') == std::string_view::npos) {
      m.key.assign(raw);
    } else {
      Json k = Json::parse(s.substr(i, key_end - i), nullptr, /*allow_exceptions=*/false);
      if (!k.is_string()) return bad;
      m.key = k.get<std::string>();
    }
    i = SkipSpace(s, key_end);
    if (i >= s.size() || s[i] != ':') return bad;
    m.value_begin = SkipSpace(s, i + 1);
    m.value_end = SkipValue(s, m.value_begin);
    if (m.value_end == std::string_view::npos) return bad;
    top.members.push_back(std::move(m));
    i = SkipSpace(s, top.members.back().value_end);
    if (i < s.size() && s[i] == ',') {
      i = SkipSpace(s, i + 1);
      continue;
    }
    if (i < s.size() && s[i] == '}') {
      top.close_brace = i;
      return SkipSpace(s, i + 1) == s.size() ? absl::StatusOr<TopLevel>(std::move(top)) : bad;
    }
    return bad;
  }
}

const Member* Last(const TopLevel& top, std::string_view key) {
  for (auto it = top.members.rbegin(); it != top.members.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

struct Edit {
  size_t begin;
  size_t end;
  std::string text;
};

std::string ApplyEdits(std::string_view s, std::vector<Edit> edits) {
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(s.size() + 64);
  size_t pos = 0;
  for (const Edit& e : edits) {
    out.append(s.substr(pos, e.begin - pos));
    out.append(e.text);
    pos = e.end;
  }
  out.append(s.substr(pos));
  return out;
}

// Adds `"key":value` before the closing brace.
void AddMember(const TopLevel& top, std::vector<Edit>& edits, std::string_view key,
               std::string_view value) {
  const bool comma =
      !top.members.empty() || std::any_of(edits.begin(), edits.end(), [&](const Edit& e) {
        return e.begin == top.close_brace && e.end == top.close_brace;
      });
  std::string text = absl::StrCat(comma ? "," : "", "\"", Av(key), "\":", Av(value));
  // Every insertion lands at the same offset; stable_sort keeps their order.
  edits.push_back(Edit{top.close_brace, top.close_brace, std::move(text)});
}

// Edits for "stream_options" when the upstream must report usage. Sets client_wants_usage.
absl::Status EditStreamOptions(std::string_view s, const TopLevel& top, bool ask,
                               std::vector<Edit>& edits, bool& client_wants_usage) {
  const Member* opts = Last(top, "stream_options");
  Json parsed;
  if (opts != nullptr) {
    parsed = Json::parse(s.substr(opts->value_begin, opts->value_end - opts->value_begin), nullptr,
                         /*allow_exceptions=*/false);
    if (!parsed.is_object() && !parsed.is_null()) {
      return absl::InvalidArgumentError("'stream_options' must be an object");
    }
    if (parsed.is_object()) {
      auto it = parsed.find("include_usage");
      client_wants_usage = it != parsed.end() && it->is_boolean() && it->get<bool>();
    }
  }
  if (!ask || client_wants_usage) return absl::OkStatus();
  if (opts == nullptr) {
    AddMember(top, edits, "stream_options", R"({"include_usage":true})");
    return absl::OkStatus();
  }
  if (parsed.is_null()) parsed = Json::object();
  parsed["include_usage"] = true;
  edits.push_back(Edit{opts->value_begin, opts->value_end, parsed.dump()});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PreparedChatBody> PrepareChatRequestBody(std::string_view body_json,
                                                        const ChatBodyOptions& options) {
  absl::StatusOr<TopLevel> top = ScanTopLevel(body_json);
  if (!top.ok()) return top.status();
  std::vector<Edit> edits;
  const std::string model = Json(options.upstream_model).dump();
  bool has_model = false;
  for (const Member& m : top->members) {
    if (m.key != "model") continue;
    if (body_json[m.value_begin] != '"') {
      return absl::InvalidArgumentError("'model' must be a string");
    }
    has_model = true;
    edits.push_back(Edit{m.value_begin, m.value_end, model});
  }
  if (!has_model) return absl::InvalidArgumentError("missing required parameter: 'model'");

  PreparedChatBody out;
  if (const Member* stream = Last(*top, "stream"); stream != nullptr) {
    std::string_view v =
        body_json.substr(stream->value_begin, stream->value_end - stream->value_begin);
    if (v != "true" && v != "false" && v != "null") {
      return absl::InvalidArgumentError("'stream' must be a boolean");
    }
    out.stream = v == "true";
  } else if (options.default_stream.has_value()) {
    out.stream = *options.default_stream;
    AddMember(*top, edits, "stream", out.stream ? "true" : "false");
  }
  if (options.default_temperature.has_value() && Last(*top, "temperature") == nullptr) {
    AddMember(*top, edits, "temperature", Json(*options.default_temperature).dump());
  }
  if (out.stream) {
    absl::Status st =
        EditStreamOptions(body_json, *top, options.ask_stream_usage, edits, out.client_wants_usage);
    if (!st.ok()) return st;
  }
  out.body = ApplyEdits(body_json, std::move(edits));
  return out;
}

absl::StatusOr<PreparedChatBody> PrepareChatRequestBody(std::string_view body_json,
                                                        std::string_view upstream_model,
                                                        bool ask_stream_usage) {
  ChatBodyOptions options;
  options.upstream_model = std::string(upstream_model);
  options.ask_stream_usage = ask_stream_usage;
  return PrepareChatRequestBody(body_json, options);
}

absl::StatusOr<std::optional<TokenUsage>> ExtractJsonUsage(std::string_view body,
                                                           const CompletionTextFn& on_text) {
  std::string scratch;
  OpenAiScanResult scan = ScanOpenAiObject(body, ChoiceTextField::kMessage, on_text, scratch);
  if (!scan.valid) return absl::InvalidArgumentError("upstream answer is not valid JSON");
  if (!scan.has_usage) return std::optional<TokenUsage>();
  return std::optional<TokenUsage>(scan.usage);
}

}  // namespace nexus::gateway
