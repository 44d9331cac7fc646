#!/usr/bin/env bash
# The Coq checker must reject broken proofs: copies of proofs/coq with
#   1. the nibble-plane formula of docs/FORMAT.md changed (16 * -> 15 *),
#   2. the scale-byte exponent changed (s / 8 - 27 -> s / 8 - 26),
#   3. a proof replaced by Admitted,
#   4. a theorem that depends on an axiom outside the allowed list,
# each make scripts/prove_coq.sh fail. Exit 0 when all four fail as they should, 1 if one
# passes, 77 (skip) when coqc is missing.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command -v coqc >/dev/null 2>&1 && command -v coq_makefile >/dev/null 2>&1 || { echo "coq_broken: coqc missing, skipped"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/q35-coq-broken.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
status=0

# run_case NAME FILE EXPECTED-MESSAGE PERL-SUBSTITUTION
run_case() {
    local name=$1 file=$2 expect=$3 subst=$4
    local src="$TMP/$name/src"
    mkdir -p "$src"; cp "$ROOT"/proofs/coq/_CoqProject "$ROOT"/proofs/coq/*.v "$src/"
    cp "$src/$file" "$src/$file.orig"
    perl -0777 -pi -e "$subst" "$src/$file"
    if cmp -s "$src/$file" "$src/$file.orig"; then
        echo "coq_broken: $name: the substitution did not apply (update this test)"; status=1; return
    fi
    rm "$src/$file.orig"
    local out
    out=$(Q35_ROOT="$ROOT" Q35_COQ_SRC="$src" Q35_COQ_BUILD="$TMP/$name/build" "$ROOT/scripts/prove_coq.sh" 2>&1)
    local rc=$?
    if [ $rc -eq 0 ]; then
        echo "coq_broken: $name: the checker PASSED a broken copy"; status=1
    elif ! grep -qF -- "$expect" <<<"$out"; then
        echo "coq_broken: $name: failed, but not with '$expect':"; echo "$out" | tail -5; status=1
    else
        echo "coq_broken: $name: rejected as expected ($(grep -F -- "$expect" <<<"$out" | head -1))"
    fi
}

run_case nibble Q35Format.v "do not compile" \
    's/code_at c m j mod 16 \+ 16 \* \(code_at c m \(j \+ h2 m\) mod 16\)/code_at c m j mod 16 + 15 * (code_at c m (j + h2 m) mod 16)/'
run_case scale Q35Scale.v "do not compile" \
    's/IZR \(8 \+ s mod 8\) \* bpow \(s \/ 8 - 27\)\./IZR (8 + s mod 8) * bpow (s \/ 8 - 26)./'
run_case admitted Q35Matvec.v "forbidden command" \
    's/(Theorem q35_matvec_error :.*?Proof\.).*?Qed\./$1\n  intros.\nAdmitted./s'
run_case axiom Q35Matvec.v "assumptions outside the allowed list" \
    's/\z/\nFrom Coq Require Import Logic.Eqdep.\nTheorem q35_uses_eq_rect_eq : forall (U : Type) (p : U) (Q : U -> Type) (x : Q p) (h : p = p), x = eq_rect p Q x p h.\nProof. exact (Eqdep.EqdepTheory.eq_rect_eq). Qed.\n/'
exit $status
