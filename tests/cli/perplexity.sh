#!/usr/bin/env bash
# Acceptance test of `q35 perplexity`: on the F32 stories260K model and llama2.c's sampled
# stories, ctx 256, PPL matches llama.cpp's 3.6209 (peers/llamacpp-stories260K.md); the
# model against itself as --base gives KLD 0, top-1 100% and dPPL 0; bad inputs give a
# one-line error and a non-zero exit, and no JSON file.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
MODEL="$Q35_FIXTURES/stories260K.gguf"
TEXT="$Q35_FIXTURES/reference/stories260K_samples_llama2c.txt"
for f in "$MODEL" "$TEXT"; do [ -f "$f" ] || { echo "skipped: $f not found"; exit 77; }; done
PY=/usr/bin/python3
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/ppl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

# json FILE EXPR: evaluates a Python expression over the parsed JSON object `j`.
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
expect() { # label, python condition over j
    if [ "$(json "$TMP/$JSON" "$2")" = True ]; then echo "ok   $1"; else echo "FAIL $1: $(cat "$TMP/$JSON")"; fail=1; fi
}

# 1. PPL as llama.cpp
"$Q35" perplexity --model "$MODEL" --text "$TEXT" --ctx 256 --json "$TMP/out.json" | tee "$TMP/out.txt"
JSON=out.json
expect "PPL within 3.621 +- 0.01"       'abs(j["ppl"] - 3.621) < 0.01'
expect "299 chunks, 127 scored each"    'j["n_chunks"] == 299 and j["n_scored"] == 299 * 127'
expect "+/- like llama.cpp (0.0353)"    'abs(j["ppl_err"] - 0.0353) < 0.002'
expect "speed and memory reported"      'j["tok_per_s"] > 0 and j["peak_rss_bytes"] > 0'
grep -q '^Final estimate: PPL = 3\.6[12]' "$TMP/out.txt" && echo "ok   llama.cpp-style line" || { echo "FAIL no 'Final estimate' line"; fail=1; }

# 2. the model against itself
"$Q35" perplexity --model "$MODEL" --text "$TEXT" --ctx 256 --base "$MODEL" --chunks 40 --json "$TMP/self.json" >"$TMP/self.txt"
JSON=self.json
expect "self KLD < 1e-9"                'abs(j["kld_mean"]) < 1e-9 and abs(j["kld_p99"]) < 1e-9'
expect "self top-1 100%"                'j["top1"] == 1.0'
expect "self dPPL 0"                    'abs(j["dppl"]) < 1e-12 and j["ppl"] == j["base_ppl"]'
expect "--chunks 40"                    'j["n_chunks"] == 40'

# 3. bad inputs: one line on stderr, non-zero exit, no JSON left behind
bad() { # label, then arguments
    local label=$1; shift
    rm -f "$TMP/bad.json"
    if "$Q35" perplexity "$@" --json "$TMP/bad.json" >"$TMP/bad.out" 2>"$TMP/bad.err"; then
        echo "FAIL $label: exit 0"; fail=1; return
    fi
    if [ "$(wc -l <"$TMP/bad.err")" -ne 1 ] || [ -e "$TMP/bad.json" ]; then
        echo "FAIL $label: expected one error line and no JSON"; cat "$TMP/bad.err"; fail=1; return
    fi
    echo "ok   $label: $(cat "$TMP/bad.err")"
}
head -c 400 "$TEXT" >"$TMP/short.txt"
: >"$TMP/empty.txt"
printf 'not a model' >"$TMP/junk.gguf"
bad "missing text"      --model "$MODEL" --text "$TMP/nope.txt"
bad "short text"        --model "$MODEL" --text "$TMP/short.txt" --ctx 256
bad "empty text"        --model "$MODEL" --text "$TMP/empty.txt"
bad "missing model"     --model "$TMP/nope.gguf" --text "$TEXT"
bad "junk model"        --model "$TMP/junk.gguf" --text "$TEXT"
bad "junk base"         --model "$MODEL" --base "$TMP/junk.gguf" --text "$TEXT"
bad "no --text"         --model "$MODEL"
bad "tiny ctx"          --model "$MODEL" --text "$TEXT" --ctx 2
bad "bad backend"       --model "$MODEL" --text "$TEXT" --backend gpu
grep -q "you need at least 512 tokens" <("$Q35" perplexity --model "$MODEL" --text "$TMP/short.txt" --ctx 256 2>&1) \
    && echo "ok   short text names llama.cpp's requirement" || { echo "FAIL short-text message"; fail=1; }
# a base with another vocabulary is refused, if a second model is at hand
MIDI="$Q35_FIXTURES/midi/midi23M.gguf"
if [ -f "$MIDI" ]; then
    bad "vocab mismatch" --model "$MODEL" --base "$MIDI" --text "$TEXT"
fi
exit $fail
