// nexusctl keys create|list|show|update|revoke|rm
#include <array>
#include <span>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/format.h"
#include "registry/ctl/lookup.h"
#include "registry/ctl/table.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {
namespace {

namespace pb = nexus::registry::v1;

constexpr char kUsage[] =
    "usage: nexusctl keys <command>\n"
    "  create --name NAME [--models M1,M2] [--provider ID|NAME] [--expires WHEN]\n"
    "      [--rpm N] [--concurrency N] [--disabled]\n"
    "  list\n"
    "  show ID\n"
    "  update ID [--name NAME] [--models M1,M2|'*'] [--provider ID|NAME|0] [--expires WHEN]\n"
    "      [--rpm N] [--concurrency N] [--enable | --disable]\n"
    "  revoke ID             (permanent)\n"
    "  rm ID\n"
    "WHEN is 'never', a duration from now (30d, 12h) or a date/time (2027-01-31,\n"
    "2027-01-31T12:00:00Z). --models '*' allows every model; --rpm and --concurrency 0 mean\n"
    "unlimited. The secret is printed once by create; only a hash is stored.\n";

constexpr std::array kCreateFlags = {
    FlagSpec{"name", true},      FlagSpec{"models", true}, FlagSpec{"provider", true},
    FlagSpec{"expires", true},   FlagSpec{"rpm", true},    FlagSpec{"concurrency", true},
    FlagSpec{"disabled", false},
};
constexpr std::array kUpdateFlags = {
    FlagSpec{"name", true},    FlagSpec{"models", true},   FlagSpec{"provider", true},
    FlagSpec{"expires", true}, FlagSpec{"rpm", true},      FlagSpec{"concurrency", true},
    FlagSpec{"enable", false}, FlagSpec{"disable", false},
};

std::string KeyState(const pb::ClientKey& k, absl::Time now) {
  if (k.revoked()) return "revoked";
  if (k.expires_at_ms() != 0 && k.expires_at_ms() <= absl::ToUnixMillis(now)) return "expired";
  if (!k.enabled()) return "disabled";
  return "active";
}

std::string Models(const pb::ClientKey& k) {
  return k.allowed_models().empty() ? "*" : absl::StrJoin(k.allowed_models(), ",");
}

std::string Limit(int32_t value) { return value == 0 ? "-" : absl::StrCat(value); }

void PrintKey(CtlContext& context, const pb::ClientKey& k) {
  if (context.json()) return context.PrintJson(k);
  PrintFields(
      context.out(),
      {{"id", absl::StrCat(k.id())},
       {"name", k.name()},
       {"prefix", k.prefix()},
       {"state", KeyState(k, context.Now())},
       {"models", Models(k)},
       {"provider", k.provider_id() == 0 ? "any" : absl::StrCat(k.provider_id())},
       {"expires", FormatTimeMs(k.expires_at_ms(), "never")},
       {"requests/minute",
        k.requests_per_minute() == 0 ? "unlimited" : absl::StrCat(k.requests_per_minute())},
       {"concurrency", k.max_concurrency() == 0 ? "unlimited" : absl::StrCat(k.max_concurrency())},
       {"created", FormatTimeMs(k.created_at_ms())},
       {"updated", FormatTimeMs(k.updated_at_ms())},
       {"revoked", FormatTimeMs(k.revoked_at_ms())}});
}

// Reads the limits shared by create and update; each setter runs only for flags given.
// Reads --provider, --expires, --rpm and --concurrency into a CreateKeyRequest or an
// UpdateKeyRequest (same field names); flags that are absent leave their fields unset.
template <typename KeyRequest>
absl::Status ReadLimits(CtlContext& context, const ParsedArgs& args, KeyRequest& request) {
  auto rpm = args.GetInt("rpm", 0, INT32_MAX);
  if (!rpm.ok()) return rpm.status();
  auto concurrency = args.GetInt("concurrency", 0, INT32_MAX);
  if (!concurrency.ok()) return concurrency.status();
  if (auto expires = args.Get("expires")) {
    absl::StatusOr<int64_t> at = ParseExpiry(*expires, context.Now());
    if (!at.ok()) return at.status();
    request.set_expires_at_ms(*at);
  }
  if (rpm->has_value()) request.set_requests_per_minute(static_cast<int32_t>(**rpm));
  if (concurrency->has_value()) {
    request.set_max_concurrency(static_cast<int32_t>(**concurrency));
  }
  if (auto provider = args.Get("provider")) {
    if (*provider == "0" || *provider == "any") {
      request.set_provider_id(0);
    } else {
      absl::StatusOr<int64_t> id = ResolveProvider(context, *provider);
      if (!id.ok()) return id.status();
      request.set_provider_id(*id);
    }
  }
  return absl::OkStatus();
}

absl::Status Create(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kCreateFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "keys create --name NAME ..."); !s.ok()) return s;
  if (!args->Has("name")) return UsageError("keys create needs --name");
  pb::CreateKeyRequest request;
  request.set_name(*args->Get("name"));
  for (const std::string& m : SplitList(args->Get("models").value_or(""))) {
    request.add_allowed_models(m);
  }
  request.set_enabled(!args->Has("disabled"));
  absl::Status limits = ReadLimits(context, *args, request);
  if (!limits.ok()) return limits;
  pb::CreateKeyResponse response;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().CreateKey(call.get(), request, &response), "registry");
  if (!status.ok()) return status;
  if (context.json()) {
    context.PrintJson(response);
    return absl::OkStatus();
  }
  context.out() << "Created key " << response.key().id() << " (" << response.key().prefix()
                << ").\n\n  " << response.secret()
                << "\n\nThis secret is shown only this once: store it now. The registry keeps "
                   "only its hash.\n\n";
  PrintKey(context, response.key());
  return absl::OkStatus();
}

