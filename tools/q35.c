/* q35: the command-line tool. Each subcommand lives in its own tools/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_cmd commands[] = {
    {"run", "generate text from a model (CPU)", cmd_run},
    {"quantize", "convert a checkpoint to a 3.5-bit q35 GGUF", cmd_quantize},
    {"perplexity", "perplexity and KL-divergence by llama.cpp's method", cmd_perplexity},
    {"info", "list a model's tensors, types and bits/weight", cmd_info},
    {"synth", "write a small synthetic LLaMA (the embedded default model)", cmd_synth},
    {"bench", "benchmarks: CPU matvec (bench matvec), GPU GEMM (bench gemm)", cmd_bench},
    {"study", "compare the 3.5-bit code candidates on a model's weights", cmd_study},
    {"report", "plot PPL increase against bits/weight from perplexity JSON results (PNG)", cmd_report},
    {"tokenize", "print the token ids of a text (tokenizer.json, tokenizer.model or a model's)", cmd_tokenize},
    {"prove", "Monte-Carlo tree search proofs of a Coq file's admitted theorems, run in Coq", cmd_prove},
    {"export-hf", "write a model as a Hugging Face directory (safetensors + config.json)", cmd_export_hf},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: q35 COMMAND [options]   (q35 COMMAND --help for details)\n\ncommands:\n");
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "q35: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
