#ifndef NEXUS_REGISTRY_CTL_CTL_CONTEXT_H_
#define NEXUS_REGISTRY_CTL_CTL_CONTEXT_H_

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nexus/ops/v1/maintenance.grpc.pb.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/clock/clock.h"

namespace nexus::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

struct CtlOptions {
  std::string registry_address = "127.0.0.1:50051";
  std::string stats_address = "127.0.0.1:50052";
  bool json = false;
  absl::Duration timeout = absl::Seconds(10);
  // How each channel is secured (see grpc_runtime::MakeChannelCredentials); null is plaintext.
  std::shared_ptr<grpc::ChannelCredentials> registry_credentials = nullptr;
  std::shared_ptr<grpc::ChannelCredentials> stats_credentials = nullptr;
};

// What every command needs: where the services are, output streams, the output mode, and
// lazily made stubs (a command that only prints help never connects).
class CtlContext {
 public:
  CtlContext(CtlOptions options, std::ostream& out, std::ostream& err, std::istream& in,
             const Clock& clock);

  const CtlOptions& options() const { return options_; }
  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  std::istream& in() { return in_; }
  absl::Time Now() const { return clock_.Now(); }

  nexus::registry::v1::Registry::StubInterface& registry();
  nexus::stats::v1::Stats::StubInterface& stats();
  // The maintenance service (online backup) of "registry" or else "stats".
  nexus::ops::v1::Maintenance::StubInterface& maintenance(std::string_view service);
  // A context for one call, with the deadline from the options.
  std::unique_ptr<grpc::ClientContext> Call() const;

  // Converts the outcome of an RPC; names the address when the service cannot be reached.
  absl::Status FromRpc(const grpc::Status& status, std::string_view service) const;
  // Prints a message as proto JSON (field names as in the .proto).
  void PrintJson(const google::protobuf::Message& message);
  // The answer as JSON in --json mode, else the one-line confirmation `text`.
  void PrintDone(const google::protobuf::Message& answer, std::string_view text);
  // Prints the failure (if any) and returns the exit code for `status`.
  int Finish(const absl::Status& status);

  // Lets tests talk to an in-process server.
  void set_registry_stub(std::unique_ptr<nexus::registry::v1::Registry::StubInterface> stub) {
    registry_ = std::move(stub);
  }

 private:
  CtlOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::istream& in_;
  const Clock& clock_;
  std::unique_ptr<nexus::registry::v1::Registry::StubInterface> registry_;
  std::unique_ptr<nexus::stats::v1::Stats::StubInterface> stats_;
  std::unique_ptr<nexus::ops::v1::Maintenance::StubInterface> registry_maintenance_;
  std::unique_ptr<nexus::ops::v1::Maintenance::StubInterface> stats_maintenance_;
};

// One sub-command of a command ("add", "list", ...) under any of its names.
struct Verb {
  std::vector<std::string_view> names;
  std::function<absl::Status(CtlContext&, std::span<const std::string>)> run;
};

// Runs the verb that args[0] names with the remaining arguments. "help" prints `usage`; no verb or
// an unknown one prints it to stderr and is a usage error naming the command `noun`.
absl::Status DispatchVerb(CtlContext& context, std::string_view noun, std::string_view usage,
                          const std::vector<Verb>& verbs, std::span<const std::string> args);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_CTL_CONTEXT_H_
