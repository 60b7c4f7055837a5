#include "services/grpc/tls_credentials.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::grpc_runtime {
namespace {

// The host part of a gRPC target, without scheme, port or IPv6 brackets.
std::string_view HostOf(std::string_view target) {
  for (std::string_view scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (target.starts_with(scheme)) {
      target.remove_prefix(scheme.size());
      break;
    }
  }
  // "ipv4:a:1,b:2" lists several addresses; each is judged the same way, the first stands in.
  target = target.substr(0, target.find(','));
  if (target.starts_with('[')) {
    size_t close = target.find(']');
    return close == std::string_view::npos ? target.substr(1) : target.substr(1, close - 1);
  }
  // A bare IPv6 address without brackets has several colons and no port.
  if (target.find(':') != target.rfind(':')) return target;
  return target.substr(0, target.find(':'));
}

bool IsLoopbackHost(std::string_view host) {
  if (absl::AsciiStrToLower(Av(host)) == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

// Reads a PEM file named by setting `env`; `marker` ("CERTIFICATE", "PRIVATE KEY") must appear
// in a BEGIN line, so a swapped or empty file fails here rather than as a vague handshake error.
absl::StatusOr<std::string> ReadPem(std::string_view env, const std::string& path,
                                    std::string_view marker) {
  std::string pem;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t got = fd < 0 ? -1 : 0;
  char buffer[4096];
  while (fd >= 0 && (got = read(fd, buffer, sizeof buffer)) > 0) pem.append(buffer, got);
  const int error = errno;
  if (fd >= 0) close(fd);
  if (got < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(Av(env), ": cannot read '", path, "': ", std::strerror(error)));
  }
  // Any BEGIN line will do: key files may start with "EC PARAMETERS".
  for (size_t begin = pem.find("-----BEGIN "); begin != std::string::npos;
       begin = pem.find("-----BEGIN ", begin + 11)) {
    size_t line_end = pem.find("-----", begin + 11);
    if (line_end == std::string::npos) break;
    if (absl::StrContains(Av(std::string_view(pem).substr(begin, line_end - begin)), Av(marker))) {
      return pem;
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat(Av(env), ": '", path, "' holds no PEM ", absl::AsciiStrToLower(Av(marker))));
}

absl::Status PlaintextRefused(std::string_view what, std::string_view address,
                              std::string_view enable_tls) {
  return absl::FailedPreconditionError(
      absl::StrCat("gRPC ", Av(what), " ", Av(address),
                   " is not a loopback address and TLS is off: set ", Av(enable_tls),
                   ", or NEXUS_GRPC_ALLOW_PLAINTEXT=true (--grpc_allow_plaintext) to allow "
                   "plaintext on a trusted private network"));
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  if (address.starts_with("unix:") || address.starts_with("unix-abstract:")) return true;
  return IsLoopbackHost(HostOf(address));
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsSettings& tls, std::string_view listen_address) {
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      return absl::InvalidArgumentError(
          "NEXUS_GRPC_TLS_CERT and NEXUS_GRPC_TLS_KEY go together: set both or neither");
    }
    if (tls.require_client_cert) {
      return absl::InvalidArgumentError(
          "NEXUS_GRPC_REQUIRE_CLIENT_CERT needs NEXUS_GRPC_TLS_CERT and NEXUS_GRPC_TLS_KEY");
    }
    if (!tls.allow_plaintext && !IsLoopbackAddress(listen_address)) {
      return PlaintextRefused("listen address", listen_address,
                              "NEXUS_GRPC_TLS_CERT and NEXUS_GRPC_TLS_KEY");
    }
    return grpc::InsecureServerCredentials();
  }
  absl::StatusOr<std::string> cert = ReadPem("NEXUS_GRPC_TLS_CERT", tls.cert_file, "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("NEXUS_GRPC_TLS_KEY", tls.key_file, "PRIVATE KEY");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem("NEXUS_GRPC_TLS_CA", tls.ca_file, "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    // Without the requirement a certificate is still verified when a client presents one.
    options.client_certificate_request =
        tls.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (tls.require_client_cert) {
    return absl::InvalidArgumentError(
        "NEXUS_GRPC_REQUIRE_CLIENT_CERT needs NEXUS_GRPC_TLS_CA (the CA of the client "
        "certificates)");
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsSettings& tls, std::string_view address) {
  const bool has_client_cert = !tls.client_cert_file.empty() || !tls.client_key_file.empty();
  if (tls.ca_file.empty()) {
    if (has_client_cert) {
      return absl::InvalidArgumentError(
          "NEXUS_GRPC_TLS_CLIENT_CERT needs NEXUS_GRPC_TLS_CA (the CA of the server certificates)");
    }
    if (!tls.allow_plaintext && !IsLoopbackAddress(address)) {
      return PlaintextRefused("address", address,
                              "NEXUS_GRPC_TLS_CA (the CA that signed the "
                              "server certificates)");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> ca = ReadPem("NEXUS_GRPC_TLS_CA", tls.ca_file, "CERTIFICATE");
  if (!ca.ok()) return ca.status();
  options.pem_root_certs = *ca;
  if (has_client_cert) {
    if (tls.client_cert_file.empty() || tls.client_key_file.empty()) {
      return absl::InvalidArgumentError(
          "NEXUS_GRPC_TLS_CLIENT_CERT and NEXUS_GRPC_TLS_CLIENT_KEY go together: set both or "
          "neither");
    }
    absl::StatusOr<std::string> cert =
        ReadPem("NEXUS_GRPC_TLS_CLIENT_CERT", tls.client_cert_file, "CERTIFICATE");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadPem("NEXUS_GRPC_TLS_CLIENT_KEY", tls.client_key_file, "PRIVATE KEY");
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

std::string ServerSecurityLabel(const TlsSettings& tls) {
  if (tls.cert_file.empty()) return "plaintext";
  if (tls.require_client_cert) return "mutual TLS";
  return tls.ca_file.empty() ? "TLS" : "TLS, client certificates verified when presented";
}

}  // namespace nexus::grpc_runtime
