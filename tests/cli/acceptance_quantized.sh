#!/usr/bin/env bash
# Issue acceptance on the stories260K fixture, exactly as a user would type it:
#   q35 quantize --checkpoint stories260K.gguf --output s35.gguf; q35 info s35.gguf
# every 2-D block matrix is in the default 3.5-bit type with all-in bits/weight <= 3.65;
# then q35 perplexity --base reports PPL, dPPL, KLD (mean, p99) and top-1 agreement.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
M="$Q35_FIXTURES/stories260K.gguf"
T="$Q35_FIXTURES/reference/stories260K_samples_llama2c.txt"
[ -f "$M" ] && [ -f "$T" ] || { echo "skipped: fixtures not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/accept.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$Q35" quantize --checkpoint "$M" --output "$TMP/s35.gguf" >/dev/null
"$Q35" info "$TMP/s35.gguf" --json "$TMP/info.json" >"$TMP/info.txt"
"$Q35" perplexity --model "$TMP/s35.gguf" --base "$M" --text "$T" --ctx 256 --json "$TMP/ppl.json" >"$TMP/ppl.txt" 2>&1
cat "$TMP/ppl.txt"

/usr/bin/python3 - "$TMP/info.json" "$TMP/ppl.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
blocks = [t for t in info["tensors"] if t["name"].startswith("blk.") and len(t["shape"]) == 2]
assert len(blocks) == 35, len(blocks)
for t in blocks:
    assert t["type"] == "q35_cb", (t["name"], t["type"])
    assert t["bits_per_weight"] <= 3.65, (t["name"], t["bits_per_weight"])
tot = info["totals"]["block_matrices"]["bits_per_weight"]
assert tot <= 3.65, tot
print("block matrices: %d in q35_cb, max %.4f bits/weight, all %.4f" %
      (len(blocks), max(t["bits_per_weight"] for t in blocks), tot))
r = json.load(open(sys.argv[2]))
for k in ("ppl", "base_ppl", "dppl", "kld_mean", "kld_p99", "top1"):
    assert k in r, k
assert abs(r["base_ppl"] - 3.621) < 0.01, r["base_ppl"]
assert 0 < r["kld_mean"] < 1 and 0.5 < r["top1"] < 1 and r["dppl"] > 0, r
print("dPPL %+.2f%%, mean KLD %.5f, KLD p99 %.4f, top-1 %.2f%%" %
      (100 * r["dppl"], r["kld_mean"], r["kld_p99"], 100 * r["top1"]))
PY
