#!/usr/bin/env python3
"""Sizes behind README's "Quantize your own LLaMA": the q35 file, the memory to quantize
it (RTN, streaming) and the memory to run it, worked out from a model's shapes with the
byte counts of docs/FORMAT.md (q35_cb 57 bytes per 128 weights, q45_cb 73, q8_0 34 per 32;
a row's last block may be short, which none of these shapes need). Usage:
    scripts/llama_sizes.py [config.json ...]     (default: LLaMA-2-70B and LLaMA-3-70B)
"""
import json
import math
import sys

# Public config.json values of the two models (hidden, intermediate, layers, heads, kv heads, vocab).
KNOWN = {
    "LLaMA-2-70B": dict(hidden_size=8192, intermediate_size=28672, num_hidden_layers=80,
                        num_attention_heads=64, num_key_value_heads=8, vocab_size=32000),
    "LLaMA-3-70B": dict(hidden_size=8192, intermediate_size=28672, num_hidden_layers=80,
                        num_attention_heads=64, num_key_value_heads=8, vocab_size=128256),
}


def row_bytes(n, block, block_bytes_full, bytes_of_codes):
    full, rest = divmod(n, block)
    return full * block_bytes_full + (bytes_of_codes(rest) if rest else 0)


def q35_row(n):  # docs/FORMAT.md: 1 + ceil(m/2) + ceil(m/4) + ceil(m/8) bytes for m codes
    return row_bytes(n, 128, 57, lambda r: 1 + math.ceil(math.ceil(r / 2) / 2) + math.ceil(math.ceil(r / 2) / 4)
                     + math.ceil(math.ceil(r / 2) / 8))


def q45_row(n):
    return row_bytes(n, 128, 73, lambda r: 1 + math.ceil(math.ceil(r / 2) * 9 / 8))


def q8_row(n):
    return math.ceil(n / 32) * 34


def report(name, c):
    d, f, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    hd = d // c["num_attention_heads"]
    kv = hd * c.get("num_key_value_heads", c["num_attention_heads"])
    V = c["vocab_size"]
    mats = [(d, d), (d, kv), (d, kv), (d, d), (d, f), (d, f), (f, d)]  # (row length, rows): q k v o gate up down
    blk_w = L * sum(n * r for n, r in mats)
    blk_b = L * sum(q35_row(n) * r for n, r in mats)
    embd_b, out_b = q45_row(d) * V, q8_row(d) * V
    norms_b = (2 * L + 1) * d * 4
    total = blk_b + embd_b + out_b + norms_b
    all_w = blk_w + 2 * V * d + (2 * L + 1) * d
    src_f16 = 2 * all_w
    # streaming RTN: one source tensor resident while it is quantized, plus its output
    biggest = max([(V * d * 2, embd_b), (V * d * 2, out_b)] + [(n * r * 2, q35_row(n) * r) for n, r in mats])
    kv_per_tok = 2 * L * kv * 4  # float32 K and V per position
    print(f"{name}: {all_w / 1e9:.2f} B weights ({blk_w / 1e9:.2f} B in the block matrices), F16 checkpoint {src_f16 / 1e9:.1f} GB")
    print(f"  q35 file: {total / 1e9:.1f} GB ({total / 2**30:.1f} GiB); block matrices {8 * blk_b / blk_w:.4f} bits/weight, "
          f"whole file {8 * total / all_w:.4f} bits/weight (token_embd q45_cb, output q8_0)")
    print(f"  quantize (rtn, streaming): about {(biggest[0] + biggest[1]) / 1e9:.1f} GB resident at the largest tensor")
    print(f"  run: the file ({total / 1e9:.1f} GB, mapped) + KV cache {kv_per_tok * 4096 / 1e9:.2f} GB at 4096 positions "
          f"({kv_per_tok / 1e6:.2f} MB a position)")


def main(paths):
    if not paths:
        for name, c in KNOWN.items():
            report(name, c)
    for p in paths:
        report(p, json.load(open(p)))


if __name__ == "__main__":
    main(sys.argv[1:])