absl::Status List(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "keys list"); !s.ok()) return s;
  pb::ListKeysRequest request;
  request.set_page_size(1000);
  pb::ListKeysResponse all;
  while (true) {
    pb::ListKeysResponse page;
    auto call = context.Call();
    absl::Status status =
        context.FromRpc(context.registry().ListKeys(call.get(), request, &page), "registry");
    if (!status.ok()) return status;
    for (const pb::ClientKey& k : page.keys()) *all.add_keys() = k;
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (context.json()) {
    context.PrintJson(all);
    return absl::OkStatus();
  }
  Table table({"ID", "NAME", "PREFIX", "STATE", "MODELS", "PROVIDER", "EXPIRES", "RPM", "CONC"});
  for (const pb::ClientKey& k : all.keys()) {
    table.AddRow({absl::StrCat(k.id()), k.name(), k.prefix(), KeyState(k, context.Now()), Models(k),
                  k.provider_id() == 0 ? "any" : absl::StrCat(k.provider_id()),
                  FormatTimeMs(k.expires_at_ms(), "never"), Limit(k.requests_per_minute()),
                  Limit(k.max_concurrency())});
  }
  table.Print(context.out());
  return absl::OkStatus();
}

// show, revoke and rm: one id, one unary call.
absl::Status OneKey(CtlContext& context, std::span<const std::string> rest, std::string_view verb) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, absl::StrCat("keys ", Av(verb), " ID"));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int64_t> id = ParseId(args->positionals()[0], "key");
  if (!id.ok()) return id.status();
  auto call = context.Call();
  pb::ClientKey key;
  grpc::Status rpc;
  if (verb == "rm") {
    pb::DeleteKeyRequest request;
    request.set_id(*id);
    pb::DeleteResponse response;
    absl::Status status =
        context.FromRpc(context.registry().DeleteKey(call.get(), request, &response), "registry");
    if (!status.ok()) return status;
    context.PrintDone(response, absl::StrCat("Removed key ", *id, "."));
    return absl::OkStatus();
  }
  if (verb == "revoke") {
    pb::RevokeKeyRequest request;
    request.set_id(*id);
    rpc = context.registry().RevokeKey(call.get(), request, &key);
  } else {
    pb::GetKeyRequest request;
    request.set_id(*id);
    rpc = context.registry().GetKey(call.get(), request, &key);
  }
  if (absl::Status status = context.FromRpc(rpc, "registry"); !status.ok()) return status;
  if (verb == "revoke" && !context.json()) context.out() << "Revoked key " << *id << ".\n";
  PrintKey(context, key);
  return absl::OkStatus();
}

absl::Status Update(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kUpdateFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "keys update ID [flags]"); !s.ok()) return s;
  if (args->Has("enable") && args->Has("disable")) {
    return UsageError("--enable and --disable exclude each other");
  }
  absl::StatusOr<int64_t> id = ParseId(args->positionals()[0], "key");
  if (!id.ok()) return id.status();
  pb::UpdateKeyRequest request;
  request.set_id(*id);
  if (auto v = args->Get("name")) request.set_name(*v);
  if (auto v = args->Get("models")) {
    pb::ModelList* list = request.mutable_allowed_models();
    for (const std::string& m : SplitList(*v)) list->add_models(m);
  }
  if (args->Has("enable")) request.set_enabled(true);
  if (args->Has("disable")) request.set_enabled(false);
  absl::Status limits = ReadLimits(context, *args, request);
  if (!limits.ok()) return limits;
  pb::ClientKey key;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().UpdateKey(call.get(), request, &key), "registry");
  if (!status.ok()) return status;
  if (!context.json()) context.out() << "Updated key " << key.id() << ".\n";
  PrintKey(context, key);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunKeysCommand(CtlContext& context, std::span<const std::string> args) {
  return DispatchVerb(
      context, "keys", kUsage,
      {{{"create", "add"}, Create},
       {{"list", "ls"}, List},
       {{"show", "get"},
        [](CtlContext& c, std::span<const std::string> rest) { return OneKey(c, rest, "show"); }},
       {{"revoke"},
        [](CtlContext& c, std::span<const std::string> rest) { return OneKey(c, rest, "revoke"); }},
       {{"rm", "delete"},
        [](CtlContext& c, std::span<const std::string> rest) { return OneKey(c, rest, "rm"); }},
       {{"update"}, Update}},
      args);
}

}  // namespace nexus::ctl
