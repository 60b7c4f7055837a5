#include "gateway/admin/admin_api.h"

#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/admin/admin_json.h"
#include "gateway/admin/admin_query.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

using nlohmann::json;
namespace rv1 = nexus::registry::v1;

AdminResponse Json(int status, const json& body) {
  return {status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

AdminResponse NoContent() { return {204, ""}; }

AdminResponse NotFound(std::string_view what) {
  return ErrorResponse(absl::NotFoundError(absl::StrCat(Av(what), " not found")));
}

AdminResponse MethodNotAllowed(std::string_view method) {
  AdminResponse response = ErrorResponse(
      absl::InvalidArgumentError(absl::StrCat("method ", Av(method), " not allowed")));
  response.status = 405;
  return response;
}

json ListBody(json data, const std::string& next_page_token) {
  return {{"data", std::move(data)},
          {"next_cursor", next_page_token.empty() ? json(nullptr) : json(next_page_token)}};
}

// Parses the request body as JSON; a missing body counts as {} for PATCH-style calls.
absl::StatusOr<json> ParseBody(const std::string& body) {
  if (absl::StripAsciiWhitespace(body).empty()) return json::object();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body: is not valid JSON");
  if (!parsed.is_object()) return absl::InvalidArgumentError("body: must be a JSON object");
  return parsed;
}

json RangeJson(const nexus::stats::v1::Filter& filter) {
  return {{"start_ms", filter.start_ms()}, {"end_ms", filter.end_ms()}};
}

bool ParseId(const std::string& text, int64_t& id) {
  return absl::SimpleAtoi(text, &id) && id > 0 && !text.empty() && std::isdigit(text[0]);
}

// "field: problem" names the offending field; messages of that shape come from our parsers and
// from the registry's validation alike.
json ParamOf(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || colon == 0) return nullptr;
  for (char c : message.substr(0, colon)) {
    if (!std::islower(static_cast<unsigned char>(c)) && c != '_' && c != '.' &&
        !std::isdigit(static_cast<unsigned char>(c))) {
      return nullptr;
    }
  }
  return std::string(message.substr(0, colon));
}

}  // namespace

AdminResponse ErrorResponse(const absl::Status& status) {
  const std::string_view message = Sv(status.message());
  std::string code = absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
  json error = {{"message", message.empty() ? code : std::string(message)},
                {"type", std::string(nexus::status::ToOpenAiErrorType(status.code()))},
                {"param", ParamOf(message)},
                {"code", code}};
  return Json(nexus::status::ToHttpStatus(status.code()), {{"error", error}});
}

AdminApi::AdminApi(rv1::Registry::StubInterface& registry,
                   nexus::stats::v1::Stats::StubInterface& stats, const Clock& clock,
                   AdminApiOptions options)
    : registry_(registry), stats_(stats), clock_(clock), options_(options) {}

AdminResponse AdminApi::Handle(const AdminRequest& request) {
  Segments path = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  if (path.size() < 3 || path[0] != "api" || path[1] != "admin") return NotFound("resource");
  path.erase(path.begin(), path.begin() + 2);
  const std::string& resource = path[0];
  if (resource == "providers") return Providers(request, path);
  if (resource == "models") return Models(request, path);
  if (resource == "keys") return Keys(request, path);
  if (resource == "stats") return Stats(request, path);
  return NotFound("resource");
}

absl::Status AdminApi::Call(const Rpc& rpc) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
  return nexus::status::FromGrpc(rpc(&context));
}

int64_t AdminApi::NowMs() const { return absl::ToUnixMillis(clock_.Now()); }

AdminResponse AdminApi::Providers(const AdminRequest& request, const Segments& path) {
  if (path.size() == 1) {
    if (request.method == "GET") return ListProviders(request);
    if (request.method == "POST") return CreateProvider(request);
    return MethodNotAllowed(request.method);
  }
  int64_t id = 0;
  if (!ParseId(path[1], id)) return NotFound("provider");
  if (path.size() == 3 && path[2] == "models") return ProviderModels(request, id);
  if (path.size() != 2) return NotFound("resource");
  return ProviderItem(request, id);
}

AdminResponse AdminApi::ListProviders(const AdminRequest& request) {
  absl::StatusOr<PageParams> page = ParsePage(request.query);
  if (!page.ok()) return ErrorResponse(page.status());
  rv1::ListProvidersRequest list;
  list.set_page_size(page->limit);
  list.set_page_token(page->cursor);
  rv1::ListProvidersResponse response;
  absl::Status status =
      Call([&](grpc::ClientContext* c) { return registry_.ListProviders(c, list, &response); });
  if (!status.ok()) return ErrorResponse(status);
  json data = json::array();
  for (const rv1::Provider& p : response.providers()) data.push_back(ProviderToJson(p));
  return Json(200, ListBody(std::move(data), response.next_page_token()));
}

