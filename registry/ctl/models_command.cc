// nexusctl models add|list|show|update|rm
#include <array>
#include <map>
#include <span>

#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/format.h"
#include "registry/ctl/lookup.h"
#include "registry/ctl/table.h"

namespace nexus::ctl {
namespace {

namespace pb = nexus::registry::v1;

constexpr char kUsage[] =
    "usage: nexusctl models <command>\n"
    "  add --provider ID|NAME --name NAME [--upstream-name NAME] [--description TEXT]\n"
    "      [--tokenizer cl100k_base|o200k_base] [--disabled]\n"
    "  list [--provider ID|NAME]\n"
    "  show ID\n"
    "  update ID [--name NAME] [--upstream-name NAME] [--description TEXT] [--tokenizer T]\n"
    "      [--enable | --disable]\n"
    "  rm ID\n"
    "NAME is what clients ask for; the upstream name (default: the same) is what the provider\n"
    "is sent. The same NAME may be served by several providers, tried in priority order.\n";

constexpr std::array kAddFlags = {
    FlagSpec{"provider", true},    FlagSpec{"name", true},      FlagSpec{"upstream-name", true},
    FlagSpec{"description", true}, FlagSpec{"tokenizer", true}, FlagSpec{"disabled", false},
};
constexpr std::array kListFlags = {FlagSpec{"provider", true}};
constexpr std::array kUpdateFlags = {
    FlagSpec{"name", true},      FlagSpec{"upstream-name", true}, FlagSpec{"description", true},
    FlagSpec{"tokenizer", true}, FlagSpec{"enable", false},       FlagSpec{"disable", false},
};

void PrintModel(CtlContext& context, const pb::Model& m) {
  if (context.json()) return context.PrintJson(m);
  PrintFields(context.out(), {{"id", absl::StrCat(m.id())},
                              {"provider", absl::StrCat(m.provider_id())},
                              {"name", m.name()},
                              {"upstream name", m.upstream_name()},
                              {"enabled", YesNo(m.enabled())},
                              {"tokenizer", m.tokenizer().empty() ? "(by name)" : m.tokenizer()},
                              {"description", m.description()},
                              {"created", FormatTimeMs(m.created_at_ms())},
                              {"updated", FormatTimeMs(m.updated_at_ms())}});
}

absl::Status Add(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kAddFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "models add --provider P --name NAME ...");
      !s.ok()) {
    return s;
  }
  if (!args->Has("provider") || !args->Has("name")) {
    return UsageError("models add needs --provider and --name");
  }
  absl::StatusOr<int64_t> provider_id = ResolveProvider(context, *args->Get("provider"));
  if (!provider_id.ok()) return provider_id.status();
  pb::CreateModelRequest request;
  request.set_provider_id(*provider_id);
  request.set_name(*args->Get("name"));
  request.set_upstream_name(args->Get("upstream-name").value_or(""));
  request.set_description(args->Get("description").value_or(""));
  request.set_tokenizer(args->Get("tokenizer").value_or(""));
  request.set_enabled(!args->Has("disabled"));
  pb::Model model;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().CreateModel(call.get(), request, &model), "registry");
  if (!status.ok()) return status;
  if (!context.json()) context.out() << "Added model " << model.id() << ".\n";
  PrintModel(context, model);
  return absl::OkStatus();
}

absl::Status List(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kListFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(0, "models list [--provider P]"); !s.ok()) return s;
  absl::StatusOr<std::vector<pb::Provider>> providers = ListAllProviders(context);
  if (!providers.ok()) return providers.status();
  pb::ListModelsRequest request;
  request.set_page_size(1000);
  if (auto provider = args->Get("provider")) {
    absl::StatusOr<int64_t> id = ResolveProvider(context, *provider);
    if (!id.ok()) return id.status();
    request.set_provider_id(*id);
  }
  pb::ListModelsResponse all;
  while (true) {
    pb::ListModelsResponse page;
    auto call = context.Call();
    absl::Status status =
        context.FromRpc(context.registry().ListModels(call.get(), request, &page), "registry");
    if (!status.ok()) return status;
    for (const pb::Model& m : page.models()) *all.add_models() = m;
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (context.json()) {
    context.PrintJson(all);
    return absl::OkStatus();
  }
  std::map<int64_t, std::string> provider_names;
  for (const pb::Provider& p : *providers) provider_names[p.id()] = p.name();
  Table table({"ID", "PROVIDER", "MODEL", "UPSTREAM MODEL", "ENABLED", "TOKENIZER"});
  for (const pb::Model& m : all.models()) {
    table.AddRow({absl::StrCat(m.id()), provider_names[m.provider_id()], m.name(),
                  m.upstream_name(), YesNo(m.enabled()),
                  m.tokenizer().empty() ? "-" : m.tokenizer()});
  }
  table.Print(context.out());
  return absl::OkStatus();
}

absl::Status Show(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "models show ID"); !s.ok()) return s;
  absl::StatusOr<int64_t> id = ParseId(args->positionals()[0], "model");
  if (!id.ok()) return id.status();
  pb::GetModelRequest request;
  request.set_id(*id);
  pb::Model model;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().GetModel(call.get(), request, &model), "registry");
  if (!status.ok()) return status;
  PrintModel(context, model);
  return absl::OkStatus();
}

absl::Status Update(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, kUpdateFlags);
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "models update ID [flags]"); !s.ok()) return s;
  if (args->Has("enable") && args->Has("disable")) {
    return UsageError("--enable and --disable exclude each other");
  }
  absl::StatusOr<int64_t> id = ParseId(args->positionals()[0], "model");
  if (!id.ok()) return id.status();
  pb::UpdateModelRequest request;
  request.set_id(*id);
  if (auto v = args->Get("name")) request.set_name(*v);
  if (auto v = args->Get("upstream-name")) request.set_upstream_name(*v);
  if (auto v = args->Get("description")) request.set_description(*v);
  if (auto v = args->Get("tokenizer")) request.set_tokenizer(*v);
  if (args->Has("enable")) request.set_enabled(true);
  if (args->Has("disable")) request.set_enabled(false);
  pb::Model model;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().UpdateModel(call.get(), request, &model), "registry");
  if (!status.ok()) return status;
  if (!context.json()) context.out() << "Updated model " << model.id() << ".\n";
  PrintModel(context, model);
  return absl::OkStatus();
}

absl::Status Remove(CtlContext& context, std::span<const std::string> rest) {
  absl::StatusOr<ParsedArgs> args = ParsedArgs::Parse(rest, {});
  if (!args.ok()) return args.status();
  if (absl::Status s = args->ExpectPositionals(1, "models rm ID"); !s.ok()) return s;
  absl::StatusOr<int64_t> id = ParseId(args->positionals()[0], "model");
  if (!id.ok()) return id.status();
  pb::DeleteModelRequest request;
  request.set_id(*id);
  pb::DeleteResponse response;
  auto call = context.Call();
  absl::Status status =
      context.FromRpc(context.registry().DeleteModel(call.get(), request, &response), "registry");
  if (!status.ok()) return status;
  context.PrintDone(response, absl::StrCat("Removed model ", *id, "."));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunModelsCommand(CtlContext& context, std::span<const std::string> args) {
  return DispatchVerb(context, "models", kUsage,
                      {{{"add"}, Add},
                       {{"list", "ls"}, List},
                       {{"show", "get"}, Show},
                       {{"update"}, Update},
                       {{"rm", "delete"}, Remove}},
                      args);
}

}  // namespace nexus::ctl
