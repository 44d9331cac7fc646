#!/usr/bin/env bash
# Issue 5's round trip through the Hugging Face path: stories260K.gguf is written as an HF
# directory (3 safetensors shards, model.safetensors.index.json, config.json, q/k rows in
# HF's rotate-half order), then
#   q35 quantize --checkpoint DIR --type f32   (no quantization: a pass-through)
#   q35 run --temperature 0                    on the result, and on DIR directly
# must reproduce llama2.c's greedy output for the 5 reference prompts byte for byte.
# The vocabulary travels by --tokenizer (the source GGUF): export-hf writes no tokenizer.
#
# The HF layout is checked independently of q35's own permutation code: layer 0's q_proj
# and k_proj, read from the shards in Python, must equal llama2.c's wq/wk (stories260K.l2c.bin,
# pair-RoPE order like GGUF) after llama.cpp's converter step
# reshape(heads, 2, head_dim/2, dim).swapaxes(1, 2).
set -euo pipefail
: "${Q35:?path to the q35 binary}"
FIX="${Q35_FIXTURES:-}"
REF="$FIX/reference/stories260K_greedy_llama2c.txt"
if [ -z "$FIX" ] || [ ! -f "$FIX/stories260K.gguf" ] || [ ! -f "$REF" ] || [ ! -f "$FIX/stories260K.l2c.bin" ]; then
    echo "skipped: fixtures not found"; exit 77
fi
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/hf_roundtrip.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
GGUF="$FIX/stories260K.gguf"
HF="$TMP/hf"
fail=0

"$Q35" export-hf --model "$GGUF" --output "$HF" --shards 3 >"$TMP/export.txt"
shards=$(ls "$HF"/model-*-of-00003.safetensors | wc -l)
[ "$shards" -eq 3 ] || { echo "FAIL: expected 3 shards, found $shards"; exit 1; }
[ -f "$HF/model.safetensors.index.json" ] && [ -f "$HF/config.json" ] || { echo "FAIL: index.json or config.json missing"; exit 1; }
ls "$HF" | grep -q tmp && { echo "FAIL: temporary files left in $HF"; exit 1; }
echo "ok   export: 3 shards, index.json, config.json"

python3 - "$HF" "$FIX/stories260K.l2c.bin" <<'PY'
import json, struct, sys
hf, l2c = sys.argv[1], sys.argv[2]
cfg = json.load(open(f"{hf}/config.json"))
assert cfg["architectures"] == ["LlamaForCausalLM"], cfg
wm = json.load(open(f"{hf}/model.safetensors.index.json"))["weight_map"]
assert len(set(wm.values())) == 3, "weight_map should name 3 shards"

def st_tensor(name):
    path = f"{hf}/{wm[name]}"
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    hdr = json.loads(data[8:8 + n])
    e = hdr[name]
    assert e["dtype"] == "F32"
    b, end = e["data_offsets"]
    raw = data[8 + n + b: 8 + n + end]
    return e["shape"], list(struct.unpack(f"<{len(raw) // 4}f", raw))

