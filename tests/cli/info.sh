#!/usr/bin/env bash
# `q35 info` on the fixture (GGUF and llama2.c) prints the format, the hyper-parameters,
# every tensor with bits/weight, and totals naming the tensors kept in higher precision;
# --json writes the same as JSON. A garbage file or a missing one gives exactly one line
# on stderr naming the file and a non-zero exit. `q35 synth` writes a deterministic model
# that `q35 info` reads.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
MODEL="$Q35_FIXTURES/stories260K.gguf"
[ -f "$MODEL" ] || { echo "skipped: $MODEL not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/info.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
check() { # label, file, fixed string expected in it
    if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in output"; fail=1; fi
}

"$Q35" info "$MODEL" --json "$TMP/info.json" >"$TMP/out.txt"
check "format" "$TMP/out.txt" "gguf v3, alignment 32"
check "hyper-parameters" "$TMP/out.txt" "dim 64, hidden 172, layers 5, heads 8, kv heads 4"
check "vocabulary" "$TMP/out.txt" "512 tokens"
check "tensor row" "$TMP/out.txt" "blk.4.ffn_down.weight"
grep -E '^blk\.0\.ffn_down\.weight +f32 +172 x 64 +44032 +32\.0000$' "$TMP/out.txt" >/dev/null \
    && echo "ok   tensor columns" || { echo "FAIL tensor columns"; fail=1; }
check "all-in total" "$TMP/out.txt" "all tensors:     48 tensors, 292800 weights, 1171200 bytes, 32.0000 bits/weight"
check "block matrices" "$TMP/out.txt" "block matrices:  35 2-D blk.* tensors"
check "embedding precision" "$TMP/out.txt" "token_embd.weight kept in f32 (higher precision)"
check "output precision" "$TMP/out.txt" "output.weight kept in f32 (higher precision)"
python3 - "$TMP/info.json" <<'PY' && echo "ok   json" || { echo "FAIL json"; fail=1; }
import json, sys
j = json.load(open(sys.argv[1]))
assert j["format"] == "gguf" and j["config"]["dim"] == 64 and j["config"]["n_kv_heads"] == 4
assert len(j["tensors"]) == 48 and j["tensors"][0]["shape"] == [64, 512]
assert j["totals"]["block_matrices"]["tensors"] == 35
assert abs(j["totals"]["all"]["bits_per_weight"] - 32.0) < 1e-9
assert {t["name"] for t in j["higher_precision"]} == {"token_embd.weight", "output.weight"}
PY
ls "$TMP"/info.json.tmp.* >/dev/null 2>&1 && { echo "FAIL temporary JSON left behind"; fail=1; }

# the llama2.c file with its tokenizer gives the same tensors
"$Q35" info "$Q35_FIXTURES/stories260K.l2c.bin" --tokenizer "$Q35_FIXTURES/tok512.bin" >"$TMP/l2c.txt"
check "llama2.c format" "$TMP/l2c.txt" "format        llama2c, 48 tensors"
diff <(grep -E '^(blk|token|output)' "$TMP/out.txt") <(grep -E '^(blk|token|output)' "$TMP/l2c.txt") >/dev/null \
    && echo "ok   llama2.c tensors = GGUF tensors" || { echo "FAIL llama2.c tensor listing differs"; fail=1; }

# bad inputs: one line on stderr naming the file, non-zero exit, no stdout, no JSON
one_line_error() { # label, path, extra args...
    local label=$1 path=$2
    shift 2
    set +e
    "$Q35" info "$path" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
    local rc=$?
    set -e
    if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] && grep -qF -- "$path" "$TMP/bad.err" \
        && [ ! -s "$TMP/bad.out" ]; then
        echo "ok   $label: $(cat "$TMP/bad.err")"
    else
        echo "FAIL $label (rc $rc):"; cat "$TMP/bad.err"; fail=1
    fi
}
head -c 1000 /dev/urandom >"$TMP/garbage.gguf"
one_line_error "garbage file" "$TMP/garbage.gguf" --json "$TMP/bad.json"
[ -e "$TMP/bad.json" ] && { echo "FAIL JSON written for a bad file"; fail=1; }
printf 'GGUF\003\000\000\000' >"$TMP/trunc.gguf"
one_line_error "truncated GGUF" "$TMP/trunc.gguf"
head -c 5000 "$MODEL" >"$TMP/cut.gguf"
one_line_error "cut GGUF" "$TMP/cut.gguf"
one_line_error "missing file" "$TMP/nope.gguf"
one_line_error "llama2.c without tokenizer" "$Q35_FIXTURES/stories260K.l2c.bin"
set +e
"$Q35" info >/dev/null 2>&1; [ $? -ne 0 ] && echo "ok   no PATH fails" || { echo "FAIL no PATH accepted"; fail=1; }
"$Q35" info --help >/dev/null 2>&1 && echo "ok   --help" || { echo "FAIL --help"; fail=1; }
set -e

# q35 synth: deterministic, readable, bad options refused
(cd "$TMP" && "$Q35" synth 2>/dev/null) && [ -f "$TMP/q35-synth.gguf" ] && echo "ok   synth default path" \
    || { echo "FAIL synth default path"; fail=1; }
"$Q35" synth --output "$TMP/s2.gguf" 2>/dev/null
cmp -s "$TMP/q35-synth.gguf" "$TMP/s2.gguf" && echo "ok   synth deterministic" || { echo "FAIL synth differs"; fail=1; }
"$Q35" synth --output "$TMP/s3.gguf" --dim 32 --layers 1 --heads 2 --kv-heads 1 --hidden 64 --seed 7 2>/dev/null
"$Q35" info "$TMP/s3.gguf" >"$TMP/s3.txt"
check "synth options" "$TMP/s3.txt" "dim 32, hidden 64, layers 1, heads 2, kv heads 1"
set +e
"$Q35" synth --output "$TMP/s4.gguf" --heads 5 2>"$TMP/s4.err"; rc=$?
set -e
if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/s4.err")" -eq 1 ] && [ ! -e "$TMP/s4.gguf" ]; then echo "ok   synth bad heads"
else echo "FAIL synth bad heads"; fail=1; fi
exit $fail
