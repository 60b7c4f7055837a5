#ifndef NEXUS_SERVICES_LOG_REDACTOR_H_
#define NEXUS_SERVICES_LOG_REDACTOR_H_

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace nexus::log {

// Masks secrets in text bound for logs, error messages and URLs: values registered at run time
// (master key, admin token) and anything shaped like a credential (bearer tokens, "sk-..." and
// "nx-..." keys, api_key=... parameters).
class Redactor {
 public:
  // Secrets shorter than 8 characters are ignored: masking them would mangle ordinary words.
  void AddSecret(std::string_view secret);
  std::string Redact(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;
};

// "sk-...WXYZ": enough to recognise a key, never enough to use it.
std::string MaskSecret(std::string_view secret);

}  // namespace nexus::log

#endif  // NEXUS_SERVICES_LOG_REDACTOR_H_
