#!/usr/bin/env bash
# `make prove`: the machine-checked proofs of the format (docs/VERIFICATION.md).
#  coq: every file in proofs/coq compiles, no Admitted/admit/Axiom, and Print Assumptions
#       of every theorem shows only the allowed standard axioms; then deliberately broken
#       copies (a definition changed, an Admitted added, an extra axiom) must be rejected,
#       or the check proves nothing (tests/prove/coq_broken.sh);
#  wp:  Frama-C WP with RTE on src/format, every goal proved; then broken copies must fail
#       (tests/prove/wp_broken.sh).
# Usage: scripts/prove.sh [coq] [wp]   (default: both). Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ "${#parts[@]}" -gt 0 ] || parts=(coq wp)
t0=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for part in "${parts[@]}"; do
    case "$part" in
    coq) title="Coq + Flocq (proofs/coq)" script=scripts/prove_coq.sh broken=tests/prove/coq_broken.sh ;;
    wp) title="Frama-C WP + RTE (src/format)" script=scripts/prove_wp.sh broken=tests/prove/wp_broken.sh ;;
    *) echo "prove: unknown part '$part' (coq or wp)" >&2; exit 2 ;;
    esac
    echo "== $title"
    "$script" | tee "$tmp/$part.log" | tail -n 1
    rc=0
    bash "$broken" >"$tmp/$part.broken" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$tmp/$part.broken"
        echo "prove: FAIL: $broken exited $rc (0 means every broken copy was rejected)" >&2
        exit 1
    fi
    echo "ok   $broken: every deliberately broken copy was rejected"
done
echo "== summary"
for part in "${parts[@]}"; do tail -n 1 "$tmp/$part.log"; done
echo "prove: all checks passed in $(( $(date +%s) - t0 )) s"
