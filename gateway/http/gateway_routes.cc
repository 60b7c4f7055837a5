#include "gateway/http/gateway_routes.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/http/client_connection.h"
#include "gateway/http/http_chat_sink.h"
#include "gateway/io/fiber.h"
#include "gateway/pipeline/admission.h"
#include "gateway/pipeline/openai_error.h"
#include "gateway/pipeline/request_id.h"
#include "nexus/stats/v1/stats.pb.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::http {
namespace {

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr char kJson[] = "application/json";

void SendError(httplib::Response& res, int status, std::string_view message, std::string_view type,
               std::string_view code) {
  res.status = status;
  res.set_content(EncodeOpenAiError(OpenAiError{status, std::string(message), std::string(type), "",
                                                std::string(code)}),
                  kJson);
}

// OpenAI-shaped bodies for errors cpp-httplib produces before any handler runs.
void DescribeBareError(const httplib::Request& req, httplib::Response& res) {
  switch (res.status) {
    case 404:
      SendError(res, 404,
                absl::StrCat("Unknown request URL: ", req.method, " ", req.path,
                             ". Please check the URL for typos."),
                "invalid_request_error", "unknown_url");
      break;
    case 413:
      SendError(res, 413, "Request body is too large.", "invalid_request_error",
                "request_too_large");
      break;
    case 414:
      SendError(res, 414, "Request URL is too long.", "invalid_request_error", "uri_too_long");
      break;
    default:
      SendError(res, res.status,
                absl::StrCat("The request failed with HTTP status ", res.status, "."),
                res.status >= 500 ? "server_error" : "invalid_request_error", "");
  }
}

// cpp-httplib answers 400 when the head could not be read; say why when the connection knows.
bool DescribeHeadError(httplib::Response& res) {
  ClientConnection* connection = ClientConnection::Current();
  if (connection == nullptr) return false;
  switch (connection->head_error()) {
    case ClientConnection::HeadError::kTooLarge:
      SendError(res, 431, "The request's header fields are too large.", "invalid_request_error",
                "request_header_fields_too_large");
      return true;
    case ClientConnection::HeadError::kTimeout:
      SendError(res, 408, "The request's header fields did not arrive in time.",
                "invalid_request_error", "request_timeout");
      return true;
    case ClientConnection::HeadError::kNone:
      return false;
  }
  return false;
}

void SendReply(httplib::Response& res, const HttpReply& reply) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_content(reply.body, kJson);
}

std::string Bearer(const httplib::Request& req) {
  return BearerFromHeaders(req.get_header_value("Authorization"), req.get_header_value("api-key"),
                           req.get_header_value("x-api-key"));
}

std::string ConversationId(const httplib::Request& req) {
  std::string value = req.get_header_value("X-Nexus-Conversation-Id");
  return IsSaneRequestId(value) ? value : std::string();
}

void HandleChat(ChatPipeline& pipeline, ChatDialect dialect, const httplib::Request& req,
                httplib::Response& res) {
  ClientConnection* connection = ClientConnection::Current();
  if (connection == nullptr) {
    SendError(res, 500, "The chat endpoint needs the gateway's HTTP server.", "server_error", "");
    return;
  }
  ChatCall call;
  call.request_id = RequestIdOf(res);
  call.conversation_id = ConversationId(req);
  call.bearer_secret = Bearer(req);
  call.body = req.body;
  call.dialect = dialect;
  call.endpoint = nexus::stats::v1::ENDPOINT_CHAT_COMPLETIONS;
  HttpChatSink sink(*connection, res, call.request_id);
  pipeline.Handle(call, sink);
  sink.Finish();
}

