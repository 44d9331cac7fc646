#!/usr/bin/env bash
# Machine-checks the Coq + Flocq proofs of the q35 format (proofs/coq, docs/VERIFICATION.md).
#
#   scripts/prove_coq.sh            check the proofs in proofs/coq
#
# It fails (exit 1) when
#   - a source contains Admitted, admit, Axiom(s), Parameter(s), Conjecture or Abort (comments
#     are ignored), or a .v file is missing from _CoqProject;
#   - a file does not compile;
#   - Print Assumptions of any Theorem or Corollary shows an assumption outside ALLOWED below;
#   - a C expression the proofs model (src/cpu, src/cuda, the q35_cb grid table, the scale
#     table) is no longer in the source, so the Coq model must be reviewed.
# Exit 77 when coqc is missing and Q35_PROVE_SKIP_OK=1 (exit 1 otherwise).
# Environment: Q35_COQ_SRC (default proofs/coq), Q35_COQ_BUILD (default build/coq, git-ignored),
# Q35_ROOT (the repository, for the source checks), JOBS (default 2).
set -euo pipefail

ROOT=${Q35_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SRC=${Q35_COQ_SRC:-$ROOT/proofs/coq}
BUILD=${Q35_COQ_BUILD:-$ROOT/build/coq}
JOBS=${JOBS:-2}

# The standard axioms of Coq's classical real numbers, plus excluded middle, which Flocq's
# rounding theory uses (Flocq.Core.Round_pred and Generic_fmt depend on Classical_Prop.classic).
ALLOWED="ClassicalDedekindReals.sig_forall_dec ClassicalDedekindReals.sig_not_dec FunctionalExtensionality.functional_extensionality_dep Classical_Prop.classic"

fail() { echo "coq: FAIL: $*" >&2; exit 1; }

if ! command -v coqc >/dev/null 2>&1 || ! command -v coq_makefile >/dev/null 2>&1; then
    echo "coq: coqc/coq_makefile not found (apt-get install coq libcoq-flocq)" >&2
    [ "${Q35_PROVE_SKIP_OK:-0}" = 1 ] && exit 77
    exit 1
fi
[ -f "$SRC/_CoqProject" ] || fail "no $SRC/_CoqProject"
start=$(date +%s)

# ---- 1. no admitted proofs, no axioms, every file listed ----
mapfile -t FILES < <(grep -E '^[A-Za-z0-9_]+\.v$' "$SRC/_CoqProject")
[ "${#FILES[@]}" -gt 0 ] || fail "no .v files in _CoqProject"
for f in "$SRC"/*.v; do
    b=$(basename "$f")
    printf '%s\n' "${FILES[@]}" | grep -qx "$b" || fail "$b is not listed in _CoqProject, so it would not be checked"
done
bad=0
for f in "${FILES[@]}"; do
    [ -f "$SRC/$f" ] || fail "$f is listed in _CoqProject but missing"
    hits=$(perl -0777 -pe 's/\(\*.*?\*\)//gs' "$SRC/$f" |
           grep -nwE 'Admitted|admit|Axiom|Axioms|Parameter|Parameters|Conjecture|Abort' || true)
    if [ -n "$hits" ]; then echo "coq: $f: forbidden command:" >&2; echo "$hits" >&2; bad=1; fi
done
[ "$bad" = 0 ] || fail "Admitted/admit/Axiom found"

# ---- 2. compile (fresh copy in the build folder) ----
rm -rf "$BUILD"; mkdir -p "$BUILD"
cp "$SRC/_CoqProject" "$BUILD/"
for f in "${FILES[@]}"; do cp "$SRC/$f" "$BUILD/"; done
( cd "$BUILD" && coq_makefile -f _CoqProject -o CoqMakefile >/dev/null 2>&1 ) || fail "coq_makefile failed"
if ! ( cd "$BUILD" && make -s -f CoqMakefile -j"$JOBS" >make.log 2>&1 ); then
    grep -v '^COQ' "$BUILD/make.log" | tail -30 >&2
    fail "the proofs do not compile"
fi

# ---- 3. Print Assumptions on every Theorem and Corollary ----
mapfile -t THMS < <(cd "$BUILD" && for f in "${FILES[@]}"; do
    perl -0777 -pe 's/\(\*.*?\*\)//gs' "$f" | sed -nE 's/^[[:space:]]*(Theorem|Corollary)[[:space:]]+([A-Za-z0-9_]+).*/\2/p'; done)
[ "${#THMS[@]}" -gt 0 ] || fail "no theorems found"
mods=$(printf '%s\n' "${FILES[@]}" | sed 's/\.v$//' | tr '\n' ' ')
# One traversal for all theorems at once (their tuple); per theorem only if that shows an
# assumption outside the allowed list, to name the theorem.
{
    echo "From Q35 Require Import $mods."
    printf 'Definition q35_all_theorems := ('; printf '%s, ' "${THMS[@]}" | sed 's/, $//'; echo ').'
    echo 'Redirect "pa_all" Print Assumptions q35_all_theorems.'
} > "$BUILD/Assumptions.v"
( cd "$BUILD" && coqc -R . Q35 Assumptions.v >assumptions.log 2>&1 ) || { cat "$BUILD/assumptions.log" >&2; fail "Print Assumptions failed"; }
axioms_of() { # Print Assumptions output file -> axiom names
    grep -q "Closed under the global context" "$1" && return 0
    grep -E '^[A-Za-z_][A-Za-z0-9_.'"'"']*( :|$)' "$1" | sed -E 's/ :.*//' | grep -v '^Axioms$' || true
}
used=""
bad_ax=""
for a in $(axioms_of "$BUILD/pa_all.out"); do
    case " $ALLOWED " in *" $a "*) used="$used $a" ;; *) bad_ax="$bad_ax $a" ;; esac
