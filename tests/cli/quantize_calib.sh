#!/usr/bin/env bash
# q35 quantize with calibration on stories260K: --method gptq and imatrix calibrate on
# a slice of WikiText-2 (not the evaluation text), write q35.quant.method and the
# calibration record that q35 info shows, and the files run. With --calibration alone
# the method is gptq; calibrated methods without --calibration, rtn with it, a missing
# calibration file and bad numbers fail with one line and leave no output.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
M="$Q35_FIXTURES/stories260K.gguf"
CAL="$Q35_FIXTURES/wikitext-2-raw-test.txt"
[ -f "$M" ] && [ -f "$CAL" ] || { echo "skipped: fixtures not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/quantize_calib.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
die() { echo "FAIL $*"; fail=1; }

for m in gptq imatrix default; do
    args=(--method "$m")
    [ "$m" = default ] && args=()
    "$Q35" quantize --checkpoint "$M" --output "$TMP/$m.gguf" "${args[@]}" --calibration "$CAL" \
        --calib-tokens 4096 --threads 2 >"$TMP/out.txt" 2>&1 || { die "quantize $m"; cat "$TMP/out.txt"; continue; }
    want=$m
    [ "$m" = default ] && want=gptq
    grep -q "method $want)" "$TMP/out.txt" || { die "$m: summary does not name method $want"; cat "$TMP/out.txt"; }
    grep -q "calibration *4096 tokens" "$TMP/out.txt" || { die "$m: calibration line"; cat "$TMP/out.txt"; }
    grep -q "block matrices .* 3.6257 bits/weight" "$TMP/out.txt" || die "$m: bits/weight"
    "$Q35" info "$TMP/$m.gguf" >"$TMP/info.txt" 2>&1 || die "$m: info"
    grep -q "q35.quant.method $want" "$TMP/info.txt" || { die "$m: info does not show q35.quant.method $want"; head -8 "$TMP/info.txt"; }
    grep -q "q35.quant.calib_tokens 4096" "$TMP/info.txt" || die "$m: info does not show the calibration tokens"
    grep -q "blk.0.ffn_down.weight *q35_cb " "$TMP/info.txt" || die "$m: ffn_down not q35_cb"
    grep -q "token_embd.weight *q45_cb " "$TMP/info.txt" || die "$m: token_embd not q45_cb"
    "$Q35" run --model "$TMP/$m.gguf" --prompt "Once upon a time" --steps 40 --temperature 0 >"$TMP/run.txt" 2>/dev/null ||
        die "$m: run"
    [ "$(wc -w <"$TMP/run.txt")" -gt 20 ] || { die "$m: run printed too little"; cat "$TMP/run.txt"; }
    echo "ok   $m: $(head -c 80 "$TMP/run.txt" | tr '\n' ' ')"
done
"$Q35" info "$TMP/gptq.gguf" --json "$TMP/info.json" >/dev/null || die "info --json"
python3 - "$TMP/info.json" <<'PY' || fail=1
import json, sys
q = json.load(open(sys.argv[1]))["quantization"]
assert q["method"] == "gptq" and q["calib_tokens"] == 4096 and q["type"] == "q35_cb", q
print("ok   info --json:", q)
PY

# a plain quantization says rtn
"$Q35" quantize --checkpoint "$M" --output "$TMP/rtn.gguf" --threads 2 >/dev/null 2>&1 || die "rtn"
"$Q35" info "$TMP/rtn.gguf" >"$TMP/info.txt" 2>&1 || die "rtn: info"
grep -q "q35.quant.method rtn" "$TMP/info.txt" || die "rtn: info does not show q35.quant.method rtn"

expect_fail() { # label, args...
    local label=$1; shift
    if "$Q35" quantize --checkpoint "$M" --output "$TMP/bad.gguf" "$@" >"$TMP/o.txt" 2>"$TMP/e.txt"; then
        die "$label: succeeded"; return
    fi
    [ "$(wc -l <"$TMP/e.txt")" -eq 1 ] || { die "$label: not one line"; cat "$TMP/e.txt"; }
    echo "ok   $label: $(cat "$TMP/e.txt")"
}
expect_fail "gptq without calibration" --method gptq
expect_fail "imatrix without calibration" --method imatrix
expect_fail "rtn with calibration" --method rtn --calibration "$CAL"
expect_fail "unknown method" --method awq --calibration "$CAL"
expect_fail "missing calibration file" --calibration "$TMP/nope.txt"
expect_fail "bad calib ctx" --calibration "$CAL" --calib-ctx 1
expect_fail "bad damping" --calibration "$CAL" --damp -1
: >"$TMP/empty.txt"
expect_fail "empty calibration text" --calibration "$TMP/empty.txt"
grep -q "empty.txt" "$TMP/e.txt" || die "empty calibration: the error does not name the file"
[ ! -e "$TMP/bad.gguf" ] || die "a failed run left $TMP/bad.gguf"
[ -z "$(ls "$TMP" | grep tmp)" ] || die "temporary files left: $(ls "$TMP")"
exit $fail
