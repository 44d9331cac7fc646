#!/usr/bin/env bash
# Compiles the GPU kernels (src/cuda/q35_kernels.cu, through the portability header
# src/cuda/gpu.h) with Debian's hipcc for AMD gfx90a (MI210). There is no AMD card here,
# so this checks that the sources build; nothing runs them. Installs hipcc if missing.
set -euo pipefail
if ! command -v hipcc >/dev/null 2>&1 || ! dpkg -s libamdhip64-dev >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "q35: installing hipcc and libamdhip64-dev" >&2
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y hipcc libamdhip64-dev
fi
out=${1:-build-hip}
mkdir -p "$out"
for src in src/cuda/q35_kernels.cu; do
    obj="$out/$(basename "${src%.cu}").gfx90a.o"
    hipcc -x hip --offload-arch=gfx90a -O3 -std=c++17 -Wall -Iinclude -c "$src" -o "$obj"
    echo "hipcc gfx90a: $src -> $obj ($(stat -c %s "$obj") bytes)"
done
