#!/usr/bin/env bash
# The study behind the default 3.5-bit code (docs/FORMAT.md): for each candidate type,
# relative weight MSE on every block matrix (q35 study), then the quantized model's
# perplexity, KL-divergence against the unquantized model and top-1 agreement
# (q35 perplexity --base), on stories260K (ctx 256, all chunks) and midi23M (ctx 512).
# Usage: bench/format_study.sh [q35 binary] [midi chunks, default 100]
set -euo pipefail
Q35=${1:-build/q35}
MIDI_CHUNKS=${2:-100}
F=${Q35_FIXTURES:-../shared/fixtures}
out=${STUDY_OUT:-build/study}
mkdir -p "$out"

study_model() { # name model text ctx chunks
    local name=$1 model=$2 text=$3 ctx=$4 chunks=$5
    echo "== $name: weight MSE"
    "$Q35" study --model "$model" --json "$out/$name-mse.json"
    echo
    echo "== $name: perplexity and KLD against the unquantized model (ctx $ctx, chunks: ${chunks:-all})"
    printf '| type | bits/weight (block matrices) | PPL | ΔPPL | mean KLD | KLD p99 | top-1 agreement |\n|---|---|---|---|---|---|---|\n'
    for t in q35_cb q35_p11 q35_s43; do
        "$Q35" quantize --checkpoint "$model" --output "$out/$name-$t.gguf" --type "$t" >/dev/null
        local args=(--model "$out/$name-$t.gguf" --base "$model" --text "$text" --ctx "$ctx" --json "$out/$name-$t-ppl.json")
        [ -n "$chunks" ] && args+=(--chunks "$chunks")
        "$Q35" perplexity "${args[@]}" >/dev/null 2>&1
        local bpw
        bpw=$("$Q35" info --json "$out/$name-$t-info.json" "$out/$name-$t.gguf" >/dev/null &&
              /usr/bin/python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['totals']['block_matrices']['bits_per_weight'])" "$out/$name-$t-info.json")
        /usr/bin/python3 - "$out/$name-$t-ppl.json" "$t" "$bpw" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("| %s | %s | %.4f ± %.4f | %+.2f%% | %.5f | %.4f | %.2f%% |" % (
    sys.argv[2], sys.argv[3], r["ppl"], r["ppl_err"], 100 * r["dppl"], r["kld_mean"], r["kld_p99"], 100 * r["top1"]))
PY
    done
    echo
}

study_model stories260K "$F/stories260K.gguf" "$F/reference/stories260K_samples_llama2c.txt" 256 ""
study_model midi23M "$F/midi/midi23M.gguf" "$F/midi/midi-valid.txt" 512 "$MIDI_CHUNKS"
