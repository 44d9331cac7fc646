# Top-level driver. CMake does the real work under build/ (and build-asan/ for sanitizers).
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build test asan test-asan bench demo clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest $(CTEST_ARGS) -j $(JOBS)

asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DQ35_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

test-asan: asan
	@cd $(BUILD_ASAN) && ctest $(CTEST_ARGS) -j $(JOBS)

bench: build
	@./bench/run_cpu.sh $(BUILD)/q35

# The quick-start demo: a synthetic LLaMA written by `q35 synth`, quantized to 3.5 bits, then run.
demo: build
	@./scripts/demo.sh $(BUILD)/q35

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
