#!/usr/bin/env bash
# The theorem suite of `q35 prove` (proofs/suite/README.md): scripts/prove_suite.sh compiles
# the hand-written proofs in a temporary folder, checks Print Assumptions of every theorem,
# regenerates the statements-only quantization.v and compares it with the committed one, and
# compiles that too. Skipped (77) where coqc is not installed.
set -euo pipefail
: "${Q35_SRC:?repository root}"
command -v coqc >/dev/null 2>&1 || { echo "skipped: coqc not found"; exit 77; }
mkdir -p "${Q35_TMP:-/tmp}"
TMPDIR=${Q35_TMP:-/tmp} Q35_ROOT="$Q35_SRC" bash "$Q35_SRC/scripts/prove_suite.sh"
