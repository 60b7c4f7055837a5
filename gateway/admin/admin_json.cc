#include "gateway/admin/admin_json.h"

#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

using nlohmann::json;
namespace rv1 = nexus::registry::v1;
namespace sv1 = nexus::stats::v1;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Av(field), ": ", Av(problem)));
}

json NullIfZero(int64_t value) { return value == 0 ? json(nullptr) : json(value); }

absl::Status CheckFields(const json& body, std::initializer_list<std::string_view> known) {
  if (!body.is_object()) return Invalid("body", "must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == name;
    if (!found) {
      if (name == "api_key_hint" || name == "id" || name == "created_at_ms" ||
          name == "updated_at_ms" || name == "prefix") {
        return Invalid(name, "is read-only");
      }
      return Invalid(name, "is not a known field");
    }
  }
  return absl::OkStatus();
}

// Each reader leaves `present` false when the field is absent; a JSON null counts as absent.
absl::Status ReadString(const json& body, const char* field, std::string& out, bool& present) {
  auto it = body.find(field);
  present = it != body.end() && !it->is_null();
  if (!present) return absl::OkStatus();
  if (!it->is_string()) return Invalid(field, "must be a string");
  out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadBool(const json& body, const char* field, bool& out, bool& present) {
  auto it = body.find(field);
  present = it != body.end() && !it->is_null();
  if (!present) return absl::OkStatus();
  if (!it->is_boolean()) return Invalid(field, "must be true or false");
  out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status ReadInt(const json& body, const char* field, int64_t min, int64_t max, int64_t& out,
                     bool& present) {
  auto it = body.find(field);
  present = it != body.end() && !it->is_null();
  if (!present) return absl::OkStatus();
  if (!it->is_number_integer()) return Invalid(field, "must be an integer");
  const int64_t value = it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX
                            ? std::numeric_limits<int64_t>::max()
                            : it->get<int64_t>();
  if (value < min || value > max) {
    return Invalid(field, absl::StrCat("must be between ", min, " and ", max));
  }
  out = value;
  return absl::OkStatus();
}

absl::Status ReadModelList(const json& body, rv1::ModelList& out, bool& present) {
  auto it = body.find("allowed_models");
  present = it != body.end() && !it->is_null();
  if (!present) return absl::OkStatus();
  if (!it->is_array()) return Invalid("allowed_models", "must be an array of model names");
  for (const json& name : *it) {
    if (!name.is_string()) return Invalid("allowed_models", "must be an array of model names");
    out.add_models(name.get<std::string>());
  }
  return absl::OkStatus();
}

#define NEXUS_RETURN_IF_ERROR(expr)    \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

}  // namespace

json ProviderToJson(const rv1::Provider& p) {
  return {{"id", p.id()},
          {"name", p.name()},
          {"base_url", p.base_url()},
          {"description", p.description()},
          {"enabled", p.enabled()},
          {"api_key_hint", p.api_key_hint()},
          {"priority", p.priority()},
          {"stream_usage", p.stream_usage()},
          {"created_at_ms", p.created_at_ms()},
          {"updated_at_ms", p.updated_at_ms()}};
}

json ModelToJson(const rv1::Model& m) {
  return {{"id", m.id()},
          {"provider_id", m.provider_id()},
          {"name", m.name()},
          {"upstream_name", m.upstream_name()},
          {"description", m.description()},
          {"enabled", m.enabled()},
          {"tokenizer", m.tokenizer()},
          {"created_at_ms", m.created_at_ms()},
          {"updated_at_ms", m.updated_at_ms()}};
}

json KeyToJson(const rv1::ClientKey& k, int64_t now_ms) {
  std::string status = "active";
  if (k.revoked()) {
    status = "revoked";
  } else if (k.expires_at_ms() != 0 && k.expires_at_ms() <= now_ms) {
    status = "expired";
  } else if (!k.enabled()) {
    status = "disabled";
  }
  return {{"id", k.id()},
          {"name", k.name()},
          {"prefix", k.prefix()},
          {"allowed_models",
           json(std::vector<std::string>(k.allowed_models().begin(), k.allowed_models().end()))},
          {"provider_id", NullIfZero(k.provider_id())},
          {"expires_at_ms", NullIfZero(k.expires_at_ms())},
          {"enabled", k.enabled()},
          {"revoked", k.revoked()},
          {"status", status},
          {"requests_per_minute", k.requests_per_minute()},
          {"max_concurrency", k.max_concurrency()},
          {"created_at_ms", k.created_at_ms()},
          {"updated_at_ms", k.updated_at_ms()},
          {"revoked_at_ms", NullIfZero(k.revoked_at_ms())}};
}

json TotalsToJson(const sv1::Totals& t) {
  return {{"requests", t.requests()},
          {"conversations", t.conversations()},
          {"rounds", t.rounds()},
          {"prompt_tokens", t.prompt_tokens()},
          {"completion_tokens", t.completion_tokens()},
          {"total_tokens", t.total_tokens()},
          {"errors", t.errors()},
          {"latency_p50_ms", t.latency_p50_ms()},
          {"latency_p90_ms", t.latency_p90_ms()},
          {"latency_p99_ms", t.latency_p99_ms()}};
}

json SeriesToJson(const sv1::GetTimeSeriesResponse& response) {
  json series = json::array();
  for (const sv1::Series& s : response.series()) {
    json points = json::array();
    for (const sv1::SeriesPoint& p : s.points()) {
      points.push_back({{"t", p.bucket_start_ms()},
                        {"requests", p.requests()},
                        {"prompt_tokens", p.prompt_tokens()},
                        {"completion_tokens", p.completion_tokens()},
                        {"total_tokens", p.total_tokens()},
                        {"errors", p.errors()}});
    }
    series.push_back({{"group", s.group()}, {"points", points}});
  }
  return series;
}

json BreakdownToJson(const sv1::GetBreakdownResponse& response) {
  json rows = json::array();
  for (const sv1::BreakdownRow& r : response.rows()) {
    rows.push_back({{"group", r.group()},
                    {"requests", r.requests()},
                    {"prompt_tokens", r.prompt_tokens()},
                    {"completion_tokens", r.completion_tokens()},
                    {"total_tokens", r.total_tokens()},
                    {"errors", r.errors()}});
  }
  return rows;
}

absl::Status ParseCreateProvider(const json& body, rv1::CreateProviderRequest& out) {
  NEXUS_RETURN_IF_ERROR(CheckFields(
      body, {"name", "base_url", "api_key", "description", "enabled", "priority", "stream_usage"}));
  std::string text;
  bool flag = false;
  int64_t number = 0;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (!present) return Invalid("name", "is required");
  out.set_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "base_url", text, present));
  if (!present) return Invalid("base_url", "is required");
  out.set_base_url(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "api_key", text, present));
  if (present) out.set_api_key(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "description", text, present));
  if (present) out.set_description(text);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "priority", -kInt32Max, kInt32Max, number, present));
  if (present) out.set_priority(static_cast<int32_t>(number));
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "stream_usage", flag, present));
  if (present) out.set_stream_usage(flag);
  return absl::OkStatus();
}

