#ifndef NEXUS_GATEWAY_PIPELINE_OPENAI_ERROR_H_
#define NEXUS_GATEWAY_PIPELINE_OPENAI_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace nexus::gateway {

// An error as OpenAI's API reports it: {"error":{"message","type","param","code"}} with an HTTP
// status. Empty param/code are encoded as null, as OpenAI does.
struct OpenAiError {
  int http_status = 500;
  std::string message;
  std::string type;
  std::string param;
  std::string code;
};

// Attaches the OpenAI "param" and "code" to a status (as payloads), so that a stage can say which
// field was wrong without a second error type.
absl::Status WithOpenAiDetail(absl::Status status, std::string_view param, std::string_view code);

// Status -> OpenAI error through the one status table (services/status), reading the details
// attached by WithOpenAiDetail.
OpenAiError ToOpenAiError(const absl::Status& status);

// The JSON body.
std::string EncodeOpenAiError(const OpenAiError& error);
inline std::string EncodeOpenAiError(const absl::Status& status) {
  return EncodeOpenAiError(ToOpenAiError(status));
}

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_OPENAI_ERROR_H_
