# The README's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

BUILD_FUZZ ?= build-fuzz
# Per-target budget of `make fuzz`: a target stops at FUZZ_RUNS executions or FUZZ_SECONDS.
FUZZ_SECONDS ?= 1800
FUZZ_RUNS    ?= 10000000
FUZZ_TARGETS ?=

.PHONY: all deps build build-asan test test-release test-asan run bench bench-fleet clean format fuzz

all: build

deps:
	@./scripts/install-deps

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTESTD_WERROR=ON

build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTESTD_WERROR=ON
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@test -f $(BUILD_ASAN)/CMakeCache.txt || cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DATTESTD_WERROR=ON -DATTESTD_SANITIZE=ON -DATTESTD_BUILD_BENCH=OFF
	cmake --build $(BUILD_ASAN) -j $(JOBS)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE slow

# Every test, in the release build and again under ASan+UBSan.
test: test-release test-asan

run: build
	@./scripts/run-dev $(BUILD)

bench: build
	./$(BUILD)/bench/attest_bench

# Fleet load/soak (docs/fleet.md): two replicas on a PostgreSQL started for the run, FLEET_SECONDS
# at saturation, then the same with a replica killed and restarted halfway. Not in `make test`.
FLEET_SECONDS ?= 600
bench-fleet: build
	/usr/bin/python3 bench/fleet_soak.py --attestd $(BUILD)/src/server/attestd --seconds $(FLEET_SECONDS)
	/usr/bin/python3 bench/fleet_soak.py --attestd $(BUILD)/src/server/attestd --seconds $(FLEET_SECONDS) --kill-replica

# Coverage-guided fuzzing (libFuzzer, clang-16 + libc++, ASan+UBSan) of every parser an
# attacker reaches, one target at a time; see fuzz/README.md. Minimised corpora and crashes
# land in fuzz/corpus/ (commit them); `make test` replays them.
fuzz:
	@./scripts/install-deps --fuzz
	@test -f $(BUILD_FUZZ)/CMakeCache.txt || CC=clang-16 CXX=clang++-16 cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTESTD_FUZZ=ON -DATTESTD_WERROR=OFF \
	  -DATTESTD_BUILD_TESTS=OFF -DATTESTD_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target attest_fuzz_targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) ATTESTD_VECTORS=$${ATTESTD_VECTORS:-$(CURDIR)/../shared/vectors} \
	  ./fuzz/run-campaign.sh $(BUILD_FUZZ) $(FUZZ_TARGETS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
