// Native side of the tokenizer benchmark (run through run.sh, never by ctest): encodes each
// corpus file with both encodings and prints one tab-separated line per measurement:
//   native <encoding> <corpus file> <MB/s of Encode> <tokens> <MB/s of Count>
// MB/s is the best of the timed runs after one warm-up, timed in CPU time of the thread (a shared
// machine's other processes then only disturb the caches, not the clock), with MB = 10^6 bytes.
// Usage: tokenizer_bench <runs> <corpus file>...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/tokenizer/encoding.h"
#include "gateway/tokenizer/token_counter.h"

namespace {

using Clock = std::chrono::steady_clock;
using nexus::tokenizer::Encoding;
using nexus::tokenizer::EncodingId;

std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename Fn>
double BestMbPerSecond(int runs, size_t bytes, Fn&& fn) {
  fn();  // warm-up: faults in the rank table pages and the JIT code
  std::vector<double> rates;
  for (int i = 0; i < runs; ++i) {
    const double start = CpuSeconds();
    fn();
    const double seconds = CpuSeconds() - start;
    rates.push_back(static_cast<double>(bytes) / 1e6 / seconds);
  }
  return *std::max_element(rates.begin(), rates.end());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tokenizer_bench <runs> <corpus file>...\n");
    return 2;
  }
  const int runs = std::max(1, std::atoi(argv[1]));
  const auto load_start = Clock::now();
  auto encodings = nexus::tokenizer::EncodingSet::Load();
  const double load_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  if (!encodings.ok()) {
    std::fprintf(stderr, "load failed: %s\n", std::string(encodings.status().message()).c_str());
    return 1;
  }
  std::printf("#load\tnative\t%.3f ms (both encodings)\n", load_ms);
  for (int f = 2; f < argc; ++f) {
    const std::string text = ReadFile(argv[f]);
    for (EncodingId id : {EncodingId::kCl100kBase, EncodingId::kO200kBase}) {
      const Encoding& encoding = (*encodings)->Get(id);
      size_t tokens = 0;
      const double encode_rate =
          BestMbPerSecond(runs, text.size(), [&] { tokens = encoding.Encode(text).size(); });
      size_t counted = 0;
      const double count_rate =
          BestMbPerSecond(runs, text.size(), [&] { counted = encoding.Count(text); });
      if (counted != tokens) {
        std::fprintf(stderr, "Count (%zu) != Encode size (%zu)\n", counted, tokens);
        return 1;
      }
      std::printf("native\t%s\t%s\t%.2f\t%zu\t%.2f\n", std::string(encoding.name()).c_str(),
                  argv[f], encode_rate, tokens, count_rate);
    }
  }
  return 0;
}
