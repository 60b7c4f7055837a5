#include "tests/services/grpc/test_certificates.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/subprocess.h"

namespace nexus::testing_support {
namespace {

// The openssl command on PATH (RunCommand does not search PATH).
std::string OpensslPath() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir, "/openssl");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/bin/openssl";
}

absl::Status Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), OpensslPath());
  CommandResult result = RunCommand(args);
  if (result.exit_code == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(absl::StrJoin(args, " "), " failed (", result.exit_code, "): ", result.errors));
}

// A key and a certificate for `subject` signed by the CA, with the extensions in `extensions`.
absl::Status IssueCertificate(const std::string& dir, const std::string& name,
                              const std::string& subject, const std::string& extensions,
                              const TestCertificates& ca) {
  const std::string base = absl::StrCat(dir, "/", name);
  std::ofstream(base + ".ext") << extensions;
  if (absl::Status s =
          Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-keyout", base + ".key", "-out", base + ".csr", "-subj", subject});
      !s.ok()) {
    return s;
  }
  return Openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca.ca, "-CAkey", dir + "/ca.key",
                  "-set_serial", std::to_string(name.size() * 7919 + 1), "-days", "2", "-extfile",
                  base + ".ext", "-out", base + ".pem"});
}

}  // namespace

absl::StatusOr<TestCertificates> GenerateTestCertificates(const std::string& dir) {
  TestCertificates files{.ca = dir + "/ca.pem",
                         .server_cert = dir + "/server.pem",
                         .server_key = dir + "/server.key",
                         .client_cert = dir + "/client.pem",
                         .client_key = dir + "/client.key"};
  if (absl::Status s =
          Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-keyout", dir + "/ca.key", "-out", files.ca, "-days", "2", "-subj",
                   "/CN=NexusAI Hub test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                   "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = IssueCertificate(
          dir, "server", "/CN=nexus-registry",
          "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", files);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = IssueCertificate(dir, "client", "/CN=nexus-gateway",
                                        "extendedKeyUsage=clientAuth\n", files);
      !s.ok()) {
    return s;
  }
  return files;
}

}  // namespace nexus::testing_support
