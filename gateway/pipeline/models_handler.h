#ifndef NEXUS_GATEWAY_PIPELINE_MODELS_HANDLER_H_
#define NEXUS_GATEWAY_PIPELINE_MODELS_HANDLER_H_

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/auth/registry_route_table.h"
#include "gateway/pipeline/admission.h"
#include "gateway/pipeline/http_reply.h"

namespace nexus::gateway {

// The models a key may use (RegistryRouteTable::ModelsFor in production).
using ModelCatalog =
    std::function<absl::StatusOr<std::vector<ListedModel>>(const nexus::registry::v1::ClientKey&)>;

// GET /v1/models: {"object":"list","data":[{"id","object":"model","created","owned_by"}]}.
class ModelsHandler {
 public:
  ModelsHandler(Admission& admission, ModelCatalog catalog)
      : admission_(admission), catalog_(std::move(catalog)) {}

  HttpReply List(std::string_view secret);

 private:
  Admission& admission_;
  ModelCatalog catalog_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_MODELS_HANDLER_H_
