# Sourced by the CLI tests that compare `q35 run --temperature 0` with llama2.c's greedy
# output (tests/cli/greedy_fixture.sh, hf_roundtrip.sh, spm_model.sh).
#
# The reference file holds, per prompt, a header line "=== prompt: [TEXT] steps: 200
# temperature: 0", then llama2.c's stdout (which ends with "\n"), then one blank line.
#
# greedy_split REF DIR   writes DIR/prompt_N.txt, steps_N.txt and expected_N.txt, N = 0..4
# greedy_check LABEL ARGS...   runs q35 run ARGS on each prompt (in $TMP, with $Q35), prints
#                        ok/FAIL per prompt and sets fail=1 on any difference

greedy_split() {
    python3 - "$1" "$2" <<'PY'
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
}

greedy_check() {
    local label=$1 i prompt steps
    shift
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
