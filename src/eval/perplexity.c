/* Perplexity and KL-divergence by llama-perplexity's method (see q35/eval.h).
 *
 * Per chunk: the base model (if any) runs first and its logits for the scored positions
 * are kept; then the model runs, and every scored position is turned into its nll (and
 * KLD, argmax agreement) in parallel, one result slot per position, so the sums below are
 * taken in a fixed order and the result does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/scoring.h"
#include "q35/eval.h"
#include "q35/progress.h"

#define MAX_BATCH 512

typedef struct run {
    const q35_model *m;
    const q35_backend *be;
    q35_state st;
} run;

/* Runs tokens[0..ctx) from position 0; positions [first, ctx) come back through
 * on_logits(batch logits, first position of the batch, rows). Positions before `first`
 * need no logits, so their batches ask only for the last row. */
typedef int (*logits_fn)(void *ctx, const float *logits, int pos, int rows);

static int run_chunk(run *r, const int32_t *tokens, int ctx, int first, logits_fn fn, void *arg, q35_err *err)
{
    const int B = r->st.max_batch;
    for (int pos = 0; pos < ctx;) {
        const int want = pos >= first;
        int n = (want ? ctx : first) - pos;
        if (n > B) n = B;
        const float *lg = q35_forward(r->m, r->be, &r->st, tokens + pos, n, pos, want);
        if (!lg) return q35_fail(err, "perplexity: forward pass failed at position %d", pos);
        if (want && fn(arg, lg, pos, n)) return q35_fail(err, "perplexity: scoring failed");
        pos += n;
    }
    return 0;
}

typedef struct scorer {
    int n_vocab, first, ctx, n_threads;
    const int32_t *tokens;  /* this chunk's tokens (BOS first) */
    float *base_logits;     /* (ctx - 1 - first) x n_vocab, or NULL: no base */
    q35_pos_score *out;     /* this chunk's slots */
    int saving_base;        /* 1 while the base runs */
} scorer;

static int on_logits(void *arg, const float *logits, int pos, int rows)
{
    scorer *s = arg;
    const size_t V = (size_t)s->n_vocab;
    int lo = pos, hi = pos + rows;
    if (hi > s->ctx - 1) hi = s->ctx - 1; /* the last position predicts nothing here */
    if (lo >= hi) return 0;
    if (s->saving_base) {
        memcpy(s->base_logits + (size_t)(lo - s->first) * V, logits + (size_t)(lo - pos) * V,
               (size_t)(hi - lo) * V * sizeof(float));
        return 0;
    }
    /* threads pay off only when there is enough to share: a 512-token vocabulary is not */
    const int par = s->n_threads > 1 && (size_t)(hi - lo) * V >= ((size_t)1 << 18);
#pragma omp parallel for if (par) num_threads(s->n_threads) schedule(static)
    for (int j = lo; j < hi; j++) {
        const float *lg = logits + (size_t)(j - pos) * V;
        const int next = s->tokens[j + 1];
        q35_pos_score *o = &s->out[j - s->first];
        if (s->base_logits) {
            *o = q35_score_pair(s->base_logits + (size_t)(j - s->first) * V, lg, s->n_vocab, next);
        } else {
            o->nll = q35_nll(lg, s->n_vocab, next);
            o->nll_base = o->kld = 0;
            o->same_top = 1;
        }
    }
    return 0;
}

/* Threads on a shared machine. Every step of a batched forward pass ends at a barrier,
 * so when other processes keep the cores busy, the thread they share a core with holds
 * the other up at each one, and all threads together can be several times slower than
 * one (midi23M beside a single busy loop: 1,852 tokens/s on 2 threads, 2,389 on 1; with
 * more load, chunks took 4x longer on 2 threads than on 1). Chunks are all the same size,
 * so their times compare directly: after PACE_SLOW_RUN chunks in a row on all threads that
 * each took PACE_SLOW times the fastest one seen, one chunk runs on one thread, and if
 * it beats them the run stays on one thread, trying all threads again after PACE_RETRY
 * chunks, then twice as long after each try that loses (up to PACE_RETRY_MAX). A single
 * slow chunk (a hiccup) changes nothing, nor does anything on a quiet machine. The thread
 * count changes no result (see above). */
#define PACE_SLOW 1.25
#define PACE_SLOW_RUN 2   /* slow chunks in a row before trying one thread */
#define PACE_RETRY 8      /* chunks on one thread before trying all threads again */
#define PACE_RETRY_MAX 32

