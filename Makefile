# NexusAI Hub — the two set-up commands are `make run` and `make test` (see README.md).
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
# Sanitizer and fuzz builds: clang (libFuzzer), -O0 with line tables only (quick to build, readable
# reports), no benchmarks. The ASan build also holds the fuzz targets (NEXUS_FUZZ=ON).
# Every build folder made here is built from scratch at least once (CI: three of them, cold, on 2
# cores), so unity batches and lld (see the top-level CMakeLists.txt); SPEED_FLAGS= turns them off.
SPEED_FLAGS ?= -DNEXUS_UNITY_BUILD=ON -DNEXUS_LINKER=lld
SAN_CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -gline-tables-only" \
  "-DCMAKE_C_FLAGS_DEBUG=-O0 -gline-tables-only" -DNEXUS_BUILD_BENCHMARKS=OFF $(LAUNCHER) \
  $(SPEED_FLAGS)
# Seconds each fuzz target runs inside `make test`, and in `make fuzz`.
FUZZ_TEST_SECONDS ?= 10
FUZZ_SECONDS ?= 600
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache when present; `=`, not `:=`: looked up when a recipe runs, after `deps` installed it.
LAUNCHER = $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Cache hits across checkouts in different folders (CI clones afresh each run).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build run run-apart test unit-test asan-test tsan-test fuzz format clean

all: build

deps:
	deploy/install-deps.sh all

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(LAUNCHER) $(SPEED_FLAGS) \
	  $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the whole system on this machine with its data under ./data.
run: build
	BUILD_DIR=$(BUILD_DIR) deploy/run-local.sh

# The same system as three processes (registry, stats, gateway), as deploy/docker-compose.yml runs
# it, each with its own directory under ./data.
run-apart: build
	BUILD_DIR=$(BUILD_DIR) deploy/run-apart.sh

# Every test: unit, integration and end-to-end (ctest); then the whole suite again under ASan +
# UBSan with a bounded run of every fuzz target; then the concurrent parts under TSan.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory asan-test
	$(MAKE) --no-print-directory tsan-test

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, including a
# FUZZ_TEST_SECONDS run of each fuzz target (ctest label fuzz).
asan-test: deps
	cmake -S . -B $(ASAN_BUILD_DIR) $(SAN_CMAKE_FLAGS) -DNEXUS_SANITIZE=address -DNEXUS_FUZZ=ON \
	  -DNEXUS_FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(JOBS)

# The concurrent parts (ctest label tsan, NEXUS_TSAN_TESTS in tests/CMakeLists.txt) under
# ThreadSanitizer; only their targets are built. No suite there runs gRPC (Debian's gRPC is not
# built with TSan): the caches, watcher and reporter run against in-memory clients instead.
tsan-test: deps
	cmake -S . -B $(TSAN_BUILD_DIR) $(SAN_CMAKE_FLAGS) -DNEXUS_SANITIZE=thread
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS) --target nexus_tsan_tests
	ctest --test-dir $(TSAN_BUILD_DIR) --output-on-failure -j $(JOBS) -L tsan

# Deeper fuzzing: every target (or FUZZ_TARGETS="fuzz_tokenizer ...") for FUZZ_SECONDS each, one
# after the other, growing $(ASAN_BUILD_DIR)/fuzz/corpus; crashes land in .../fuzz/artifacts.
fuzz: deps
	cmake -S . -B $(ASAN_BUILD_DIR) $(SAN_CMAKE_FLAGS) -DNEXUS_SANITIZE=address -DNEXUS_FUZZ=ON
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target nexus_fuzz_targets
	@set -e; targets="$(FUZZ_TARGETS)"; [ -n "$$targets" ] || targets=$$(cd $(ASAN_BUILD_DIR)/fuzz && \
	  find . -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x -printf '%f\n' | sort); \
	for t in $$targets; do \
	  tests/fuzz/run_fuzz.sh $(ASAN_BUILD_DIR)/fuzz/$$t tests/fuzz $(ASAN_BUILD_DIR)/fuzz \
	    $(FUZZ_SECONDS); done

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR)
