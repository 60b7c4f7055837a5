#ifndef NEXUS_TESTS_INTEGRATION_GATEWAY_OPENAI_SCHEMA_H_
#define NEXUS_TESTS_INTEGRATION_GATEWAY_OPENAI_SCHEMA_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace nexus::testing_support {

// Checks a JSON value against a schema of OpenAI's OpenAPI document (components.schemas): required
// members, and the types of members with a simple type (type, anyOf of types, $ref, arrays). Not
// a full JSON Schema validator: enough to catch a wrong shape. Returns the problems found.
class OpenAiSchema {
 public:
  // Loads NEXUS_OPENAI_SPEC (compiled in); loaded() is false when the file is missing.
  OpenAiSchema();
  bool loaded() const { return !spec_.is_null(); }
  std::vector<std::string> Check(const nlohmann::json& value, const std::string& schema) const;

 private:
  void CheckValue(const nlohmann::json& value, const nlohmann::json& schema,
                  const std::string& where, int depth, std::vector<std::string>& problems) const;
  const nlohmann::json& Resolve(const nlohmann::json& schema) const;

  nlohmann::json spec_;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_INTEGRATION_GATEWAY_OPENAI_SCHEMA_H_
