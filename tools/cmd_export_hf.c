/* q35 export-hf: a model written as a Hugging Face LLaMA directory (safetensors shards,
 * model.safetensors.index.json, config.json), with q_proj/k_proj rows in HF's
 * rotate-half order. It exists so tests can run real weights through the HF reading path
 * (q35 quantize --checkpoint DIR, q35 run --model DIR). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/hf.h"
#include "q35/types.h"

static const char USAGE[] =
    "usage: q35 export-hf --model PATH --output DIR [--shards N] [--dtype f32|f16|bf16] [--tokenizer FILE]\n\n"
    "Writes a LLaMA model (GGUF, or llama2.c with --tokenizer) as a Hugging Face directory: N safetensors\n"
    "shards with model.safetensors.index.json (or one model.safetensors), then config.json\n"
    "(LlamaForCausalLM). Weights are converted to --dtype; q_proj and k_proj rows are put in HF's\n"
    "rotate-half order. Each file appears only when complete.\n\n"
    "No tokenizer file is written. Give q35 the vocabulary with --tokenizer when reading the\n"
    "directory back, e.g. the source GGUF:\n"
    "  q35 export-hf --model stories260K.gguf --output hf --shards 2\n"
    "  q35 quantize --checkpoint hf --tokenizer stories260K.gguf --type f32 --output back.gguf\n"
    "  q35 run --model hf --tokenizer stories260K.gguf --prompt \"Once upon a time\"";

int cmd_export_hf(int argc, char **argv)
{
    const char *cmd = argv[0];
    const char *model = NULL, *output = NULL, *dtype = "f32", *tokenizer = NULL;
    int shards = 1;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model, "PATH", "input model: GGUF, llama2.c .bin (with --tokenizer) or an HF directory"},
        {"--output", CLI_STR, &output, "DIR", "output directory (created if missing)"},
        {"--shards", CLI_INT, &shards, "N", "number of safetensors files (default 1: model.safetensors, no index)"},
        {"--dtype", CLI_STR, &dtype, "T", "f32 (default), f16 or bf16"},
        {"--tokenizer", CLI_STR, &tokenizer, "FILE", "tokenizer for a llama2.c or HF input"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (!model) return cli_error(cmd, "--model is required (see --help)"), 2;
    if (!output) return cli_error(cmd, "--output is required (see --help)"), 2;
    if (shards < 1) return cli_error(cmd, "--shards %d: expected at least 1", shards), 2;
    const q35_type_traits *t = q35_type_by_name(dtype);
    if (!t || !q35_type_is_float(t)) return cli_error(cmd, "--dtype '%s': expected f32, f16 or bf16", dtype), 2;

    q35_err err;
    q35_ckpt ck;
    if (q35_ckpt_open(model, tokenizer, &ck, &err)) return cli_error(cmd, "%s", err.msg);
    q35_hf_export_opts o = {.n_shards = shards, .dtype = t->id};
    rc = q35_hf_export(&ck, output, &o, &err);
    const int n = ck.n_tensors;
    q35_ckpt_close(&ck);
    if (rc) return cli_error(cmd, "%s", err.msg);
    printf("q35 export-hf: %s -> %s (%d tensors, %d shard%s, %s)\n", model, output, n, shards, shards == 1 ? "" : "s",
           t->name);
    return 0;
}