raw = open(l2c, "rb").read()
dim, hidden, L, nh, nkv, vocab, seq = struct.unpack("<7i", raw[:28])
vocab = abs(vocab)
hd = dim // nh
assert (dim, nh, nkv) == (cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"])
def l2c_floats(offset, count):
    return list(struct.unpack(f"<{count}f", raw[28 + 4 * offset: 28 + 4 * (offset + count)]))
off_wq = vocab * dim + L * dim
off_wk = off_wq + L * dim * dim

def to_gguf(w, heads, rows_per_head, cols):
    # llama.cpp: w.reshape(heads, 2, rows_per_head // 2, cols).swapaxes(1, 2).reshape(w.shape)
    out = [None] * len(w)
    half = rows_per_head // 2
    for h in range(heads):
        for a in range(2):
            for b in range(half):
                src = (h * rows_per_head + a * half + b) * cols
                dst = (h * rows_per_head + b * 2 + a) * cols
                out[dst:dst + cols] = w[src:src + cols]
    return out

for name, heads, off in (("q_proj", nh, off_wq), ("k_proj", nkv, off_wk)):
    shape, w = st_tensor(f"model.layers.0.self_attn.{name}.weight")
    assert shape == [heads * hd, dim], shape
    ref = l2c_floats(off, heads * hd * dim)
    assert w != ref, f"{name}: stored in GGUF order, not HF's"
    assert to_gguf(w, heads, hd, dim) == ref, f"{name}: HF layout does not match llama.cpp's permutation"
    print(f"ok   layout: layer 0 {name} is llama2.c's after llama.cpp's un-permutation")
PY

"$Q35" quantize --checkpoint "$HF" --tokenizer "$GGUF" --type f32 --output "$TMP/back.gguf" >"$TMP/quant.txt"
grep -q "32.0000 bits/weight" "$TMP/quant.txt" || { echo "FAIL: pass-through did not keep f32"; cat "$TMP/quant.txt"; exit 1; }
echo "ok   quantize --checkpoint DIR --type f32"

# shellcheck source=../support/greedy_fixture.sh
. "$(dirname "$0")/../support/greedy_fixture.sh"
greedy_split "$REF" "$TMP"
greedy_check "hf->gguf f32" --model "$TMP/back.gguf"
greedy_check "hf dir" --model "$HF" --tokenizer "$GGUF"

# One file, no index: the directory's model.safetensors; a single prompt is enough here.
"$Q35" export-hf --model "$GGUF" --output "$TMP/hf1" >/dev/null
[ -f "$TMP/hf1/model.safetensors" ] && [ ! -e "$TMP/hf1/model.safetensors.index.json" ] || { echo "FAIL: single-file layout"; exit 1; }
prompt=$(cat "$TMP/prompt_0.txt"); steps=$(cat "$TMP/steps_0.txt")
"$Q35" run --model "$TMP/hf1/config.json" --tokenizer "$GGUF" --prompt "$prompt" --steps "$steps" --temperature 0 \
    >"$TMP/got1.txt" 2>/dev/null
cmp -s "$TMP/expected_0.txt" "$TMP/got1.txt" && echo "ok   [single file] prompt '$prompt'" || { echo "FAIL [single file]"; fail=1; }

# bf16 and f16 exports read back (rounded weights: they run, not byte-exact)
for dt in bf16 f16; do
    "$Q35" export-hf --model "$GGUF" --output "$TMP/hf_$dt" --dtype "$dt" --shards 2 >/dev/null
    "$Q35" run --model "$TMP/hf_$dt" --tokenizer "$GGUF" --prompt "$prompt" --steps 40 --temperature 0 >"$TMP/got_$dt.txt" 2>/dev/null ||
        { echo "FAIL [$dt]: q35 run failed"; fail=1; continue; }
    [ -s "$TMP/got_$dt.txt" ] && echo "ok   [$dt] runs" || { echo "FAIL [$dt]: no output"; fail=1; }
done

# Errors: one line naming the file, non-zero exit, no crash.
if "$Q35" run --model "$HF" --prompt x --steps 2 2>"$TMP/e1.txt"; then echo "FAIL: no tokenizer accepted"; fail=1; fi
grep -q "$HF: no tokenizer.model or tokenizer.json" "$TMP/e1.txt" && echo "ok   missing tokenizer: $(cat "$TMP/e1.txt")" ||
    { echo "FAIL: missing-tokenizer error: $(cat "$TMP/e1.txt")"; fail=1; }
rm "$HF/model-00002-of-00003.safetensors"
if "$Q35" quantize --checkpoint "$HF" --tokenizer "$GGUF" --type f32 --output "$TMP/bad.gguf" 2>"$TMP/e2.txt"; then
    echo "FAIL: missing shard accepted"; fail=1; fi
grep -q "model-00002-of-00003.safetensors: cannot open" "$TMP/e2.txt" && [ ! -e "$TMP/bad.gguf" ] &&
    echo "ok   missing shard: $(cat "$TMP/e2.txt")" || { echo "FAIL: missing-shard error: $(cat "$TMP/e2.txt")"; fail=1; }
exit $fail
