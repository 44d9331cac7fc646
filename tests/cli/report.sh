#!/usr/bin/env bash
# `q35 report` draws a PNG from two small perplexity results and a peers TSV (the committed
# llama.cpp table); the file starts with the PNG magic, and a rerun replaces it whole. Bad
# inputs (a result without dppl, a malformed TSV line, no results) give one line on stderr
# naming the file, a non-zero exit, and no output file.
set -euo pipefail
: "${Q35:?path to the q35 binary}" "${Q35_SRC:?source dir}"
command -v gnuplot >/dev/null 2>&1 || { echo "skipped: gnuplot not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

cat >"$TMP/a.json" <<'JSON'
{"model": "a.gguf", "model_file": {"path": "a.gguf", "bpw_block_matrices": 3.5625, "bpw_all_tensors": 4.1,
 "quant_method": "gptq", "quant_type": "q35_cb"}, "ppl": 12.5, "base_ppl": 12.09, "dppl": 0.034}
JSON
cat >"$TMP/b.json" <<'JSON'
{"model": "dir/b.gguf", "model_file": {"path": "dir/b.gguf", "bpw_block_matrices": 3.65}, "dppl": 0.021}
JSON
PEERS="$Q35_SRC/docs/quality/llamacpp_midi23M.tsv"

"$Q35" report --output "$TMP/plot.png" --title "it's a test" --peers "$PEERS" "$TMP/a.json" "$TMP/b.json" >"$TMP/out.txt"
if [ "$(head -c 8 "$TMP/plot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then ok "PNG magic"; else bad "PNG magic"; fi
grep -qF "2 q35 points, 6 peer points" "$TMP/out.txt" && ok "summary" || bad "summary: $(cat "$TMP/out.txt")"
size1=$(stat -c %s "$TMP/plot.png")
[ "$size1" -gt 5000 ] && ok "PNG size $size1" || bad "PNG only $size1 bytes"
"$Q35" report --output "$TMP/plot.png" "$TMP/b.json" >/dev/null
[ "$(stat -c %s "$TMP/plot.png")" != "$size1" ] && ok "rerun replaces the plot" || bad "rerun"
ls "$TMP" | grep -q tmp && bad "temp file left behind" || ok "no temp file left"
"$Q35" report --help | grep -qF -- "--peers" && ok "help" || bad "help"

expect_error() { # label, expected fixed string, command...
    local label=$1 want=$2
    shift 2
    if "$@" >"$TMP/o" 2>"$TMP/e"; then bad "$label: exit 0"; return; fi
    if [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -qF -- "$want" "$TMP/e"; then ok "$label"; else bad "$label: $(cat "$TMP/e")"; fi
    [ ! -e "$TMP/none.png" ] || bad "$label: output written"
}
echo '{"model_file": {"bpw_block_matrices": 3.5}, "ppl": 12}' >"$TMP/nobase.json"
expect_error "result without dppl" "nobase.json: no dppl" "$Q35" report --output "$TMP/none.png" "$TMP/nobase.json"
printf 'Q4_K_M\t4.7\n' >"$TMP/bad.tsv"
expect_error "bad peers line" "bad.tsv:1:" "$Q35" report --output "$TMP/none.png" --peers "$TMP/bad.tsv" "$TMP/a.json"
printf '# c\nX\tfour\t1\n' >"$TMP/bad2.tsv"
expect_error "bad peers number" "bad2.tsv:2: bits/weight 'four'" "$Q35" report --output "$TMP/none.png" --peers "$TMP/bad2.tsv" "$TMP/a.json"
expect_error "no results" "no RESULT.json" "$Q35" report --output "$TMP/none.png"
expect_error "missing result" "missing.json" "$Q35" report --output "$TMP/none.png" "$TMP/missing.json"
echo 'not json' >"$TMP/garbage.json"
expect_error "garbage result" "garbage.json: not a JSON object" "$Q35" report --output "$TMP/none.png" "$TMP/garbage.json"
exit $fail
