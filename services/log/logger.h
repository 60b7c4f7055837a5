#ifndef NEXUS_SERVICES_LOG_LOGGER_H_
#define NEXUS_SERVICES_LOG_LOGGER_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "services/log/redactor.h"

namespace nexus::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Where finished log lines go.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes each line to stderr with one write() so that lines from threads never interleave.
class StderrSink : public LogSink {
 public:
  void Write(std::string_view line) override;
};

// Parses "debug", "info", "warning" or "error".
bool ParseLevel(std::string_view text, Level* level);

// One line per event: "2026-11-26T05:50:00.123Z INFO registry: message", redacted before writing.
class Logger {
 public:
  Logger(std::string component, Level min_level, std::shared_ptr<LogSink> sink,
         std::shared_ptr<Redactor> redactor);

  void Debug(std::string_view message) const { Log(Level::kDebug, message); }
  void Info(std::string_view message) const { Log(Level::kInfo, message); }
  void Warning(std::string_view message) const { Log(Level::kWarning, message); }
  void Error(std::string_view message) const { Log(Level::kError, message); }
  void Log(Level level, std::string_view message) const;

  // A logger for a sub-component sharing sink, level and redactor.
  Logger WithComponent(std::string component) const;
  Redactor& redactor() const { return *redactor_; }

 private:
  std::string component_;
  Level min_level_;
  std::shared_ptr<LogSink> sink_;
  std::shared_ptr<Redactor> redactor_;
};

}  // namespace nexus::log

#endif  // NEXUS_SERVICES_LOG_LOGGER_H_
