/* q35 run: text generation, step for step as llama2.c's generate().
 *
 * The prompt is encoded with BOS first; --steps counts positions, BOS and prompt
 * included. Each position feeds one token: while inside the prompt the next token is the
 * prompt's, after it the sampler's. Generation stops at BOS (llama2.c's terminator) or
 * EOS. Text goes to stdout, flushed per token; statistics go to stderr.
 *
 * The default backend is "cpu": its F32 matvec keeps llama2.c's summation order (see
 * src/cpu/backend_cpu.c), and the prompt is fed one position at a time as llama2.c does,
 * so an F32 model reproduces llama2.c's output byte for byte (tests/cli/greedy_fixture.sh
 * and sampler_fixture.sh check it). A batched prefill would go through sgemm, whose
 * different rounding could change a greedy choice later on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/model.h"
#include "q35/sampler.h"
#include "q35/synth.h"
#include "q35/tokenizer.h"

static const char USAGE[] =
    "usage: q35 run [--model PATH] [--prompt TEXT] [--steps N] [--temperature T] [--top-p P] [--seed S]\n"
    "               [--device cpu] [--backend cpu|ref] [--threads N] [--tokenizer FILE]\n\n"
    "Generates text from a LLaMA model (GGUF, llama2.c, or a Hugging Face directory of config.json and\n"
    "safetensors) and prints it (prompt included).\n"
    "Without --model it runs the embedded synthetic model.";

typedef struct run_opts {
    const char *model, *tokenizer, *prompt, *device, *backend;
    int steps, threads;
    float temperature, top_p;
    uint64_t seed;
} run_opts;

typedef struct run_stats {
    int n_prompt, n_generated;
    double t_prefill, t_decode; /* seconds */
} run_stats;

/* Runs the generation loop; returns 0, or 1 after printing an error. */
static int generate(const char *cmd, const q35_model *m, const q35_backend *be, const q35_tokenizer *tok,
                    const q35_vocab *vocab, const run_opts *o, run_stats *st)
{
    q35_err err;
    const char *text = o->prompt ? o->prompt : "";
    int32_t *prompt = NULL;
    size_t n_prompt = 0;
    if (q35_tokenize(tok, text, strlen(text), 1, &prompt, &n_prompt, &err)) return cli_error(cmd, "%s", err.msg);
    if (n_prompt < 1) {
        free(prompt);
        return cli_error(cmd, "the prompt encodes to no tokens (the vocabulary has no BOS)");
    }
    /* as llama2.c: 0 or more than the trained context means the whole context */
    int steps = o->steps;
    if (m->cfg.ctx_len > 0 && (steps == 0 || steps > m->cfg.ctx_len)) steps = m->cfg.ctx_len;
    if (steps == 0) steps = 256;

    q35_state state;
    q35_sampler sampler;
    float *logits = malloc((size_t)m->cfg.vocab_size * sizeof *logits);
    int ok = logits != NULL;
    if (!ok) q35_fail(&err, "out of memory");
    if (ok && q35_state_init(&state, &m->cfg, steps, 1, &err)) ok = 0;
    if (ok && q35_sampler_init(&sampler, m->cfg.vocab_size, o->temperature, o->top_p, o->seed, &err)) {
        q35_state_free(&state);
        ok = 0;
    }
    if (!ok) {
        free(prompt);
        free(logits);
        return cli_error(cmd, "%s", err.msg);
    }

    *st = (run_stats){.n_prompt = (int)n_prompt};
    int rc = 0, token = prompt[0], pos = 0;
    double t_last = q35_now();
    while (pos < steps) {
        const float *out = q35_forward(m, be, &state, &token, 1, pos, 0);
        if (!out) {
            rc = cli_error(cmd, "forward failed at position %d (token %d)", pos, token);
            break;
        }
        int next;
        if ((size_t)pos + 1 < n_prompt) {
            next = prompt[pos + 1];
        } else {
            memcpy(logits, out, (size_t)m->cfg.vocab_size * sizeof *logits);
            next = q35_sample(&sampler, logits);
            st->n_generated++;
        }
        const double now = q35_now();
        if ((size_t)pos < n_prompt) st->t_prefill += now - t_last;
        else st->t_decode += now - t_last;
        t_last = now;
        pos++;
        if (next == vocab->bos || next == vocab->eos) break;
        const char *piece;
        size_t len;
        q35_token_printable(tok, token, next, &piece, &len);
        fwrite(piece, 1, len, stdout);
        fflush(stdout);
        token = next;
    }
    printf("\n");
    fflush(stdout);
    q35_sampler_free(&sampler);
    q35_state_free(&state);
    free(logits);
    free(prompt);
    return rc;
}

/* Without --model: the synthetic model of `q35 synth`, written to a private temporary
 * directory, opened, and unlinked at once (the open checkpoint keeps its data). */
