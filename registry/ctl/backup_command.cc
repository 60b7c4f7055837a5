// nexusctl backup: an online backup of registry.db or stats.db, written by the service itself.
#include <algorithm>
#include <array>
#include <span>

#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "services/grpc/channel_factory.h"

namespace nexus::ctl {
namespace {

constexpr char kUsage[] =
    "usage: nexusctl backup registry|stats [--out PATH]\n"
    "Writes a consistent copy of registry.db or stats.db while the service keeps serving\n"
    "(SQLite online backup). The service writes the file: PATH is on the service's machine,\n"
    "absolute, inside its backup directory (setting backup_dir, default <data_dir>/backups),\n"
    "and must not exist yet. Without --out the service picks <backup_dir>/<db>-<UTC time>.db.\n"
    "Restore with the service stopped: nexus-registry restore --from=PATH\n"
    "(nexus-stats restore --from=PATH for stats).\n";

constexpr std::array kFlags = {FlagSpec{"out", true}, FlagSpec{"help", false}};

// Large databases take a while to copy: the default --timeout is for quick calls.
constexpr absl::Duration kMinBackupDeadline = absl::Minutes(30);

}  // namespace

absl::Status RunBackupCommand(CtlContext& context, std::span<const std::string> args) {
  absl::StatusOr<ParsedArgs> parsed = ParsedArgs::Parse(args, kFlags);
  if (!parsed.ok()) return parsed.status();
  if (parsed->Has("help") ||
      (!parsed->positionals().empty() && parsed->positionals()[0] == "help")) {
    context.out() << kUsage;
    return absl::OkStatus();
  }
  if (absl::Status s = parsed->ExpectPositionals(1, "backup registry|stats [--out PATH]");
      !s.ok()) {
    return s;
  }
  const std::string& service = parsed->positionals()[0];
  if (service != "registry" && service != "stats") {
    return UsageError(absl::StrCat("backup: '", service,
                                   "' is not a service with a database (registry or stats)"));
  }
  nexus::ops::v1::BackupRequest request;
  request.set_destination(parsed->Get("out").value_or(""));
  nexus::ops::v1::BackupResponse response;
  grpc::ClientContext call;
  grpc_runtime::SetDeadline(call, std::max(context.options().timeout, kMinBackupDeadline));
  absl::Status status =
      context.FromRpc(context.maintenance(service).Backup(&call, request, &response), service);
  if (!status.ok()) return status;
  context.PrintDone(
      response,
      absl::StrCat("backup of ", response.database(), " written to ", response.path(), " (",
                   response.bytes(), " bytes, schema version ", response.schema_version(), ")"));
  return absl::OkStatus();
}

}  // namespace nexus::ctl