done
if [ -n "$bad_ax" ]; then
    {
        echo "From Q35 Require Import $mods."
        for t in "${THMS[@]}"; do echo "Redirect \"pa_$t\" Print Assumptions $t."; done
    } > "$BUILD/AssumptionsEach.v"
    ( cd "$BUILD" && coqc -R . Q35 AssumptionsEach.v >>assumptions.log 2>&1 ) || fail "Print Assumptions failed"
    for t in "${THMS[@]}"; do
        for a in $(axioms_of "$BUILD/pa_$t.out"); do
            case " $ALLOWED " in *" $a "*) ;; *) echo "coq: $t depends on $a" >&2 ;; esac
        done
    done
    fail "assumptions outside the allowed list:$bad_ax"
fi
used=$(printf '%s\n' $used | sort -u | tr '\n' ' ')

# ---- 4. the C expressions the proofs model are still in the source ----
anchor() { # file, fixed string
    grep -qF -- "$2" "$ROOT/$1" 2>/dev/null || fail "$1 no longer contains '$2': review the Coq model (docs/VERIFICATION.md)"
}
anchor src/cpu/q35_dot.h 'uint32_t bits = s ? ((uint32_t)(s >> 3) + 103u) << 23 | (uint32_t)(s & 7) << 20 : 0u;'
anchor src/cuda/q35_kernels.cu 'uint32_t bits = s ? (((s >> 3) + 103u) << 23) | ((s & 7u) << 20) : 0u;'
anchor src/cuda/q35_kernels.cu 'return ((w >> (4 * (j & 1))) & 0x0F0F0F0Fu) | (((c >> (2 * (j & 3))) & 0x03030303u) << 4) |'
anchor src/cuda/q35_kernels.cu '(((B >> j) & 0x01010101u) << 6);'
anchor src/cuda/q35_kernels.cu 'const uint32_t ysrc = (uint32_t)lane * 4u | (base & 0xFFFF0000u);'
anchor src/cuda/q35_kernels.cu 'const uint32_t badd = ((base >> 8) & 0xFFu) * 0x01010101u;'
anchor src/cuda/q35_kernels.cu 'if ((base & 0xFFu) != 0u || ((base >> 8) & 0xFFu) > 128u) __trap();'
anchor src/cuda/q35_kernels.cu 'a[r] = lds32(__byte_perm(codes, ysrc, 0x7604u | (uint32_t)(r << 4)));'
anchor src/cuda/q35_kernels.cu 'uint32_t v = lut[((codes >> (8 * r)) & 0x7Fu) * 32u + lane];'
anchor src/cpu/q35_dot_avx2.c 'const __m256i sel = _mm256_set1_epi64x((int64_t)0x8040201008040201ull);'
anchor src/cpu/q35_dot_avx2.c '__m256i hi = _mm256_and_si256(_mm256_srli_epi16(nib, 4), m0f);'
anchor src/cpu/q35_dot_avx2.c '__m256i cr01 = _mm256_set_m128i(_mm_srli_epi16(cr, 2), cr);'
anchor src/cpu/q35_dot_avx2.c '__m256i cr23 = _mm256_set_m128i(_mm_srli_epi16(cr, 6), _mm_srli_epi16(cr, 4));'
anchor src/cpu/q35_dot_avx2.c 'lo = _mm256_or_si256(lo, bit6_bytes((uint32_t)bits));'
anchor src/cpu/q35_dot_avx2.c 'hi = _mm256_or_si256(hi, bit6_bytes((uint32_t)(bits >> 32)));'
anchor src/cpu/q35_dot.c 'if (j + h2 < m) c[j + h2] = nib[j] >> 4;'
anchor src/cpu/q35_dot.c 'for (int j = 0; j < h4 && j + k * h4 < m; j++) c[j + k * h4] |= (uint8_t)(((cr[j] >> (2 * k)) & 3) << 4);'
anchor src/cpu/q35_dot.c 'for (int i = 0; i < m; i++) c[i] |= (uint8_t)(((bit[i >> 3] >> (i & 7)) & 1) << 6);'
# the q35_cb table: the 256 numbers of src/format/grid_cb.c equal the Coq grid_cb
c_grid=$(sed -n '/q35_grid_cb\[Q35_GRID_SIZE\]\[2\] = {/,/^};/p' "$ROOT/src/format/grid_cb.c" | tail -n +2 | grep -oE -- '-?[0-9]+' | tr '\n' ' ')
v_grid=$(sed -n '/^Definition grid_cb /,/\]\./p' "$BUILD/Q35Codes.v" | tail -n +2 | grep -oE -- '-?[0-9]+' | tr '\n' ' ')
[ -n "$c_grid" ] && [ "$c_grid" = "$v_grid" ] || fail "the q35_cb grid in src/format/grid_cb.c differs from grid_cb in Q35Codes.v"
# the scale table pow2_biased[e] = 2^(e - 27), e = 0..31
s_tab=$(sed -n '/pow2_biased\[32\] = {/,/};/p' "$ROOT/src/format/scale.c" | grep -oE '0x1p-?[0-9]+f' | sed -E 's/0x1p(-?[0-9]+)f/\1/' | tr '\n' ' ')
[ "$s_tab" = "$(seq -27 4 | tr '\n' ' ')" ] || fail "pow2_biased in src/format/scale.c is not 2^(e-27), e = 0..31"

lemmas=$(cd "$BUILD" && cat "${FILES[@]}" | perl -0777 -pe 's/\(\*.*?\*\)//gs' | grep -cE '^[[:space:]]*(Theorem|Corollary|Lemma|Fact)[[:space:]]')
secs=$(( $(date +%s) - start ))
echo "coq: ${#THMS[@]} theorems checked ($lemmas lemmas and theorems in ${#FILES[@]} files), 0 admitted, assumptions: only the allowed standard axioms, Coq's real numbers and excluded middle for Flocq ($used) [${secs}s]"
