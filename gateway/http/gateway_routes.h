#ifndef NEXUS_GATEWAY_HTTP_GATEWAY_ROUTES_H_
#define NEXUS_GATEWAY_HTTP_GATEWAY_ROUTES_H_

#include <httplib.h>

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/http/gateway_server.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/pipeline/http_reply.h"

namespace nexus::gateway::http {

// What the OpenAI-compatible and operational routes dispatch to. Unset members leave their route
// unregistered (tests mount only what they need).
struct GatewayEndpoints {
  ChatPipeline* chat = nullptr;
  std::function<HttpReply(std::string_view secret)> list_models;
  std::function<HttpReply(const JsonCall& call)> embeddings;
  // Bearer token (a client key or the admin token) and the body of POST /api/tokens/count.
  std::function<HttpReply(std::string_view bearer, std::string_view body)> count_tokens;
  // OK when the gateway can serve (the registry is reachable).
  std::function<absl::Status()> readiness;
  std::function<std::string()> render_metrics;
  // Runs a WebSocket session on the raw socket (the caller closes it afterwards).
  std::function<void(int socket, const httplib::Request& upgrade)> websocket;
};

// Edge checks around every request (throttling, CORS; see admin::EdgeGuard). Unset: none.
struct EdgeHooks {
  // Runs before routing; true when it answered the request itself.
  std::function<bool(const httplib::Request&, httplib::Response&)> before;
  // Runs on every response just before it is written.
  std::function<void(const httplib::Request&, httplib::Response&)> after;
};

// Request ids on every response, OpenAI-shaped bodies for cpp-httplib's own errors (404, 413,
// 400, and 431/408 for an oversized or too slow request head) and for exceptions. Install before
// any route.
void InstallCommonHandlers(httplib::Server& server, EdgeHooks hooks = {});
// The same, also for the requests the gateway's server serves directly.
void InstallCommonHandlers(GatewayHttpServer& server, EdgeHooks hooks = {});

// POST /v1/chat/completions, POST /chat/completions, GET /v1/models, POST /v1/embeddings,
// POST /api/tokens/count, GET /healthz, GET /readyz, GET /metrics, GET /ws/chat.
void RegisterGatewayRoutes(httplib::Server& server, const GatewayEndpoints& endpoints);
// The same; the proxy routes (chat, embeddings) are also served directly (see DirectRoutes).
void RegisterGatewayRoutes(GatewayHttpServer& server, const GatewayEndpoints& endpoints);

// The request id chosen for this request (set by InstallCommonHandlers).
std::string RequestIdOf(const httplib::Response& response);

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_GATEWAY_ROUTES_H_
