// nexusctl: the command-line client of the registry and stats services.
#include <iostream>

#include "registry/ctl/command.h"
#include "registry/ctl/global_options.h"
#include "services/clock/clock.h"

int main(int argc, char** argv) {
  using nexus::ctl::kExitOk;
  using nexus::ctl::kExitUsage;
  absl::StatusOr<nexus::ctl::CommandLine> line =
      nexus::ctl::ParseCommandLine(argc, argv, nexus::config::ProcessEnv);
  if (!line.ok()) {
    std::cerr << "nexusctl: " << line.status().message() << "\n";
    return kExitUsage;
  }
  if (line->help) {
    std::cout << nexus::ctl::MainUsage();
    return kExitOk;
  }
  nexus::SystemClock clock;
  nexus::ctl::CtlContext context(line->options, std::cout, std::cerr, std::cin, clock);
  return nexus::ctl::RunCommand(context, line->command);
}
