#!/usr/bin/env bash
# The acceptance test: `q35 run --temperature 0` on the F32 stories260K model reproduces
# llama2.c's greedy output byte for byte, for the 5 reference prompts, from the GGUF file
# and from the llama2.c file + tokenizer.
# (The reference's layout: tests/support/greedy_fixture.sh.)
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
REF="$Q35_FIXTURES/reference/stories260K_greedy_llama2c.txt"
[ -f "$REF" ] || { echo "skipped: $REF not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/greedy.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=../support/greedy_fixture.sh
. "$(dirname "$0")/../support/greedy_fixture.sh"
greedy_split "$REF" "$TMP"
fail=0
greedy_check gguf --model "$Q35_FIXTURES/stories260K.gguf"
greedy_check llama2c --model "$Q35_FIXTURES/stories260K.l2c.bin" --tokenizer "$Q35_FIXTURES/tok512.bin"
greedy_check gguf/ref --model "$Q35_FIXTURES/stories260K.gguf" --backend ref
exit $fail
