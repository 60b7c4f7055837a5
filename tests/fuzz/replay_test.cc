// Replays every committed input of every fuzz target (the seeds in corpus/<target>/ and the
// inputs that once crashed a target, regressions/<target>/) through the target's own checks, in
// the normal test suite and with any compiler, no libFuzzer needed. A crash or a failed
// FUZZ_CHECK aborts the test.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define NEXUS_FUZZ_TARGET(name) extern "C" int NexusFuzz_##name(const uint8_t* data, size_t size);
#include "tests/fuzz/targets.inc"
#undef NEXUS_FUZZ_TARGET

namespace {

using FuzzFn = int (*)(const uint8_t*, size_t);

struct Target {
  std::string name;
  FuzzFn fn;
};

std::vector<Target> Targets() {
  return {
#define NEXUS_FUZZ_TARGET(name) {#name, &NexusFuzz_##name},
#include "tests/fuzz/targets.inc"
#undef NEXUS_FUZZ_TARGET
  };
}

class FuzzReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplayTest, CommittedInputsPassTheTargetsChecks) {
  const std::filesystem::path root(NEXUS_FUZZ_DIR);
  int replayed = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const std::filesystem::path dir = root / kind / GetParam().name;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(GetParam().fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
      ++replayed;
    }
  }
  EXPECT_GT(replayed, 0) << "no committed inputs for " << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplayTest, ::testing::ValuesIn(Targets()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
