/* The LLaMA forward pass over a batch of tokens at consecutive positions.
 *
 * Per layer:  h = x + Wo * Attention(RoPE(Wq * norm(x)), RoPE(Wk * norm(x)), Wv * norm(x))
 *             x = h + Wdown * (silu(Wgate * norm(h)) * (Wup * norm(h)))
 * and at the end logits = Wout * norm(x). The matrix products go through the backend;
 * everything else is llama2.c's arithmetic (model/ops.c), in llama2.c's order, so that an
 * F32 model gives llama2.c's logits bit for bit on the "ref" backend, and on "cpu" one
 * token at a time. A batch is the same computation for n rows: a query at position p
 * sees the cache at positions 0..p only, so writing the whole batch's keys before
 * attending changes nothing.
 *
 * Batches on a backend that is not exact (perplexity, calibration) take a faster road
 * that rounds differently: float copies of the weights (wcache.c), the elementwise ops
 * with SIMD sums and exp (ops_fast.c), one token per thread for them, attention by sgemm,
 * and, when no observer watches, the last layer only for the rows whose logits are asked
 * for (the other rows need just its keys and values). */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "model/model_internal.h"
#include "model/ops.h"
#include "q35/model.h"

/* Y = W * X for n rows of activations: the backend's matvec when n == 1. A batch on a
 * backend that may round differently multiplies by the backend's prepared copy of W from
 * the state when it has or can make one (wcache.c): the same product up to rounding. */
static void linear(const q35_backend *be, q35_state *s, const q35_matrix *w, const float *X, int n, float *Y)
{
    const void *packed;
    if (n == 1) be->matvec(be, w, X, Y);
    else if (!be->exact && n >= Q35_WCACHE_MIN_BATCH && (packed = q35_wcache_get(s, be, w)))
        be->matmul_packed(be, w, packed, X, n, Y);
    else be->matmul(be, w, X, n, Y);
}

static void observe(const q35_state *s, int layer, int site, const float *X, int n, int cols)
{
    if (s->observer.fn) s->observer.fn(s->observer.ctx, layer, site, X, n, cols);
}

/* Reads through the type's to_float, so a quantized embedding works too. */
static void embed(const q35_matrix *e, int token, float *out)
{
    e->traits->to_float(e->data + (size_t)token * e->row_bytes, e->cols, out);
}

/* Causal multi-head attention with grouped KV heads, exactly as llama2.c: for queries
 * s->q[0..n) at positions pos0..pos0+n-1, scores q.k / sqrt(head_dim) over positions
 * 0..pos, softmax, then the weighted sum of values in position order, into s->xb.
 * Queries run one after another; the heads of a query run in parallel. */
static void attention_exact(const q35_model *m, const q35_backend *be, q35_state *s, int layer, int n, int pos0)
{
    const q35_llama_config *p = &m->cfg;
    const int dim = p->dim, hd = p->head_dim, n_heads = p->n_heads;
    const int kv_dim = p->n_kv_heads * hd, kv_mul = p->n_heads / p->n_kv_heads;
    const size_t loff = (size_t)layer * (size_t)s->max_seq * (size_t)kv_dim;
    const float *key_cache = s->key_cache + loff, *value_cache = s->value_cache + loff;
    const float scale = sqrtf((float)hd);
    const double work = (double)n * n_heads * (pos0 + n) * hd;
    const int nt = be->n_threads > 1 && work > 32768 ? be->n_threads : 1;

#pragma omp parallel num_threads(nt) if (nt > 1)
    for (int t = 0; t < n; t++) {
        const int pos = pos0 + t;
#pragma omp for schedule(static)
        for (int h = 0; h < n_heads; h++) {
            const float *q = s->q + (size_t)t * dim + (size_t)h * hd;
            const float *keys = key_cache + (size_t)(h / kv_mul) * hd;
            const float *values = value_cache + (size_t)(h / kv_mul) * hd;
            float *att = s->att + (size_t)h * s->max_seq;
            int tt = 0;
            /* four positions at a time: four independent sums, each still in i order */
            for (; tt + 4 <= pos + 1; tt += 4) {
                const float *k0 = keys + (size_t)tt * kv_dim, *k1 = k0 + kv_dim, *k2 = k1 + kv_dim, *k3 = k2 + kv_dim;
                float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
                for (int i = 0; i < hd; i++) {
                    s0 += q[i] * k0[i];
                    s1 += q[i] * k1[i];
                    s2 += q[i] * k2[i];
                    s3 += q[i] * k3[i];
                }
                att[tt] = s0 / scale, att[tt + 1] = s1 / scale, att[tt + 2] = s2 / scale, att[tt + 3] = s3 / scale;
            }
            for (; tt <= pos; tt++) {
                const float *k = keys + (size_t)tt * kv_dim;
                float score = 0.0f;
                for (int i = 0; i < hd; i++) score += q[i] * k[i];
                att[tt] = score / scale;
            }
            q35_softmax(att, pos + 1);
            float *out = s->xb + (size_t)t * dim + (size_t)h * hd;
            memset(out, 0, (size_t)hd * sizeof *out);
            for (tt = 0; tt <= pos; tt++) {
                const float *v = values + (size_t)tt * kv_dim;
                const float a = att[tt];
#pragma omp simd
                for (int i = 0; i < hd; i++) out[i] += a * v[i]; /* lanes are independent sums */
            }
        }
    }
}

