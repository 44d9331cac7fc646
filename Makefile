# Top-level driver. CMake does the real work under build/ (and build-asan/ for sanitizers).
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build test asan test-asan bench demo cuda hip prove prove-coq prove-wp clean

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

# The proofs: Coq + Flocq theorems and Frama-C WP on src/format (docs/VERIFICATION.md).
prove:
	@./scripts/deps.sh --prove
	@./scripts/prove.sh coq wp
prove-coq:
	@./scripts/deps.sh --prove
	@./scripts/prove.sh coq
prove-wp:
	@./scripts/deps.sh --prove
	@./scripts/prove.sh wp

# GPU builds. `make cuda` compiles the CUDA kernels and host code with nvcc for sm_90 and
# links q35 with cuBLAS (runs need an NVIDIA GPU: see scripts/devpack.sh). `make hip`
# compiles the same kernel sources with hipcc for gfx90a.
CUDACXX ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) nvcc)
cuda: deps
	@CUDACXX=$(CUDACXX) cmake -S . -B build-cuda -DCMAKE_BUILD_TYPE=Release -DQ35_CUDA=ON >/dev/null
	@cmake --build build-cuda -j $(JOBS)

hip:
	@./scripts/build_hip.sh build-hip

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-cuda build-hip
