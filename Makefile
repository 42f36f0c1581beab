# The README's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build build-asan test test-release test-asan run bench clean format

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

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
