#include "services/status/status_map.h"

#include <array>
#include <string>

namespace nexus::status {
namespace {

struct Mapping {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
  int http_status;
  std::string_view openai_type;
};

// One row per code: the single source of truth for every conversion below.
constexpr std::array<Mapping, 17> kTable = {{
    {absl::StatusCode::kOk, grpc::StatusCode::OK, 200, ""},
    {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED, 499, "request_cancelled"},
    {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN, 500, "server_error"},
    {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT, 400,
     "invalid_request_error"},
    {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED, 504, "timeout"},
    {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND, 404, "not_found_error"},
    {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS, 409, "conflict_error"},
    {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED, 403,
     "permission_error"},
    {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED, 429,
     "rate_limit_error"},
    {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION, 400,
     "invalid_request_error"},
    {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED, 409, "conflict_error"},
    {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE, 400, "invalid_request_error"},
    {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED, 501, "server_error"},
    {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL, 500, "server_error"},
    {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE, 503, "service_unavailable"},
    {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS, 500, "server_error"},
    {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED, 401,
     "authentication_error"},
}};

const Mapping& ForAbsl(absl::StatusCode code) {
  for (const Mapping& m : kTable) {
    if (m.absl_code == code) return m;
  }
  return kTable[2];  // kUnknown
}

const Mapping& ForGrpc(grpc::StatusCode code) {
  for (const Mapping& m : kTable) {
    if (m.grpc_code == code) return m;
  }
  return kTable[2];
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(ForAbsl(status.code()).grpc_code, std::string(status.message()));
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(ForGrpc(status.error_code()).absl_code, status.error_message());
}

int ToHttpStatus(absl::StatusCode code) { return ForAbsl(code).http_status; }

std::string_view ToOpenAiErrorType(absl::StatusCode code) { return ForAbsl(code).openai_type; }

std::string_view HttpReasonPhrase(int http_status) {
  switch (http_status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace nexus::status
