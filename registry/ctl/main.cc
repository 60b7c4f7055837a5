// nexusctl: the command-line client of the registry and stats services.
#include <iostream>
#include <span>

#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/global_options.h"
#include "services/clock/clock.h"

int main(int argc, char** argv) {
  using namespace nexus::ctl;
  absl::StatusOr<CommandLine> line = ParseCommandLine(argc, argv, nexus::config::ProcessEnv);
  if (!line.ok()) {
    std::cerr << "nexusctl: " << line.status().message() << "\n";
    return kExitUsage;
  }
  if (line->help || line->command.empty()) {
    (line->help ? std::cout : std::cerr) << MainUsage();
    return line->help ? kExitOk : kExitUsage;
  }
  nexus::SystemClock clock;
  CtlContext context(line->options, std::cout, std::cerr, std::cin, clock);
  const std::string& name = line->command[0];
  for (const CommandGroup& group : CommandTable()) {
    if (group.name == name) {
      std::span<const std::string> rest(line->command);
      return context.Finish(group.run(context, rest.subspan(1)));
    }
  }
  std::cerr << MainUsage();
  return context.Finish(UsageError("unknown command '" + name + "'"));
}
