#include "gateway/pipeline/chat_request_decoder.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/pipeline/chat_request_check.h"
#include "gateway/pipeline/openai_error.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

using nlohmann::json;

// Deeper documents are rejected before parsing: nothing legitimate nests this far, and a bounded
// depth keeps every later recursive walk (dump, validation) safe.
constexpr int kMaxDepth = 128;

absl::Status Invalid(std::string_view message, std::string_view param, std::string_view code = "") {
  return WithOpenAiDetail(absl::InvalidArgumentError(Av(message)), param, code);
}

bool TooDeep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    default:
      return "number";
  }
}

absl::Status WrongType(std::string_view field, std::string_view expected, const json& got) {
  return Invalid(absl::StrCat("Invalid type for '", Av(field), "': expected ", Av(expected),
                              ", but got ", TypeName(got), "."),
                 field, "invalid_type");
}

absl::StatusOr<std::string> RequireModel(const json& body) {
  auto it = body.find("model");
  if (it == body.end() || it->is_null()) {
    return Invalid("you must provide a model parameter", "model", "missing_required_parameter");
  }
  if (!it->is_string()) return WrongType("model", "a string", *it);
  std::string model = it->get<std::string>();
  if (model.empty()) return Invalid("'model' must not be empty.", "model", "invalid_value");
  return model;
}

absl::Status CheckKind(const char* name, ChatFieldKind kind, const json& value) {
  switch (kind) {
    case ChatFieldKind::kBool:
      return value.is_boolean() ? absl::OkStatus() : WrongType(name, "a boolean", value);
    case ChatFieldKind::kNumber:
      return value.is_number() ? absl::OkStatus() : WrongType(name, "a number", value);
    case ChatFieldKind::kInteger:
      return value.is_number_integer() ? absl::OkStatus() : WrongType(name, "an integer", value);
    case ChatFieldKind::kString:
      return value.is_string() ? absl::OkStatus() : WrongType(name, "a string", value);
    case ChatFieldKind::kArray:
      return value.is_array() ? absl::OkStatus() : WrongType(name, "an array", value);
    case ChatFieldKind::kObject:
      return value.is_object() ? absl::OkStatus() : WrongType(name, "an object", value);
    case ChatFieldKind::kStringOrArray:
      return value.is_string() || value.is_array() ? absl::OkStatus()
                                                   : WrongType(name, "a string or an array", value);
  }
  return absl::OkStatus();
}

