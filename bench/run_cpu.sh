#!/usr/bin/env bash
# CPU benchmarks behind docs/BENCHMARKS.md: 3.5-bit matvec against the float types, on a
# LLaMA-7B-like shape and a LLaMA-70B-like row length, medians, same run.
set -euo pipefail
Q35=${1:-build/q35}
out=${BENCH_OUT:-build/bench}
mkdir -p "$out"
"$Q35" bench matvec --rows 4096 --cols 4096 --iterations 20 --ref --json "$out/matvec_4096x4096.json"
echo
"$Q35" bench matvec --rows 1024 --cols 8192 --iterations 20 --json "$out/matvec_1024x8192.json"