void RegisterOperationalRoutes(httplib::Server& server, const GatewayEndpoints& endpoints) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", kJson);
  });
  if (endpoints.readiness) {
    server.Get("/readyz",
               [ready = endpoints.readiness](const httplib::Request&, httplib::Response& res) {
                 absl::Status status;
                 io::RunBlocking([&] { status = ready(); });
                 if (status.ok()) {
                   res.set_content(R"({"status":"ready"})", kJson);
                 } else {
                   SendError(res, 503, Sv(status.message()), "service_unavailable", "not_ready");
                 }
               });
  }
  if (endpoints.render_metrics) {
    server.Get("/metrics", [render = endpoints.render_metrics](const httplib::Request&,
                                                               httplib::Response& res) {
      res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
}

bool AnnouncesBody(const httplib::Request& req) {
  const std::string length = req.get_header_value("Content-Length");
  return (!length.empty() && length != "0") || req.has_header("Transfer-Encoding");
}

}  // namespace

std::string RequestIdOf(const httplib::Response& response) {
  std::string id = response.get_header_value(kRequestIdHeader);
  return id.empty() ? NewRequestId() : id;
}

namespace {

DirectHooks CommonHandlers(EdgeHooks hooks) {
  DirectHooks common;
  common.before = [before = std::move(hooks.before)](const httplib::Request& req,
                                                     httplib::Response& res) {
    res.set_header(kRequestIdHeader, AcceptOrNewRequestId(req.get_header_value(kRequestIdHeader)));
    if (!before || !before(req, res)) return httplib::Server::HandlerResponse::Unhandled;
    // cpp-httplib reads a body only after routing: a request answered here leaves its body
    // unread, so close the connection instead of parsing that body as the next request.
    if (AnnouncesBody(req)) {
      res.set_header("Connection", "close");
      if (ClientConnection* connection = ClientConnection::Current()) {
        connection->set_close_after_response(true);
      }
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  common.after = std::move(hooks.after);
  common.on_error = [](const httplib::Request& req, httplib::Response& res) {
    if (!res.has_header(kRequestIdHeader)) res.set_header(kRequestIdHeader, NewRequestId());
    if (!DescribeHeadError(res) && res.body.empty()) DescribeBareError(req, res);
    return httplib::Server::HandlerResponse::Handled;
  };
  common.on_exception = [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, 500, "The gateway failed to handle the request.", "server_error", "");
  };
  return common;
}

}  // namespace

void InstallCommonHandlers(httplib::Server& server, EdgeHooks hooks) {
  DirectHooks common = CommonHandlers(std::move(hooks));
  server.set_pre_routing_handler(std::move(common.before));
  if (common.after) server.set_post_routing_handler(std::move(common.after));
  server.set_error_handler(std::move(common.on_error));
  server.set_exception_handler(std::move(common.on_exception));
}

void InstallCommonHandlers(GatewayHttpServer& server, EdgeHooks hooks) {
  InstallCommonHandlers(static_cast<httplib::Server&>(server), hooks);
  server.direct_routes().SetHooks(CommonHandlers(std::move(hooks)));
}

namespace {

// The routes that forward to providers: also served directly by the gateway's server.
std::vector<std::pair<std::string, httplib::Server::Handler>> ProxyRoutes(
    const GatewayEndpoints& endpoints) {
  std::vector<std::pair<std::string, httplib::Server::Handler>> routes;
  if (endpoints.chat != nullptr) {
    ChatPipeline* chat = endpoints.chat;
    routes.emplace_back("/v1/chat/completions",
                        [chat](const httplib::Request& req, httplib::Response& res) {
                          HandleChat(*chat, ChatDialect::kOpenAi, req, res);
                        });
    routes.emplace_back("/chat/completions",
                        [chat](const httplib::Request& req, httplib::Response& res) {
                          HandleChat(*chat, ChatDialect::kSimplified, req, res);
                        });
  }
  if (endpoints.embeddings) {
    routes.emplace_back("/v1/embeddings", [embed = endpoints.embeddings](
                                              const httplib::Request& req, httplib::Response& res) {
      JsonCall call{RequestIdOf(res), ConversationId(req), Bearer(req), req.body};
      SendReply(res, embed(call));
    });
  }
  return routes;
}

}  // namespace

void RegisterGatewayRoutes(httplib::Server& server, const GatewayEndpoints& endpoints) {
  RegisterOperationalRoutes(server, endpoints);
  for (auto& [path, handler] : ProxyRoutes(endpoints)) server.Post(path, std::move(handler));
  if (endpoints.list_models) {
    server.Get("/v1/models",
               [list = endpoints.list_models](const httplib::Request& req, httplib::Response& res) {
                 SendReply(res, list(Bearer(req)));
               });
  }
  if (endpoints.count_tokens) {
    server.Post("/api/tokens/count", [count = endpoints.count_tokens](const httplib::Request& req,
                                                                      httplib::Response& res) {
      SendReply(res, count(Bearer(req), req.body));
    });
  }
  if (endpoints.websocket) {
    server.Get("/ws/chat", [ws = endpoints.websocket](const httplib::Request& req,
                                                      httplib::Response& res) {
      ClientConnection* connection = ClientConnection::Current();
      if (connection == nullptr) {
        SendError(res, 500, "WebSocket needs the gateway's HTTP server.", "server_error", "");
        return;
      }
      connection->TakeOver();
      // A playground session blocks in its own socket calls for as long as it is open, and
      // other threads write to it: it keeps a thread of its own.
      io::RunBlocking([&] { ws(connection->socket(), req); });
    });
  }
}

void RegisterGatewayRoutes(GatewayHttpServer& server, const GatewayEndpoints& endpoints) {
  RegisterGatewayRoutes(static_cast<httplib::Server&>(server), endpoints);
  for (auto& [path, handler] : ProxyRoutes(endpoints)) {
    server.direct_routes().AddPost(std::move(path), std::move(handler));
  }
}

}  // namespace nexus::gateway::http
