// Fuzzes the admin API's inputs: the JSON bodies of provider, model and key requests
// (admin_json) and the query parameters of lists and statistics (admin_query). The admin token
// guards these, but the console passes on whatever an operator types, and a bad value must be
// a clear 400, never a crash.
//
// Input: the first line is a query string ("limit=5&start=...&provider=1,2"), the rest is the
// request body, parsed as the admin API does.
//
// Invariants: no crash, no undefined behaviour; an accepted filter has start < end and start
// >= 0; an accepted page limit is within 1..1000; parsed requests serialize.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gateway/admin/admin_json.h"
#include "gateway/admin/admin_query.h"
#include "services/strings/absl_view.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway::admin {
namespace {

using nlohmann::json;
namespace rv1 = nexus::registry::v1;

QueryParams ParseQuery(std::string_view text) {
  QueryParams query;
  for (absl::string_view piece : absl::StrSplit(Av(text), '&', absl::SkipEmpty())) {
    const std::string_view pair = Sv(piece);
    const size_t eq = pair.find('=');
    query.emplace(std::string(pair.substr(0, eq)),
                  eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  return query;
}

void FuzzQuery(const QueryParams& query) {
  absl::StatusOr<PageParams> page = ParsePage(query);
  if (page.ok()) FUZZ_CHECK(page->limit >= 1 && page->limit <= 1000);
  nexus::stats::v1::Filter filter;
  const int64_t now_ms = 1'780'000'000'000;
  if (ParseFilter(query, now_ms, absl::Hours(24), filter).ok()) {
    FUZZ_CHECK(filter.start_ms() >= 0);
    FUZZ_CHECK(filter.start_ms() < filter.end_ms());
    (void)ParseBucket(query, filter);
  }
  (void)ParseGroupBy(query);
  for (const auto& [name, value] : query) (void)ParseTimeMs(name, value);
}

template <typename Request, typename ParseFn>
void FuzzBody(const json& body, ParseFn parse) {
  Request request;
  if (parse(body, request).ok()) FUZZ_CHECK(request.SerializeAsString().size() < (1u << 24));
}

}  // namespace
}  // namespace nexus::gateway::admin

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::gateway::admin;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  FuzzQuery(ParseQuery(input.substr(0, newline)));
  if (newline == std::string_view::npos) return 0;

  const json body = json::parse(input.substr(newline + 1), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  FuzzBody<rv1::CreateProviderRequest>(body, ParseCreateProvider);
  FuzzBody<rv1::UpdateProviderRequest>(body, ParseUpdateProvider);
  FuzzBody<rv1::CreateModelRequest>(body, ParseCreateModel);
  FuzzBody<rv1::UpdateModelRequest>(body, ParseUpdateModel);
  FuzzBody<rv1::CreateKeyRequest>(body, ParseCreateKey);
  FuzzBody<rv1::UpdateKeyRequest>(body, ParseUpdateKey);
  return 0;
}
