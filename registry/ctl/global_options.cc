#include "registry/ctl/global_options.h"

#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {
namespace {

// Splits "--name=value" / "--name value"; false when `arg` is not the global option `name`.
bool TakeValue(std::string_view name, int argc, const char* const* argv, int& i,
               std::optional<std::string>& value) {
  std::string_view arg = argv[i];
  std::string flag = absl::StrCat("--", Av(name));
  if (arg == flag) {
    value = i + 1 < argc ? std::optional<std::string>(argv[++i]) : std::nullopt;
    if (!value.has_value()) value = "";
    return true;
  }
  if (arg.starts_with(flag + "=")) {
    value = std::string(arg.substr(flag.size() + 1));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                             const config::EnvLookup& env) {
  CommandLine line;
  if (auto v = env("NEXUS_REGISTRY_ADDR"); v.has_value() && !v->empty()) {
    line.options.registry_address = *v;
  }
  if (auto v = env("NEXUS_STATS_ADDR"); v.has_value() && !v->empty()) {
    line.options.stats_address = *v;
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string> value;
    if (arg == "--json") {
      line.options.json = true;
    } else if ((arg == "--help" || arg == "-h") && line.command.empty()) {
      line.help = true;
    } else if (TakeValue("registry", argc, argv, i, value)) {
      if (value->empty()) return UsageError("--registry needs host:port");
      line.options.registry_address = *value;
    } else if (TakeValue("stats", argc, argv, i, value)) {
      if (value->empty()) return UsageError("--stats needs host:port");
      line.options.stats_address = *value;
    } else if (TakeValue("timeout", argc, argv, i, value)) {
      if (!absl::ParseDuration(*value, &line.options.timeout) ||
          line.options.timeout <= absl::ZeroDuration()) {
        return UsageError("--timeout must be a duration such as 10s");
      }
    } else {
      line.command.emplace_back(arg);
    }
  }
  return line;
}

std::string MainUsage() {
  std::string out =
      "usage: nexusctl [--registry HOST:PORT] [--stats HOST:PORT] [--json] [--timeout 10s]\n"
      "                <command> <subcommand> [args]\n\n"
      "Commands:\n";
  for (const CommandGroup& group : CommandTable()) {
    absl::StrAppend(&out, "  ", Av(group.name),
                    std::string(12 - std::min<size_t>(group.name.size(), 10), ' '),
                    Av(group.summary), "\n");
  }
  absl::StrAppend(&out,
                  "\nGlobal options (also from the environment):\n"
                  "  --registry   registry gRPC address (NEXUS_REGISTRY_ADDR, default "
                  "127.0.0.1:50051)\n"
                  "  --stats      stats gRPC address (NEXUS_STATS_ADDR, default 127.0.0.1:50052)\n"
                  "  --json       print answers as JSON instead of tables\n"
                  "  --timeout    deadline of each call (default 10s)\n\n"
                  "Exit codes: 0 ok, 1 the service refused or failed, 2 usage error, "
                  "3 service unreachable.\n"
                  "Run 'nexusctl <command> help' for a command's usage.\n");
  return out;
}

}  // namespace nexus::ctl
