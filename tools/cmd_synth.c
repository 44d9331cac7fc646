/* q35 synth: writes the small synthetic LLaMA (the quick start's embedded default model). */
#include <stdio.h>

#include "cli.h"
#include "q35/synth.h"

static const char USAGE[] =
    "usage: q35 synth [--output PATH] [--dim N] [--layers N] [--heads N] [--kv-heads N] [--hidden N] [--ctx N] [--seed S] [--f16]\n\n"
    "Writes a small synthetic LLaMA GGUF: deterministic random F32 (or F16) weights and a byte-level\n"
    "SentencePiece vocabulary. The same options and seed always give the same file.";

int cmd_synth(int argc, char **argv)
{
    const char *cmd = argv[0], *output = "q35-synth.gguf";
    q35_synth_opts o;
    q35_synth_defaults(&o);
    const cli_opt opts[] = {
        {"--output", CLI_STR, &output, "PATH", "output GGUF (default q35-synth.gguf)"},
        {"--dim", CLI_INT, &o.dim, "N", "embedding length (default 64)"},
        {"--hidden", CLI_INT, &o.hidden_dim, "N", "feed-forward length (default 176)"},
        {"--layers", CLI_INT, &o.n_layers, "N", "number of blocks (default 2)"},
        {"--heads", CLI_INT, &o.n_heads, "N", "attention heads (default 4)"},
        {"--kv-heads", CLI_INT, &o.n_kv_heads, "N", "key/value heads (default 2)"},
        {"--ctx", CLI_INT, &o.ctx_len, "N", "context length (default 256)"},
        {"--seed", CLI_U64, &o.seed, "S", "weight seed (default 1)"},
        {"--f16", CLI_FLAG, &o.f16, NULL, "store the matrices in F16 (norms stay F32)"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    q35_err err;
    if (q35_synth_write(output, &o, &err)) return cli_error(cmd, "%s", err.msg);
    fprintf(stderr, "q35 synth: wrote %s (dim %d, hidden %d, %d layers, %d/%d heads)\n", output, o.dim, o.hidden_dim,
            o.n_layers, o.n_heads, o.n_kv_heads);
    return 0;
}
