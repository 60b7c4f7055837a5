#include "services/grpc/tls_settings.h"

namespace nexus::grpc_runtime {
namespace {

const config::SettingSpec kCert = {
    "grpc_tls_cert", "NEXUS_GRPC_TLS_CERT", "",
    "PEM certificate chain of this gRPC server; with grpc_tls_key turns TLS on"};
const config::SettingSpec kKey = {"grpc_tls_key", "NEXUS_GRPC_TLS_KEY", "",
                                  "PEM private key of grpc_tls_cert"};
const config::SettingSpec kServerCa = {
    "grpc_tls_ca", "NEXUS_GRPC_TLS_CA", "",
    "PEM CA bundle that client certificates are verified against (mutual TLS)"};
const config::SettingSpec kRequireClientCert = {
    "grpc_require_client_cert", "NEXUS_GRPC_REQUIRE_CLIENT_CERT", "false",
    "refuse gRPC clients without a certificate signed by grpc_tls_ca"};
const config::SettingSpec kClientCa = {
    "grpc_tls_ca", "NEXUS_GRPC_TLS_CA", "",
    "PEM CA bundle that the registry's and stats' certificates are verified against; turns TLS "
    "on for the internal gRPC channels"};
const config::SettingSpec kClientCert = {
    "grpc_tls_client_cert", "NEXUS_GRPC_TLS_CLIENT_CERT", "",
    "PEM client certificate for servers that require one (mutual TLS)"};
const config::SettingSpec kClientKey = {"grpc_tls_client_key", "NEXUS_GRPC_TLS_CLIENT_KEY", "",
                                        "PEM private key of grpc_tls_client_cert"};
const config::SettingSpec kServerName = {
    "grpc_tls_server_name", "NEXUS_GRPC_TLS_SERVER_NAME", "",
    "name expected in the server's certificate when it differs from the dialed host"};
const config::SettingSpec kAllowPlaintext = {
    "grpc_allow_plaintext", "NEXUS_GRPC_ALLOW_PLAINTEXT", "false",
    "allow plaintext gRPC on non-loopback addresses (a trusted private network only)"};

}  // namespace

std::vector<config::SettingSpec> WithGrpcTlsSettingSpecs(std::span<const config::SettingSpec> own,
                                                         TlsRole role) {
  std::vector<config::SettingSpec> specs(own.begin(), own.end());
  if (role == TlsRole::kServer) {
    specs.insert(specs.end(), {kCert, kKey, kServerCa, kRequireClientCert, kAllowPlaintext});
  } else {
    specs.insert(specs.end(), {kClientCa, kClientCert, kClientKey, kServerName, kAllowPlaintext});
  }
  return specs;
}

TlsSettings ReadGrpcTlsSettings(config::Config& config, TlsRole role) {
  TlsSettings tls;
  tls.ca_file = config.GetString(kServerCa.name);
  tls.allow_plaintext = config.GetBool(kAllowPlaintext.name);
  if (role == TlsRole::kServer) {
    tls.cert_file = config.GetString(kCert.name);
    tls.key_file = config.GetString(kKey.name);
    tls.require_client_cert = config.GetBool(kRequireClientCert.name);
    if (tls.cert_file.empty() != tls.key_file.empty()) {
      config.AddError(tls.cert_file.empty() ? kCert.name : kKey.name,
                      "grpc_tls_cert and grpc_tls_key go together: set both or neither");
    }
    if (tls.require_client_cert && (tls.cert_file.empty() || tls.ca_file.empty())) {
      config.AddError(kRequireClientCert.name,
                      "needs grpc_tls_cert, grpc_tls_key and grpc_tls_ca (the CA of the clients)");
    }
  } else {
    tls.client_cert_file = config.GetString(kClientCert.name);
    tls.client_key_file = config.GetString(kClientKey.name);
    tls.server_name = config.GetString(kServerName.name);
    if (tls.client_cert_file.empty() != tls.client_key_file.empty()) {
      config.AddError(tls.client_cert_file.empty() ? kClientCert.name : kClientKey.name,
                      "grpc_tls_client_cert and grpc_tls_client_key go together: set both or "
                      "neither");
    }
    if (!tls.client_cert_file.empty() && tls.ca_file.empty()) {
      config.AddError(kClientCa.name, "must be set when a client certificate is configured");
    }
  }
  return tls;
}

}  // namespace nexus::grpc_runtime
