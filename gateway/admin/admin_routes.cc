#include "gateway/admin/admin_routes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gateway/io/fiber.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

void Reply(httplib::Response& res, const AdminResponse& response) {
  res.status = response.status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (response.status != 204) res.set_content(response.body, "application/json");
}

void Dispatch(AdminApi& api, AdminAuthenticator& authenticator, const httplib::Request& req,
              httplib::Response& res) {
  // get_header_value returns a copy: keep it alive while the token views it.
  const std::string authorization = req.get_header_value("Authorization");
  const std::string_view token = BearerToken(authorization);
  absl::Status auth =
      token.empty()
          ? absl::UnauthenticatedError("an admin token is required (Authorization: Bearer)")
          : authenticator.Check(token);
  if (!auth.ok()) {
    if (auth.code() == absl::StatusCode::kUnauthenticated) {
      res.set_header("WWW-Authenticate", "Bearer");
      auth = absl::UnauthenticatedError(token.empty() ? std::string(auth.message())
                                                      : "the admin token is not valid");
    } else if (auth.code() != absl::StatusCode::kUnavailable) {
      auth = absl::UnavailableError("admin authentication is unavailable");
    }
    Reply(res, ErrorResponse(auth));
    return;
  }
  AdminRequest request;
  request.method = req.method;
  request.path = req.path;
  request.query.insert(req.params.begin(), req.params.end());
  request.body = req.body;
  Reply(res, api.Handle(request));
}

}  // namespace

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(Av(authorization.substr(0, kScheme.size())), Av(kScheme))) {
    return {};
  }
  return Sv(absl::StripAsciiWhitespace(Av(authorization.substr(kScheme.size()))));
}

void RegisterAdminRoutes(httplib::Server& server, AdminApi& api,
                         AdminAuthenticator& authenticator) {
  const char* pattern = R"(/api/admin/.*)";
  // Admin calls wait on the registry and stats over gRPC: off the connection fiber.
  auto handler = [&api, &authenticator](const httplib::Request& req, httplib::Response& res) {
    io::RunBlocking([&] { Dispatch(api, authenticator, req, res); });
  };
  server.Get(pattern, handler);
  server.Post(pattern, handler);
  server.Patch(pattern, handler);
  server.Delete(pattern, handler);
  server.Put(pattern, handler);
}

}  // namespace nexus::gateway::admin
