#!/usr/bin/env bash
# `q35 prove` on the quantization theorem suite (proofs/suite/quantization.v): every theorem
# searched with the same wall-time budget, every proof found re-checked by coqc. Prints the
# summary, a table by difficulty tier, and the theorems not proved.
#
# Usage: bench/prover/suite.sh [--budget SECONDS] [--q35 BIN] [--out DIR]
#   defaults: 20 s per theorem, build/q35, build/prover-suite (JSON, proved file, trace)
set -euo pipefail
BUDGET=20
Q35=build/q35
OUT=build/prover-suite
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) BUDGET=$2; shift 2 ;;
        --q35) Q35=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "suite.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUITE="$ROOT/proofs/suite/quantization.v"
mkdir -p "$OUT"
echo "q35 prove on $SUITE: budget $BUDGET s per theorem, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
"$Q35" prove --theorems "$SUITE" --budget-seconds "$BUDGET" --json "$OUT/suite.json" \
    --output "$OUT/quantization.proved.v" --trace "$OUT/trace.txt" --quiet
python3 - "$SUITE" "$OUT/suite.json" <<'PY' | tee "$OUT/table.md"
import json, re, sys
src = open(sys.argv[1]).read()
tier = {}
for m in re.finditer(r"\(\* tier (\d) \*\)\s*(?:Lemma|Theorem)\s+(\w+)", src):
    tier[m.group(2)] = int(m.group(1))
r = json.load(open(sys.argv[2]))
rows = {}
for t in r["theorems"]:
    k = tier.get(t["name"], 0)
    n, p, s = rows.get(k, (0, 0, 0.0))
    rows[k] = (n + 1, p + t["proved"], s + (t["seconds"] if t["proved"] else 0))
print("| tier | theorems | proved | % | mean search time of the proved |")
print("|---|---|---|---|---|")
for k in sorted(rows):
    n, p, s = rows[k]
    print(f"| {k} | {n} | {p} | {100*p/n:.1f}% | {s/max(p,1):.2f} s |")
print(f"| all | {r['total']} | {r['proved']} | {100*r['proved']/r['total']:.1f}% | "
      f"{sum(t['seconds'] for t in r['theorems'] if t['proved'])/max(r['proved'],1):.2f} s |")
print()
print(f"Budget {r['budget_seconds']:g} s per theorem, tactic timeout {r['tactic_timeout']:g} s, "
      f"whole run {r['seconds']:.0f} s (coqc re-check {r['recheck_seconds']:.1f} s), every proof re-checked: {r['recheck']}.")
miss = [t for t in r["theorems"] if not t["proved"]]
if miss:
    print()
    print("Not proved: " + ", ".join(f"{t['name']} (tier {tier.get(t['name'], '?')})" for t in miss) + ".")
PY
