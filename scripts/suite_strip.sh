#!/usr/bin/env bash
# Generates the statements-only prover suite from the proved one (proofs/suite/README.md):
# every proof of a Lemma/Theorem in quantization_proofs.v, from its `Proof.` line to the line
# ending in `Qed.`, becomes one line `Admitted.`; every other line is copied unchanged.
#
#   scripts/suite_strip.sh                 proofs/suite/quantization_proofs.v -> proofs/suite/quantization.v
#   scripts/suite_strip.sh IN OUT          IN -> OUT (OUT `-` is stdout)
#
# The layout it relies on (and checks, exit 1 otherwise): a statement starts a line with
# `Lemma` or `Theorem` and ends with a line ending in `.`; the next line starts with `Proof.`;
# the proof ends with a line ending in `Qed.` (possibly the `Proof.` line itself); every
# `Proof.` belongs to such a statement and every such statement has one.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IN=${1:-$ROOT/proofs/suite/quantization_proofs.v}
OUT=${2:-$ROOT/proofs/suite/quantization.v}
[ -f "$IN" ] || { echo "suite_strip: $IN not found" >&2; exit 1; }

strip() {
    LC_ALL=C awk '
    function die(msg) { printf "suite_strip: %s:%d: %s\n", FILENAME, NR, msg > "/dev/stderr"; bad = 1; exit 1 }
    # state: 0 outside, 1 in a statement, 2 statement done (a Proof. must follow), 3 in a proof
    state == 3 {
        if ($0 ~ /^(Lemma|Theorem|Definition|Fixpoint)[ \t]/) die("proof not ended by a line ending in Qed.")
        if ($0 ~ /Qed\.[ \t]*$/) state = 0
        next
    }
    state == 2 && $0 !~ /^Proof\./ { die("statement not followed by a Proof. line") }
    /^Proof\./ {
        if (state != 2) die("Proof. that does not follow a Lemma/Theorem statement")
        print "Admitted."
        state = ($0 ~ /Qed\.[ \t]*$/) ? 0 : 3
        next
    }
    /^(Lemma|Theorem)[ \t]/ { if (state != 0) die("statement inside a statement"); state = 1 }
    { print }
    state == 1 && $0 ~ /\.[ \t]*$/ { state = 2 }
    END { if (!bad && state != 0) { printf "suite_strip: %s: ends inside a statement or proof\n", FILENAME > "/dev/stderr"; exit 1 } }
    ' "$IN"
}

if [ "$OUT" = - ]; then
    strip
else
    tmp=$(mktemp "$OUT.XXXXXX")
    if strip >"$tmp"; then chmod 644 "$tmp"; mv "$tmp" "$OUT"; else rm -f "$tmp"; exit 1; fi
fi
