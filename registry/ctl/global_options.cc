#include "registry/ctl/global_options.h"

#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "services/grpc/tls_credentials.h"
#include "services/grpc/tls_settings.h"
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

const std::vector<config::SettingSpec>& TlsSpecs() {
  static const std::vector<config::SettingSpec> kSpecs =
      grpc_runtime::WithGrpcTlsSettingSpecs({}, grpc_runtime::TlsRole::kClient);
  return kSpecs;
}

// True when argv[i] is a TLS setting; appends it to `tls_args` as "--name=value".
bool TakeTlsSetting(int argc, const char* const* argv, int& i, std::vector<std::string>& tls_args) {
  // The one boolean: bare means true, so it never takes the next word as its value.
  if (std::string_view(argv[i]) == "--grpc_allow_plaintext") {
    tls_args.push_back("--grpc_allow_plaintext=true");
    return true;
  }
  for (const config::SettingSpec& spec : TlsSpecs()) {
    std::optional<std::string> value;
    if (TakeValue(spec.name, argc, argv, i, value)) {
      tls_args.push_back(absl::StrCat("--", spec.name, "=", *value));
      return true;
    }
  }
  return false;
}

// The credentials of both channels from the TLS settings on the line and in the environment.
absl::Status ResolveCredentials(const std::vector<std::string>& tls_args,
                                const config::EnvLookup& env, CtlOptions& options) {
  std::vector<const char*> argv = {"nexusctl"};
  for (const std::string& arg : tls_args) argv.push_back(arg.c_str());
  absl::StatusOr<config::Config> config =
      config::Config::Load(TlsSpecs(), static_cast<int>(argv.size()), argv.data(), env);
  if (!config.ok()) return config.status();
  grpc_runtime::TlsSettings tls =
      grpc_runtime::ReadGrpcTlsSettings(*config, grpc_runtime::TlsRole::kClient);
  if (absl::Status status = config->Validate(); !status.ok()) return status;
  auto registry = grpc_runtime::MakeChannelCredentials(tls, options.registry_address);
  if (!registry.ok()) return registry.status();
  auto stats = grpc_runtime::MakeChannelCredentials(tls, options.stats_address);
  if (!stats.ok()) return stats.status();
  options.registry_credentials = *std::move(registry);
  options.stats_credentials = *std::move(stats);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                             const config::EnvLookup& env) {
  CommandLine line;
  std::vector<std::string> tls_args;
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
    } else if (TakeTlsSetting(argc, argv, i, tls_args)) {
      continue;  // read with the environment by ResolveCredentials
    } else {
      line.command.emplace_back(arg);
    }
  }
  if (absl::Status status = ResolveCredentials(tls_args, env, line.options); !status.ok()) {
    return status;
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
                  "  --timeout    deadline of each call (default 10s)\n"
                  "  --grpc_tls_ca, --grpc_tls_client_cert, --grpc_tls_client_key PATH\n"
                  "               TLS to the services: the CA of their certificates and this "
                  "client's\n"
                  "               certificate (NEXUS_GRPC_TLS_CA, NEXUS_GRPC_TLS_CLIENT_CERT,\n"
                  "               NEXUS_GRPC_TLS_CLIENT_KEY)\n"
                  "  --grpc_allow_plaintext  plaintext to non-loopback addresses "
                  "(NEXUS_GRPC_ALLOW_PLAINTEXT)\n\n"
                  "Exit codes: 0 ok, 1 the service refused or failed, 2 usage error, "
                  "3 service unreachable.\n"
                  "Run 'nexusctl <command> help' for a command's usage.\n");
  return out;
}

}  // namespace nexus::ctl
