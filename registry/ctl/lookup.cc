#include "registry/ctl/lookup.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {

namespace pb = nexus::registry::v1;

absl::StatusOr<int64_t> ParseId(std::string_view text, std::string_view what) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(Av(text), &id) || id <= 0) {
    return UsageError(absl::StrCat(Av(what), ": '", Av(text), "' is not a positive id"));
  }
  return id;
}

absl::StatusOr<std::vector<pb::Provider>> ListAllProviders(CtlContext& context) {
  std::vector<pb::Provider> out;
  pb::ListProvidersRequest request;
  request.set_page_size(1000);
  while (true) {
    pb::ListProvidersResponse response;
    auto call = context.Call();
    absl::Status status = context.FromRpc(
        context.registry().ListProviders(call.get(), request, &response), "registry");
    if (!status.ok()) return status;
    out.insert(out.end(), response.providers().begin(), response.providers().end());
    if (response.next_page_token().empty()) return out;
    request.set_page_token(response.next_page_token());
  }
}

absl::StatusOr<int64_t> ResolveProvider(CtlContext& context, std::string_view id_or_name) {
  int64_t id = 0;
  if (absl::SimpleAtoi(Av(id_or_name), &id) && id > 0) return id;
  absl::StatusOr<std::vector<pb::Provider>> providers = ListAllProviders(context);
  if (!providers.ok()) return providers.status();
  for (const pb::Provider& provider : *providers) {
    if (provider.name() == id_or_name) return provider.id();
  }
  return absl::NotFoundError(absl::StrCat("no provider with id or name '", Av(id_or_name), "'"));
}

}  // namespace nexus::ctl
