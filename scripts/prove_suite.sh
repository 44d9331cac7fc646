#!/usr/bin/env bash
# Checks the prover suite (proofs/suite/README.md): the hand-written proofs and the
# statements-only file generated from them.
#
#   scripts/prove_suite.sh
#
# It fails (exit 1) when
#   1. proofs/suite/quantization_proofs.v does not compile (coqc runs in a temporary folder;
#      nothing is written into the source tree), or contains Admitted, admit, Axiom(s),
#      Parameter(s), Conjecture, Abort, Variable(s), Hypothesis/Hypotheses or Defined
#      (comments ignored);
#   2. Print Assumptions of a Lemma/Theorem stated in Z (or nat, lists) is not "Closed under
#      the global context", or one of a Lemma/Theorem stated in R_scope shows an axiom other
#      than the standard axioms of Coq's real numbers (ALLOWED below);
#   3. scripts/suite_strip.sh does not regenerate proofs/suite/quantization.v byte for byte;
#   4. quantization.v does not compile, or a Lemma/Theorem in it is not followed by Admitted.;
#   5. there are fewer than 80 theorems.
# Exit 77 when coqc is missing and Q35_PROVE_SKIP_OK=1 (exit 1 otherwise).
# Environment: TMPDIR (where the temporary folder goes), Q35_ROOT (the repository).
set -euo pipefail

