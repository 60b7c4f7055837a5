#include "gateway/app/gateway_app.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/accounting/file_spool.h"
#include "gateway/accounting/reporter_metrics.h"
#include "gateway/accounting/stats_usage_reporter.h"
#include "gateway/admin/admin_api.h"
#include "gateway/admin/admin_routes.h"
#include "gateway/admin/edge_guard.h"
#include "gateway/auth/caching_admin_authenticator.h"
#include "gateway/auth/caching_key_resolver.h"
#include "gateway/auth/failed_auth_throttle.h"
#include "gateway/auth/grpc_registry_client.h"
#include "gateway/auth/local_rate_limiter.h"
#include "gateway/auth/offloading_registry_client.h"
#include "gateway/auth/registry_route_table.h"
#include "gateway/auth/registry_watcher.h"
#include "gateway/http/gateway_metrics.h"
#include "gateway/http/gateway_routes.h"
#include "gateway/http/gateway_server.h"
#include "gateway/metrics/metrics_registry.h"
#include "gateway/pipeline/default_chat_pipeline.h"
#include "gateway/pipeline/models_handler.h"
#include "gateway/pipeline/openai_error.h"
#include "gateway/pipeline/token_count_handler.h"
#include "gateway/upstream/address_policy.h"
#include "gateway/upstream/httplib_upstream_client.h"
#include "gateway/ws/playground_endpoint.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/channel_factory.h"

namespace nexus::gateway {

// Members are declared in dependency order: destroyed in reverse, users before what they use.
struct GatewayApp::Parts {
  explicit Parts(const log::Logger& logger) : logger(logger) {}

