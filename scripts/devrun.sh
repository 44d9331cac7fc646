#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (see scripts/devpack.sh), with
# results under $OUT:
#   all     the device correctness test, then q35 bench gemm --sweep
#   test    the device test only
#   bench   the sweep only
#   decode  batch 1 and 16 at the four LLaMA-70B shapes, plus a SASS histogram
#   ncu     Nsight Compute counters of the batch-1 and batch-16 kernels (28672 x 8192)
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
cublas=$(ls -d /usr/local/cuda/lib64 2>/dev/null | head -1)
export LD_LIBRARY_PATH="$PWD/devrun/lib:${cublas}:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv,noheader
what=${1:-all}
if [ "$what" = all ] || [ "$what" = test ] || [ "$what" = testdecode ]; then
    echo "== device test"
    ./devrun/test_cuda_gemm 2>&1 | tee "$OUT/test_cuda_gemm.log" | tail -12
fi
if [ "$what" = all ] || [ "$what" = bench ]; then
    echo "== q35 bench gemm --sweep"
    ./devrun/q35 bench gemm --sweep --json "$OUT/bench_gemm_sweep.json" 2>&1 | tee "$OUT/bench_gemm_sweep.md"
fi
if [ "$what" = decode ] || [ "$what" = testdecode ]; then
    for m in 1 16; do for s in 8192x8192 1024x8192 28672x8192 8192x28672; do
        ./devrun/q35 bench gemm --matrix-size ${m}x$s --iterations 100 | tail -1
    done; done
    cuobjdump -sass devrun/q35 > "$OUT/q35.sass" 2>/dev/null
    awk '/Function : .*mm_small_kernelILi1EE/{f=1;next} /Function :/{f=0} f' "$OUT/q35.sass" |
        grep -oE '^ +/\*[0-9a-f]{4}\*/ +[A-Z0-9_.]+' | awk '{print $2}' | sed 's/\..*//' | sort | uniq -c | sort -rn | head -20
fi
if [ "$what" = ncu ]; then
    M=""
    for s in long_scoreboard short_scoreboard mio_throttle lg_throttle wait math_pipe_throttle not_selected selected dispatch_stall branch_resolving; do
        M="$M,smsp__average_warps_issue_stalled_${s}_per_issue_active.ratio"
    done
    for shape in 1x28672x8192 16x28672x8192; do
        ncu --clock-control none --kernel-name regex:mm_small --launch-skip 3 --launch-count 1 --metrics \
            "gpu__time_duration.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__warps_active.avg.per_cycle_active,smsp__issue_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum$M" \
            ./devrun/q35 bench gemm --matrix-size $shape --iterations 2 2>&1 | grep -E "^\s+[a-z_]+__" | sed 's/  */ /g'
    done
fi
