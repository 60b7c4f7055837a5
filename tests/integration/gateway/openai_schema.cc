#include "tests/integration/gateway/openai_schema.h"

#include <algorithm>
#include <fstream>

namespace nexus::testing_support {
namespace {

bool HasType(const nlohmann::json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "null") return value.is_null();
  return true;
}

}  // namespace

OpenAiSchema::OpenAiSchema() {
  std::ifstream in(NEXUS_OPENAI_SPEC);
  if (in) spec_ = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (spec_.is_discarded()) spec_ = nullptr;
}

const nlohmann::json& OpenAiSchema::Resolve(const nlohmann::json& schema) const {
  if (schema.is_object() && schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    std::string name = ref.substr(ref.rfind('/') + 1);
    return spec_["components"]["schemas"][name];
  }
  return schema;
}

void OpenAiSchema::CheckValue(const nlohmann::json& value, const nlohmann::json& raw,
                              const std::string& where, int depth,
                              std::vector<std::string>& problems) const {
  const nlohmann::json& schema = Resolve(raw);
  if (depth > 4 || !schema.is_object()) return;
  // OpenAPI 3.0's way of allowing null.
  if (value.is_null() && schema.value("nullable", false)) return;
  if (schema.contains("anyOf") || schema.contains("oneOf")) {
    const nlohmann::json& options = schema.contains("anyOf") ? schema["anyOf"] : schema["oneOf"];
    for (const nlohmann::json& option : options) {
      std::vector<std::string> sub;
      CheckValue(value, option, where, depth + 1, sub);
      if (sub.empty()) return;
    }
    problems.push_back(where + ": matches none of the allowed shapes");
    return;
  }
  if (schema.contains("type") && schema["type"].is_string() &&
      !HasType(value, schema["type"].get<std::string>())) {
    problems.push_back(where + ": expected " + schema["type"].get<std::string>());
    return;
  }
  if (value.is_object() && schema.contains("required")) {
    for (const nlohmann::json& name : schema["required"]) {
      if (!value.contains(name.get<std::string>())) {
        problems.push_back(where + ": missing " + name.get<std::string>());
      }
    }
  }
  if (value.is_object() && schema.contains("properties")) {
    const nlohmann::json required = schema.value("required", nlohmann::json::array());
    for (const auto& [name, property] : schema["properties"].items()) {
      bool optional = std::find(required.begin(), required.end(), name) == required.end();
      // An optional member sent as null means "absent", as OpenAI's own API sends it.
      if (optional && value.contains(name) && value[name].is_null()) continue;
      if (value.contains(name)) {
        CheckValue(value[name], property, where + "." + name, depth + 1, problems);
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size() && i < 3; ++i) {
      CheckValue(value[i], schema["items"], where + "[" + std::to_string(i) + "]", depth + 1,
                 problems);
    }
  }
}

std::vector<std::string> OpenAiSchema::Check(const nlohmann::json& value,
                                             const std::string& schema) const {
  std::vector<std::string> problems;
  if (!loaded()) return problems;
  CheckValue(value, spec_["components"]["schemas"][schema], schema, 0, problems);
  return problems;
}

}  // namespace nexus::testing_support
