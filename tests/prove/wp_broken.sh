#!/usr/bin/env bash
# The WP proof must catch a wrong definition: copy the verified sources to a temporary
# directory, break one definition at a time, run scripts/prove_wp.sh on the copy (only
# the run that covers it) and require that it fails with unproved goals.
#   1. code:  q35_pack_planes's nibble byte uses 15 * (high code % 16) instead of 16 *
#   2. logic: the ACSL nibble plane (q35_nibble_byte, format.h) does the same, so the
#             plane round trip no longer holds
#   3. code:  q35_product_encode uses 12a + b instead of 11a + b
# Exit 0 when every broken copy fails as it should, 1 otherwise, 77 when Frama-C or a
# prover is missing.
set -u
src=${Q35_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in frama-c why3 z3 cvc4 gappa; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skipped: $tool not found"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# make_copy DIR: the files the WP script reads
make_copy() {
    mkdir -p "$1/src" "$1/proofs" "$1/scripts"
    cp -r "$src/include" "$1/"
    cp -r "$src/src/format" "$1/src/"
    cp -r "$src/proofs/wp" "$1/proofs/"
    cp "$src/scripts/prove_wp.sh" "$1/scripts/"
}

# check NAME RUNS FILE OLD NEW: replace OLD by NEW in FILE of a fresh copy, run the WP
# runs RUNS on it and expect a failure with unproved goals.
check() {
    local name=$1 runs=$2 file=$3 old=$4 new=$5 dir="$tmp/$1"
    make_copy "$dir"
    if ! grep -qF -- "$old" "$dir/$file"; then
        echo "FAIL $name: '$old' not found in $file (test out of date)"
        fail=1
        return
    fi
    OLD=$old NEW=$new perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$dir/$file"
    local out="$tmp/$name.log"
    Q35_WP_RUNS=$runs Q35_WP_TIMEOUT=${Q35_WP_TIMEOUT:-10} bash "$dir/scripts/prove_wp.sh" "$dir" >"$out" 2>&1
    local rc=$?
    local summary
    summary=$(grep -E '^wp: [0-9]+ / [0-9]+ goals proved' "$out" | tail -1)
    local p t
    p=$(sed -E 's/^wp: ([0-9]+) \/ ([0-9]+).*/\1/' <<<"$summary")
    t=$(sed -E 's/^wp: ([0-9]+) \/ ([0-9]+).*/\2/' <<<"$summary")
    if [ "$rc" -ne 0 ] && [ -n "$summary" ] && [ "$t" -gt 0 ] && [ "$p" -lt "$t" ] &&
       grep -q '\[Failed\]' "$out"; then
        echo "ok   $name: the proof fails as it should ($summary)"
        grep -oE '\[Failed\] Goal [A-Za-z0-9_]+' "$out" | sed 's/^/       /' 
    else
        echo "FAIL $name: the broken copy was not caught (rc=$rc, '$summary')"
        tail -20 "$out"
        fail=1
    fi
}

check nibble-code planes src/format/planes.c \
    'code_at(codes, m, j) % 16 + 16 * (code_at(codes, m, j + (m + 1) / 2) % 16)' \
    'code_at(codes, m, j) % 16 + 15 * (code_at(codes, m, j + (m + 1) / 2) % 16)'
check nibble-logic planes-roundtrip include/q35/format.h \
    'q35_code(c, m, j) % 16 + 16 * (q35_code(c, m, j + q35_h2(m)) % 16)' \
    'q35_code(c, m, j) % 16 + 15 * (q35_code(c, m, j + q35_h2(m)) % 16)'
check product-code sizes-product-round src/format/product.c \
    'int v = 11 * a + b;' 'int v = 12 * a + b;'
exit $fail
