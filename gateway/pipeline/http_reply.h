#ifndef NEXUS_GATEWAY_PIPELINE_HTTP_REPLY_H_
#define NEXUS_GATEWAY_PIPELINE_HTTP_REPLY_H_

#include <string>

#include "absl/status/status.h"
#include "gateway/pipeline/openai_error.h"
#include "gateway/upstream/upstream_client.h"

namespace nexus::gateway {

// A complete JSON answer of a non-streaming endpoint; the HTTP edge copies it out.
struct HttpReply {
  int status = 200;
  std::string body;
  HeaderList headers;
};

// A non-streaming proxied call (embeddings) as the HTTP edge hands it over.
struct JsonCall {
  std::string request_id;
  std::string conversation_id;
  std::string bearer_secret;
  std::string body;
};

inline HttpReply ErrorReply(const absl::Status& status) {
  OpenAiError error = ToOpenAiError(status);
  return HttpReply{error.http_status, EncodeOpenAiError(error), {}};
}

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_HTTP_REPLY_H_
