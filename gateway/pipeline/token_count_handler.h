#ifndef NEXUS_GATEWAY_PIPELINE_TOKEN_COUNT_HANDLER_H_
#define NEXUS_GATEWAY_PIPELINE_TOKEN_COUNT_HANDLER_H_

#include <string_view>

#include "gateway/auth/admin_authenticator.h"
#include "gateway/pipeline/admission.h"
#include "gateway/pipeline/chat_request_decoder.h"
#include "gateway/pipeline/http_reply.h"
#include "gateway/tokenizer/token_counter.h"

namespace nexus::gateway {

// POST /api/tokens/count: {model, text} or {model, messages} -> {tokens, encoding, exact}, for a
// client key or the admin token (the console's calculator).
class TokenCountHandler {
 public:
  TokenCountHandler(Admission& admission, AdminAuthenticator& admin,
                    const tokenizer::TokenCounter& counter, size_t max_body_bytes)
      : admission_(admission), admin_(admin), counter_(counter), decoder_(max_body_bytes) {}

  HttpReply Count(std::string_view bearer, std::string_view body);

 private:
  absl::Status Authenticate(std::string_view bearer);

  Admission& admission_;
  AdminAuthenticator& admin_;
  const tokenizer::TokenCounter& counter_;
  RequestDecoder decoder_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_TOKEN_COUNT_HANDLER_H_
