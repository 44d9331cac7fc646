#!/usr/bin/env bash
# Frama-C WP proof of the format core (src/format) with runtime-error guards (-wp-rte).
# Prints one summary line "wp: N / M goals proved (RTE included)" and exits non-zero
# unless every goal is proved. See docs/VERIFICATION.md (Frama-C WP).
#
#   scripts/prove_wp.sh [SRC_ROOT]      (default: the repository this script is in)
#
# Environment: Q35_WP_RUNS (comma-separated names of the runs below, default all),
# Q35_WP_TIMEOUT (seconds per goal and prover, default 20), Q35_WP_PAR
# (parallel goals, default 2), Q35_WP_LIMIT (seconds for the whole run, default 1200),
# Q35_WP_LOG (keep the full Frama-C output there), Q35_WP_VERBOSE=1 (print it).
# The provers are Z3, CVC4 and Gappa through Why3; there is no Alt-Ergo here, so every
# run names its provers. The Why3 configuration is detected afresh into a temporary
# file, so nothing outside the temporary directory is read or written, and no proof
# cache or session is used: every run proves every goal from scratch.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
timeout_s=${Q35_WP_TIMEOUT:-20}
par=${Q35_WP_PAR:-2}
limit=${Q35_WP_LIMIT:-1200}

for tool in frama-c why3 z3 cvc4 gappa; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "prove_wp: $tool not found (apt-get install frama-c-base why3 z3 cvc4 gappa)" >&2
        exit 77
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export WHY3CONFIG="$tmp/why3.conf"
why3 config detect >"$tmp/detect.log" 2>&1 || { cat "$tmp/detect.log" >&2; exit 1; }
log=${Q35_WP_LOG:-$tmp/wp.log}
: >"$log"

common=(-machdep x86_64 -cpp-extra-args="-I$root/include -I$root/src"
        -wp -wp-rte -wp-prover z3,cvc4,gappa -wp-timeout "$timeout_s" -wp-par "$par"
        -wp-no-cache-env -wp-cache none)

# One Frama-C run per group: each group's lemmas stay out of the other groups' goals.
# name | kernel options | files (relative to root)
runs=(
  "planes|-warn-special-float non-finite|src/format/planes.c"
  "q45-planes|-warn-special-float non-finite|src/format/planes45.c"
  "sizes-product-round|-warn-special-float non-finite|src/format/block.c src/format/block45.c src/format/product.c src/format/round.c"
  "planes-roundtrip|-warn-special-float non-finite|proofs/wp/roundtrip.c"
  "q45-planes-roundtrip|-warn-special-float non-finite|proofs/wp/roundtrip45.c"
  "product-roundtrip|-warn-special-float non-finite|proofs/wp/product.c"
  "grids|-warn-special-float non-finite -wp-bound-forall-unfolding 128|proofs/wp/grids.c src/format/grid_p11.c src/format/grid_s43.c"
  "scale-decode|-warn-special-float none|src/format/scale.c src/format/decode.c src/format/decode45.c"
)

total=0
proved=0
status=0
start=$(date +%s)
for run in "${runs[@]}"; do
    IFS='|' read -r name kopts files <<<"$run"
    if [ -n "${Q35_WP_RUNS:-}" ] && [[ ",$Q35_WP_RUNS," != *",$name,"* ]]; then continue; fi
    paths=()
    for f in $files; do paths+=("$root/$f"); done
    now=$(date +%s)
    left=$((limit - (now - start)))
    if [ "$left" -le 0 ]; then
        echo "prove_wp: time limit of ${limit}s reached before run '$name'" >&2
        status=1
        break
    fi
    out="$tmp/$name.out"
    # shellcheck disable=SC2086
    timeout "$left" frama-c $kopts "${common[@]}" "${paths[@]}" >"$out" 2>&1
    rc=$?
    { echo "==== run $name ($files) rc=$rc"; cat "$out"; } >>"$log"
    [ "${Q35_WP_VERBOSE:-0}" = 1 ] && cat "$out"
    line=$(grep -E '^\[wp\] Proved goals: +[0-9]+ / [0-9]+' "$out" | tail -1)
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        echo "prove_wp: run '$name' failed (rc=$rc); its output:" >&2
        tail -20 "$out" >&2
        status=1
        continue
    fi
    p=$(sed -E 's/.*Proved goals: +([0-9]+) \/ ([0-9]+).*/\1/' <<<"$line")
    t=$(sed -E 's/.*Proved goals: +([0-9]+) \/ ([0-9]+).*/\2/' <<<"$line")
    proved=$((proved + p))
    total=$((total + t))
    secs=$(( $(date +%s) - now ))
    echo "wp: run $name: $p / $t goals (${secs}s)"
    if [ "$p" -ne "$t" ]; then
        status=1
        grep -A3 '^\[wp\] \[Failed\]\|Unknown\|Timeout' "$out" | grep -B1 -A3 'Failed\]' >&2 || true
    fi
done
echo "wp: $proved / $total goals proved (RTE included) in $(( $(date +%s) - start ))s"
[ "$status" -eq 0 ] && [ "$proved" -eq "$total" ] && [ "$total" -gt 0 ]