absl::Status ParseUpdateProvider(const json& body, rv1::UpdateProviderRequest& out) {
  NEXUS_RETURN_IF_ERROR(CheckFields(
      body, {"name", "base_url", "api_key", "description", "enabled", "priority", "stream_usage"}));
  std::string text;
  bool flag = false;
  int64_t number = 0;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (present) out.set_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "base_url", text, present));
  if (present) out.set_base_url(text);
  // An empty api_key in an edit form means "keep the current key", not "erase it".
  NEXUS_RETURN_IF_ERROR(ReadString(body, "api_key", text, present));
  if (present && !text.empty()) out.set_api_key(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "description", text, present));
  if (present) out.set_description(text);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "priority", -kInt32Max, kInt32Max, number, present));
  if (present) out.set_priority(static_cast<int32_t>(number));
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "stream_usage", flag, present));
  if (present) out.set_stream_usage(flag);
  return absl::OkStatus();
}

absl::Status ParseCreateModel(const json& body, rv1::CreateModelRequest& out) {
  NEXUS_RETURN_IF_ERROR(
      CheckFields(body, {"name", "upstream_name", "description", "enabled", "tokenizer"}));
  std::string text;
  bool flag = false;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (!present) return Invalid("name", "is required");
  out.set_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "upstream_name", text, present));
  if (present) out.set_upstream_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "description", text, present));
  if (present) out.set_description(text);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "tokenizer", text, present));
  if (present) out.set_tokenizer(text);
  return absl::OkStatus();
}

