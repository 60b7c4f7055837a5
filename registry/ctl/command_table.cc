#include <array>

#include "registry/ctl/command.h"

namespace nexus::ctl {

// Each group's run function lives in its own <group>_command.cc.
absl::Status RunProvidersCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunModelsCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunKeysCommand(CtlContext& context, std::span<const std::string> args);

std::span<const CommandGroup> CommandTable() {
  static const std::array kTable = {
      CommandGroup{"providers", "upstream LLM providers: add|list|show|update|rm",
                   RunProvidersCommand},
      CommandGroup{"models", "models served by providers: add|list|show|update|rm",
                   RunModelsCommand},
      CommandGroup{"keys", "client API keys: create|list|show|update|revoke|rm", RunKeysCommand},
  };
  return kTable;
}

}  // namespace nexus::ctl
