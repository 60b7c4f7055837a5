#include "gateway/pipeline/token_count_handler.h"

#include "gateway/pipeline/openai_error.h"
#include "nlohmann/json.hpp"

namespace nexus::gateway {

absl::Status TokenCountHandler::Authenticate(std::string_view bearer) {
  absl::StatusOr<std::shared_ptr<const ResolvedKey>> key = admission_.Authenticate(bearer);
  if (key.ok() || bearer.empty()) return key.status();
  if (key.status().code() != absl::StatusCode::kUnauthenticated) return key.status();
  // Not a client key: the console sends the admin token.
  absl::Status admin = admin_.Check(bearer);
  return admin.ok() || admin.code() != absl::StatusCode::kUnauthenticated ? admin : key.status();
}

HttpReply TokenCountHandler::Count(std::string_view bearer, std::string_view body) {
  if (absl::Status allowed = Authenticate(bearer); !allowed.ok()) return ErrorReply(allowed);
  absl::StatusOr<DecodedTokenCountRequest> request = decoder_.DecodeTokenCount(body);
  if (!request.ok()) return ErrorReply(request.status());
  absl::StatusOr<tokenizer::TokenCount> count =
      request->has_messages ? counter_.CountChat(request->model, "", request->messages)
                            : counter_.CountText(request->model, "", request->text);
  if (!count.ok()) return ErrorReply(count.status());
  nlohmann::json reply = {
      {"tokens", count->tokens}, {"encoding", count->encoding}, {"exact", count->exact}};
  return HttpReply{200, reply.dump(), {}};
}

}  // namespace nexus::gateway