ROOT=${Q35_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SUITE=$ROOT/proofs/suite
PROOFS=$SUITE/quantization_proofs.v
STMTS=$SUITE/quantization.v
MIN_THEOREMS=80
# The axioms behind Coq's classical real numbers (Reals), and nothing else.
ALLOWED="ClassicalDedekindReals.sig_forall_dec ClassicalDedekindReals.sig_not_dec FunctionalExtensionality.functional_extensionality_dep"

fail() { echo "suite: FAIL: $*" >&2; exit 1; }

if ! command -v coqc >/dev/null 2>&1; then
    echo "suite: coqc not found (apt-get install coq)" >&2
    [ "${Q35_PROVE_SKIP_OK:-0}" = 1 ] && exit 77
    exit 1
fi
[ -f "$PROOFS" ] || fail "$PROOFS not found"
[ -f "$STMTS" ] || fail "$STMTS not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/q35suite.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
nocomments() { perl -0777 -pe 's/\(\*.*?\*\)//gs' "$1"; }

# ---- 1. the proofs: nothing admitted, nothing assumed, and they compile ----
hits=$(nocomments "$PROOFS" | grep -nwE 'Admitted|admit|Axiom|Axioms|Parameter|Parameters|Conjecture|Abort|Variable|Variables|Hypothesis|Hypotheses|Defined' || true)
[ -z "$hits" ] || { echo "$hits" >&2; fail "quantization_proofs.v contains a forbidden command"; }
mkdir "$TMP/proofs" "$TMP/stmts"
cp "$PROOFS" "$TMP/proofs/quantization_proofs.v"
t0=$(date +%s.%N)
( cd "$TMP/proofs" && coqc -R . Suite quantization_proofs.v ) >"$TMP/proofs.log" 2>&1 ||
    { tail -30 "$TMP/proofs.log" >&2; fail "quantization_proofs.v does not compile"; }
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

mapfile -t THMS < <(nocomments "$PROOFS" | sed -nE "s/^(Lemma|Theorem)[[:space:]]+([A-Za-z0-9_']+).*/\2/p")
[ "${#THMS[@]}" -ge "$MIN_THEOREMS" ] || fail "only ${#THMS[@]} theorems (at least $MIN_THEOREMS wanted)"
dups=$(printf '%s\n' "${THMS[@]}" | sort | uniq -d)
[ -z "$dups" ] || fail "duplicate theorem names: $dups"
nproof=$(nocomments "$PROOFS" | grep -cE '^Proof\.' || true)
[ "$nproof" = "${#THMS[@]}" ] || fail "${#THMS[@]} theorems but $nproof proofs"

# ---- 2. Print Assumptions of every theorem ----
# Lemmas stated in R_scope (after `Open Scope R_scope.`, until `Open Scope Z_scope.`) may use
# the axioms of the reals; every other lemma must be closed. One traversal for each of the
# two tuples; per theorem only when a tuple fails, to name the theorem.
mapfile -t RTHMS < <(nocomments "$PROOFS" | awk '/^Open Scope R_scope\./ { r = 1 } /^Open Scope Z_scope\./ { r = 0 }
    r && /^(Lemma|Theorem)[ \t]/ { n = $2; sub(/[^A-Za-z0-9_'"'"'].*/, "", n); print n }')
ZTHMS=()
for t in "${THMS[@]}"; do
    case " ${RTHMS[*]} " in *" $t "*) ;; *) ZTHMS+=("$t") ;; esac
done
tuple() { local IFS=,; echo "($*)"; }
{
    echo "From Suite Require Import quantization_proofs."
    echo "Definition suite_z_theorems := $(tuple "${ZTHMS[@]}")."
    echo 'Redirect "pa_z" Print Assumptions suite_z_theorems.'
    if [ "${#RTHMS[@]}" -gt 0 ]; then
        echo "Definition suite_r_theorems := $(tuple "${RTHMS[@]}")."
        echo 'Redirect "pa_r" Print Assumptions suite_r_theorems.'
    fi
} >"$TMP/proofs/Assumptions.v"
( cd "$TMP/proofs" && coqc -R . Suite Assumptions.v ) >"$TMP/assumptions.log" 2>&1 ||
    { cat "$TMP/assumptions.log" >&2; fail "Print Assumptions failed"; }
axioms_of() { # Print Assumptions output -> axiom names (nothing when closed)
    grep -qx "Closed under the global context" "$1" && return 0
    grep -E "^[A-Za-z_][A-Za-z0-9_.']*( :|$)" "$1" | sed -E 's/ :.*//' | grep -vx 'Axioms' || true
}
each() { # theorem names -> "name:axiom" for every axiom each one uses
    {
        echo "From Suite Require Import quantization_proofs."
        for t in "$@"; do echo "Redirect \"pa_$t\" Print Assumptions $t."; done
    } >"$TMP/proofs/AssumptionsEach.v"
    ( cd "$TMP/proofs" && coqc -R . Suite AssumptionsEach.v ) >>"$TMP/assumptions.log" 2>&1 || fail "Print Assumptions failed"
    for t in "$@"; do for a in $(axioms_of "$TMP/proofs/pa_$t.out"); do echo "$t:$a"; done; done
}
zax=$(axioms_of "$TMP/proofs/pa_z.out")
[ -z "$zax" ] || fail "lemmas outside R_scope are not closed under the global context: $(each "${ZTHMS[@]}" | tr '\n' ' ')"
used=""
if [ "${#RTHMS[@]}" -gt 0 ]; then
    used=$(axioms_of "$TMP/proofs/pa_r.out" | sort -u | tr '\n' ' ' | sed 's/ $//')
    for a in $used; do
        case " $ALLOWED " in *" $a "*) ;; *)
            fail "$a is not a standard axiom of the reals; used by: $(each "${RTHMS[@]}" | grep ":$a\$" | tr '\n' ' ')" ;;
        esac
    done
fi

# ---- 3. quantization.v is the stripped quantization_proofs.v ----
bash "$ROOT/scripts/suite_strip.sh" "$PROOFS" "$TMP/stmts/quantization.v" || fail "suite_strip.sh failed"
if ! cmp -s "$TMP/stmts/quantization.v" "$STMTS"; then
    { diff -u "$STMTS" "$TMP/stmts/quantization.v" || true; } | head -40 >&2
    fail "proofs/suite/quantization.v differs from scripts/suite_strip.sh output (regenerate it: scripts/suite_strip.sh)"
fi

# ---- 4. the statements compile, each theorem followed by Admitted. and no proof ----
nocomments "$STMTS" | grep -qE '^(Proof|Qed)\.' && fail "quantization.v contains a proof"
awk '/^(Lemma|Theorem)[ \t]/ { st = 1 }
     st == 2 { if ($0 != "Admitted.") { printf "quantization.v:%d: statement not followed by Admitted.\n", NR; bad = 1 }; st = 0 }
     st == 1 && /\.[ \t]*$/ { st = 2 }
     END { exit bad }' "$STMTS" >&2 || fail "quantization.v is not statements followed by Admitted."
mapfile -t STHMS < <(nocomments "$STMTS" | sed -nE "s/^(Lemma|Theorem)[[:space:]]+([A-Za-z0-9_']+).*/\2/p")
[ "${STHMS[*]}" = "${THMS[*]}" ] || fail "the theorems of quantization.v and quantization_proofs.v differ"
cp "$STMTS" "$TMP/stmts/quantization.v"
( cd "$TMP/stmts" && coqc -R . Suite quantization.v ) >"$TMP/stmts.log" 2>&1 ||
    { tail -30 "$TMP/stmts.log" >&2; fail "quantization.v does not compile"; }

echo "suite: quantization_proofs.v compiled in ${secs}s; Print Assumptions: ${#ZTHMS[@]} closed under the global context, ${#RTHMS[@]} over R use only the standard axioms of the reals (${used:-none})"
echo "suite: ${#THMS[@]} theorems, all proved by hand, statements match"
