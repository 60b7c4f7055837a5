#include "gateway/pipeline/models_handler.h"

#include "nlohmann/json.hpp"

namespace nexus::gateway {

HttpReply ModelsHandler::List(std::string_view secret) {
  absl::StatusOr<std::shared_ptr<const ResolvedKey>> key = admission_.Authenticate(secret);
  if (!key.ok()) return ErrorReply(key.status());
  absl::StatusOr<std::vector<ListedModel>> models = catalog_((*key)->key);
  if (!models.ok()) return ErrorReply(models.status());
  nlohmann::json data = nlohmann::json::array();
  for (const ListedModel& model : *models) {
    // The registry does not say when a model appeared to clients; 0 rather than a made-up time.
    data.push_back({{"id", model.id},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", model.providers.empty() ? "nexus" : model.providers.front()}});
  }
  nlohmann::json body = {{"object", "list"}, {"data", std::move(data)}};
  return HttpReply{200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace nexus::gateway
