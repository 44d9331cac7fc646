#!/usr/bin/env bash
# Runs bench/quality.sh on the GPU machine's CPUs (16 cores against this machine's 2),
# from devq/ (git-ignored): a CPU build of q35, its Debian libraries and the fixtures,
# xz-compressed to fit the device tool's carry limit. Results land in $OUT/quality; the
# plots and tables are then made here with q35 report and bench/quality_table.py.
# Pack:  scripts/devquality.sh pack     (here)
# Run:   scripts/devquality.sh run "MIDI_METHODS" "STORIES_METHODS"   (on the device)
set -euo pipefail
case "${1:-}" in
pack)
    F=${Q35_FIXTURES:-../shared/fixtures}
    rm -rf devq && mkdir -p devq/lib devq/fixtures/midi devq/fixtures/reference
    cp build/q35 devq/
    ldd build/q35 | awk '/=> \// {print $3}' | while read -r lib; do
        case "$lib" in */libc.so*|*/libm.so*|*/ld-linux*|*/libgcc_s*) ;; *) xz -T2 -6 -c "$lib" >"devq/lib/$(basename "$lib").xz" ;; esac
    done
    cp "$F/stories260K.gguf" devq/fixtures/
    cp "$F/reference/stories260K_samples_llama2c.txt" devq/fixtures/reference/
    xz -T2 -c "$F/wikitext-2-raw-test.txt" >devq/fixtures/wikitext-2-raw-test.txt.xz
    xz -T2 -c "$F/midi/midi-valid.txt" >devq/fixtures/midi/midi-valid.txt.xz
    xz -T2 -3 -c "$F/midi/midi23M.gguf" >devq/fixtures/midi/midi23M.gguf.xz
    du -sh devq ;;
run)
    find devq -name '*.xz' -exec unxz -f {} +
    export LD_LIBRARY_PATH=$PWD/devq/lib
    echo "device: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
    Q35_FIXTURES=$PWD/devq/fixtures QUALITY_OUT=${OUT:-out}/quality QUALITY_NO_REPORT=1 \
        MIDI_METHODS="${2-}" STORIES_METHODS="${3-}" bash bench/quality.sh devq/q35 ;;
*) echo "usage: scripts/devquality.sh pack | run MIDI_METHODS STORIES_METHODS" >&2; exit 2 ;;
esac
