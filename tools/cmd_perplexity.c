/* q35 perplexity: llama-perplexity's measurement (src/eval/perplexity.c) from the command
 * line, and with --base the KL-divergence of the model against a reference model over the
 * same tokens. Results go to stdout in llama.cpp's style, and with --json to a file that
 * appears only once complete. The JSON also says what was measured: each model's path,
 * its all-in bits/weight (block matrices and all tensors) and, for q35 files, the
 * quantization method and type from the GGUF metadata, so `q35 report` can plot it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/eval.h"
#include "q35/model.h"
#include "q35/quant.h"
#include "q35/tokenizer.h"

static const char USAGE[] =
    "usage: q35 perplexity --model PATH --text FILE [--ctx N] [--base PATH] [--json PATH] [--chunks N]\n"
    "                      [--threads N] [--backend cpu|ref] [--tokenizer FILE] [--base-tokenizer FILE]\n\n"
    "Perplexity by llama.cpp's method: the text is tokenized whole with BOS first and cut into chunks of\n"
    "--ctx tokens, each starting with BOS; the second half of each chunk is scored. With --base, also the\n"
    "KL-divergence from the base model's distribution, and how often the two models' top tokens agree.";

typedef struct ppl_opts {
    const char *model, *text, *base, *json, *backend, *tokenizer, *base_tokenizer;
    int ctx, chunks, threads;
} ppl_opts;

typedef struct loaded {
    q35_ckpt ck;
    q35_model m;
    int open, loaded;
} loaded;

static int load(const char *cmd, const char *path, const char *tokenizer, loaded *l)
{
    q35_err err;
    if (q35_ckpt_open(path, tokenizer, &l->ck, &err)) return cli_error(cmd, "%s", err.msg);
    l->open = 1;
    if (q35_model_load(&l->ck, &l->m, &err)) return cli_error(cmd, "%s", err.msg);
    l->loaded = 1;
    return 0;
}

static void unload(loaded *l)
{
    if (l->loaded) q35_model_free(&l->m);
    if (l->open) q35_ckpt_close(&l->ck);
}

/* KL-divergence is only meaningful when both models index the same tokens. */
static int same_vocab(const char *cmd, const ppl_opts *o, const loaded *m, const loaded *b)
{
    const q35_vocab *x = &m->ck.vocab, *y = &b->ck.vocab;
    if (m->m.cfg.vocab_size != b->m.cfg.vocab_size || x->n != y->n)
        return cli_error(cmd, "%s: the base model has a vocabulary of %d tokens, %s has %d; they must share one",
                         o->base, b->m.cfg.vocab_size, o->model, m->m.cfg.vocab_size);
    for (int i = 0; i < x->n; i++) {
        const char *p = x->pieces[i] ? x->pieces[i] : "", *q = y->pieces[i] ? y->pieces[i] : "";
        if (strcmp(p, q))
            return cli_error(cmd, "%s: the base model's token %d is '%s', %s's is '%s'; they must share a vocabulary",
                             o->base, i, q, o->model, p);
    }
    return 0;
}

static double bpw(uint64_t bytes, uint64_t weights) { return weights ? 8.0 * (double)bytes / (double)weights : 0.0; }

/* A q35.quant.* string from the GGUF metadata, or NULL. */
static const char *quant_key(const q35_ckpt *c, const char *key)
{
    const char *v = NULL;
    if (!c->gguf || q35_gguf_get_str(c->gguf, key, &v, NULL)) return NULL;
    return v;
}

static void print_file(const char *label, const q35_ckpt *c)
{
    q35_ckpt_sizes z;
    q35_ckpt_sizes_of(c, &z);
    const char *method = quant_key(c, "q35.quant.method"), *type = quant_key(c, "q35.quant.type");
    printf("%s: %s, %.4f bits/weight in the block matrices, %.4f over all tensors", label, c->path,
           bpw(z.bytes_block, z.weights_block), bpw(z.bytes_all, z.weights_all));
    if (method || type) printf(" (q35 %s %s)", method ? method : "?", type ? type : "?");
    printf("\n");
}

