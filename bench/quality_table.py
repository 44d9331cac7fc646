#!/usr/bin/env python3
"""Prints the markdown table of docs/QUALITY.md from `q35 perplexity --json` results
(one file per method; the bits/weight come from the model_file object of each result)."""
import json
import sys


def main(paths):
    print("| method | block-matrix bits/weight | whole-file bits/weight (tensors) | PPL | ΔPPL | mean KLD | KLD p99 | top-1 agreement |")
    print("|---|---|---|---|---|---|---|---|")
    base = None
    for p in paths:
        r = json.load(open(p))
        mf = r["model_file"]
        base = (r["base_ppl"], r["base_ppl_err"], r["n_chunks"], r["n_scored"])
        name = mf.get("quant_method", "?")
        if name == "mixed":
            name = "mixed (q35_cb + q45_cb)"
        print("| %s | %.4f | %.4f | %.4f ± %.4f | %+.2f%% | %.4f ± %.4f | %.3f | %.2f%% |" % (
            name, mf["bpw_block_matrices"], mf["bpw_all_tensors"], r["ppl"], r["ppl_err"],
            100 * r["dppl"], r["kld_mean"], r["kld_err"], r["kld_p99"], 100 * r["top1"]))
    if base:
        print()
        print("Unquantized: PPL %.4f ± %.4f over %d chunks (%d scored tokens)." % base)


if __name__ == "__main__":
    main(sys.argv[1:])