  log::Logger logger;
  SystemClock clock;
  std::shared_ptr<registry::v1::Registry::StubInterface> registry;
  std::shared_ptr<stats::v1::Stats::StubInterface> stats;
  std::unique_ptr<CachingKeyResolver> keys;
  std::unique_ptr<RegistryRouteTable> routes;
  std::unique_ptr<CachingAdminAuthenticator> admin;
  std::unique_ptr<RegistryWatcher> watcher;
  std::unique_ptr<LocalRateLimiter> limiter;
  std::unique_ptr<FailedAuthThrottle> throttle;
  std::unique_ptr<UpstreamAddressGuard> address_guard;
  std::unique_ptr<admin::EdgeGuard> edge;
  std::unique_ptr<HttplibUpstreamClient> upstream;
  std::unique_ptr<StatsUsageReporter> reporter;
  std::unique_ptr<tokenizer::TokenCounter> counter;
  metrics::MetricsRegistry metrics;
  std::unique_ptr<http::GatewayMetrics> observer;
  std::unique_ptr<DisconnectWatchdog> watchdog;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<DefaultChatPipeline> pipeline;
  std::unique_ptr<ModelsHandler> models;
  std::unique_ptr<TokenCountHandler> token_count;
  std::unique_ptr<admin::AdminApi> admin_api;
  std::unique_ptr<ws::PlaygroundEndpoint> playground;
  std::unique_ptr<http::GatewayHttpServer> server;
};

namespace {

// The edge-security parts: failed-auth throttle and CORS (EdgeGuard), and the upstream address
// policy, which also denies the gateway's own port and the registry and stats addresses.
void BuildSecurity(const GatewaySettings& settings, GatewayApp::Parts& p) {
  const admin::SecuritySettings& security = settings.security;
  FailedAuthThrottleOptions throttle_options;
  throttle_options.max_failures = security.auth_failure_limit;
  throttle_options.window = security.auth_failure_window;
  p.throttle = std::make_unique<FailedAuthThrottle>(p.clock, throttle_options);
  p.edge = std::make_unique<admin::EdgeGuard>(p.throttle.get(), security.cors);
  AddressPolicyOptions policy;
  policy.allow_loopback = security.upstream_allow_loopback;
  policy.allow_private = security.upstream_allow_private;
  policy.deny = security.upstream_deny;
  policy.deny_endpoints = OwnEndpoints(
      {{"the gateway's own port", absl::StrCat(settings.listen_host, ":", settings.listen_port)},
       {"the registry's gRPC port", settings.registry_addr},
       {"the stats gRPC port", settings.stats_addr}});
  p.address_guard = std::make_unique<UpstreamAddressGuard>(AddressPolicy(std::move(policy)));
}

absl::Status BuildClients(const GatewaySettings& settings, GatewayApp::Parts& p) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> registry_channel =
      grpc_runtime::Dial(settings.registry_addr, settings.grpc_tls);
  if (!registry_channel.ok()) return registry_channel.status();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> stats_channel =
      grpc_runtime::Dial(settings.stats_addr, settings.grpc_tls);
  if (!stats_channel.ok()) return stats_channel.status();
  p.registry = registry::v1::Registry::NewStub(*registry_channel);
  p.stats = stats::v1::Stats::NewStub(*stats_channel);
  CachingKeyResolverOptions key_options;
  key_options.max_staleness = settings.key_staleness;
  // Cache misses wait for the registry off the connection fibers.
  auto registry_client =
      std::make_shared<OffloadingRegistryClient>(std::make_shared<GrpcRegistryClient>(p.registry));
  p.keys = std::make_unique<CachingKeyResolver>(registry_client, p.clock, key_options);
  p.routes = std::make_unique<RegistryRouteTable>(registry_client);
  p.admin = std::make_unique<CachingAdminAuthenticator>(registry_client, p.clock);
  p.watcher = std::make_unique<RegistryWatcher>(registry_client);
  p.watcher->AddListener(p.keys.get());
  p.watcher->AddListener(p.routes.get());
  p.watcher->AddListener(p.admin.get());
  p.watcher->Start();
  p.limiter = std::make_unique<LocalRateLimiter>(p.clock);
  BuildSecurity(settings, p);
  HttplibUpstreamClientOptions upstream_options;
  upstream_options.connect_timeout = settings.upstream_connect_timeout;
  upstream_options.read_timeout = settings.upstream_read_timeout;
  upstream_options.verify_tls = settings.upstream_verify_tls;
  upstream_options.max_idle_per_host = settings.upstream_max_idle;
  upstream_options.address_guard = p.address_guard.get();
  p.upstream = std::make_unique<HttplibUpstreamClient>(upstream_options);
  absl::StatusOr<std::unique_ptr<FileSpool>> spool = FileSpool::Open(FileSpoolOptions{
      .directory = settings.data_dir + "/spool", .max_bytes = settings.usage_spool_max_bytes});
  if (!spool.ok()) return spool.status();
  p.reporter = std::make_unique<StatsUsageReporter>(p.stats, *std::move(spool), p.clock,
                                                    p.logger.WithComponent("accounting"));
  absl::StatusOr<std::shared_ptr<const tokenizer::EncodingSet>> encodings =
      tokenizer::EncodingSet::Load();
  if (!encodings.ok()) return encodings.status();
  p.counter = std::make_unique<tokenizer::TokenCounter>(*encodings);
  return absl::OkStatus();
}

absl::Status BuildMetrics(GatewayApp::Parts& p) {
  absl::StatusOr<std::unique_ptr<http::GatewayMetrics>> observer =
      http::GatewayMetrics::Create(p.metrics);
  if (!observer.ok()) return observer.status();
  p.observer = *std::move(observer);
  std::shared_ptr<http::PoolStats> pool = p.server->pool_stats();
  const std::pair<const char*, std::function<double()>> gauges[] = {
      {"nexus_gateway_workers_busy", [pool] { return double(pool->busy.load()); }},
      {"nexus_gateway_workers_threads", [pool] { return double(pool->threads.load()); }},
      {"nexus_gateway_workers_max", [pool] { return double(pool->max_workers.load()); }},
  };
  for (const auto& [name, read] : gauges) {
    if (absl::Status s = p.metrics.AddCallbackGauge(name, name, read); !s.ok()) return s;
  }
  if (absl::Status s = p.metrics.AddCallbackCounter(
          "nexus_gateway_connections_rejected_total", "nexus_gateway_connections_rejected_total",
          [pool] { return double(pool->rejected.load()); });
      !s.ok()) {
    return s;
  }
  // Queue, spool (bytes, errors) and delivery counters of usage accounting: nexus_usage_*.
  return RegisterUsageReporterMetrics(*p.reporter, p.metrics);
}

void BuildPipeline(const GatewaySettings& settings, GatewayApp::Parts& p) {
  p.watchdog = std::make_unique<DisconnectWatchdog>();
  p.admission = std::make_unique<Admission>(*p.keys, *p.routes, *p.limiter, p.clock);
  ChatPipelineDeps deps{p.admission.get(), p.upstream.get(), p.reporter.get(), p.counter.get(),
                        p.watchdog.get(),  p.observer.get(), &p.clock};
  ChatPipelineOptions options;
  options.max_body_bytes = settings.max_body_bytes;
  p.pipeline = std::make_unique<DefaultChatPipeline>(deps, options);
  RegistryRouteTable* routes = p.routes.get();
  p.models = std::make_unique<ModelsHandler>(
      *p.admission,
      [routes](const registry::v1::ClientKey& key) { return routes->ModelsFor(key); });
  p.token_count = std::make_unique<TokenCountHandler>(*p.admission, *p.admin, *p.counter,
                                                      settings.max_body_bytes);
  admin::AdminApiOptions admin_options;
  const UpstreamAddressGuard* guard = p.address_guard.get();
  admin_options.check_base_url = [guard](std::string_view url) { return guard->CheckBaseUrl(url); };
  p.admin_api = std::make_unique<admin::AdminApi>(*p.registry, *p.stats, p.clock, admin_options);
  ws::PlaygroundOptions playground_options;
  playground_options.max_frame_bytes = settings.security.ws_max_message_bytes;
  playground_options.max_message_bytes = settings.security.ws_max_message_bytes;
  if (FailedAuthThrottle* throttle = p.throttle.get()) {
    playground_options.on_auth_failure = [throttle](const std::string& address) {
      throttle->RecordFailure(address);
    };
  }
  p.playground =
      std::make_unique<ws::PlaygroundEndpoint>(*p.pipeline, *p.admin, playground_options);
}

void MountRoutes(const GatewaySettings& settings, GatewayApp::Parts& p) {
  http::GatewayHttpServer& server = *p.server;
  admin::EdgeGuard* edge = p.edge.get();
  http::InstallCommonHandlers(
      server,
      {[edge](const httplib::Request& q, httplib::Response& r) { return edge->Before(q, r); },
       [edge](const httplib::Request& q, httplib::Response& r) { edge->After(q, r); }});
  http::GatewayEndpoints endpoints;
  endpoints.chat = p.pipeline.get();
  endpoints.list_models = [&p](std::string_view secret) { return p.models->List(secret); };
  endpoints.embeddings = [&p](const JsonCall& call) { return p.pipeline->HandleEmbeddings(call); };
  endpoints.count_tokens = [&p](std::string_view bearer, std::string_view body) {
    return p.token_count->Count(bearer, body);
  };
  endpoints.readiness = [&p]() -> absl::Status {
    if (p.watcher->connected()) return absl::OkStatus();
    return absl::UnavailableError("The registry is not reachable.");
  };
  endpoints.render_metrics = [&p] { return p.metrics.Render(); };
  endpoints.websocket = [&p](int socket, const httplib::Request& upgrade) {
    p.playground->Serve(socket, upgrade);
  };
  http::RegisterGatewayRoutes(server, endpoints);
  admin::RegisterAdminRoutes(server, *p.admin_api, *p.admin);
  if (!settings.web_root.empty()) admin::RegisterConsoleRoutes(server, settings.web_root);
}

}  // namespace

