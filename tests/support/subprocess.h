#ifndef NEXUS_TESTS_SUPPORT_SUBPROCESS_H_
#define NEXUS_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nexus::testing_support {

// Path of a built binary: $NEXUS_BIN_DIR/name (ctest sets NEXUS_BIN_DIR).
std::string BinaryPath(const std::string& name);

// A loopback TCP port that was free a moment ago.
int FreePort();

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, absl::Duration timeout);

// A child process with stdout and stderr appended to `log_path`. Killed (SIGKILL) on destruction
// if still running, so a failing test never leaves processes behind. `max_file_bytes` > 0 sets the
// child's RLIMIT_FSIZE (a "disk full" that needs no root); the log file is subject to it too.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env,
             std::string log_path, uint64_t max_file_bytes = 0);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `timeout` for the exit; returns the exit code, 128+signal when
  // killed by a signal, or -1 when it did not exit in time.
  int Stop(int signal, absl::Duration timeout);
  // Waits up to `timeout` for the process to exit by itself; the exit code as Stop returns it.
  int Wait(absl::Duration timeout);
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  int exit_code_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
  std::string errors;  // stderr
};

// Runs a command to completion with extra environment variables.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_text = "");

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_SUBPROCESS_H_