typedef struct pacer {
    int on;             /* more than one thread to choose from */
    int single;         /* running on one thread */
    int probe;          /* this chunk tries the other mode */
    int since;          /* chunks on one thread since the mode changed or was tried */
    int retry;          /* chunks on one thread before the next try of all threads */
    int slow;           /* slow chunks in a row on all threads */
    double best_all;    /* fastest chunk on all threads */
    double slow_all;    /* fastest of the slow chunks in a row */
    double last_one;    /* last chunk on one thread */
} pacer;

/* 1: run this chunk on one thread. */
static int pace_pick(pacer *p)
{
    p->probe = p->on && (p->single ? p->since >= p->retry : p->slow >= PACE_SLOW_RUN);
    return p->single ^ p->probe;
}

static void pace_record(pacer *p, int single, double t)
{
    if (single) {
        p->last_one = t;
        p->since++;
        if (p->probe) {
            p->slow = 0;
            if (t < p->slow_all) p->single = 1, p->since = 0, p->retry = PACE_RETRY;
        }
        return;
    }
    if (p->best_all == 0 || t < p->best_all) p->best_all = t;
    if (t > PACE_SLOW * p->best_all) {
        p->slow_all = p->slow++ ? (t < p->slow_all ? t : p->slow_all) : t;
    } else {
        p->slow = 0;
    }
    if (p->probe) {
        p->since = 0;
        if (t < p->last_one) p->single = 0, p->slow = 0;
        else if (p->retry < PACE_RETRY_MAX) p->retry *= 2;
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sums over every scored position, in order, and the statistics from them. */
static int summarize(const q35_pos_score *sc, size_t n, int has_base, q35_ppl_result *res, q35_err *err)
{
    double s = 0, s2 = 0, sb = 0, sb2 = 0, sk = 0, sk2 = 0;
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        s += sc[i].nll;
        s2 += sc[i].nll * sc[i].nll;
        sb += sc[i].nll_base;
        sb2 += sc[i].nll_base * sc[i].nll_base;
        sk += sc[i].kld;
        sk2 += sc[i].kld * sc[i].kld;
        same += (size_t)sc[i].same_top;
    }
    double mean, e;
    q35_mean_err(s, s2, n, &mean, &e);
    res->ppl = exp(mean);
    res->ppl_err = res->ppl * e; /* d exp(x) = exp(x) dx, as llama.cpp */
    if (!has_base) return 0;
    q35_mean_err(sb, sb2, n, &mean, &e);
    res->base_ppl = exp(mean);
    res->base_ppl_err = res->base_ppl * e;
    res->dppl = res->ppl / res->base_ppl - 1;
    q35_mean_err(sk, sk2, n, &res->kld_mean, &res->kld_err);
    res->top1 = n ? (double)same / (double)n : 0;
    double *k = q35_malloc(n * sizeof *k, err);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i] = sc[i].kld;
    qsort(k, n, sizeof *k, cmp_double);
    res->kld_p99 = q35_percentile(k, n, 0.99);
    free(k);
    return 0;
}

