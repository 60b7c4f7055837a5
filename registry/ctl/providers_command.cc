// nexusctl providers add|list|show|update|rm
#include <array>
#include <fstream>
#include <iterator>
#include <span>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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
    "usage: nexusctl providers <command>\n"
    "  add --name NAME --base-url URL [--api-key-file PATH | --api-key-stdin]\n"
    "      [--description TEXT] [--priority N] [--disabled] [--stream-usage true|false]\n"
    "  list\n"
    "  show ID|NAME\n"
    "  update ID|NAME [--name NAME] [--base-url URL] [--api-key-file PATH | --api-key-stdin]\n"
    "      [--description TEXT] [--priority N] [--enable | --disable] [--stream-usage true|false]\n"
    "  rm ID|NAME            (also removes the provider's models)\n"
    "The upstream key is read from a file ('-' for stdin) or stdin, so that it never sits in\n"
    "shell history; it is stored encrypted and never shown again (only a masked hint).\n";

constexpr std::array kAddFlags = {
    FlagSpec{"name", true},           FlagSpec{"base-url", true},  FlagSpec{"api-key-file", true},
    FlagSpec{"api-key-stdin", false}, FlagSpec{"api-key", true},   FlagSpec{"description", true},
    FlagSpec{"priority", true},       FlagSpec{"disabled", false}, FlagSpec{"stream-usage", true},
};
constexpr std::array kUpdateFlags = {
    FlagSpec{"name", true},           FlagSpec{"base-url", true}, FlagSpec{"api-key-file", true},
    FlagSpec{"api-key-stdin", false}, FlagSpec{"api-key", true},  FlagSpec{"description", true},
    FlagSpec{"priority", true},       FlagSpec{"enable", false},  FlagSpec{"disable", false},
    FlagSpec{"stream-usage", true},
};

std::string TrimKey(std::string text) { return std::string(absl::StripAsciiWhitespace(text)); }

// The upstream key from --api-key-file, --api-key-stdin or (discouraged) --api-key.
absl::StatusOr<std::optional<std::string>> ReadApiKey(CtlContext& context, const ParsedArgs& args) {
  int sources = args.Has("api-key-file") + args.Has("api-key-stdin") + args.Has("api-key");
  if (sources > 1) {
    return UsageError(
        "give the upstream key one way: --api-key-file, --api-key-stdin or --api-key");
  }
  if (args.Has("api-key")) return std::optional<std::string>(TrimKey(*args.Get("api-key")));
  std::optional<std::string> path = args.Get("api-key-file");
  if (args.Has("api-key-stdin") || path == "-") {
    std::string text((std::istreambuf_iterator<char>(context.in())),
                     std::istreambuf_iterator<char>());
    return std::optional<std::string>(TrimKey(std::move(text)));
  }
  if (!path.has_value()) return std::optional<std::string>();
  std::ifstream file(*path, std::ios::binary);
  if (!file) return UsageError(absl::StrCat("--api-key-file: cannot read ", *path));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return std::optional<std::string>(TrimKey(std::move(text)));
}

void PrintProvider(CtlContext& context, const pb::Provider& p) {
  if (context.json()) return context.PrintJson(p);
  PrintFields(context.out(), {{"id", absl::StrCat(p.id())},
                              {"name", p.name()},
                              {"base url", p.base_url()},
                              {"enabled", YesNo(p.enabled())},
                              {"priority", absl::StrCat(p.priority())},
                              {"stream usage", YesNo(p.stream_usage())},
                              {"api key", p.api_key_hint().empty() ? "(none)" : p.api_key_hint()},
                              {"description", p.description()},
                              {"created", FormatTimeMs(p.created_at_ms())},
                              {"updated", FormatTimeMs(p.updated_at_ms())}});
}

absl::Status Add(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kAddFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "providers add --name NAME --base-url URL ...");
      !s.ok()) {
    return s;
  }
  if (!args->Has("name") || !args->Has("base-url")) {
    return UsageError("providers add needs --name and --base-url");
  }
  absl::StatusOr<std::optional<std::string>> api_key = ReadApiKey(context, *args);
  if (!api_key.ok()) return api_key.status();
  auto priority = args->GetInt("priority", INT32_MIN, INT32_MAX);
  if (!priority.ok()) return priority.status();
  auto stream_usage = args->GetBool("stream-usage");
  if (!stream_usage.ok()) return stream_usage.status();

  pb::CreateProviderRequest request;
  request.set_name(*args->Get("name"));
  request.set_base_url(*args->Get("base-url"));
  request.set_api_key(api_key->value_or(""));
  request.set_description(args->Get("description").value_or(""));
  request.set_enabled(!args->Has("disabled"));
  request.set_priority(static_cast<int32_t>(priority->value_or(0)));
  request.set_stream_usage(stream_usage->value_or(true));
  pb::Provider provider;
  auto call = context.Call();
  absl::Status status = context.FromRpc(
      context.registry().CreateProvider(call.get(), request, &provider), "registry");
  if (!status.ok()) return status;
  if (!context.json()) context.out() << "Added provider " << provider.id() << ".\n";
  PrintProvider(context, provider);
  return absl::OkStatus();
}

