#ifndef NEXUS_TESTS_BENCH_SOAK_PROCESS_SAMPLER_H_
#define NEXUS_TESTS_BENCH_SOAK_PROCESS_SAMPLER_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace nexus::soak {

// One look at a process through /proc.
struct ProcessSample {
  double t_s = 0;      // seconds since sampling started
  std::string phase;   // what the load was doing
  int64_t rss_kb = 0;  // VmRSS
  int fds = 0;         // entries of /proc/<pid>/fd
  int threads = 0;     // Threads
  int64_t calls = 0;   // calls the load had made so far
};

// RSS, open descriptors and threads of `pid`; nullopt when the process is gone.
std::optional<ProcessSample> ReadProcess(pid_t pid);

// Least-squares slope of RSS over time, in KB per minute, over the samples of `phase`; 0 with
// fewer than two samples.
double RssSlopeKbPerMinute(const std::vector<ProcessSample>& samples, std::string_view phase);

// Samples a process once a second on its own thread and appends each sample to a CSV file
// (t_s,phase,rss_kb,fds,threads,calls).
class ProcessSampler {
 public:
  ProcessSampler(pid_t pid, const std::string& csv_path, std::function<int64_t()> calls);
  ~ProcessSampler();
  ProcessSampler(const ProcessSampler&) = delete;
  ProcessSampler& operator=(const ProcessSampler&) = delete;

  void SetPhase(const std::string& phase);
  // Takes one sample now (besides the periodic ones) and returns it.
  std::optional<ProcessSample> SampleNow();
  void Stop();
  std::vector<ProcessSample> samples() const;
  // False once the process could not be read (it exited or crashed).
  bool alive() const { return alive_.load(); }

 private:
  void Run();

  const pid_t pid_;
  const std::function<int64_t()> calls_;
  FILE* csv_ = nullptr;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string phase_ = "start";
  std::vector<ProcessSample> samples_;
  std::atomic<bool> alive_{true};
  std::thread thread_;
};

}  // namespace nexus::soak

#endif  // NEXUS_TESTS_BENCH_SOAK_PROCESS_SAMPLER_H_
