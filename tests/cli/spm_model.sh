#!/usr/bin/env bash
# A SentencePiece tokenizer.model as the tokenizer of a llama2.c checkpoint, through the
# CLI: stories260K's vocabulary written as a .model (tests/tools/spm_ref.py model-from-bin,
# which SentencePiece itself loads) gives
#   - llama2.c's greedy output byte for byte for the 5 reference prompts (q35 run),
#     with --tokenizer FILE.model, with the file under a name without .model (content
#     detection), and found as tokenizer.model beside the model;
#   - the same GGUF, byte for byte, from q35 quantize as tokenizer.bin does (the
#     vocabulary carries into the tokenizer.ggml.* keys);
#   - the same perplexity as tokenizer.bin;
# and a wrong or broken .model gives a one-line error naming it and a non-zero exit.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}" "${Q35_SRC:?source dir}"
F=$Q35_FIXTURES
REF="$F/reference/stories260K_greedy_llama2c.txt"
[ -f "$REF" ] || { echo "skipped: $REF not found"; exit 77; }
/usr/bin/python3 -c 'import sentencepiece' 2>/dev/null || { echo "skipped: python3-sentencepiece not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/spm_model.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

MODEL="$TMP/stories.model"
/usr/bin/python3 "$Q35_SRC/tests/tools/spm_ref.py" model-from-bin "$F/tok512.bin" "$MODEL"
/usr/bin/python3 -c 'import sentencepiece as s, sys; sp = s.SentencePieceProcessor(model_file=sys.argv[1]); assert sp.get_piece_size() == 512' "$MODEL"

# shellcheck source=../support/greedy_fixture.sh
. "$(dirname "$0")/../support/greedy_fixture.sh"
greedy_split "$REF" "$TMP"
fail=0
greedy_check "--tokenizer .model" --model "$F/stories260K.l2c.bin" --tokenizer "$MODEL"
cp "$MODEL" "$TMP/stories_vocab"
greedy_check "--tokenizer by content" --model "$F/stories260K.l2c.bin" --tokenizer "$TMP/stories_vocab"
mkdir "$TMP/dir"
ln -s "$F/stories260K.l2c.bin" "$TMP/dir/model.bin"
cp "$MODEL" "$TMP/dir/tokenizer.model"
greedy_check "tokenizer.model beside the model" --model "$TMP/dir/model.bin"

# quantize: the GGUF is the same as with tokenizer.bin
"$Q35" quantize --checkpoint "$F/stories260K.l2c.bin" --tokenizer "$MODEL" --output "$TMP/a.gguf" >/dev/null
"$Q35" quantize --checkpoint "$F/stories260K.l2c.bin" --tokenizer "$F/tok512.bin" --output "$TMP/b.gguf" >/dev/null
if cmp -s "$TMP/a.gguf" "$TMP/b.gguf"; then
    echo "ok   quantize: the GGUF from tokenizer.model equals the one from tokenizer.bin"
else
    echo "FAIL quantize: the GGUF from tokenizer.model differs from the one from tokenizer.bin"; fail=1
fi
"$Q35" info "$TMP/a.gguf" >"$TMP/info.txt"
grep -q "vocabulary *512 tokens (bos 1, eos 2, unk 0, add_bos 1, add_space_prefix 1)" "$TMP/info.txt" || {
    echo "FAIL info: vocabulary line of the quantized GGUF"; fail=1; }

# perplexity: the same tokens and the same figure
ppl() { "$Q35" perplexity --model "$F/stories260K.l2c.bin" --tokenizer "$1" --ctx 128 --chunks 4 \
            --text "$F/reference/stories260K_samples_llama2c.txt" 2>/dev/null | grep -E '^(text|Final)'; }
if [ "$(ppl "$MODEL")" = "$(ppl "$F/tok512.bin")" ] && [ -n "$(ppl "$MODEL")" ]; then
    echo "ok   perplexity: same tokens and PPL as tokenizer.bin"
else
    echo "FAIL perplexity differs between tokenizer.model and tokenizer.bin"; fail=1
fi

# errors: one line naming the file, non-zero exit
expect_error() { # label, expected text, then the arguments
    local label=$1 want=$2; shift 2
    if "$Q35" "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"; then
        echo "FAIL [$label] accepted"; fail=1; return
    fi
    if [ "$(wc -l <"$TMP/err.txt")" -eq 1 ] && grep -qF -- "$want" "$TMP/err.txt"; then
        echo "ok   [$label] $(cat "$TMP/err.txt")"
    else
        echo "FAIL [$label] error was: $(cat "$TMP/err.txt")"; fail=1
    fi
}
expect_error "a 32000-piece model for a 512-token model" "llama2-tokenizer.model: tokenizer has 32000 pieces, the model 512" \
    run --model "$F/stories260K.l2c.bin" --tokenizer "$F/llama2-tokenizer.model" --steps 2
head -c 3000 "$MODEL" >"$TMP/cut.model"
expect_error "a truncated .model" "$TMP/cut.model: " \
    quantize --checkpoint "$F/stories260K.l2c.bin" --tokenizer "$TMP/cut.model" --output "$TMP/c.gguf"
[ ! -e "$TMP/c.gguf" ] || { echo "FAIL a failed quantize left $TMP/c.gguf"; fail=1; }
printf 'not a model at all' >"$TMP/junk.model"
expect_error "a text file named .model" "$TMP/junk.model: " \
    perplexity --model "$F/stories260K.l2c.bin" --tokenizer "$TMP/junk.model" --text "$F/reference/stories260K_samples_llama2c.txt"
rm "$TMP/dir/tokenizer.model"
expect_error "no tokenizer beside the model" "no tokenizer.bin or tokenizer.model in $TMP/dir/" run --model "$TMP/dir/model.bin"

"$Q35" run --help >"$TMP/help.txt"
grep -q "tokenizer.model" "$TMP/help.txt" || { echo "FAIL q35 run --help does not mention tokenizer.model"; fail=1; }
exit $fail
