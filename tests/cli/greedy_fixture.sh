#!/usr/bin/env bash
# The acceptance test: `q35 run --temperature 0` on the F32 stories260K model reproduces
# llama2.c's greedy output byte for byte, for the 5 reference prompts, from the GGUF file
# and from the llama2.c file + tokenizer.
#
# The reference file holds, per prompt, a header line "=== prompt: [TEXT] steps: 200
# temperature: 0", then llama2.c's stdout (which ends with "\n"), then one blank line.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
REF="$Q35_FIXTURES/reference/stories260K_greedy_llama2c.txt"
[ -f "$REF" ] || { echo "skipped: $REF not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/greedy.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Split the reference into prompt_N.txt and expected_N.txt.
python3 - "$REF" "$TMP" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
heads = list(re.finditer(rb'^=== prompt: \[(.*)\] steps: (\d+) temperature: 0\n', data, re.M))
assert len(heads) == 5, f"expected 5 prompts, found {len(heads)}"
for i, h in enumerate(heads):
    end = heads[i + 1].start() if i + 1 < len(heads) else len(data)
    body = data[h.end():end]
    assert body.endswith(b'\n\n'), f"block {i} does not end with a blank line"
    open(f"{sys.argv[2]}/prompt_{i}.txt", 'wb').write(h.group(1))
    open(f"{sys.argv[2]}/steps_{i}.txt", 'wb').write(h.group(2))
    open(f"{sys.argv[2]}/expected_{i}.txt", 'wb').write(body[:-1])
PY

fail=0
check() { # label, then the model arguments
    local label=$1; shift
    for i in 0 1 2 3 4; do
        prompt=$(cat "$TMP/prompt_$i.txt")
        steps=$(cat "$TMP/steps_$i.txt")
        "$Q35" run "$@" --prompt "$prompt" --steps "$steps" --temperature 0 >"$TMP/got_$i.txt" 2>"$TMP/err_$i.txt" || {
            echo "FAIL [$label] prompt '$prompt': q35 run exited with $?"; cat "$TMP/err_$i.txt"; fail=1; continue; }
        if cmp -s "$TMP/expected_$i.txt" "$TMP/got_$i.txt"; then
            echo "ok   [$label] prompt '$prompt'"
        else
            echo "FAIL [$label] prompt '$prompt': output differs from llama2.c"
            diff <(fold -w 80 "$TMP/expected_$i.txt") <(fold -w 80 "$TMP/got_$i.txt") | head -20 || true
            fail=1
        fi
    done
}
check gguf --model "$Q35_FIXTURES/stories260K.gguf"
check llama2c --model "$Q35_FIXTURES/stories260K.l2c.bin" --tokenizer "$Q35_FIXTURES/tok512.bin"
check gguf/ref --model "$Q35_FIXTURES/stories260K.gguf" --backend ref
exit $fail
