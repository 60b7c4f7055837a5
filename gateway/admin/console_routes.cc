#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/admin/admin_routes.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

// A relative path made only of plain names: no "..", no hidden files, no empty segments.
bool SafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  for (absl::string_view part : absl::StrSplit(Av(path), '/')) {
    if (part.empty() || part.front() == '.' || absl::StrContains(part, '\\')) return false;
  }
  return true;
}

bool ReadFile(const std::filesystem::path& path, std::string& out) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

void NotFoundPage(httplib::Response& res) {
  res.status = 404;
  res.set_content("Not found\n", "text/plain; charset=utf-8");
}

}  // namespace

std::string_view MimeTypeFor(std::string_view path) {
  struct Entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const Entry& entry : kTypes) {
    if (absl::EndsWith(Av(path), Av(entry.extension))) return entry.type;
  }
  return "application/octet-stream";
}

void RegisterConsoleRoutes(httplib::Server& server, const std::string& web_root) {
  const std::filesystem::path root(web_root);
  auto serve = [root](std::string_view relative, httplib::Response& res) {
    SetSecurityHeaders(res);
    std::string body;
    if (!SafeRelativePath(relative) || !ReadFile(root / std::string(relative), body)) {
      NotFoundPage(res);
      return;
    }
    // index.html must be revalidated so that a new release is picked up at once.
    res.set_header("Cache-Control", relative == "index.html" ? "no-cache" : "public, max-age=300");
    res.set_content(body, std::string(MimeTypeFor(relative)));
  };
  server.Get(
      "/", [serve](const httplib::Request&, httplib::Response& res) { serve("index.html", res); });
  server.Get("/index.html", [serve](const httplib::Request&, httplib::Response& res) {
    serve("index.html", res);
  });
  server.Get(R"(/(favicon\.svg|css/.+|js/.+|vendor/.+|img/.+))",
             [serve](const httplib::Request& req, httplib::Response& res) {
               serve(std::string_view(req.path).substr(1), res);
             });
}

}  // namespace nexus::gateway::admin