AdminResponse AdminApi::CreateProvider(const AdminRequest& request) {
  absl::StatusOr<json> body = ParseBody(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  rv1::CreateProviderRequest create;
  if (absl::Status s = ParseCreateProvider(*body, create); !s.ok()) return ErrorResponse(s);
  if (options_.check_base_url) {
    if (absl::Status s = options_.check_base_url(create.base_url()); !s.ok()) {
      return ErrorResponse(s);
    }
  }
  rv1::Provider created;
  absl::Status status =
      Call([&](grpc::ClientContext* c) { return registry_.CreateProvider(c, create, &created); });
  if (!status.ok()) return ErrorResponse(status);
  return Json(201, ProviderToJson(created));
}

AdminResponse AdminApi::ProviderItem(const AdminRequest& request, int64_t id) {
  const std::string& method = request.method;
  rv1::Provider provider;
  absl::Status status;
  if (method == "GET") {
    rv1::GetProviderRequest get;
    get.set_id(id);
    status = Call([&](grpc::ClientContext* c) { return registry_.GetProvider(c, get, &provider); });
  } else if (method == "PATCH") {
    absl::StatusOr<json> body = ParseBody(request.body);
    if (!body.ok()) return ErrorResponse(body.status());
    rv1::UpdateProviderRequest update;
    update.set_id(id);
    if (absl::Status s = ParseUpdateProvider(*body, update); !s.ok()) return ErrorResponse(s);
    if (options_.check_base_url && update.has_base_url()) {
      if (absl::Status s = options_.check_base_url(update.base_url()); !s.ok()) {
        return ErrorResponse(s);
      }
    }
    status = Call(
        [&](grpc::ClientContext* c) { return registry_.UpdateProvider(c, update, &provider); });
  } else if (method == "DELETE") {
    rv1::DeleteProviderRequest del;
    del.set_id(id);
    rv1::DeleteResponse response;
    status =
        Call([&](grpc::ClientContext* c) { return registry_.DeleteProvider(c, del, &response); });
    return status.ok() ? NoContent() : ErrorResponse(status);
  } else {
    return MethodNotAllowed(method);
  }
  if (!status.ok()) return ErrorResponse(status);
  return Json(200, ProviderToJson(provider));
}

AdminResponse AdminApi::ProviderModels(const AdminRequest& request, int64_t provider_id) {
  if (request.method == "GET") {
    absl::StatusOr<PageParams> page = ParsePage(request.query);
    if (!page.ok()) return ErrorResponse(page.status());
    // A missing provider is a 404, not an empty list.
    rv1::GetProviderRequest get;
    get.set_id(provider_id);
    rv1::Provider provider;
    absl::Status status =
        Call([&](grpc::ClientContext* c) { return registry_.GetProvider(c, get, &provider); });
    if (!status.ok()) return ErrorResponse(status);
    rv1::ListModelsRequest list;
    list.set_provider_id(provider_id);
    list.set_page_size(page->limit);
    list.set_page_token(page->cursor);
    rv1::ListModelsResponse response;
    status = Call([&](grpc::ClientContext* c) { return registry_.ListModels(c, list, &response); });
    if (!status.ok()) return ErrorResponse(status);
    json data = json::array();
    for (const rv1::Model& m : response.models()) data.push_back(ModelToJson(m));
    return Json(200, ListBody(std::move(data), response.next_page_token()));
  }
  if (request.method != "POST") return MethodNotAllowed(request.method);
  absl::StatusOr<json> body = ParseBody(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  rv1::CreateModelRequest create;
  create.set_provider_id(provider_id);
  if (absl::Status s = ParseCreateModel(*body, create); !s.ok()) return ErrorResponse(s);
  rv1::Model created;
  absl::Status status =
      Call([&](grpc::ClientContext* c) { return registry_.CreateModel(c, create, &created); });
  if (!status.ok()) return ErrorResponse(status);
  return Json(201, ModelToJson(created));
}

AdminResponse AdminApi::Models(const AdminRequest& request, const Segments& path) {
  const std::string& method = request.method;
  if (path.size() == 1) {
    if (method != "GET") return MethodNotAllowed(method);
    absl::StatusOr<PageParams> page = ParsePage(request.query);
    if (!page.ok()) return ErrorResponse(page.status());
    rv1::ListModelsRequest list;
    std::vector<std::string> provider = Values(request.query, "provider_id");
    int64_t provider_id = 0;
    if (!provider.empty() && !ParseId(provider[0], provider_id)) {
      return ErrorResponse(absl::InvalidArgumentError("provider_id: must be a provider id"));
    }
    list.set_provider_id(provider_id);
    list.set_page_size(page->limit);
    list.set_page_token(page->cursor);
    rv1::ListModelsResponse response;
    absl::Status status =
        Call([&](grpc::ClientContext* c) { return registry_.ListModels(c, list, &response); });
    if (!status.ok()) return ErrorResponse(status);
    json data = json::array();
    for (const rv1::Model& m : response.models()) data.push_back(ModelToJson(m));
    return Json(200, ListBody(std::move(data), response.next_page_token()));
  }
  int64_t id = 0;
  if (path.size() != 2 || !ParseId(path[1], id)) return NotFound("model");
  rv1::Model model;
  absl::Status status;
  if (method == "GET") {
    rv1::GetModelRequest get;
    get.set_id(id);
    status = Call([&](grpc::ClientContext* c) { return registry_.GetModel(c, get, &model); });
  } else if (method == "PATCH") {
    absl::StatusOr<json> body = ParseBody(request.body);
    if (!body.ok()) return ErrorResponse(body.status());
    rv1::UpdateModelRequest update;
    update.set_id(id);
    if (absl::Status s = ParseUpdateModel(*body, update); !s.ok()) return ErrorResponse(s);
    status = Call([&](grpc::ClientContext* c) { return registry_.UpdateModel(c, update, &model); });
  } else if (method == "DELETE") {
    rv1::DeleteModelRequest del;
    del.set_id(id);
    rv1::DeleteResponse response;
    status = Call([&](grpc::ClientContext* c) { return registry_.DeleteModel(c, del, &response); });
    return status.ok() ? NoContent() : ErrorResponse(status);
  } else {
    return MethodNotAllowed(method);
  }
  if (!status.ok()) return ErrorResponse(status);
  return Json(200, ModelToJson(model));
}

AdminResponse AdminApi::Keys(const AdminRequest& request, const Segments& path) {
  const std::string& method = request.method;
  if (path.size() >= 2) {
    int64_t id = 0;
    if (!ParseId(path[1], id)) return NotFound("key");
    return KeyItem(request, id, path);
  }
  if (method == "GET") {
    absl::StatusOr<PageParams> page = ParsePage(request.query);
    if (!page.ok()) return ErrorResponse(page.status());
    rv1::ListKeysRequest list;
    list.set_page_size(page->limit);
    list.set_page_token(page->cursor);
    rv1::ListKeysResponse response;
    absl::Status status =
        Call([&](grpc::ClientContext* c) { return registry_.ListKeys(c, list, &response); });
    if (!status.ok()) return ErrorResponse(status);
    json data = json::array();
    const int64_t now = NowMs();
    for (const rv1::ClientKey& k : response.keys()) data.push_back(KeyToJson(k, now));
    return Json(200, ListBody(std::move(data), response.next_page_token()));
  }
  if (method != "POST") return MethodNotAllowed(method);
  absl::StatusOr<json> body = ParseBody(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  rv1::CreateKeyRequest create;
  if (absl::Status s = ParseCreateKey(*body, create); !s.ok()) return ErrorResponse(s);
  rv1::CreateKeyResponse created;
  absl::Status status =
      Call([&](grpc::ClientContext* c) { return registry_.CreateKey(c, create, &created); });
  if (!status.ok()) return ErrorResponse(status);
  json out = KeyToJson(created.key(), NowMs());
  out["key"] = created.secret();
  return Json(201, out);
}

AdminResponse AdminApi::KeyItem(const AdminRequest& request, int64_t id, const Segments& path) {
  const std::string& method = request.method;
  rv1::ClientKey key;
  absl::Status status;
  if (path.size() == 3 && path[2] == "revoke") {
    if (method != "POST") return MethodNotAllowed(method);
    rv1::RevokeKeyRequest revoke;
    revoke.set_id(id);
    status = Call([&](grpc::ClientContext* c) { return registry_.RevokeKey(c, revoke, &key); });
  } else if (path.size() != 2) {
    return NotFound("resource");
  } else if (method == "GET") {
    rv1::GetKeyRequest get;
    get.set_id(id);
    status = Call([&](grpc::ClientContext* c) { return registry_.GetKey(c, get, &key); });
  } else if (method == "PATCH") {
    absl::StatusOr<json> body = ParseBody(request.body);
    if (!body.ok()) return ErrorResponse(body.status());
    rv1::UpdateKeyRequest update;
    update.set_id(id);
    if (absl::Status s = ParseUpdateKey(*body, update); !s.ok()) return ErrorResponse(s);
    status = Call([&](grpc::ClientContext* c) { return registry_.UpdateKey(c, update, &key); });
  } else if (method == "DELETE") {
    rv1::DeleteKeyRequest del;
    del.set_id(id);
    rv1::DeleteResponse response;
    status = Call([&](grpc::ClientContext* c) { return registry_.DeleteKey(c, del, &response); });
    return status.ok() ? NoContent() : ErrorResponse(status);
  } else {
    return MethodNotAllowed(method);
  }
  if (!status.ok()) return ErrorResponse(status);
  return Json(200, KeyToJson(key, NowMs()));
}

AdminResponse AdminApi::Stats(const AdminRequest& request, const Segments& path) {
  if (path.size() != 2) return NotFound("resource");
  if (request.method != "GET") return MethodNotAllowed(request.method);
  nexus::stats::v1::Filter filter;
  absl::Status parsed = ParseFilter(request.query, NowMs(), options_.default_range, filter);
  if (!parsed.ok()) return ErrorResponse(parsed);
  if (path[1] == "summary") return StatsSummary(filter);
  absl::StatusOr<nexus::stats::v1::GroupBy> group_by = ParseGroupBy(request.query);
  if (!group_by.ok()) return ErrorResponse(group_by.status());
  if (path[1] == "timeseries") return StatsTimeSeries(request, filter, *group_by);
  if (path[1] == "breakdown") return StatsBreakdown(request, filter, *group_by);
  return NotFound("resource");
}

AdminResponse AdminApi::StatsSummary(const nexus::stats::v1::Filter& filter) {
  nexus::stats::v1::GetTotalsRequest totals_request;
  *totals_request.mutable_filter() = filter;
  nexus::stats::v1::Totals totals;
  absl::Status status =
      Call([&](grpc::ClientContext* c) { return stats_.GetTotals(c, totals_request, &totals); });
  if (!status.ok()) return ErrorResponse(status);
  json out = TotalsToJson(totals);
  out["range"] = RangeJson(filter);
  return Json(200, out);
}

AdminResponse AdminApi::StatsTimeSeries(const AdminRequest& request,
                                        const nexus::stats::v1::Filter& filter,
                                        nexus::stats::v1::GroupBy group_by) {
  absl::StatusOr<nexus::stats::v1::Bucket> bucket = ParseBucket(request.query, filter);
  if (!bucket.ok()) return ErrorResponse(bucket.status());
  nexus::stats::v1::GetTimeSeriesRequest series_request;
  *series_request.mutable_filter() = filter;
  series_request.set_bucket(*bucket);
  series_request.set_group_by(group_by);
  nexus::stats::v1::GetTimeSeriesResponse series;
  absl::Status status = Call(
      [&](grpc::ClientContext* c) { return stats_.GetTimeSeries(c, series_request, &series); });
  if (!status.ok()) return ErrorResponse(status);
  static constexpr const char* kBuckets[] = {"auto", "minute", "hour", "day"};
  return Json(200, {{"range", RangeJson(filter)},
                    {"bucket", kBuckets[*bucket]},
                    {"series", SeriesToJson(series)}});
}

AdminResponse AdminApi::StatsBreakdown(const AdminRequest& request,
                                       const nexus::stats::v1::Filter& filter,
                                       nexus::stats::v1::GroupBy group_by) {
  absl::StatusOr<PageParams> page = ParsePage(request.query);
  if (!page.ok()) return ErrorResponse(page.status());
  nexus::stats::v1::GetBreakdownRequest breakdown_request;
  *breakdown_request.mutable_filter() = filter;
  breakdown_request.set_group_by(group_by);
  breakdown_request.set_limit(Values(request.query, "limit").empty() ? 10 : page->limit);
  nexus::stats::v1::GetBreakdownResponse breakdown;
  absl::Status status = Call([&](grpc::ClientContext* c) {
    return stats_.GetBreakdown(c, breakdown_request, &breakdown);
  });
  if (!status.ok()) return ErrorResponse(status);
  return Json(200, {{"range", RangeJson(filter)}, {"rows", BreakdownToJson(breakdown)}});
}

}  // namespace nexus::gateway::admin
