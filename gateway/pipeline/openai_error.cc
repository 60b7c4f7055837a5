#include "gateway/pipeline/openai_error.h"

#include <optional>

#include "absl/strings/cord.h"
#include "nlohmann/json.hpp"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

constexpr char kParamUrl[] = "nexus/openai/param";
constexpr char kCodeUrl[] = "nexus/openai/code";

std::string Payload(const absl::Status& status, const char* url) {
  auto cord = status.GetPayload(url);
  return cord.has_value() ? std::string(*cord) : std::string();
}

nlohmann::json NullIfEmpty(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

absl::Status WithOpenAiDetail(absl::Status status, std::string_view param, std::string_view code) {
  if (!param.empty()) status.SetPayload(kParamUrl, absl::Cord(Av(param)));
  if (!code.empty()) status.SetPayload(kCodeUrl, absl::Cord(Av(code)));
  return status;
}

OpenAiError ToOpenAiError(const absl::Status& status) {
  OpenAiError error;
  error.http_status = nexus::status::ToHttpStatus(status.code());
  error.type = std::string(nexus::status::ToOpenAiErrorType(status.code()));
  error.message = std::string(Sv(status.message()));
  error.param = Payload(status, kParamUrl);
  error.code = Payload(status, kCodeUrl);
  // The status table has no row for an oversized body; HTTP has its own status for it.
  if (error.code == "request_too_large") error.http_status = 413;
  return error;
}

std::string EncodeOpenAiError(const OpenAiError& error) {
  nlohmann::json body = {{"error",
                          {{"message", error.message},
                           {"type", error.type},
                           {"param", NullIfEmpty(error.param)},
                           {"code", NullIfEmpty(error.code)}}}};
  // Upstream messages may carry invalid UTF-8; replace rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace nexus::gateway
