#!/usr/bin/env bash
# Streaming quantization in bounded memory (issue #5): a synthetic LLaMA of 1.06 G
# parameters is written as an F16 Hugging Face checkpoint (safetensors shards, 2.1 GB),
# quantized from the directory, and the quantizer's peak RSS must stay under 25% of the
# checkpoint's size. The memory, not the quality, is under test, so the block matrices
# use q35_p11, whose round-to-nearest is ten times cheaper than q35_cb's codebook search.
# The throughput line goes to docs/BENCHMARKS.md. Needs about 4.3 GB of free disk.
set -euo pipefail
: "${Q35:?path to the q35 binary}"
[ -z "${Q35_SANITIZED:-}" ] || { echo "skipped: sanitizer build (this test measures the release build's memory)"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/stream.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
avail=$(df -Pk "$TMP" | awk 'NR == 2 {print $4}')
[ "$avail" -gt $((6 * 1024 * 1024)) ] || { echo "skipped: less than 6 GB free in $TMP"; exit 77; }

# dim 4096, FFN 11008, 32 heads / 8 KV heads, 6 layers: 177 M weights a layer
"$Q35" synth --output "$TMP/big.gguf" --dim 4096 --hidden 11008 --layers 6 --heads 32 --kv-heads 8 --f16 >/dev/null
"$Q35" export-hf --model "$TMP/big.gguf" --output "$TMP/hf" --shards 4 --dtype f16 >/dev/null
ck_bytes=$(du -cb "$TMP"/hf/*.safetensors | awk 'END {print $1}')
[ "$ck_bytes" -ge 2000000000 ] || { echo "FAIL: the checkpoint is only $ck_bytes bytes"; exit 1; }

# export-hf writes no tokenizer: the vocabulary comes from the source GGUF
"$Q35" quantize --checkpoint "$TMP/hf" --tokenizer "$TMP/big.gguf" --output "$TMP/q.gguf" --type q35_p11 \
    >"$TMP/out.txt" 2>&1 || { cat "$TMP/out.txt"; echo "FAIL: quantize"; exit 1; }
rm -f "$TMP/big.gguf"
cat "$TMP/out.txt"
rss_mib=$(awk '/peak RSS/ {print $3}' "$TMP/out.txt")
limit_mib=$(awk -v b="$ck_bytes" 'BEGIN {printf "%.1f", 0.25 * b / 1048576}')
echo "checkpoint $ck_bytes bytes; peak RSS $rss_mib MiB, limit (25%) $limit_mib MiB"
awk -v r="$rss_mib" -v l="$limit_mib" 'BEGIN {exit !(r > 0 && r < l)}' || { echo "FAIL: peak RSS over the limit"; exit 1; }
"$Q35" info --model "$TMP/q.gguf" | grep -q "blk.5.ffn_down.weight *q35_p11" || { echo "FAIL: output"; exit 1; }
echo "ok   streaming: peak RSS $rss_mib MiB for a $ck_bytes-byte checkpoint"
