#ifndef NEXUS_GATEWAY_ADMIN_ADMIN_API_H_
#define NEXUS_GATEWAY_ADMIN_ADMIN_API_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/clock/clock.h"

namespace nexus::gateway::admin {

// An admin API call, free of any HTTP library: the caller has already checked the admin token.
struct AdminRequest {
  std::string method;  // GET, POST, PATCH, DELETE
  std::string path;    // /api/admin/...
  std::multimap<std::string, std::string> query;
  std::string body;
};

struct AdminResponse {
  int status = 200;
  // JSON; empty for 204.
  std::string body;
};

struct AdminApiOptions {
  // Deadline of every registry and stats call.
  absl::Duration rpc_timeout = absl::Seconds(5);
  // Statistics range when the request gives none: the last day.
  absl::Duration default_range = absl::Hours(24);
  // Vets a provider's base_url on create and update (INVALID_ARGUMENT "base_url: ..." refuses it):
  // the upstream address policy, so that a URL aimed at the gateway itself, its internal services
  // or a metadata address is refused when it is entered, not first when it is called.
  std::function<absl::Status(std::string_view base_url)> check_base_url;
};

// The admin REST API (DESIGN §6): providers, models, client keys and usage statistics, translated
// to registry and stats gRPC calls. Errors use the OpenAI shape
// {"error":{"message","type","param","code"}} with the HTTP status from services/status.
//
//   GET/POST          /api/admin/providers
//   GET/PATCH/DELETE  /api/admin/providers/{id}
//   GET/POST          /api/admin/providers/{id}/models
//   GET               /api/admin/models                  (every provider; ?provider_id=)
//   GET/PATCH/DELETE  /api/admin/models/{id}
//   GET/POST          /api/admin/keys                    (POST returns the secret "key" once)
//   GET/PATCH/DELETE  /api/admin/keys/{id}
//   POST              /api/admin/keys/{id}/revoke
//   GET               /api/admin/stats/summary|timeseries|breakdown
// Lists take ?limit= (1..1000) and ?cursor=, and answer {"data":[..],"next_cursor":..|null}.
class AdminApi {
 public:
  AdminApi(nexus::registry::v1::Registry::StubInterface& registry,
           nexus::stats::v1::Stats::StubInterface& stats, const Clock& clock,
           AdminApiOptions options = {});

  AdminResponse Handle(const AdminRequest& request);

 private:
  using Segments = std::vector<std::string>;
  using Rpc = std::function<grpc::Status(grpc::ClientContext*)>;

  AdminResponse Providers(const AdminRequest& request, const Segments& path);
  AdminResponse ListProviders(const AdminRequest& request);
  AdminResponse CreateProvider(const AdminRequest& request);
  AdminResponse ProviderItem(const AdminRequest& request, int64_t id);
  AdminResponse Models(const AdminRequest& request, const Segments& path);
  AdminResponse ProviderModels(const AdminRequest& request, int64_t provider_id);
  AdminResponse Keys(const AdminRequest& request, const Segments& path);
  AdminResponse KeyItem(const AdminRequest& request, int64_t id, const Segments& path);
  AdminResponse Stats(const AdminRequest& request, const Segments& path);
  AdminResponse StatsSummary(const nexus::stats::v1::Filter& filter);
  AdminResponse StatsTimeSeries(const AdminRequest& request, const nexus::stats::v1::Filter& filter,
                                nexus::stats::v1::GroupBy group_by);
  AdminResponse StatsBreakdown(const AdminRequest& request, const nexus::stats::v1::Filter& filter,
                               nexus::stats::v1::GroupBy group_by);

  // Runs one gRPC call with the configured deadline and maps its status.
  absl::Status Call(const Rpc& rpc);
  int64_t NowMs() const;

  nexus::registry::v1::Registry::StubInterface& registry_;
  nexus::stats::v1::Stats::StubInterface& stats_;
  const Clock& clock_;
  AdminApiOptions options_;
};

// The error body for a status, with "param" taken from a "field: problem" message.
AdminResponse ErrorResponse(const absl::Status& status);

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_ADMIN_API_H_
