#!/usr/bin/env bash
# q35 run's interface: help, one-line errors with a non-zero exit, the embedded default
# model, determinism under a seed, and the two backends agreeing.
set -uo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_FIXTURES:?fixtures dir}"
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/run_cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
M="$Q35_FIXTURES/stories260K.gguf"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# expect_error NEEDLE ARGS...: non-zero exit, exactly one line on stderr containing NEEDLE.
expect_error() {
    local needle=$1; shift
    if "$Q35" run "$@" >"$TMP/out" 2>"$TMP/err"; then bad "run $* succeeded"; return; fi
    if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -qF -- "$needle" "$TMP/err"; then
        bad "run $*: stderr should be one line with '$needle', got:"; cat "$TMP/err"
    fi
}

"$Q35" run --help >"$TMP/help" || bad "--help exited non-zero"
grep -q -- "--temperature" "$TMP/help" || bad "--help does not list --temperature"

expect_error "not built with CUDA" --model "$M" --device cuda
expect_error "unknown device" --model "$M" --device tpu
expect_error "$TMP/missing.gguf" --model "$TMP/missing.gguf"
expect_error "negative" --model "$M" --steps -1
expect_error "unknown backend 'fast'" --model "$M" --backend fast
expect_error "unknown option" --model "$M" --bogus
printf 'not a model at all, just text that is long enough' >"$TMP/junk.bin"
expect_error "$TMP/junk.bin" --model "$TMP/junk.bin" --tokenizer "$Q35_FIXTURES/tok512.bin"

# The text starts with the prompt; --steps counts positions: 8 positions print 8 tokens
# (the 4 prompt tokens after BOS, then 4 generated).
out=$("$Q35" run --model "$M" --prompt "Once upon a time" --steps 8 --temperature 0 2>/dev/null)
[ "$out" = "Once upon a time, there was a" ] || bad "greedy 8 steps gave '$out'"

# A seed gives the same text, on both backends.
a=$("$Q35" run --model "$M" --seed 77 --steps 64 2>/dev/null)
b=$("$Q35" run --model "$M" --seed 77 --steps 64 2>/dev/null)
c=$("$Q35" run --model "$M" --seed 77 --steps 64 --backend ref 2>/dev/null)
[ "$a" = "$b" ] || bad "same seed, different text"
[ "$a" = "$c" ] || bad "cpu and ref backends sampled different text"
[ -n "$a" ] || bad "no text generated"

# Statistics go to stderr.
"$Q35" run --model "$M" --seed 1 --steps 32 >"$TMP/out" 2>"$TMP/err" || bad "plain run failed"
grep -q "tok/s" "$TMP/err" || bad "no tok/s on stderr"
grep -q "tok/s" "$TMP/out" && bad "statistics leaked to stdout"

# Without --model: the embedded synthetic model, said so on stderr.
"$Q35" run --steps 24 --seed 5 >"$TMP/out" 2>"$TMP/err" || { bad "embedded model run failed"; cat "$TMP/err"; }
grep -q "embedded" "$TMP/err" || bad "no mention of the embedded model on stderr"

# A 3.5-bit model runs too (the embedding and head quantized as well): the text still
# starts with the prompt and goes on.
if "$Q35" quantize --checkpoint "$M" --output "$TMP/q.gguf" >/dev/null 2>"$TMP/err"; then
    out=$("$Q35" run --model "$TMP/q.gguf" --prompt "Once upon a time" --steps 40 --temperature 0 2>"$TMP/err") ||
        { bad "run on the quantized model failed"; cat "$TMP/err"; }
    case "$out" in "Once upon a time"?*) ;; *) bad "quantized model gave '$out'" ;; esac
else
    bad "q35 quantize failed:"; cat "$TMP/err"
fi

[ $fail -eq 0 ] && echo "ok"
exit $fail
