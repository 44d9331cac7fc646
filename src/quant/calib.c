/* Calibration (q35/calib.h): the base model runs over a text with an observer that
 * accumulates every linear site's input second moments. Chunks are cut as perplexity
 * cuts them (BOS first, no overlap), so calibration sees the model in the state it is
 * evaluated in; only the last token's logits are asked for, since none are needed. */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "q35/calib.h"
#include "q35/progress.h"

#define CALIB_BATCH 512

void q35_calib_opts_default(q35_calib_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ctx = 512;
    o->progress = 1;
}

static int site_cols(const q35_llama_config *cfg, int site)
{
    return site == Q35_SITE_FFN_MID ? cfg->hidden_dim : cfg->dim;
}

int q35_calib_init(q35_calib *c, const q35_llama_config *cfg, int layer_begin, int layer_end, q35_err *err)
{
    memset(c, 0, sizeof *c);
    if (layer_end <= 0 || layer_end > cfg->n_layers) layer_end = cfg->n_layers;
    if (layer_begin < 0 || layer_begin >= layer_end)
        return q35_fail(err, "calibration: layer range [%d, %d) is empty for a model of %d layers", layer_begin,
                        layer_end, cfg->n_layers);
    c->n_layers = cfg->n_layers;
    c->n_threads = omp_get_max_threads();
    c->layer_begin = layer_begin;
    c->layer_end = layer_end;
    c->sites = q35_calloc((size_t)cfg->n_layers * Q35_CALIB_SITES, sizeof *c->sites, err);
    int widest = cfg->dim > cfg->hidden_dim ? cfg->dim : cfg->hidden_dim;
    if (!c->sites || !(c->scratch = q35_malloc((size_t)Q35_HESS_SLICE * (size_t)widest * sizeof(double), err)))
        goto fail;
    for (int l = layer_begin; l < layer_end; l++)
        for (int s = 0; s < Q35_CALIB_SITES; s++)
            if (q35_hessian_init(&c->sites[l * Q35_CALIB_SITES + s], site_cols(cfg, s), err)) goto fail;
    return 0;
fail:
    q35_calib_free(c);
    return -1;
}

void q35_calib_free(q35_calib *c)
{
    if (c->sites)
        for (int i = 0; i < c->n_layers * Q35_CALIB_SITES; i++) q35_hessian_free(&c->sites[i]);
    free(c->sites);
    free(c->scratch);
    memset(c, 0, sizeof *c);
}

const q35_hessian *q35_calib_site(const q35_calib *c, int layer, int site)
{
    if (layer < c->layer_begin || layer >= c->layer_end || site < 0 || site >= Q35_CALIB_SITES) return NULL;
    return &c->sites[layer * Q35_CALIB_SITES + site];
}

static void observe(void *ctx, int layer, int site, const float *X, int n, int cols)
{
    q35_calib *c = ctx;
    q35_hessian *h = (q35_hessian *)q35_calib_site(c, layer, site);
    if (!h) return; /* the output head's input, or a layer not collected */
    if (h->cols != cols) {
        c->bad_shape = 1;
        return;
    }
    q35_hessian_add(h, X, n, c->scratch, c->n_threads);
}

q35_observer q35_calib_observer(q35_calib *c)
{
    q35_observer o = {observe, c};
    return o;
}

/* The tokenizer's BOS (what it puts before ""), or -1 when its vocabulary has none. */
static int find_bos(const q35_tokenizer *tok, int *bos, q35_err *err)
{
    int32_t *b = NULL;
    size_t nb = 0;
    if (q35_tokenize(tok, "", 0, 1, &b, &nb, err)) return -1;
    *bos = nb == 1 ? b[0] : -1;
    free(b);
    return 0;
}

/* Tokenizes enough of the text for max_tokens (all of it when max_tokens <= 0): a
 * prefix ending at a line break, doubled until it gives the budget, so that a small
 * budget does not pay for tokenizing a large file. */