static void print_result(const ppl_opts *o, const q35_ppl_result *r, const q35_backend *be, int ctx,
                         const q35_ckpt *model, const q35_ckpt *base)
{
    print_file("model", model);
    if (base) print_file("base ", base);
    printf("text: %s, %lld tokens (BOS included)\n", o->text, (long long)r->n_tokens);
    printf("chunks: %d of %d tokens, %lld scored tokens (second half of each chunk)\n", r->n_chunks, ctx,
           (long long)r->n_scored);
    printf("Final estimate: PPL = %.4f +/- %.5f\n", r->ppl, r->ppl_err);
    if (r->has_base) {
        printf("base PPL       = %.4f +/- %.5f\n", r->base_ppl, r->base_ppl_err);
        printf("dPPL           = %+.3f %%\n", 100.0 * r->dppl);
        printf("Mean KLD       = %.6f +/- %.6f\n", r->kld_mean, r->kld_err);
        printf("KLD p99        = %.6f\n", r->kld_p99);
        printf("Same top       = %.3f %%\n", 100.0 * r->top1);
    }
    printf("speed: %.1f tokens/s (%d chunks x %d tokens in %.2f s, model only; backend %s, %d thread%s)\n",
           r->tok_per_s, r->n_chunks, ctx, r->seconds, be->name, be->n_threads, be->n_threads == 1 ? "" : "s");
    printf("peak RSS: %.1f MiB\n", (double)r->peak_rss / (1024.0 * 1024.0));
}

/* What a measured file is: path, all-in sizes, and how it was quantized (when q35 made it). */
static cJSON *file_json(const char *path, const q35_ckpt *c)
{
    q35_ckpt_sizes z;
    q35_ckpt_sizes_of(c, &z);
    cJSON *f = cJSON_CreateObject();
    if (!f) return NULL;
    cJSON_AddStringToObject(f, "path", path);
    cJSON_AddStringToObject(f, "format", c->format);
    cJSON_AddNumberToObject(f, "bpw_block_matrices", bpw(z.bytes_block, z.weights_block));
    cJSON_AddNumberToObject(f, "bpw_all_tensors", bpw(z.bytes_all, z.weights_all));
    cJSON_AddNumberToObject(f, "block_matrices", z.n_block);
    cJSON_AddNumberToObject(f, "block_matrix_weights", (double)z.weights_block);
    cJSON_AddNumberToObject(f, "block_matrix_bytes", (double)z.bytes_block);
    cJSON_AddNumberToObject(f, "tensors", z.n_tensors);
    cJSON_AddNumberToObject(f, "all_weights", (double)z.weights_all);
    cJSON_AddNumberToObject(f, "all_bytes", (double)z.bytes_all);
    const char *method = quant_key(c, "q35.quant.method"), *type = quant_key(c, "q35.quant.type");
    if (method) cJSON_AddStringToObject(f, "quant_method", method);
    if (type) cJSON_AddStringToObject(f, "quant_type", type);
    return f;
}

static int write_json(const char *cmd, const ppl_opts *o, const q35_ppl_result *r, const q35_backend *be, int ctx,
                      const q35_ckpt *model, const q35_ckpt *base)
{
    cJSON *j = cJSON_CreateObject();
    if (!j) return cli_error(cmd, "%s: out of memory", o->json);
    cJSON_AddStringToObject(j, "model", o->model);
    cJSON_AddItemToObject(j, "model_file", file_json(o->model, model));
    if (base) cJSON_AddItemToObject(j, "base_file", file_json(o->base, base));
    cJSON_AddStringToObject(j, "text", o->text);
    cJSON_AddStringToObject(j, "backend", be->name);
    cJSON_AddNumberToObject(j, "threads", be->n_threads);
    cJSON_AddNumberToObject(j, "ctx", ctx);
    cJSON_AddNumberToObject(j, "n_chunks", r->n_chunks);
    cJSON_AddNumberToObject(j, "n_tokens", (double)r->n_tokens);
    cJSON_AddNumberToObject(j, "n_scored", (double)r->n_scored);
    cJSON_AddNumberToObject(j, "ppl", r->ppl);
    cJSON_AddNumberToObject(j, "ppl_err", r->ppl_err);
    cJSON_AddNumberToObject(j, "seconds", r->seconds);
    cJSON_AddNumberToObject(j, "tok_per_s", r->tok_per_s);
    cJSON_AddNumberToObject(j, "peak_rss_bytes", (double)r->peak_rss);
    if (r->has_base) {
        cJSON_AddStringToObject(j, "base", o->base);
        cJSON_AddNumberToObject(j, "base_ppl", r->base_ppl);
        cJSON_AddNumberToObject(j, "base_ppl_err", r->base_ppl_err);
        cJSON_AddNumberToObject(j, "dppl", r->dppl);
        cJSON_AddNumberToObject(j, "kld_mean", r->kld_mean);
        cJSON_AddNumberToObject(j, "kld_err", r->kld_err);
        cJSON_AddNumberToObject(j, "kld_p99", r->kld_p99);
        cJSON_AddNumberToObject(j, "top1", r->top1);
    }
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    if (!s) return cli_error(cmd, "%s: out of memory", o->json);
    q35_err err;
    q35_out out;
    int rc = 0;
    if (q35_out_open(&out, o->json, &err) || q35_out_write(&out, s, strlen(s), &err) ||
        q35_out_write(&out, "\n", 1, &err) || q35_out_commit(&out, &err))
        rc = cli_error(cmd, "%s", err.msg);
    free(s);
    return rc;
}

