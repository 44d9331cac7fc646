#!/usr/bin/env bash
# The quality study behind docs/QUALITY.md: for stories260K and midi23M, quantize with
# each method, measure perplexity, KL-divergence and top-1 agreement against the
# unquantized model by llama.cpp's method (all chunks), and plot ΔPPL against
# bits/weight beside llama.cpp's types (q35 report).
# Usage: bench/quality.sh [q35 binary] [midi chunks (default: all)]
# STORIES_METHODS / MIDI_METHODS choose the methods (set but empty: none).
# Calibration text: WikiText-2 test (not the evaluation text). Results: build/quality/.
set -euo pipefail
Q35=${1:-build/q35}
MIDI_CHUNKS=${2:-}
F=${Q35_FIXTURES:-../shared/fixtures}
OUT=${QUALITY_OUT:-build/quality}
CAL="$F/wikitext-2-raw-test.txt"
mkdir -p "$OUT"

run_model() { # name model text ctx chunks methods...
    local name=$1 model=$2 text=$3 ctx=$4 chunks=$5
    shift 5
    local cargs=()
    [ -n "$chunks" ] && cargs=(--chunks "$chunks")
    for spec in "$@"; do
        local method=${spec%%:*} extra=${spec#*:}
        [ "$extra" = "$spec" ] && extra=""
        local tag="$name-$method${extra:+-$(echo "$extra" | tr ' =' '__' | tr -d '-')}"
        local qargs=(--checkpoint "$model" --output "$OUT/$tag.gguf" --method "$method")
        case "$method" in rtn) ;; *) qargs+=(--calibration "$CAL") ;; esac
        [ "$method" = mixed ] && qargs+=(--target-bpw 3.65)
        # shellcheck disable=SC2206
        [ -n "$extra" ] && qargs+=($extra)
        echo "== $tag: q35 quantize ${qargs[*]}"
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f "quantize wall %e s, peak RSS %M KiB" "$Q35" quantize "${qargs[@]}" 2>&1 | tail -n 4
        else
            "$Q35" quantize "${qargs[@]}" 2>&1 | tail -n 4
        fi
        echo "== $tag: q35 perplexity --base"
        "$Q35" perplexity --model "$OUT/$tag.gguf" --base "$model" --text "$text" --ctx "$ctx" "${cargs[@]}" \
            --json "$OUT/$tag.json" 2>&1 | tail -n 8
    done
}

run_model stories260K "$F/stories260K.gguf" "$F/reference/stories260K_samples_llama2c.txt" 256 "" \
    ${STORIES_METHODS-rtn imatrix gptq mixed}
run_model midi23M "$F/midi/midi23M.gguf" "$F/midi/midi-valid.txt" 512 "$MIDI_CHUNKS" \
    ${MIDI_METHODS-rtn imatrix gptq mixed}
# QUALITY_NO_REPORT=1: results only (a machine without gnuplot; scripts/devquality.sh)
[ -n "${QUALITY_NO_REPORT:-}" ] && exit 0

"$Q35" report --output "$OUT/midi23M.png" --title "midi23M: ΔPPL against bits/weight (block matrices)" \
    --peers docs/quality/llamacpp_midi23M.tsv "$OUT"/midi23M-*.json
"$Q35" report --output "$OUT/stories260K.png" --title "stories260K: ΔPPL against bits/weight (block matrices)" \
    --peers docs/quality/llamacpp_stories260K.tsv "$OUT"/stories260K-*.json
echo "plots: $OUT/midi23M.png $OUT/stories260K.png"
for m in stories260K midi23M; do
    echo "== $m"
    /usr/bin/python3 bench/quality_table.py "$OUT/$m"-rtn.json "$OUT/$m"-imatrix.json "$OUT/$m"-gptq.json "$OUT/$m"-mixed.json
done
