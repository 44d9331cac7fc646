#!/usr/bin/env bash
# The quick-start demo on the embedded default model: `q35 synth` writes a small
# synthetic LLaMA, `q35 quantize` turns it into the 3.5-bit format, `q35 info` shows the
# bits/weight, and `q35 run` generates from it. To use a real model instead, see README.
set -euo pipefail
Q35=${1:-build/q35}
dir=${DEMO_DIR:-build/demo}
mkdir -p "$dir"
echo "== q35 synth (embedded default model)"
"$Q35" synth --output "$dir/synth.gguf"
echo "== q35 quantize"
"$Q35" quantize --checkpoint "$dir/synth.gguf" --output "$dir/synth-q35.gguf"
echo "== q35 info"
"$Q35" info "$dir/synth-q35.gguf" | tail -n 8
echo "== q35 run (greedy, 3.5-bit weights)"
"$Q35" run --model "$dir/synth-q35.gguf" --prompt "Once upon a time" --steps 48 --temperature 0
