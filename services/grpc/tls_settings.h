#ifndef NEXUS_SERVICES_GRPC_TLS_SETTINGS_H_
#define NEXUS_SERVICES_GRPC_TLS_SETTINGS_H_

#include <span>
#include <string>
#include <vector>

#include "services/config/config.h"

namespace nexus::grpc_runtime {

// Transport security of the internal gRPC channels. The registry hands decrypted upstream keys to
// the gateway, so a channel leaves the machine only with TLS, or when an operator says plaintext
// is fine on that network.
struct TlsSettings {
  // Server: certificate chain and private key (PEM). Setting both turns TLS on.
  std::string cert_file = {};
  std::string key_file = {};
  // Server: CA that client certificates are verified against. Client: CA bundle that the server's
  // certificate is verified against; setting it turns TLS on for dialing.
  std::string ca_file = {};
  // Client: certificate and key presented to servers that require one (mutual TLS).
  std::string client_cert_file = {};
  std::string client_key_file = {};
  // Client: the name expected in the server's certificate when it differs from the dialed host
  // (e.g. a health probe dialing 127.0.0.1 inside the registry's container).
  std::string server_name = {};
  // Server: refuse clients without a certificate signed by `ca_file`.
  bool require_client_cert = false;
  // Plaintext on a non-loopback address (e.g. a private container network).
  bool allow_plaintext = false;
};

// Which side of a channel a binary is: servers read the server settings, dialers the client ones.
enum class TlsRole { kServer, kClient };

// The NEXUS_GRPC_* settings of `role`, appended to a service's own settings.
std::vector<config::SettingSpec> WithGrpcTlsSettingSpecs(std::span<const config::SettingSpec> own,
                                                         TlsRole role);

// Reads the settings WithGrpcTlsSettingSpecs(…, role) declared; bad values are recorded in
// `config` (see Config::Validate). Files are read later, when credentials are built.
TlsSettings ReadGrpcTlsSettings(config::Config& config, TlsRole role);

}  // namespace nexus::grpc_runtime

#endif  // NEXUS_SERVICES_GRPC_TLS_SETTINGS_H_
