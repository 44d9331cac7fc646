#!/usr/bin/env bash
# Chooses the types of token_embd and the output head by measurement (docs/QUALITY.md):
# the block matrices stay fixed (RTN q35_cb, no calibration, so the runs differ only in
# the two tensors), and each candidate type is tried on one tensor at a time with the
# other in q8_0. Prints ΔPPL, mean KLD and the whole-file bits/weight per setting.
# Usage: bench/embd_output_study.sh [q35 binary] [chunks (default 100)]
set -euo pipefail
Q35=${1:-build/q35}
CHUNKS=${2:-100}
F=${Q35_FIXTURES:-../shared/fixtures}
OUT=${QUALITY_OUT:-build/quality}/embd_output
MODEL="$F/midi/midi23M.gguf"
TEXT="$F/midi/midi-valid.txt"
mkdir -p "$OUT"
printf '| token_embd | output | whole-file bits/weight (tensors) | ΔPPL | mean KLD | top-1 |\n|---|---|---|---|---|---|\n'
for spec in f16:f16 q8_0:q8_0 q45_cb:q8_0 q35_cb:q8_0 q8_0:q45_cb q8_0:q35_cb; do
    e=${spec%%:*} o=${spec#*:}
    m="$OUT/midi23M-rtn-$e-$o.gguf"
    "$Q35" quantize --checkpoint "$MODEL" --output "$m" --embd-type "$e" --output-type "$o" >/dev/null 2>&1
    "$Q35" perplexity --model "$m" --base "$MODEL" --text "$TEXT" --ctx 512 --chunks "$CHUNKS" \
        --json "$OUT/$e-$o.json" >/dev/null 2>&1
    python3 - "$OUT/$e-$o.json" "$e" "$o" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); mf = r["model_file"]
print("| %s | %s | %.4f | %+.2f%% | %.4f | %.2f%% |" % (sys.argv[2], sys.argv[3], mf["bpw_all_tensors"],
      100 * r["dppl"], r["kld_mean"], 100 * r["top1"]))
PY
done
echo "($CHUNKS chunks of 512 tokens of midi-valid.txt; block matrices RTN q35_cb)"
