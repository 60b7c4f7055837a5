#ifndef NEXUS_TESTS_SERVICES_GRPC_TEST_CERTIFICATES_H_
#define NEXUS_TESTS_SERVICES_GRPC_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/statusor.h"

namespace nexus::testing_support {

// PEM files of a throw-away private CA, a server certificate for 127.0.0.1 and localhost, and a
// client certificate, all signed by that CA.
struct TestCertificates {
  std::string ca;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

// Generates the files into `dir` with the openssl command (EC P-256, valid for two days).
absl::StatusOr<TestCertificates> GenerateTestCertificates(const std::string& dir);

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SERVICES_GRPC_TEST_CERTIFICATES_H_
