#include "gateway/admin/edge_guard.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/admin/admin_api.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

constexpr char kAllowMethods[] = "GET, POST, OPTIONS";
// What a browser page may read from an answer besides the CORS-safelisted headers.
constexpr char kExposeHeaders[] = "X-Request-Id, Retry-After";
constexpr char kPreflightMaxAge[] = "600";

bool ValidOrigin(std::string_view origin) {
  if (!absl::StartsWith(Av(origin), "http://") && !absl::StartsWith(Av(origin), "https://")) {
    return false;
  }
  const std::string_view rest = origin.substr(origin.find("//") + 2);
  if (rest.empty() || absl::StrContains(Av(rest), "/")) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
  });
}

// A header-name list as browsers send it in Access-Control-Request-Headers.
bool ValidHeaderList(std::string_view list) {
  return list.size() <= 1024 && std::all_of(list.begin(), list.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                  c == ',' || c == ' ';
         });
}

bool Unthrottled(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

void SendError(httplib::Response& res, const absl::Status& status) {
  AdminResponse error = ErrorResponse(status);
  res.status = error.status;
  res.set_content(error.body, "application/json");
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : origins_(std::move(allowed_origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

absl::StatusOr<CorsPolicy> CorsPolicy::Parse(std::string_view text) {
  std::vector<std::string> origins;
  for (absl::string_view item : absl::StrSplit(Av(text), ',', absl::SkipWhitespace())) {
    std::string origin = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    if (origin != "*" && !ValidOrigin(origin)) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", origin, "\" is not an origin (scheme://host[:port], or * for any)"));
    }
    origins.push_back(std::move(origin));
  }
  return CorsPolicy(std::move(origins));
}

bool CorsPolicy::Allows(std::string_view origin, std::string_view path) const {
  if (origin.empty() || !IsOpenAiApiPath(path)) return false;
  if (any_) return true;
  const std::string lower = absl::AsciiStrToLower(Av(origin));
  return std::find(origins_.begin(), origins_.end(), lower) != origins_.end();
}

bool IsOpenAiApiPath(std::string_view path) {
  return absl::StartsWith(Av(path), "/v1/") || path == "/chat/completions";
}

EdgeGuard::EdgeGuard(FailedAuthThrottle* throttle, CorsPolicy cors)
    : throttle_(throttle), cors_(std::move(cors)) {}

bool EdgeGuard::Before(const httplib::Request& req, httplib::Response& res) const {
  if (throttle_ != nullptr && !Unthrottled(req.path)) {
    if (std::optional<absl::Duration> retry = throttle_->LockedOut(req.remote_addr)) {
      const int64_t seconds = absl::ToInt64Seconds(*retry);
      res.set_header("Retry-After", std::to_string(seconds));
      SendError(res, absl::ResourceExhaustedError(absl::StrCat(
                         "Too many failed authentication attempts from your address; retry in ",
                         seconds, " seconds.")));
      return true;
    }
  }
  const std::string origin = req.get_header_value("Origin");
  if (req.method == "OPTIONS" && !origin.empty() &&
      req.has_header("Access-Control-Request-Method")) {
    return AnswerPreflight(req, res);
  }
  if (cors_.Allows(origin, req.path)) {
    // Set before routing so that responses a handler writes itself (event streams) carry them.
    res.set_header("Access-Control-Allow-Origin", cors_.any_origin() ? "*" : origin);
    res.set_header("Access-Control-Expose-Headers", kExposeHeaders);
    res.set_header("Vary", "Origin");
  }
  return false;
}

bool EdgeGuard::AnswerPreflight(const httplib::Request& req, httplib::Response& res) const {
  const std::string origin = req.get_header_value("Origin");
  const std::string method = req.get_header_value("Access-Control-Request-Method");
  const std::string headers = req.get_header_value("Access-Control-Request-Headers");
  res.set_header("Vary", "Origin");
  if (!cors_.Allows(origin, req.path) || (method != "GET" && method != "POST") ||
      !ValidHeaderList(headers)) {
    SendError(res,
              absl::PermissionDeniedError("Cross-origin requests from this origin are not allowed "
                                          "(see NEXUS_CORS_ALLOWED_ORIGINS)."));
    return true;
  }
  res.status = 204;
  res.set_header("Access-Control-Allow-Origin", cors_.any_origin() ? "*" : origin);
  res.set_header("Access-Control-Allow-Methods", kAllowMethods);
  if (!headers.empty()) res.set_header("Access-Control-Allow-Headers", headers);
  res.set_header("Access-Control-Max-Age", kPreflightMaxAge);
  return true;
}

void EdgeGuard::After(const httplib::Request& req, httplib::Response& res) const {
  if (throttle_ != nullptr && res.status == 401) throttle_->RecordFailure(req.remote_addr);
  // Once per response (the console and admin routes may have set it already).
  if (!res.has_header("X-Content-Type-Options"))
    res.set_header("X-Content-Type-Options", "nosniff");
}

}  // namespace nexus::gateway::admin