int q35_perplexity(const q35_model *m, const q35_backend *be, const q35_tokenizer *tok,
                   const char *text, size_t len, const q35_ppl_opts *o,
                   q35_ppl_result *res, q35_err *err)
{
    memset(res, 0, sizeof *res);
    const int ctx = o->ctx > 0 ? o->ctx : 512;
    const int n_vocab = m->cfg.vocab_size;
    if (ctx < 4 || ctx > (1 << 24)) return q35_fail(err, "perplexity: context %d is out of range [4, %d]", ctx, 1 << 24);
    if (o->base) {
        if (!o->base_backend) return q35_fail(err, "perplexity: a base model needs a backend");
        if (o->base->cfg.vocab_size != n_vocab)
            return q35_fail(err, "perplexity: the base model has %d tokens in its vocabulary, the model %d; "
                            "they must share one", o->base->cfg.vocab_size, n_vocab);
    }

    int32_t *toks = NULL;
    size_t n_tok = 0;
    if (q35_tokenize(tok, text, len, 1, &toks, &n_tok, err)) return -1;
    for (size_t i = 0; i < n_tok; i++)
        if (toks[i] < 0 || toks[i] >= n_vocab) {
            free(toks);
            return q35_fail(err, "perplexity: token id %d is outside the model's vocabulary of %d", toks[i], n_vocab);
        }
    res->n_tokens = (int64_t)n_tok;
    /* llama-perplexity's own requirement */
    if (n_tok < 2 * (size_t)ctx) {
        free(toks);
        return q35_fail(err, "you need at least %d tokens to evaluate perplexity with a context of %d; "
                        "the text tokenizes to only %zu token%s", 2 * ctx, ctx, n_tok, n_tok == 1 ? "" : "s");
    }
    int n_chunks = (int)(n_tok / (size_t)ctx);
    if (o->max_chunks > 0 && o->max_chunks < n_chunks) n_chunks = o->max_chunks;

    const int first = ctx / 2, n_score = ctx - 1 - first;
    const int batch = ctx - first < MAX_BATCH ? ctx - first : MAX_BATCH;
    int bos = -1;
    {
        /* the tokenizer's BOS, if its vocabulary has one: what it puts before "" */
        int32_t *b = NULL;
        size_t nb = 0;
        if (q35_tokenize(tok, "", 0, 1, &b, &nb, err)) {
            free(toks);
            return -1;
        }
        if (nb == 1) bos = b[0];
        free(b);
    }
    int rc = -1;
    run model, base;
    memset(&model, 0, sizeof model);
    memset(&base, 0, sizeof base);
    model.m = m, model.be = be, base.m = o->base, base.be = o->base_backend;
    q35_pos_score *scores = NULL;
    int32_t *chunk = NULL;
    scorer sc = { 0 };
    q35_progress prog;
    int prog_on = 0;

    if (q35_state_init(&model.st, &m->cfg, ctx, batch, err)) goto done;
    if (o->base && q35_state_init(&base.st, &o->base->cfg, ctx, batch, err)) goto done;
    size_t n_scored = (size_t)n_chunks * (size_t)n_score;
    scores = q35_calloc(n_scored, sizeof *scores, err);
    chunk = q35_malloc((size_t)ctx * sizeof *chunk, err);
    if (!scores || !chunk) goto done;
    sc.n_vocab = n_vocab;
    sc.first = first;
    sc.ctx = ctx;
    sc.n_threads = be->n_threads > 0 ? be->n_threads : 1;
    sc.tokens = chunk;
    if (o->base) {
        size_t nb;
        if (q35_mul_size((size_t)n_score * sizeof(float), (size_t)n_vocab, &nb)) {
            q35_fail(err, "perplexity: base logits too large");
            goto done;
        }
        sc.base_logits = q35_malloc(nb, err);
        if (!sc.base_logits) goto done;
    }

    if (o->progress) {
        q35_progress_begin(&prog, "perplexity", (uint64_t)n_chunks, "chunks");
        prog_on = 1;
    }
    double t_model = 0;
    /* the same backends on one thread, for the pacer (a backend is a value) */
    q35_backend be_one = *be, base_one = o->base ? *o->base_backend : *be;
    be_one.n_threads = base_one.n_threads = 1;
    pacer pace = {.on = be->n_threads > 1 || (o->base && o->base_backend->n_threads > 1)};
    for (int c = 0; c < n_chunks; c++) {
        memcpy(chunk, toks + (size_t)c * (size_t)ctx, (size_t)ctx * sizeof *chunk);
        if (bos >= 0) chunk[0] = bos;
        sc.out = scores + (size_t)c * (size_t)n_score;
        const int single = pace_pick(&pace);
        model.be = single ? &be_one : be;
        base.be = single ? &base_one : o->base_backend;
        sc.n_threads = single || be->n_threads < 1 ? 1 : be->n_threads;
        const double t_chunk = q35_now();
        if (o->base) {
            sc.saving_base = 1;
            if (run_chunk(&base, chunk, ctx, first, on_logits, &sc, err)) goto done;
            sc.saving_base = 0;
        }
        double t0 = q35_now();
        if (run_chunk(&model, chunk, ctx, first, on_logits, &sc, err)) goto done;
        t_model += q35_now() - t0;
        pace_record(&pace, single, q35_now() - t_chunk);
        if (prog_on) q35_progress_update(&prog, (uint64_t)c + 1);
    }
    if (prog_on) q35_progress_end(&prog);
    prog_on = 0;

    res->n_chunks = n_chunks;
    res->n_scored = (int64_t)n_scored;
    res->seconds = t_model;
    res->tok_per_s = t_model > 0 ? (double)n_chunks * ctx / t_model : 0;
    res->has_base = o->base != NULL;
    if (summarize(scores, n_scored, res->has_base, res, err)) goto done;
    res->peak_rss = q35_peak_rss();
    rc = 0;
done:
    if (prog_on) q35_progress_end(&prog);
    q35_state_free(&model.st);
    if (o->base) q35_state_free(&base.st);
    free(sc.base_logits);
    free(scores);
    free(chunk);
    free(toks);
    return rc;
}
