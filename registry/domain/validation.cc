#include "registry/domain/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::registry {
namespace {

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Av(field), ": ", Av(problem)));
}

bool HasControlChar(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool HasSpace(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

// Hosts: DNS names, IPv4, or a bracketed IPv6 literal; an optional numeric port follows.
absl::Status ValidateAuthority(std::string_view authority) {
  if (authority.empty()) return Invalid("base_url", "has no host");
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("base_url", "must not contain credentials (put the key in api_key)");
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return Invalid("base_url", "has an unclosed IPv6 host");
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!port.empty() && port.front() != ':') return Invalid("base_url", "has a malformed host");
    if (!port.empty()) port.remove_prefix(1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return Invalid("base_url", "has an empty port");
  }
  if (host.empty()) return Invalid("base_url", "has no host");
  if (host.front() != '[') {
    for (char c : host) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return Invalid("base_url", absl::StrCat("host contains '", std::string(1, c), "'"));
      }
    }
  }
  if (!port.empty()) {
    int number = 0;
    if (!absl::SimpleAtoi(Av(port), &number) || number < 1 || number > 65535) {
      return Invalid("base_url", "port must be a number from 1 to 65535");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateId(std::string_view field, int64_t id) {
  if (id <= 0) return Invalid(field, "must be a positive id");
  return absl::OkStatus();
}

absl::Status ValidateDisplayName(std::string_view field, std::string_view name) {
  if (name.empty()) return Invalid(field, "must not be empty");
  if (name.size() > kMaxNameLength) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxNameLength, " characters"));
  }
  if (HasControlChar(name)) return Invalid(field, "must not contain control characters");
  if (absl::ascii_isspace(static_cast<unsigned char>(name.front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(name.back()))) {
    return Invalid(field, "must not start or end with whitespace");
  }
  return absl::OkStatus();
}

absl::Status ValidateModelName(std::string_view field, std::string_view name) {
  if (name.empty()) return Invalid(field, "must not be empty");
  if (name.size() > kMaxModelNameLength) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxModelNameLength, " characters"));
  }
  if (HasControlChar(name) || HasSpace(name)) {
    return Invalid(field, "must not contain whitespace or control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateDescription(std::string_view description) {
  if (description.size() > kMaxDescriptionLength) {
    return Invalid("description",
                   absl::StrCat("must be at most ", kMaxDescriptionLength, " characters"));
  }
  return absl::OkStatus();
}

absl::Status ValidateApiKey(std::string_view api_key) {
  if (api_key.size() > kMaxApiKeyLength) {
    return Invalid("api_key", absl::StrCat("must be at most ", kMaxApiKeyLength, " characters"));
  }
  // The key travels in an HTTP header: whitespace or control characters would break it.
  if (HasControlChar(api_key) || HasSpace(api_key)) {
    return Invalid("api_key", "must not contain whitespace or control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateTokenizer(std::string_view tokenizer) {
  if (tokenizer.empty() || tokenizer == "cl100k_base" || tokenizer == "o200k_base") {
    return absl::OkStatus();
  }
  return Invalid("tokenizer", "must be empty, cl100k_base or o200k_base");
}

absl::StatusOr<std::string> NormalizeBaseUrl(std::string_view url) {
  if (url.empty()) return Invalid("base_url", "must not be empty");
  if (url.size() > kMaxBaseUrlLength) {
    return Invalid("base_url", absl::StrCat("must be at most ", kMaxBaseUrlLength, " characters"));
  }
  if (HasControlChar(url) || HasSpace(url)) {
    return Invalid("base_url", "must not contain whitespace or control characters");
  }
  std::string lower = absl::AsciiStrToLower(Av(url));
  size_t scheme_length = 0;
  if (lower.starts_with("https://")) {
    scheme_length = 8;
  } else if (lower.starts_with("http://")) {
    scheme_length = 7;
  } else {
    return Invalid("base_url", "must start with http:// or https://");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return Invalid("base_url", "must not contain a query or fragment");
  }
  std::string_view rest = url.substr(scheme_length);
  size_t slash = rest.find('/');
  absl::Status authority = ValidateAuthority(rest.substr(0, slash));
  if (!authority.ok()) return authority;
  std::string out = absl::StrCat(lower.substr(0, scheme_length), Av(rest));
  while (out.size() > scheme_length && out.back() == '/') out.pop_back();
  return out;
}

absl::Status ValidateProvider(Provider& provider) {
  if (absl::Status s = ValidateDisplayName("name", provider.name); !s.ok()) return s;
  absl::StatusOr<std::string> url = NormalizeBaseUrl(provider.base_url);
  if (!url.ok()) return url.status();
  provider.base_url = *std::move(url);
  return ValidateDescription(provider.description);
}

absl::Status ValidateModel(const Model& model) {
  if (absl::Status s = ValidateId("provider_id", model.provider_id); !s.ok()) return s;
  if (absl::Status s = ValidateModelName("name", model.name); !s.ok()) return s;
  if (absl::Status s = ValidateModelName("upstream_name", model.upstream_name); !s.ok()) return s;
  if (absl::Status s = ValidateDescription(model.description); !s.ok()) return s;
  return ValidateTokenizer(model.tokenizer);
}

absl::Status ValidateKey(ClientKey& key, int64_t now_ms, bool expiry_changed) {
  if (absl::Status s = ValidateDisplayName("name", key.name); !s.ok()) return s;
  if (key.allowed_models.size() > kMaxAllowedModels) {
    return Invalid("allowed_models",
                   absl::StrCat("must list at most ", kMaxAllowedModels, " models"));
  }
  for (const std::string& model : key.allowed_models) {
    if (absl::Status s = ValidateModelName("allowed_models", model); !s.ok()) return s;
  }
  std::sort(key.allowed_models.begin(), key.allowed_models.end());
  key.allowed_models.erase(std::unique(key.allowed_models.begin(), key.allowed_models.end()),
                           key.allowed_models.end());
  if (key.provider_id < 0) return Invalid("provider_id", "must be 0 (any) or a provider id");
  if (key.expires_at_ms < 0) return Invalid("expires_at_ms", "must be 0 (never) or a time");
  if (expiry_changed && key.expires_at_ms != 0 && key.expires_at_ms <= now_ms) {
    return Invalid("expires_at_ms", "is in the past");
  }
  if (key.requests_per_minute < 0) {
    return Invalid("requests_per_minute", "must be 0 (unlimited) or positive");
  }
  if (key.max_concurrency < 0) {
    return Invalid("max_concurrency", "must be 0 (unlimited) or positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<PageCursor> ParsePageRequest(const PageRequest& request) {
  PageCursor cursor;
  if (request.page_size < 0) return Invalid("page_size", "must not be negative");
  cursor.limit = request.page_size == 0 ? kDefaultPageSize
                                        : std::min<int32_t>(request.page_size, kMaxPageSize);
  if (!request.page_token.empty()) {
    if (!absl::SimpleAtoi(Av(request.page_token), &cursor.after_id) || cursor.after_id <= 0) {
      return Invalid("page_token", "is not a token from a previous page");
    }
  }
  return cursor;
}

std::string PageTokenAfter(int64_t last_id) { return absl::StrCat(last_id); }

}  // namespace nexus::registry
