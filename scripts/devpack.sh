#!/usr/bin/env bash
# Packs a CUDA build of q35 for the GPU machine: the q35 binary, the device test and the
# Debian shared libraries they need that the GPU machine's image lacks (OpenBLAS, cJSON,
# gfortran runtime), into devrun/ (git-ignored), which the device tool carries.
# Usage: scripts/devpack.sh [build dir, default build-cuda]
set -euo pipefail
B=${1:-build-cuda}
cmake -S . -B "$B" -DQ35_CUDA=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$B" -j "$(nproc)" >/dev/null
rm -rf devrun && mkdir -p devrun/lib
cp "$B/q35" "$B/tests/test_cuda_gemm" devrun/
cp scripts/devrun.sh devrun/
for exe in devrun/q35 devrun/test_cuda_gemm; do
    ldd "$exe" | awk '/=> \// {print $3}' | while read -r lib; do
        case "$lib" in
        */libc.so*|*/libm.so*|*/ld-linux*|*/libpthread*|*/libdl*|*/librt*|*/libgcc_s*|*/libstdc++*|*cuda*|*cublas*) ;;
        *) cp -L "$lib" devrun/lib/ ;;
        esac
    done
done
du -sh devrun
