#ifndef NEXUS_GATEWAY_ADMIN_ADMIN_ROUTES_H_
#define NEXUS_GATEWAY_ADMIN_ADMIN_ROUTES_H_

#include <httplib.h>

#include <string>
#include <string_view>

#include "gateway/admin/admin_api.h"
#include "gateway/auth/admin_authenticator.h"

namespace nexus::gateway::admin {

// Wires /api/admin/* (GET, POST, PATCH, DELETE) to `api`, behind the admin token given as
// "Authorization: Bearer <token>". 401 for a missing or wrong token (client keys included), 503
// when the registry cannot tell. `api` and `authenticator` must outlive the server.
void RegisterAdminRoutes(httplib::Server& server, AdminApi& api, AdminAuthenticator& authenticator);

// Serves the web console from `web_root` (index.html at "/", assets below it) with the security
// headers of a locked-down single-page app. Only regular files under `web_root` are served; no
// directory listing.
void RegisterConsoleRoutes(httplib::Server& server, const std::string& web_root);

// The bearer token of an "Authorization" header value, or "" when there is none.
std::string_view BearerToken(std::string_view authorization);

// The Content-Type for a file name, by extension.
std::string_view MimeTypeFor(std::string_view path);

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_ADMIN_ROUTES_H_