/* The same attention for a batch as matrix products, which is what makes perplexity
 * fast: per head and block of queries, S = Q K^T / sqrt(head_dim) over the cached
 * positions the block can see (sgemm), a causal softmax per row (later positions
 * zeroed), then O = S V (sgemm). The sums run in sgemm's order, not llama2.c's.
 * Blocks of ATT_BLOCK queries keep the masked part of S (work done for nothing) small
 * while leaving sgemm rows enough to be efficient. Threads take (head, block) pairs, each
 * with its own rows of s->att. */
#define ATT_BLOCK 64
static void attention_batched(const q35_model *m, const q35_backend *be, q35_state *s, int layer, int n, int pos0)
{
    const q35_llama_config *p = &m->cfg;
    const int dim = p->dim, hd = p->head_dim, n_heads = p->n_heads;
    const int kv_dim = p->n_kv_heads * hd, kv_mul = p->n_heads / p->n_kv_heads;
    const size_t loff = (size_t)layer * (size_t)s->max_seq * (size_t)kv_dim;
    const float *key_cache = s->key_cache + loff, *value_cache = s->value_cache + loff;
    const float inv_scale = 1.0f / sqrtf((float)hd);
    const int att_rows = q35_att_rows(p, s->max_batch);
    int nt = be->n_threads < att_rows ? be->n_threads : att_rows;
    if ((double)n * (pos0 + n) * hd * n_heads < 65536) nt = 1;
    const int block = att_rows / nt < ATT_BLOCK ? att_rows / nt : ATT_BLOCK;
    const int n_blocks = (n + block - 1) / block;

    /* largest blocks first, so that dynamic scheduling ends with the small ones */
#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1)
    for (int job = 0; job < n_heads * n_blocks; job++) {
        const int h = job % n_heads, r0 = (n_blocks - 1 - job / n_heads) * block;
        const int rows = n - r0 < block ? n - r0 : block, T = pos0 + r0 + rows;
        const float *K = key_cache + (size_t)(h / kv_mul) * hd, *V = value_cache + (size_t)(h / kv_mul) * hd;
        float *S = s->att + (size_t)omp_get_thread_num() * block * s->max_seq; /* rows x T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, T, hd, inv_scale,
                    s->q + (size_t)r0 * dim + (size_t)h * hd, dim, K, kv_dim, 0.0f, S, T);
        for (int r = 0; r < rows; r++) {
            float *row = S + (size_t)r * T;
            const int seen = pos0 + r0 + r + 1;
            q35_softmax_fast(row, seen);
            memset(row + seen, 0, (size_t)(T - seen) * sizeof *row);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hd, T, 1.0f, S, T, V, kv_dim, 0.0f,
                    s->xb + (size_t)r0 * dim + (size_t)h * hd, dim);
    }
}

/* Threads for the per-token loops of a batch: only where there is enough to share. The
 * results do not depend on it (each token's row is computed the same way). */
static int row_threads(const q35_backend *be, int rows, int width)
{
    return be->n_threads > 1 && (double)rows * width >= 16384 ? be->n_threads : 1;
}

const float *q35_forward(const q35_model *m, const q35_backend *be, q35_state *s,
                         const int32_t *tokens, int n, int pos0, int all_logits)
{
    const q35_llama_config *p = &m->cfg;
    if (n <= 0 || n > s->max_batch || pos0 < 0 || pos0 > s->max_seq - n) return NULL;
    for (int t = 0; t < n; t++)
        if (tokens[t] < 0 || tokens[t] >= p->vocab_size) return NULL;
    const int dim = p->dim, hidden = p->hidden_dim, kv_dim = p->n_kv_heads * p->head_dim, rd = p->rope_dim;
    const float eps = p->norm_eps;
    const int fast = n > 1 && !be->exact;
    void (*norm)(float *, const float *, const float *, int, float) = fast ? q35_rmsnorm_fast : q35_rmsnorm;
    void (*swiglu)(float *, const float *, int) = fast ? q35_swiglu_fast : q35_swiglu;
    /* rows whose logits are asked for; without an observer, the last layer runs its
     * query, attention and FFN for these rows only */
    const int first = all_logits ? 0 : n - 1;
    const int last_r0 = s->observer.fn ? 0 : first;
#define ROW(buf, t, width) ((buf) + (size_t)(t) * (size_t)(width))

    int nt = row_threads(be, n, dim);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int t = 0; t < n; t++) {
        embed(&m->tok_embd, tokens[t], ROW(s->x, t, dim));
        q35_rope_angles(ROW(s->rope, t, rd), rd, pos0 + t, p->rope_base, m->rope_freqs);
    }

    for (int l = 0; l < p->n_layers; l++) {
        const q35_layer *L = &m->layers[l];
        /* rows r0..n-1 go through the whole layer, as nq rows of s->q, s->xb, s->hb */
        const int r0 = l == p->n_layers - 1 ? last_r0 : 0, nq = n - r0;

        /* attention block */
        nt = row_threads(be, n, dim);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int t = 0; t < n; t++) norm(ROW(s->xb, t, dim), ROW(s->x, t, dim), L->attn_norm, dim, eps);
        observe(s, l, Q35_SITE_ATTN_IN, s->xb, n, dim);
        linear(be, s, &L->wq, ROW(s->xb, r0, dim), nq, s->q);
        linear(be, s, &L->wk, s->xb, n, s->k);
        linear(be, s, &L->wv, s->xb, n, s->v);
        const size_t loff = (size_t)l * (size_t)s->max_seq * (size_t)kv_dim;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int t = 0; t < n; t++) {
            const float *cs = ROW(s->rope, t, rd);
            if (t >= r0) q35_rope_apply(ROW(s->q, t - r0, dim), p->n_heads, p->head_dim, rd, cs);
            q35_rope_apply(ROW(s->k, t, kv_dim), p->n_kv_heads, p->head_dim, rd, cs);
            memcpy(ROW(s->key_cache + loff, pos0 + t, kv_dim), ROW(s->k, t, kv_dim), (size_t)kv_dim * sizeof(float));
            memcpy(ROW(s->value_cache + loff, pos0 + t, kv_dim), ROW(s->v, t, kv_dim), (size_t)kv_dim * sizeof(float));
        }
        if (nq == 1 || be->exact) attention_exact(m, be, s, l, nq, pos0 + r0);
        else attention_batched(m, be, s, l, nq, pos0 + r0);
        observe(s, l, Q35_SITE_ATTN_OUT, s->xb, nq, dim);
        linear(be, s, &L->wo, s->xb, nq, s->xb2);
        nt = row_threads(be, nq, dim);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int t = 0; t < nq; t++) {
            q35_add(ROW(s->x, r0 + t, dim), ROW(s->xb2, t, dim), dim);
            norm(ROW(s->xb, t, dim), ROW(s->x, r0 + t, dim), L->ffn_norm, dim, eps);
        }

        /* feed-forward block (SwiGLU) */
        observe(s, l, Q35_SITE_FFN_IN, s->xb, nq, dim);
        linear(be, s, &L->w_gate, s->xb, nq, s->hb);
        linear(be, s, &L->w_up, s->xb, nq, s->hb2);
        nt = row_threads(be, nq, hidden);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int t = 0; t < nq; t++) swiglu(ROW(s->hb, t, hidden), ROW(s->hb2, t, hidden), hidden);
        observe(s, l, Q35_SITE_FFN_MID, s->hb, nq, hidden);
        linear(be, s, &L->w_down, s->hb, nq, s->xb);
        nt = row_threads(be, nq, dim);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int t = 0; t < nq; t++) q35_add(ROW(s->x, r0 + t, dim), ROW(s->xb, t, dim), dim);
    }

    /* final norm and output head, for every row or just the last */
    nt = row_threads(be, n - first, dim);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int t = first; t < n; t++) norm(ROW(s->xb, t, dim), ROW(s->x, t, dim), m->output_norm, dim, eps);
    observe(s, -1, Q35_SITE_OUTPUT, ROW(s->xb, first, dim), n - first, dim);
    linear(be, s, &m->output, ROW(s->xb, first, dim), n - first, s->logits);
#undef ROW
    return s->logits;
}