absl::Status List(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "providers list"); !s.ok()) return s;
  absl::StatusOr<std::vector<pb::Provider>> providers = ListAllProviders(context);
  if (!providers.ok()) return providers.status();
  if (context.json()) {
    pb::ListProvidersResponse all;
    for (const pb::Provider& p : *providers) *all.add_providers() = p;
    context.PrintJson(all);
    return absl::OkStatus();
  }
  Table table({"ID", "NAME", "BASE URL", "ENABLED", "PRIORITY", "API KEY"});
  for (const pb::Provider& p : *providers) {
    table.AddRow({absl::StrCat(p.id()), p.name(), p.base_url(), YesNo(p.enabled()),
                  absl::StrCat(p.priority()), p.api_key_hint().empty() ? "-" : p.api_key_hint()});
  }
  table.Print(context.out());
  return absl::OkStatus();
}

absl::Status Show(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "providers show ID|NAME"); !s.ok()) return s;
  absl::StatusOr<int64_t> id = ResolveProvider(context, args->positionals()[0]);
  if (!id.ok()) return id.status();
  pb::GetProviderRequest request;
  request.set_id(*id);
  pb::Provider provider;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().GetProvider(call.get(), request, &provider), "registry");
  if (!status.ok()) return status;
  PrintProvider(context, provider);
  return absl::OkStatus();
}

absl::Status FillUpdate(CtlContext& context, const ParsedArgs& args,
                        pb::UpdateProviderRequest& request) {
  if (args.Has("enable") && args.Has("disable")) {
    return UsageError("--enable and --disable exclude each other");
  }
  absl::StatusOr<std::optional<std::string>> api_key = ReadApiKey(context, args);
  if (!api_key.ok()) return api_key.status();
  auto priority = args.GetInt("priority", INT32_MIN, INT32_MAX);
  if (!priority.ok()) return priority.status();
  auto stream_usage = args.GetBool("stream-usage");
  if (!stream_usage.ok()) return stream_usage.status();
  if (auto v = args.Get("name")) request.set_name(*v);
  if (auto v = args.Get("base-url")) request.set_base_url(*v);
  if (auto v = args.Get("description")) request.set_description(*v);
  if (api_key->has_value()) request.set_api_key(**api_key);
  if (priority->has_value()) request.set_priority(static_cast<int32_t>(**priority));
  if (stream_usage->has_value()) request.set_stream_usage(**stream_usage);
  if (args.Has("enable")) request.set_enabled(true);
  if (args.Has("disable")) request.set_enabled(false);
  return absl::OkStatus();
}

absl::Status Update(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kUpdateFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "providers update ID|NAME [flags]"); !s.ok()) {
    return s;
  }
  pb::UpdateProviderRequest request;
  if (absl::Status s = FillUpdate(context, *args, request); !s.ok()) return s;
  absl::StatusOr<int64_t> id = ResolveProvider(context, args->positionals()[0]);
  if (!id.ok()) return id.status();
  request.set_id(*id);
  pb::Provider provider;
  auto call = context.Call();
  absl::Status status = context.FromRpc(
      context.registry().UpdateProvider(call.get(), request, &provider), "registry");
  if (!status.ok()) return status;
  if (!context.json()) context.out() << "Updated provider " << provider.id() << ".\n";
  PrintProvider(context, provider);
  return absl::OkStatus();
}

absl::Status Remove(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "providers rm ID|NAME"); !s.ok()) return s;
  absl::StatusOr<int64_t> id = ResolveProvider(context, args->positionals()[0]);
  if (!id.ok()) return id.status();
  pb::DeleteProviderRequest request;
  request.set_id(*id);
  pb::DeleteResponse response;
  auto call = context.Call();
  absl::Status status = context.FromRpc(
      context.registry().DeleteProvider(call.get(), request, &response), "registry");
  if (!status.ok()) return status;
  context.PrintDone(response, absl::StrCat("Removed provider ", *id, " and its models."));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunProvidersCommand(CtlContext& context, std::span<const std::string> args) {
  return DispatchVerb(context, "providers", kUsage,
                      {{{"add"}, Add},
                       {{"list", "ls"}, List},
                       {{"show", "get"}, Show},
                       {{"update"}, Update},
                       {{"rm", "delete"}, Remove}},
                      args);
}

}  // namespace nexus::ctl
