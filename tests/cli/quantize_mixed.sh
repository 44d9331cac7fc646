#!/usr/bin/env bash
# q35 quantize --method mixed on stories260K: with a small calibration and
# --target-bpw 4.0 the block matrices (as q35 info --json counts them, all-in) stay
# within 4.0 bits/weight and take more than all-q35_cb's 3.6257 (some tensors upgraded
# to q45_cb); the file records method mixed and its target and runs. --target-bpw alone
# implies mixed and works without calibration; --method mixed alone targets 3.65. A budget below all-q35_cb, --target-bpw
# with another method and bad numbers fail with one line and leave no output.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
M="$Q35_FIXTURES/stories260K.gguf"
CAL="$Q35_FIXTURES/wikitext-2-raw-test.txt"
[ -f "$M" ] && [ -f "$CAL" ] || { echo "skipped: fixtures not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/quantize_mixed.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
die() { echo "FAIL $*"; fail=1; }

# check_file LABEL FILE TARGET CALIBRATED: budget, upgrades, record, and a run
check_file() {
    local label=$1 f=$2 target=$3 calibrated=$4
    "$Q35" info "$f" --json "$TMP/info.json" >/dev/null || { die "$label: info"; return; }
    python3 - "$TMP/info.json" "$target" "$calibrated" <<'PY' || die "$label: info --json"
import json, sys
j = json.load(open(sys.argv[1]))
target, calibrated = float(sys.argv[2]), sys.argv[3] == "1"
b = j["totals"]["block_matrices"]
bpw = 8.0 * b["bytes"] / b["weights"]  # exact, not the rounded field
assert abs(bpw - b["bits_per_weight"]) < 1e-9, b
assert bpw <= target, f"block matrices at {bpw} bits/weight, over the target {target}"
assert bpw > 3.63, f"block matrices at {bpw} bits/weight: nothing upgraded"
blk = [t for t in j["tensors"] if t["name"].startswith("blk.") and len(t["shape"]) == 2]
types = {t["type"] for t in blk}
assert types == {"q35_cb", "q45_cb"}, types
q = j["quantization"]
assert q["method"] == "mixed" and abs(q["target_bpw"] - target) < 1e-6, q
assert ("calib_tokens" in q) == calibrated, q
n45 = sum(t["type"] == "q45_cb" for t in blk)
print(f"ok   {len(blk)} block matrices, {n45} in q45_cb, {bpw:.4f} bits/weight <= {target}")
PY
    "$Q35" run --model "$f" --prompt "Once upon a time" --steps 20 --temperature 0 >"$TMP/run.txt" 2>/dev/null ||
        die "$label: run"
    [ "$(wc -w <"$TMP/run.txt")" -gt 8 ] || { die "$label: run printed too little"; cat "$TMP/run.txt"; }
    echo "ok   $label: $(head -c 80 "$TMP/run.txt" | tr '\n' ' ')"
}

"$Q35" quantize --checkpoint "$M" --output "$TMP/mixed.gguf" --method mixed --target-bpw 4.0 --calibration "$CAL" \
    --calib-tokens 4096 --threads 2 >"$TMP/out.txt" 2>&1 || { die "quantize mixed"; cat "$TMP/out.txt"; }
grep -q "method mixed)" "$TMP/out.txt" || { die "summary does not name method mixed"; cat "$TMP/out.txt"; }
grep -Eq "mixed +target 4.0000 bits/weight .*: [0-9]+ q35_cb, [1-9][0-9]* q45_cb" "$TMP/out.txt" ||
    { die "summary lacks the choice"; cat "$TMP/out.txt"; }
grep -Eq "error proxy .*all q35_cb .*\(-" "$TMP/out.txt" || { die "summary lacks a lower error than all q35_cb"; cat "$TMP/out.txt"; }
check_file "calibrated, 4.0" "$TMP/mixed.gguf" 4.0 1

# --target-bpw alone: mixed, rtn candidates, squared weight error
"$Q35" quantize --checkpoint "$M" --output "$TMP/rtn.gguf" --target-bpw 3.9 --threads 2 >"$TMP/out.txt" 2>&1 ||
    { die "quantize --target-bpw without calibration"; cat "$TMP/out.txt"; }
check_file "uncalibrated, 3.9" "$TMP/rtn.gguf" 3.9 0

# --method mixed alone: the default target, 3.65
"$Q35" quantize --checkpoint "$M" --output "$TMP/default.gguf" --method mixed --threads 2 >"$TMP/out.txt" 2>&1 ||
    { die "quantize --method mixed without a target"; cat "$TMP/out.txt"; }
grep -q "mixed *target 3.6500 bits/weight" "$TMP/out.txt" || { die "default target is not 3.65"; cat "$TMP/out.txt"; }

expect_fail() { # label, args...
    local label=$1; shift
    if "$Q35" quantize --checkpoint "$M" --output "$TMP/bad.gguf" "$@" >"$TMP/o.txt" 2>"$TMP/e.txt"; then
        die "$label: succeeded"; return
    fi
    [ "$(wc -l <"$TMP/e.txt")" -eq 1 ] || { die "$label: not one line"; cat "$TMP/e.txt"; }
    echo "ok   $label: $(cat "$TMP/e.txt")"
}
expect_fail "budget below all q35_cb" --method mixed --target-bpw 3.6 --calibration "$CAL" --calib-tokens 4096
grep -q "below 3.6257 bits/weight" "$TMP/e.txt" || die "the budget error does not give the minimum"
expect_fail "budget below all q35_cb, uncalibrated" --target-bpw 3.5
expect_fail "target with another method" --method gptq --target-bpw 4 --calibration "$CAL"
expect_fail "bad target" --method mixed --target-bpw 4x
expect_fail "zero target" --method mixed --target-bpw 0
[ ! -e "$TMP/bad.gguf" ] || die "a failed run left $TMP/bad.gguf"
[ -z "$(ls "$TMP" | grep -E '\.(tmp|mixed)\.')" ] || die "temporary or scratch files left: $(ls "$TMP")"
exit $fail