static int tokenize_budget(const q35_tokenizer *tok, const char *text, size_t len, int64_t max_tokens, int32_t **out,
                           size_t *n_out, q35_err *err)
{
    size_t want = max_tokens > 0 && (uint64_t)max_tokens < ((uint64_t)1 << 40) ? (size_t)max_tokens * 8 : len;
    for (;;) {
        size_t cut = want < len ? want : len;
        while (cut < len && text[cut - 1] != '\n') cut++;
        if (q35_tokenize(tok, text, cut, 1, out, n_out, err)) return -1;
        if (cut == len || *n_out > (size_t)max_tokens) return 0;
        free(*out);
        *out = NULL;
        want = cut * 2;
    }
}

int q35_calib_run(q35_calib *c, const q35_model *m, const q35_backend *be, const q35_tokenizer *tok,
                  const char *text, size_t len, const q35_calib_opts *o, q35_err *err)
{
    const double t0 = q35_now();
    const int ctx = o->ctx > 0 ? o->ctx : 512;
    if (ctx < 2 || ctx > (1 << 20)) return q35_fail(err, "calibration: context %d is out of range [2, %d]", ctx, 1 << 20);
    if (c->n_layers != m->cfg.n_layers)
        return q35_fail(err, "calibration: statistics prepared for %d layers, the model has %d", c->n_layers,
                        m->cfg.n_layers);
    int32_t *toks = NULL;
    size_t n_tok = 0;
    int bos;
    if (find_bos(tok, &bos, err) || tokenize_budget(tok, text, len, o->max_tokens, &toks, &n_tok, err)) return -1;
    for (size_t i = 0; i < n_tok; i++)
        if (toks[i] < 0 || toks[i] >= m->cfg.vocab_size) {
            free(toks);
            return q35_fail(err, "calibration: token id %d is outside the model's vocabulary of %d", toks[i],
                            m->cfg.vocab_size);
        }
    if (o->max_tokens > 0 && (size_t)o->max_tokens < n_tok) n_tok = (size_t)o->max_tokens;
    if (n_tok < 2) {
        free(toks);
        return q35_fail(err, "calibration: the text gives %zu token%s; at least 2 are needed", n_tok,
                        n_tok == 1 ? "" : "s");
    }
    const int n_chunks = (int)((n_tok + (size_t)ctx - 1) / (size_t)ctx);
    const int batch = ctx < CALIB_BATCH ? ctx : CALIB_BATCH;
    q35_state st;
    memset(&st, 0, sizeof st);
    int32_t *chunk = q35_malloc((size_t)ctx * sizeof *chunk, err);
    if (!chunk || q35_state_init(&st, &m->cfg, ctx, batch, err)) {
        free(chunk);
        free(toks);
        return -1;
    }
    st.observer = q35_calib_observer(c);
    if (be->n_threads > 0) c->n_threads = be->n_threads;
    q35_progress prog;
    q35_progress_begin(&prog, "calibrate", (uint64_t)n_chunks, "chunks");
    if (!o->progress) prog.enabled = 0;
    int rc = 0;
    for (int k = 0; k < n_chunks && !rc; k++) {
        size_t start = (size_t)k * (size_t)ctx;
        int n = (int)(n_tok - start < (size_t)ctx ? n_tok - start : (size_t)ctx);
        memcpy(chunk, toks + start, (size_t)n * sizeof *chunk);
        if (bos >= 0) chunk[0] = bos;
        for (int pos = 0; pos < n && !rc; pos += batch) {
            int nb = n - pos < batch ? n - pos : batch;
            if (!q35_forward(m, be, &st, chunk + pos, nb, pos, 0))
                rc = q35_fail(err, "calibration: forward pass failed in chunk %d at position %d", k, pos);
        }
        if (!rc && c->bad_shape) rc = q35_fail(err, "calibration: a linear input is not as wide as the config says");
        c->n_tokens += n;
        c->n_chunks++;
        q35_progress_update(&prog, (uint64_t)k + 1);
    }
    q35_progress_end(&prog);
    q35_state_free(&st);
    free(chunk);
    free(toks);
    c->seconds += q35_now() - t0;
    return rc;
}