absl::Status CheckChatFields(const json& body) {
  for (const ChatFieldType& field : kChatFieldTypes) {
    auto it = body.find(field.name);
    // null means "not given" in OpenAI's API.
    if (it == body.end() || it->is_null()) continue;
    if (absl::Status s = CheckKind(field.name, field.kind, *it); !s.ok()) return s;
  }
  auto options = body.find("stream_options");
  if (options != body.end() && options->is_object()) {
    auto usage = options->find("include_usage");
    if (usage != options->end() && !usage->is_null() && !usage->is_boolean()) {
      return WrongType("stream_options.include_usage", "a boolean", *usage);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateMessages(const json& messages) {
  if (!messages.is_array()) return WrongType("messages", "an array", messages);
  if (messages.empty()) {
    return Invalid("'messages' must contain at least one message.", "messages", "invalid_value");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    std::string where = absl::StrCat("messages[", i, "]");
    if (!message.is_object()) return WrongType(where, "an object", message);
    auto role = message.find("role");
    if (role == message.end()) {
      return Invalid(absl::StrCat("Missing required parameter: '", where, ".role'."),
                     absl::StrCat(where, ".role"), "missing_required_parameter");
    }
    if (!role->is_string()) return WrongType(absl::StrCat(where, ".role"), "a string", *role);
    auto content = message.find("content");
    if (content != message.end() && !content->is_null() && !content->is_string() &&
        !content->is_array()) {
      return WrongType(absl::StrCat(where, ".content"), "a string or an array", *content);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> RequestDecoder::ParseObject(std::string_view body) const {
  if (body.size() > max_body_bytes_) {
    return WithOpenAiDetail(
        absl::InvalidArgumentError(absl::StrCat("Request body is too large (", body.size(),
                                                " bytes; the limit is ", max_body_bytes_, ").")),
        "", "request_too_large");
  }
  if (TooDeep(body)) {
    return Invalid(absl::StrCat("The JSON body nests deeper than ", kMaxDepth, " levels."), "",
                   "invalid_json");
  }
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  // nlohmann's lexer takes a NUL byte for the end of the input, so "{...}\0garbage" would parse;
  // valid JSON never holds a raw NUL (not even inside strings), and the strict scanner that
  // rewrites bodies refuses it too.
  if (parsed.is_discarded() || body.find('\0') != std::string_view::npos) {
    return Invalid(
        "We could not parse the JSON body of your request. The request body must be valid JSON.",
        "", "invalid_json");
  }
  if (!parsed.is_object()) {
    return Invalid(
        absl::StrCat("The request body must be a JSON object, not ", TypeName(parsed), "."), "",
        "invalid_json");
  }
  return parsed;
}

absl::StatusOr<DecodedChatRequest> RequestDecoder::DecodeChat(std::string_view body,
                                                              ChatDialect dialect) const {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  DecodedChatRequest request;
  request.body = *std::move(parsed);
  json& doc = request.body;
  absl::StatusOr<std::string> model = RequireModel(doc);
  if (!model.ok()) return model.status();
  request.model = *std::move(model);
  auto messages = doc.find("messages");
  if (messages == doc.end() || messages->is_null()) {
    return Invalid("Missing required parameter: 'messages'.", "messages",
                   "missing_required_parameter");
  }
  if (absl::Status s = ValidateMessages(*messages); !s.ok()) return s;
  if (absl::Status s = CheckChatFields(doc); !s.ok()) return s;
  if (dialect == ChatDialect::kSimplified) {
    if (!doc.contains("stream") || doc["stream"].is_null()) doc["stream"] = true;
    if (!doc.contains("temperature") || doc["temperature"].is_null()) doc["temperature"] = 0.7;
  }
  auto stream = doc.find("stream");
  request.stream = stream != doc.end() && stream->is_boolean() && stream->get<bool>();
  auto options = doc.find("stream_options");
  if (options != doc.end() && options->is_object()) {
    auto usage = options->find("include_usage");
    request.client_wants_usage =
        usage != options->end() && usage->is_boolean() && usage->get<bool>();
  }
  return request;
}

absl::StatusOr<CheckedChatRequest> RequestDecoder::CheckChat(std::string_view body,
                                                             ChatDialect dialect) const {
  if (body.size() <= max_body_bytes_) {
    if (std::optional<ChatRequestSummary> quick = QuickCheckChatRequest(body, kMaxDepth)) {
      CheckedChatRequest checked;
      checked.model = std::move(quick->model);
      checked.stream = quick->stream.value_or(dialect == ChatDialect::kSimplified);
      checked.client_wants_usage = quick->client_wants_usage;
      return checked;
    }
  }
  absl::StatusOr<DecodedChatRequest> decoded = DecodeChat(body, dialect);
  if (!decoded.ok()) return decoded.status();
  return CheckedChatRequest{std::move(decoded->model), decoded->stream,
                            decoded->client_wants_usage};
}

absl::StatusOr<DecodedEmbeddingsRequest> RequestDecoder::DecodeEmbeddings(
    std::string_view body) const {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  DecodedEmbeddingsRequest request;
  request.body = *std::move(parsed);
  absl::StatusOr<std::string> model = RequireModel(request.body);
  if (!model.ok()) return model.status();
  request.model = *std::move(model);
  auto input = request.body.find("input");
  if (input == request.body.end() || input->is_null()) {
    return Invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  }
  if (!input->is_string() && !input->is_array()) {
    return WrongType("input", "a string or an array", *input);
  }
  if (input->is_array() && input->empty()) {
    return Invalid("'input' must not be empty.", "input", "invalid_value");
  }
  return request;
}

absl::StatusOr<DecodedTokenCountRequest> RequestDecoder::DecodeTokenCount(
    std::string_view body) const {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  DecodedTokenCountRequest request;
  absl::StatusOr<std::string> model = RequireModel(*parsed);
  if (!model.ok()) return model.status();
  request.model = *std::move(model);
  auto text = parsed->find("text");
  auto messages = parsed->find("messages");
  bool has_text = text != parsed->end() && !text->is_null();
  request.has_messages = messages != parsed->end() && !messages->is_null();
  if (has_text == request.has_messages) {
    return Invalid("Provide exactly one of 'text' or 'messages'.", "text",
                   "missing_required_parameter");
  }
  if (has_text) {
    if (!text->is_string()) return WrongType("text", "a string", *text);
    request.text = text->get<std::string>();
    return request;
  }
  if (absl::Status s = ValidateMessages(*messages); !s.ok()) return s;
  request.messages = *messages;
  return request;
}

}  // namespace nexus::gateway
