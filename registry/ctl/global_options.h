#ifndef NEXUS_REGISTRY_CTL_GLOBAL_OPTIONS_H_
#define NEXUS_REGISTRY_CTL_GLOBAL_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/ctl/ctl_context.h"
#include "services/config/config.h"

namespace nexus::ctl {

struct CommandLine {
  CtlOptions options;
  bool help = false;
  // The command group and its arguments, global options removed.
  std::vector<std::string> command;
};

// Takes --registry, --stats, --json, --timeout, --help and the gRPC TLS settings (--grpc_tls_ca
// and the others of grpc_runtime::TlsRole::kClient) from anywhere on the line (after the
// environment: NEXUS_REGISTRY_ADDR, NEXUS_STATS_ADDR, NEXUS_GRPC_*); the rest is the command.
// Builds the channel credentials: an unreadable file, or plaintext to a non-loopback address that
// is not explicitly allowed, is an error.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                             const config::EnvLookup& env);

// The top-level help: global options and every command group.
std::string MainUsage();

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_GLOBAL_OPTIONS_H_
