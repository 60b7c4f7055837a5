#ifndef NEXUS_TESTS_SUPPORT_SERVING_THREAD_H_
#define NEXUS_TESTS_SUPPORT_SERVING_THREAD_H_

#include <httplib.h>

#include <thread>

#include "absl/time/time.h"
#include "tests/support/subprocess.h"

namespace nexus::testing_support {

// Serves an in-process httplib::Server on a free 127.0.0.1 port from a thread of its own; stops
// and joins when destroyed. The server must outlive this object.
class ServingThread {
 public:
  explicit ServingThread(httplib::Server& server) : server_(server) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    if (!WaitForPort(port_, absl::Seconds(5))) port_ = 0;
  }
  ~ServingThread() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

  // 0 when the server could not bind or never accepted.
  int port() const { return port_; }

 private:
  httplib::Server& server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_SERVING_THREAD_H_