GatewayApp::GatewayApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

GatewayApp::~GatewayApp() { Shutdown(absl::ZeroDuration()); }

int GatewayApp::port() const { return parts_->server->bound_port(); }

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(const GatewaySettings& settings,
                                                              const log::Logger& logger) {
  auto parts = std::make_unique<Parts>(logger);
  http::ServerOptions server_options;
  server_options.host = settings.listen_host;
  server_options.port = settings.listen_port;
  server_options.max_workers = settings.worker_threads;
  server_options.io_model = settings.io_fibers ? http::IoModel::kFibers : http::IoModel::kThreads;
  server_options.io_threads = settings.io_threads;
  server_options.max_body_bytes = settings.max_body_bytes;
  server_options.head_limits.timeout_ms =
      absl::ToInt64Milliseconds(settings.security.header_timeout);
  server_options.head_limits.max_bytes = settings.security.max_header_bytes;
  server_options.timeouts.read_sec = absl::ToInt64Seconds(settings.client_read_timeout);
  server_options.timeouts.read_usec =
      absl::ToInt64Microseconds(settings.client_read_timeout) % 1000000;
  server_options.overload_body =
      EncodeOpenAiError(OpenAiError{503, "The gateway is at capacity; retry shortly.",
                                    "service_unavailable", "", "server_overloaded"});
  parts->server = std::make_unique<http::GatewayHttpServer>(server_options);
  // Bind first: a taken port must fail before anything else starts.
  if (absl::Status bound = parts->server->Bind(); !bound.ok()) return bound;
  if (absl::Status s = BuildClients(settings, *parts); !s.ok()) return s;
  if (absl::Status s = BuildMetrics(*parts); !s.ok()) return s;
  BuildPipeline(settings, *parts);
  MountRoutes(settings, *parts);
  std::unique_ptr<GatewayApp> app(new GatewayApp(std::move(parts)));
  app->serve_thread_ = std::thread([server = app->parts_->server.get()] { server->Serve(); });
  return app;
}

void GatewayApp::Shutdown(absl::Duration deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  Parts& p = *parts_;
  absl::Time until = absl::Now() + deadline;
  p.server->Stop();
  while (p.server->open_connections() > 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (p.server->open_connections() > 0) {
    p.logger.Warning(absl::StrCat("drain deadline passed; cancelling ",
                                  p.server->open_connections(), " connection(s)"));
    p.watchdog->CancelAll();
    p.server->AbortConnections();
  }
  if (serve_thread_.joinable()) serve_thread_.join();
  p.reporter->Shutdown(std::max(until - absl::Now(), absl::Seconds(2)));
  p.watcher->Stop();
}

}  // namespace nexus::gateway
