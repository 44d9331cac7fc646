#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (see scripts/devpack.sh): the device
# correctness test, then the benchmark sweep, with results under $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
cublas=$(ls -d /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib 2>/dev/null | head -1)
extra=$(python3 -c "import nvidia, os; print(':'.join(os.path.join(p, 'cu13', 'lib') for p in nvidia.__path__))" 2>/dev/null || true)
export LD_LIBRARY_PATH="$PWD/devrun/lib:${cublas}:${extra}:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
ldd devrun/q35 | grep -E "not found|cublas" || true
what=${1:-all}
if [ "$what" = all ] || [ "$what" = test ]; then
    echo "== device test"
    ./devrun/test_cuda_gemm 2>&1 | tee "$OUT/test_cuda_gemm.log" | tail -40
fi
if [ "$what" = all ] || [ "$what" = bench ]; then
    echo "== q35 bench gemm --sweep"
    ./devrun/q35 bench gemm --sweep --json "$OUT/bench_gemm_sweep.json" 2>&1 | tee "$OUT/bench_gemm_sweep.md"
fi
