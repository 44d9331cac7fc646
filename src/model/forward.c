/* The LLaMA forward pass over a batch of tokens at consecutive positions.
 *
 * Per layer:  h = x + Wo * Attention(RoPE(Wq * norm(x)), RoPE(Wk * norm(x)), Wv * norm(x))
 *             x = h + Wdown * (silu(Wgate * norm(h)) * (Wup * norm(h)))
 * and at the end logits = Wout * norm(x). The matrix products go through the backend;
 * everything else is llama2.c's arithmetic (model/ops.c), in llama2.c's order, so that an
 * F32 model gives llama2.c's logits bit for bit on the "ref" backend, and on "cpu" one
 * token at a time. A batch is the same computation for n rows: a query at position p
 * sees the cache at positions 0..p only, so writing the whole batch's keys before
 * attending changes nothing. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "model/model_internal.h"
#include "model/ops.h"
#include "q35/model.h"

/* Y = W * X for n rows of activations: the backend's matvec when n == 1. */
static void linear(const q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y)
{
    if (n == 1) be->matvec(be, w, X, Y);
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
 * Threads take (head, block) pairs, each with its own rows of s->att. */
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
    const int block = att_rows / nt;
    const int n_blocks = (n + block - 1) / block;

#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1)
    for (int job = 0; job < n_heads * n_blocks; job++) {
        const int h = job / n_blocks, r0 = (job % n_blocks) * block;
        const int rows = n - r0 < block ? n - r0 : block, T = pos0 + r0 + rows;
        const float *K = key_cache + (size_t)(h / kv_mul) * hd, *V = value_cache + (size_t)(h / kv_mul) * hd;
        float *S = s->att + (size_t)omp_get_thread_num() * block * s->max_seq; /* rows x T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, T, hd, inv_scale,
                    s->q + (size_t)r0 * dim + (size_t)h * hd, dim, K, kv_dim, 0.0f, S, T);
        for (int r = 0; r < rows; r++) {
            float *row = S + (size_t)r * T;
            const int seen = pos0 + r0 + r + 1;
            q35_softmax(row, seen);
            memset(row + seen, 0, (size_t)(T - seen) * sizeof *row);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hd, T, 1.0f, S, T, V, kv_dim, 0.0f,
                    s->xb + (size_t)r0 * dim + (size_t)h * hd, dim);
    }
}

const float *q35_forward(const q35_model *m, const q35_backend *be, q35_state *s,
                         const int32_t *tokens, int n, int pos0, int all_logits)
{
    const q35_llama_config *p = &m->cfg;
    if (n <= 0 || n > s->max_batch || pos0 < 0 || pos0 > s->max_seq - n) return NULL;
    for (int t = 0; t < n; t++)
        if (tokens[t] < 0 || tokens[t] >= p->vocab_size) return NULL;
    const int dim = p->dim, hidden = p->hidden_dim, kv_dim = p->n_kv_heads * p->head_dim;
    const float eps = p->norm_eps;
#define ROW(buf, t, width) ((buf) + (size_t)(t) * (size_t)(width))

    for (int t = 0; t < n; t++) embed(&m->tok_embd, tokens[t], ROW(s->x, t, dim));

    for (int l = 0; l < p->n_layers; l++) {
        const q35_layer *L = &m->layers[l];

        /* attention block */
        for (int t = 0; t < n; t++) q35_rmsnorm(ROW(s->xb, t, dim), ROW(s->x, t, dim), L->attn_norm, dim, eps);
        observe(s, l, Q35_SITE_ATTN_IN, s->xb, n, dim);
        linear(be, &L->wq, s->xb, n, s->q);
        linear(be, &L->wk, s->xb, n, s->k);
        linear(be, &L->wv, s->xb, n, s->v);
        const size_t loff = (size_t)l * (size_t)s->max_seq * (size_t)kv_dim;
        for (int t = 0; t < n; t++) {
            q35_rope(ROW(s->q, t, dim), p->n_heads, ROW(s->k, t, kv_dim), p->n_kv_heads, p->head_dim, p->rope_dim,
                     pos0 + t, p->rope_base);
            memcpy(ROW(s->key_cache + loff, pos0 + t, kv_dim), ROW(s->k, t, kv_dim), (size_t)kv_dim * sizeof(float));
            memcpy(ROW(s->value_cache + loff, pos0 + t, kv_dim), ROW(s->v, t, kv_dim), (size_t)kv_dim * sizeof(float));
        }
        if (n == 1 || be->exact) attention_exact(m, be, s, l, n, pos0);
        else attention_batched(m, be, s, l, n, pos0);
        observe(s, l, Q35_SITE_ATTN_OUT, s->xb, n, dim);
        linear(be, &L->wo, s->xb, n, s->xb2);
        for (int t = 0; t < n; t++) q35_add(ROW(s->x, t, dim), ROW(s->xb2, t, dim), dim);

        /* feed-forward block (SwiGLU) */
        for (int t = 0; t < n; t++) q35_rmsnorm(ROW(s->xb, t, dim), ROW(s->x, t, dim), L->ffn_norm, dim, eps);
        observe(s, l, Q35_SITE_FFN_IN, s->xb, n, dim);
        linear(be, &L->w_gate, s->xb, n, s->hb);
        linear(be, &L->w_up, s->xb, n, s->hb2);
        for (int t = 0; t < n; t++) q35_swiglu(ROW(s->hb, t, hidden), ROW(s->hb2, t, hidden), hidden);
        observe(s, l, Q35_SITE_FFN_MID, s->hb, n, hidden);
        linear(be, &L->w_down, s->hb, n, s->xb);
        for (int t = 0; t < n; t++) q35_add(ROW(s->x, t, dim), ROW(s->xb, t, dim), dim);
    }

    /* final norm and output head, for every row or just the last */
    const int first = all_logits ? 0 : n - 1;
    for (int t = first; t < n; t++) q35_rmsnorm(ROW(s->xb, t, dim), ROW(s->x, t, dim), m->output_norm, dim, eps);
    observe(s, -1, Q35_SITE_OUTPUT, ROW(s->xb, first, dim), n - first, dim);
    linear(be, &m->output, ROW(s->xb, first, dim), n - first, s->logits);
#undef ROW
    return s->logits;
}