static int open_embedded(const char *cmd, q35_ckpt *ck)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/q35-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return cli_error(cmd, "%s: cannot create a temporary directory", dir);
    snprintf(path, sizeof path, "%s/q35-synth.gguf", dir);
    q35_synth_opts so;
    q35_synth_defaults(&so);
    q35_err err;
    int rc = q35_synth_write(path, &so, &err) || q35_ckpt_open(path, NULL, ck, &err);
    unlink(path);
    rmdir(dir);
    if (rc) return cli_error(cmd, "embedded model: %s", err.msg);
    fprintf(stderr, "q35 run: no --model given, running the embedded synthetic model (q35 synth: dim %d, %d layers, "
                    "random weights, so expect gibberish)\n", so.dim, so.n_layers);
    return 0;
}

static void print_stats(const run_stats *st, const q35_backend *be)
{
    const int n_decode = st->n_generated > 0 ? st->n_generated - 1 : 0; /* the last sample is never fed */
    fprintf(stderr, "q35 run: %d prompt tokens (BOS included), %d generated; backend %s, %d thread%s\n",
            st->n_prompt, st->n_generated, be->name, be->n_threads, be->n_threads == 1 ? "" : "s");
    fprintf(stderr, "q35 run: prefill %.2f ms (%.1f tok/s), decode %.2f ms (%.1f tok/s)\n", st->t_prefill * 1e3,
            st->t_prefill > 0 ? st->n_prompt / st->t_prefill : 0.0, st->t_decode * 1e3,
            st->t_decode > 0 ? n_decode / st->t_decode : 0.0);
}

int cmd_run(int argc, char **argv)
{
    const char *cmd = argv[0];
    run_opts o = {.device = "cpu", .backend = "cpu", .steps = 256, .temperature = 1.0f, .top_p = 0.9f};
    const cli_opt opts[] = {
        {"--model", CLI_STR, &o.model, "PATH",
         "model: GGUF, llama2.c or a Hugging Face directory (default: the embedded synthetic model)"},
        {"--tokenizer", CLI_STR, &o.tokenizer, "FILE",
         "llama2.c tokenizer.bin or SentencePiece tokenizer.model (known by its .model name or protobuf content) "
         "for llama2.c models; for an HF directory, a GGUF or tokenizer file instead of its own"},
        {"--prompt", CLI_STR, &o.prompt, "TEXT", "prompt text (default: empty, BOS only)"},
        {"--steps", CLI_INT, &o.steps, "N", "positions to run, BOS and prompt included (default 256; 0 = context)"},
        {"--temperature", CLI_FLOAT, &o.temperature, "T", "sampling temperature, 0 = greedy (default 1.0)"},
        {"--top-p", CLI_FLOAT, &o.top_p, "P", "nucleus sampling threshold, off outside (0, 1) (default 0.9)"},
        {"--seed", CLI_U64, &o.seed, "S", "random seed (default: the time)"},
        {"--device", CLI_STR, &o.device, "cpu|cuda", "where to run (default cpu; cuda needs a CUDA build)"},
        {"--backend", CLI_STR, &o.backend, "NAME", "cpu (default) or ref (llama2.c's plain loops)"},
        {"--threads", CLI_INT, &o.threads, "N", "threads (default: all cores)"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (o.steps < 0) return cli_error(cmd, "--steps %d is negative", o.steps);
    if (!(o.temperature >= 0.0f)) return cli_error(cmd, "--temperature %g is negative", (double)o.temperature);
    if (o.threads < 0) return cli_error(cmd, "--threads %d is negative", o.threads);
    if (!strcmp(o.device, "cuda")) return cli_error(cmd, "--device cuda: this q35 was not built with CUDA");
    if (strcmp(o.device, "cpu")) return cli_error(cmd, "--device %s: unknown device (expected cpu or cuda)", o.device);
    if (o.seed == 0) o.seed = (uint64_t)time(NULL); /* as llama2.c: 0 would freeze xorshift */

    q35_err err;
    q35_backend be;
    if (q35_backend_get(o.backend, o.threads, &be, &err)) return cli_error(cmd, "%s", err.msg);
    q35_ckpt ck;
    if (!o.model) {
        if (open_embedded(cmd, &ck)) return 1;
    } else if (q35_ckpt_open(o.model, o.tokenizer, &ck, &err)) {
        return cli_error(cmd, "%s", err.msg);
    }
    q35_model m;
    if (q35_model_load(&ck, &m, &err)) {
        q35_ckpt_close(&ck);
        return cli_error(cmd, "%s", err.msg);
    }
    q35_tokenizer *tok = q35_tokenizer_new(&ck.vocab, &err);
    if (!tok) {
        q35_model_free(&m);
        q35_ckpt_close(&ck);
        return cli_error(cmd, "%s: %s", ck.path, err.msg);
    }
    run_stats st = {0};
    rc = generate(cmd, &m, &be, tok, &ck.vocab, &o, &st);
    if (!rc) print_stats(&st, &be);
    q35_tokenizer_free(tok);
    q35_model_free(&m);
    q35_ckpt_close(&ck);
    return rc;
}
