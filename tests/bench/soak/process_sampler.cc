#include "tests/bench/soak/process_sampler.h"

#include <dirent.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nexus::soak {
namespace {

// The number after "<field>:" in /proc/<pid>/status, e.g. "VmRSS:    1234 kB".
std::optional<int64_t> StatusField(const std::string& status, std::string_view field) {
  size_t at = status.find("\n" + std::string(field) + ":");
  if (at == std::string::npos) return std::nullopt;
  size_t begin = status.find_first_of("0123456789", at);
  size_t end = status.find_first_not_of("0123456789", begin);
  int64_t value = 0;
  if (begin == std::string::npos || !absl::SimpleAtoi(status.substr(begin, end - begin), &value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int> CountFds(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return std::nullopt;
  int count = 0;
  while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
  closedir(dir);
  return count;
}

}  // namespace

std::optional<ProcessSample> ReadProcess(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return std::nullopt;
  std::string status((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  status.insert(0, "\n");
  std::optional<int64_t> rss = StatusField(status, "VmRSS");
  std::optional<int64_t> threads = StatusField(status, "Threads");
  std::optional<int> fds = CountFds(pid);
  if (!rss || !threads || !fds) return std::nullopt;  // gone, or a zombie
  ProcessSample sample;
  sample.rss_kb = *rss;
  sample.threads = static_cast<int>(*threads);
  sample.fds = *fds;
  return sample;
}

double RssSlopeKbPerMinute(const std::vector<ProcessSample>& samples, std::string_view phase) {
  double n = 0, sum_t = 0, sum_r = 0, sum_tt = 0, sum_tr = 0;
  for (const ProcessSample& s : samples) {
    if (s.phase != phase) continue;
    const double t = s.t_s / 60.0;
    const double r = static_cast<double>(s.rss_kb);
    n += 1;
    sum_t += t;
    sum_r += r;
    sum_tt += t * t;
    sum_tr += t * r;
  }
  const double denominator = n * sum_tt - sum_t * sum_t;
  if (n < 2 || denominator == 0) return 0;
  return (n * sum_tr - sum_t * sum_r) / denominator;
}

ProcessSampler::ProcessSampler(pid_t pid, const std::string& csv_path,
                               std::function<int64_t()> calls)
    : pid_(pid), calls_(std::move(calls)), start_(std::chrono::steady_clock::now()) {
  csv_ = std::fopen(csv_path.c_str(), "w");
  if (csv_ != nullptr) std::fputs("t_s,phase,rss_kb,fds,threads,calls\n", csv_);
  thread_ = std::thread([this] { Run(); });
}

ProcessSampler::~ProcessSampler() {
  Stop();
  if (csv_ != nullptr) std::fclose(csv_);
}

void ProcessSampler::SetPhase(const std::string& phase) {
  std::lock_guard lock(mutex_);
  phase_ = phase;
}

std::optional<ProcessSample> ProcessSampler::SampleNow() {
  std::optional<ProcessSample> sample = ReadProcess(pid_);
  if (!sample) {
    alive_ = false;
    return std::nullopt;
  }
  sample->t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  sample->calls = calls_();
  std::lock_guard lock(mutex_);
  sample->phase = phase_;
  samples_.push_back(*sample);
  if (csv_ != nullptr) {
    std::fprintf(csv_, "%.3f,%s,%lld,%d,%d,%lld\n", sample->t_s, sample->phase.c_str(),
                 static_cast<long long>(sample->rss_kb), sample->fds, sample->threads,
                 static_cast<long long>(sample->calls));
    std::fflush(csv_);
  }
  return sample;
}

void ProcessSampler::Run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    SampleNow();
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
}

void ProcessSampler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<ProcessSample> ProcessSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

}  // namespace nexus::soak
