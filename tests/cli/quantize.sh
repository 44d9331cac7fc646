#!/usr/bin/env bash
# q35 quantize and q35 study on the stories260K fixture: every q35 type quantizes the
# GGUF and the llama2.c file, the result loads and generates, the summary reports the
# block matrices' bits/weight, and bad arguments or inputs fail with one line and leave
# no output behind.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
M="$Q35_FIXTURES/stories260K.gguf"
[ -f "$M" ] || { echo "skipped: $M not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/quantize.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
die() { echo "FAIL $*"; fail=1; }

for t in q35_cb q35_p11 q35_s43; do
    "$Q35" quantize --checkpoint "$M" --output "$TMP/$t.gguf" --type "$t" --threads 2 >"$TMP/out.txt" 2>&1 ||
        { die "quantize --type $t"; cat "$TMP/out.txt"; continue; }
    grep -q "block matrices .* 3.6257 bits/weight" "$TMP/out.txt" || { die "$t: summary"; cat "$TMP/out.txt"; }
    "$Q35" info --model "$TMP/$t.gguf" >"$TMP/info.txt" 2>&1 || die "$t: info"
    grep -q "blk.0.ffn_down.weight *$t " "$TMP/info.txt" || die "$t: ffn_down not $t"
    grep -q "token_embd.weight *q45_cb " "$TMP/info.txt" || die "$t: token_embd not q45_cb"
    "$Q35" run --model "$TMP/$t.gguf" --prompt "Once upon a time" --steps 40 --temperature 0 >"$TMP/run.txt" 2>/dev/null ||
        die "$t: run"
    [ "$(wc -w <"$TMP/run.txt")" -gt 20 ] || { die "$t: run printed too little"; cat "$TMP/run.txt"; }
    echo "ok   $t: $(head -c 80 "$TMP/run.txt" | tr '\n' ' ')"
done

# llama2.c input, other embedding/output types
"$Q35" quantize --checkpoint "$Q35_FIXTURES/stories260K.l2c.bin" --tokenizer "$Q35_FIXTURES/tok512.bin" \
    --output "$TMP/l2c.gguf" --embd-type f16 --output-type q35_cb >/dev/null 2>"$TMP/err.txt" || { die "llama2c input"; cat "$TMP/err.txt"; }
"$Q35" info --model "$TMP/l2c.gguf" >"$TMP/info.txt" 2>&1 || die "llama2c: info"
grep -q "token_embd.weight *f16 " "$TMP/info.txt" || die "llama2c: token_embd not f16"
grep -q "output.weight *q35_cb " "$TMP/info.txt" || die "llama2c: output not q35_cb"

# errors: one line, exit code, no output left
expect_fail() { # label, args...
    local label=$1; shift
    if "$Q35" quantize "$@" >"$TMP/o.txt" 2>"$TMP/e.txt"; then die "$label: succeeded"; return; fi
    [ "$(wc -l <"$TMP/e.txt")" -eq 1 ] || { die "$label: not one line"; cat "$TMP/e.txt"; }
    echo "ok   $label: $(cat "$TMP/e.txt")"
}
expect_fail "bad type" --checkpoint "$M" --output "$TMP/bad.gguf" --type q4_0
expect_fail "bad method" --checkpoint "$M" --output "$TMP/bad.gguf" --method gptq
expect_fail "missing input" --checkpoint "$TMP/nope.gguf" --output "$TMP/bad.gguf"
head -c 5000 "$M" >"$TMP/trunc.gguf"
expect_fail "truncated input" --checkpoint "$TMP/trunc.gguf" --output "$TMP/bad.gguf"
expect_fail "unwritable output" --checkpoint "$M" --output "$TMP/no/such/dir/x.gguf"
[ ! -e "$TMP/bad.gguf" ] || die "a failed run left $TMP/bad.gguf"
ls "$TMP"/no 2>/dev/null && die "left a directory"
[ -z "$(ls "$TMP" | grep tmp)" ] || die "temporary files left: $(ls "$TMP")"

# study
"$Q35" study --model "$M" --json "$TMP/study.json" >"$TMP/study.txt" || die "study"
python3 - "$TMP/study.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
r = {t["type"]: t["rel_mse"]["all"] for t in d["types"]}
assert set(r) == {"q35_cb", "q35_p11", "q35_s43", "q45_cb"}, r
assert 0.001 < r["q35_cb"] < r["q35_p11"] < r["q35_s43"] < 0.1, r
assert 0.0001 < r["q45_cb"] < r["q35_cb"] / 2, r  # the 4.5-bit sibling: far finer
print("ok   study:", r)
PY
exit $fail
