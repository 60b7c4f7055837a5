#include "services/log/redactor.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/strings/absl_view.h"

namespace nexus::log {
namespace {

constexpr std::string_view kMask = "[REDACTED]";
constexpr size_t kMinSecretLength = 8;

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

// Replaces the token that follows each occurrence of `marker` (case-insensitive) with the mask.
void MaskAfter(std::string& text, std::string_view marker, size_t min_token) {
  std::string lower = absl::AsciiStrToLower(text);
  size_t pos = 0;
  while ((pos = lower.find(marker, pos)) != std::string::npos) {
    size_t start = pos + marker.size();
    size_t end = start;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    if (end - start >= min_token) {
      text.replace(start, end - start, kMask);
      lower.replace(start, end - start, kMask);
      pos = start + kMask.size();
    } else {
      pos = end;
    }
  }
}

// Replaces whole words that start with a credential prefix such as "sk-".
void MaskPrefixed(std::string& text, std::string_view prefix, size_t min_rest) {
  size_t pos = 0;
  while ((pos = text.find(prefix, pos)) != std::string::npos) {
    if (pos > 0 && IsTokenChar(text[pos - 1])) {
      pos += prefix.size();
      continue;
    }
    size_t end = pos + prefix.size();
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    if (end - pos - prefix.size() >= min_rest) {
      text.replace(pos, end - pos, kMask);
      pos += kMask.size();
    } else {
      pos = end;
    }
  }
}

}  // namespace

void Redactor::AddSecret(std::string_view secret) {
  if (secret.size() < kMinSecretLength) return;
  std::lock_guard lock(mutex_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.emplace_back(secret);
  }
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard lock(mutex_);
    for (const std::string& secret : secrets_) {
      out = absl::StrReplaceAll(out, {{secret, Av(kMask)}});
    }
  }
  static constexpr std::array<std::string_view, 6> kMarkers = {
      "bearer ", "api_key=", "api-key: ", "x-api-key: ", "\"api_key\":\"", "\"secret\":\""};
  for (std::string_view marker : kMarkers) MaskAfter(out, marker, 4);
  for (std::string_view prefix : {std::string_view("sk-"), std::string_view("nx-")}) {
    MaskPrefixed(out, prefix, 8);
  }
  return out;
}

std::string MaskSecret(std::string_view secret) {
  if (secret.size() < 12) return "****";
  size_t dash = secret.find('-');
  std::string_view head =
      dash != std::string_view::npos && dash < 6 ? secret.substr(0, dash + 1) : std::string_view();
  return absl::StrCat(Av(head), "...", Av(secret.substr(secret.size() - 4)));
}

}  // namespace nexus::log