absl::Status ParseUpdateModel(const json& body, rv1::UpdateModelRequest& out) {
  NEXUS_RETURN_IF_ERROR(
      CheckFields(body, {"name", "upstream_name", "description", "enabled", "tokenizer"}));
  std::string text;
  bool flag = false;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (present) out.set_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "upstream_name", text, present));
  if (present) out.set_upstream_name(text);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "description", text, present));
  if (present) out.set_description(text);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadString(body, "tokenizer", text, present));
  if (present) out.set_tokenizer(text);
  return absl::OkStatus();
}

absl::Status ParseCreateKey(const json& body, rv1::CreateKeyRequest& out) {
  NEXUS_RETURN_IF_ERROR(CheckFields(body, {"name", "allowed_models", "provider_id", "expires_at_ms",
                                           "enabled", "requests_per_minute", "max_concurrency"}));
  std::string text;
  bool flag = false;
  int64_t number = 0;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (!present) return Invalid("name", "is required");
  out.set_name(text);
  rv1::ModelList models;
  NEXUS_RETURN_IF_ERROR(ReadModelList(body, models, present));
  *out.mutable_allowed_models() = models.models();
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "provider_id", 0, kInt64Max, number, present));
  if (present) out.set_provider_id(number);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "expires_at_ms", 0, kInt64Max, number, present));
  if (present) out.set_expires_at_ms(number);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "requests_per_minute", 0, kInt32Max, number, present));
  if (present) out.set_requests_per_minute(static_cast<int32_t>(number));
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "max_concurrency", 0, kInt32Max, number, present));
  if (present) out.set_max_concurrency(static_cast<int32_t>(number));
  return absl::OkStatus();
}

absl::Status ParseUpdateKey(const json& body, rv1::UpdateKeyRequest& out) {
  NEXUS_RETURN_IF_ERROR(CheckFields(body, {"name", "allowed_models", "provider_id", "expires_at_ms",
                                           "enabled", "requests_per_minute", "max_concurrency"}));
  std::string text;
  bool flag = false;
  int64_t number = 0;
  bool present = false;
  NEXUS_RETURN_IF_ERROR(ReadString(body, "name", text, present));
  if (present) out.set_name(text);
  rv1::ModelList models;
  NEXUS_RETURN_IF_ERROR(ReadModelList(body, models, present));
  if (present) *out.mutable_allowed_models() = models;
  // For these, null means "clear" (no provider pin, never expires).
  for (const char* field : {"provider_id", "expires_at_ms"}) {
    if (body.contains(field) && body[field].is_null()) {
      field == std::string_view("provider_id") ? out.set_provider_id(0) : out.set_expires_at_ms(0);
    }
  }
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "provider_id", 0, kInt64Max, number, present));
  if (present) out.set_provider_id(number);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "expires_at_ms", 0, kInt64Max, number, present));
  if (present) out.set_expires_at_ms(number);
  NEXUS_RETURN_IF_ERROR(ReadBool(body, "enabled", flag, present));
  if (present) out.set_enabled(flag);
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "requests_per_minute", 0, kInt32Max, number, present));
  if (present) out.set_requests_per_minute(static_cast<int32_t>(number));
  NEXUS_RETURN_IF_ERROR(ReadInt(body, "max_concurrency", 0, kInt32Max, number, present));
  if (present) out.set_max_concurrency(static_cast<int32_t>(number));
  return absl::OkStatus();
}

}  // namespace nexus::gateway::admin
