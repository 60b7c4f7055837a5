#ifndef NEXUS_GATEWAY_ADMIN_ADMIN_JSON_H_
#define NEXUS_GATEWAY_ADMIN_ADMIN_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "nexus/registry/v1/registry.pb.h"
#include "nexus/stats/v1/stats.pb.h"

// JSON shapes of the admin REST API and their conversion from and to the registry and stats
// messages. Parsing checks JSON types and unknown fields and names the offending field
// ("field: problem"); value rules (lengths, URLs) stay with the registry, the one place that
// enforces them.
namespace nexus::gateway::admin {

nlohmann::json ProviderToJson(const nexus::registry::v1::Provider& provider);
nlohmann::json ModelToJson(const nexus::registry::v1::Model& model);
// `now_ms` decides the derived "status" (active, disabled, expired, revoked).
nlohmann::json KeyToJson(const nexus::registry::v1::ClientKey& key, int64_t now_ms);

nlohmann::json TotalsToJson(const nexus::stats::v1::Totals& totals);
nlohmann::json SeriesToJson(const nexus::stats::v1::GetTimeSeriesResponse& response);
nlohmann::json BreakdownToJson(const nexus::stats::v1::GetBreakdownResponse& response);

absl::Status ParseCreateProvider(const nlohmann::json& body,
                                 nexus::registry::v1::CreateProviderRequest& out);
absl::Status ParseUpdateProvider(const nlohmann::json& body,
                                 nexus::registry::v1::UpdateProviderRequest& out);
absl::Status ParseCreateModel(const nlohmann::json& body,
                              nexus::registry::v1::CreateModelRequest& out);
absl::Status ParseUpdateModel(const nlohmann::json& body,
                              nexus::registry::v1::UpdateModelRequest& out);
absl::Status ParseCreateKey(const nlohmann::json& body, nexus::registry::v1::CreateKeyRequest& out);
absl::Status ParseUpdateKey(const nlohmann::json& body, nexus::registry::v1::UpdateKeyRequest& out);

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_ADMIN_JSON_H_
