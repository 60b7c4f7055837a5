#include "services/maintenance/offline_command.h"

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::maintenance {
namespace {

std::string CommandUsage(std::string_view program, const OfflineCommand& command,
                         std::span<const config::SettingSpec> service_specs) {
  std::string out = absl::StrCat("Usage: ", Av(program), " ", command.name);
  for (const auto& [flag, help] : command.flags) absl::StrAppend(&out, " --", flag, "=...");
  absl::StrAppend(&out, " [service settings]\n\n", command.summary, "\n\n");
  for (const auto& [flag, help] : command.flags) {
    absl::StrAppend(&out, "  --", flag, "\n      ", help, "\n");
  }
  absl::StrAppend(&out, "\nThe service's own settings (flags or NEXUS_* variables) apply too:\n");
  for (const config::SettingSpec& spec : service_specs) {
    absl::StrAppend(&out, "  --", spec.name, " (env ", spec.env, ")\n");
  }
  return out;
}

}  // namespace

std::optional<int> RunOfflineCommand(std::string_view program,
                                     std::span<const config::SettingSpec> service_specs,
                                     std::span<const OfflineCommand> commands, int argc,
                                     const char* const* argv, std::ostream& out,
                                     std::ostream& err) {
  if (argc < 2) return std::nullopt;
  const OfflineCommand* command = nullptr;
  for (const OfflineCommand& candidate : commands) {
    if (candidate.name == argv[1]) command = &candidate;
  }
  if (command == nullptr) return std::nullopt;
  std::vector<config::SettingSpec> specs(service_specs.begin(), service_specs.end());
  for (const auto& [flag, help] : command->flags) specs.push_back({flag, "", "", help});
  // Variables named "" never exist, so a command's own flags come from the command line only.
  absl::StatusOr<config::Config> config = config::Config::Load(specs, argc - 1, argv + 1);
  if (!config.ok()) {
    err << program << " " << command->name << ": " << config.status().message() << "\n";
    return 2;
  }
  if (config->help_requested()) {
    out << CommandUsage(program, *command, service_specs);
    return 0;
  }
  for (const auto& [flag, help] : command->flags) {
    if (config->GetString(flag).empty()) config->AddError(flag, "is required");
  }
  if (absl::Status s = config->Validate(); !s.ok()) {
    err << program << " " << command->name << ": " << s.message() << "\n";
    return 2;
  }
  if (absl::Status s = command->run(*config, out); !s.ok()) {
    err << program << " " << command->name << ": " << s.message() << "\n";
    return 1;
  }
  return 0;
}

OfflineCommand RestoreCommand(std::function<absl::StatusOr<std::string>(config::Config&)> live_path,
                              sqlite::RestoreSpec spec) {
  return OfflineCommand{
      .name = "restore",
      .summary =
          "Replaces the service's database with a backup, while the service is stopped. "
          "The backup must pass PRAGMA integrity_check and have a schema this binary "
          "knows; the replaced file is kept as <database>.bak.",
      .flags = {{"from", "the backup file to restore (written by nexusctl backup)"}},
      .run = [live_path = std::move(live_path), spec](config::Config& config,
                                                      std::ostream& out) -> absl::Status {
        absl::StatusOr<std::string> live = live_path(config);
        if (!live.ok()) return live.status();
        absl::StatusOr<sqlite::RestoreInfo> restored =
            sqlite::RestoreDatabase(config.GetString("from"), *live, spec);
        if (!restored.ok()) return restored.status();
        out << "restored " << *live << " from " << config.GetString("from") << " (schema version "
            << restored->schema_version << ", " << restored->pages << " pages)";
        if (!restored->previous_path.empty()) {
          out << "; the previous database is kept as " << restored->previous_path;
        }
        out << "\n";
        return absl::OkStatus();
      }};
}

}  // namespace nexus::maintenance
