#include "registry/ctl/ctl_context.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "services/grpc/channel_factory.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {

CtlContext::CtlContext(CtlOptions options, std::ostream& out, std::ostream& err, std::istream& in,
                       const Clock& clock)
    : options_(std::move(options)), out_(out), err_(err), in_(in), clock_(clock) {}

nexus::registry::v1::Registry::StubInterface& CtlContext::registry() {
  if (registry_ == nullptr) {
    grpc_runtime::ChannelOptions channel;
    channel.credentials = options_.registry_credentials;
    registry_ = nexus::registry::v1::Registry::NewStub(
        grpc_runtime::MakeChannel(options_.registry_address, channel));
  }
  return *registry_;
}

nexus::stats::v1::Stats::StubInterface& CtlContext::stats() {
  if (stats_ == nullptr) {
    grpc_runtime::ChannelOptions channel;
    channel.credentials = options_.stats_credentials;
    stats_ = nexus::stats::v1::Stats::NewStub(
        grpc_runtime::MakeChannel(options_.stats_address, channel));
  }
  return *stats_;
}

nexus::ops::v1::Maintenance::StubInterface& CtlContext::maintenance(std::string_view service) {
  const bool stats = service == "stats";
  auto& stub = stats ? stats_maintenance_ : registry_maintenance_;
  if (stub == nullptr) {
    grpc_runtime::ChannelOptions channel;
    channel.credentials = stats ? options_.stats_credentials : options_.registry_credentials;
    stub = nexus::ops::v1::Maintenance::NewStub(grpc_runtime::MakeChannel(
        stats ? options_.stats_address : options_.registry_address, channel));
  }
  return *stub;
}

std::unique_ptr<grpc::ClientContext> CtlContext::Call() const {
  auto context = std::make_unique<grpc::ClientContext>();
  grpc_runtime::SetDeadline(*context, options_.timeout);
  return context;
}

absl::Status CtlContext::FromRpc(const grpc::Status& status, std::string_view service) const {
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    const std::string& address =
        service == "stats" ? options_.stats_address : options_.registry_address;
    return absl::UnavailableError(
        absl::StrCat("cannot reach ", Av(service), " at ", address, ": ", status.error_message()));
  }
  return status::FromGrpc(status);
}

void CtlContext::PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    err_ << "nexusctl: cannot encode the answer as JSON\n";
    return;
  }
  out_ << text;
  if (text.empty() || text.back() != '\n') out_ << "\n";
}

void CtlContext::PrintDone(const google::protobuf::Message& answer, std::string_view text) {
  if (json()) {
    PrintJson(answer);
  } else {
    out_ << text << "\n";
  }
}

int CtlContext::Finish(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  err_ << "nexusctl: " << status.message() << "\n";
  if (IsUsageError(status)) return kExitUsage;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return kExitUnavailable;
  }
  return kExitServerError;
}

absl::Status DispatchVerb(CtlContext& context, std::string_view noun, std::string_view usage,
                          const std::vector<Verb>& verbs, std::span<const std::string> args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? context.err() : context.out()) << usage;
    return args.empty() ? UsageError(absl::StrCat(Av(noun), ": which command?")) : absl::OkStatus();
  }
  for (const Verb& verb : verbs) {
    for (std::string_view name : verb.names) {
      if (args[0] == name) return verb.run(context, args.subspan(1));
    }
  }
  context.err() << usage;
  return UsageError(absl::StrCat(Av(noun), ": unknown command '", args[0], "'"));
}

}  // namespace nexus::ctl