int cmd_perplexity(int argc, char **argv)
{
    const char *cmd = argv[0];
    ppl_opts o = {.backend = "cpu", .ctx = 512};
    const cli_opt opts[] = {
        {"--model", CLI_STR, &o.model, "PATH", "model to measure: GGUF or llama2.c"},
        {"--text", CLI_STR, &o.text, "FILE", "text to score (UTF-8), e.g. wikitext-2-raw-test.txt"},
        {"--ctx", CLI_INT, &o.ctx, "N", "tokens per chunk (default 512)"},
        {"--base", CLI_STR, &o.base, "PATH", "reference model for KL-divergence and top-1 agreement"},
        {"--json", CLI_STR, &o.json, "PATH", "also write every figure to this JSON file"},
        {"--chunks", CLI_INT, &o.chunks, "N", "score at most N chunks (default: all)"},
        {"--threads", CLI_INT, &o.threads, "N", "threads (default: all cores)"},
        {"--backend", CLI_STR, &o.backend, "NAME", "cpu (default) or ref"},
        {"--tokenizer", CLI_STR, &o.tokenizer, "FILE", "tokenizer.bin or SentencePiece .model for a llama2.c --model"},
        {"--base-tokenizer", CLI_STR, &o.base_tokenizer, "FILE", "tokenizer.bin or SentencePiece .model for a llama2.c --base"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (!o.model) return cli_error(cmd, "--model is required (see --help)");
    if (!o.text) return cli_error(cmd, "--text is required (see --help)");
    if (o.ctx < 4 || o.ctx > (1 << 24)) return cli_error(cmd, "--ctx %d is out of range [4, %d]", o.ctx, 1 << 24);
    if (o.chunks < 0) return cli_error(cmd, "--chunks %d is negative", o.chunks);
    if (o.threads < 0) return cli_error(cmd, "--threads %d is negative", o.threads);

    q35_err err;
    q35_backend be;
    if (q35_backend_get(o.backend, o.threads, &be, &err)) return cli_error(cmd, "%s", err.msg);
    q35_map text;
    if (q35_map_open(o.text, &text, &err)) return cli_error(cmd, "%s", err.msg);

    loaded model = {0}, base = {0};
    q35_tokenizer *tok = NULL;
    rc = load(cmd, o.model, o.tokenizer, &model);
    if (!rc && o.base) rc = load(cmd, o.base, o.base_tokenizer, &base);
    if (!rc && o.base) rc = same_vocab(cmd, &o, &model, &base);
    if (!rc && !(tok = q35_tokenizer_new(&model.ck.vocab, &err))) rc = cli_error(cmd, "%s: %s", o.model, err.msg);
    if (!rc) {
        if (model.m.cfg.ctx_len > 0 && o.ctx > model.m.cfg.ctx_len)
            fprintf(stderr, "q35 %s: warning: --ctx %d is longer than the model's trained context (%d)\n", cmd,
                    o.ctx, model.m.cfg.ctx_len);
        q35_ppl_opts po = {.ctx = o.ctx, .max_chunks = o.chunks, .progress = 1};
        if (o.base) {
            po.base = &base.m;
            po.base_backend = &be;
        }
        /* llama.cpp's -f drops one trailing newline from the file; so do we, so that
         * both see the same token stream */
        size_t len = text.size;
        if (len > 0 && text.data[len - 1] == '\n') len--;
        q35_ppl_result r;
        if (q35_perplexity(&model.m, &be, tok, (const char *)text.data, len, &po, &r, &err)) {
            rc = cli_error(cmd, "%s: %s", o.text, err.msg);
        } else {
            const q35_ckpt *bck = o.base ? &base.ck : NULL;
            print_result(&o, &r, &be, o.ctx, &model.ck, bck);
            if (o.json) rc = write_json(cmd, &o, &r, &be, o.ctx, &model.ck, bck);
        }
    }
    q35_tokenizer_free(tok);
    unload(&base);
    unload(&model);
    q35_map_close(&text);
    return rc;
}
