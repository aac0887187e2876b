# The friendly front door; CMake presets (CMakePresets.json) do the real work.
#   make run ARGS="create file -t http://127.0.0.1:8000/announce"   build (Release) and run
#   make test                                                       everything CI runs
#   make bench                                                      benchmarks vs real clients
JOBS ?= $(shell nproc)
ARGS ?=
FUZZ_SECONDS ?= 10

.PHONY: setup build debug run test unit asan fuzz format-check bench clean

setup:
	@scripts/setup.sh

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	./build/release/app/liketorrent $(ARGS)

debug: setup
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

# Debug build with every ctest (unit + interop), then the ASan/UBSan build's tests, then each
# fuzz target for FUZZ_SECONDS, then the formatting check.
test: debug
	ctest --preset debug
	@$(MAKE) --no-print-directory asan fuzz format-check
	@echo "make test: all passed"

asan: setup
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) --target lt_unit_tests liketorrent
	ctest --preset asan

fuzz: setup
	@if command -v clang++ >/dev/null; then \
	  cmake --preset fuzz -DLT_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null && \
	  cmake --build --preset fuzz -j $(JOBS) && ctest --preset fuzz; \
	else echo "!!! clang++ not found: fuzz targets SKIPPED"; fi

format-check:
	@scripts/check_format.sh

bench: build
	@scripts/setup.sh bench
	tests/bench/create_bench.sh
	tests/bench/tracker_bench.sh
	tests/bench/transfer_bench.sh
	tests/bench/startup_bench.sh

clean:
	rm -rf build
