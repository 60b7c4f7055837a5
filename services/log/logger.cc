#include "services/log/logger.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/strings/absl_view.h"

namespace nexus::log {
namespace {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarning:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

void StderrSink::Write(std::string_view line) {
  std::string buffer = absl::StrCat(Av(line), "\n");
  size_t written = 0;
  while (written < buffer.size()) {
    ssize_t n = ::write(STDERR_FILENO, buffer.data() + written, buffer.size() - written);
    if (n <= 0) return;  // Nowhere left to report a failing stderr.
    written += static_cast<size_t>(n);
  }
}

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warning" || text == "warn")
    *level = Level::kWarning;
  else if (text == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

Logger::Logger(std::string component, Level min_level, std::shared_ptr<LogSink> sink,
               std::shared_ptr<Redactor> redactor)
    : component_(std::move(component)),
      min_level_(min_level),
      sink_(std::move(sink)),
      redactor_(std::move(redactor)) {}

void Logger::Log(Level level, std::string_view message) const {
  if (level < min_level_) return;
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                   Av(LevelName(level)), " ", component_, ": ", redactor_->Redact(message));
  sink_->Write(line);
}

Logger Logger::WithComponent(std::string component) const {
  return Logger(std::move(component), min_level_, sink_, redactor_);
}

}  // namespace nexus::log
