#!/usr/bin/env bash
# The sampler against llama2.c: `q35 run --temperature 1 --top-p 0.95 --seed S --steps 256`
# on stories260K must reproduce the 300 stories llama2.c sampled with seeds 1..300. The
# reference file is llama2.c's stdout for each seed (ending in "\n"), one blank line after
# each, so the whole file is compared at once.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
REF="$Q35_FIXTURES/reference/stories260K_samples_llama2c.txt"
[ -f "$REF" ] || { echo "skipped: $REF not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/sampled.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Under AddressSanitizer a run is ~5x slower: check the first 60 stories only.
N=300
if ldd "$Q35" 2>/dev/null | grep -q libasan; then N=60; fi

for seed in $(seq 1 $N); do
    "$Q35" run --model "$Q35_FIXTURES/stories260K.gguf" --temperature 1 --top-p 0.95 --seed "$seed" --steps 256 \
        --threads 1 2>/dev/null
    echo
done >"$TMP/got.txt"

if [ $N -lt 300 ]; then head -c "$(stat -c %s "$TMP/got.txt")" "$REF" >"$TMP/want.txt"; else cp "$REF" "$TMP/want.txt"; fi
if cmp -s "$TMP/want.txt" "$TMP/got.txt"; then
    echo "ok: $N sampled stories identical to llama2.c's"
    exit 0
fi
# Name the first story that differs.
python3 - "$TMP/want.txt" "$TMP/got.txt" <<'PY'
import sys
want, got = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]), min(len(want), len(got)))
seed = want[:i].count(b"\n\n") + 1
print(f"FAIL: first difference at byte {i} (near the story of seed {seed})")
print("want:", want[max(0, i - 80):i + 80])
print("got: ", got[max(0, i - 80):i + 80])
PY
exit 1
