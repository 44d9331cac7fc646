/* Tests for src/model and the CPU backends: the forward pass against an independent
 * float64 reference, the two backends and the two file formats against each other, batched
 * against token-by-token decoding, and the loader's shape checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/ckpt.h"
#include "q35/model.h"
#include "q35/types.h"
#include "test_support.h"

/* ---- a float64 reference forward, written from the LLaMA equations, not from ops.c ---- */

/* Row r of a matrix, decoded and widened. */
static void row_f64(const q35_matrix *w, int64_t r, double *out)
{
    float *tmp = malloc((size_t)w->cols * sizeof *tmp);
    assert_non_null(tmp);
    w->traits->to_float(w->data + (size_t)r * w->row_bytes, w->cols, tmp);
    for (int64_t j = 0; j < w->cols; j++) out[j] = tmp[j];
    free(tmp);
}

static void matvec_f64(const q35_matrix *w, const double *x, double *y)
{
    double *row = malloc((size_t)w->cols * sizeof *row);
    assert_non_null(row);
    for (int64_t r = 0; r < w->rows; r++) {
        row_f64(w, r, row);
        double s = 0;
        for (int64_t j = 0; j < w->cols; j++) s += row[j] * x[j];
        y[r] = s;
    }
    free(row);
}

static void rmsnorm_f64(const double *x, const float *w, int n, double eps, double *out)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double inv = 1.0 / sqrt(ss / n + eps);
    for (int i = 0; i < n; i++) out[i] = x[i] * inv * w[i];
}

/* Logits (n x vocab) of tokens at positions 0..n-1. */
static void forward_f64(const q35_model *m, const int32_t *tokens, int n, double *logits)
{
    const q35_llama_config *p = &m->cfg;
    const int dim = p->dim, hd = p->head_dim, kvd = p->n_kv_heads * hd, hid = p->hidden_dim;
    const int group = p->n_heads / p->n_kv_heads;
    double *x = calloc((size_t)dim, sizeof *x), *xn = calloc((size_t)dim, sizeof *xn);
    double *q = calloc((size_t)dim, sizeof *q), *att_out = calloc((size_t)dim, sizeof *att_out);
    double *tmp = calloc((size_t)dim, sizeof *tmp), *g = calloc((size_t)hid, sizeof *g);
    double *u = calloc((size_t)hid, sizeof *u), *sc = calloc((size_t)n, sizeof *sc);
    double *K = calloc((size_t)p->n_layers * n * kvd, sizeof *K), *V = calloc((size_t)p->n_layers * n * kvd, sizeof *V);
    assert_true(x && xn && q && att_out && tmp && g && u && sc && K && V);
    for (int t = 0; t < n; t++) {
        row_f64(&m->tok_embd, tokens[t], x);
        for (int l = 0; l < p->n_layers; l++) {
            const q35_layer *L = &m->layers[l];
            double *k = K + ((size_t)l * n + t) * kvd, *v = V + ((size_t)l * n + t) * kvd;
            rmsnorm_f64(x, L->attn_norm, dim, p->norm_eps, xn);
            matvec_f64(&L->wq, xn, q);
            matvec_f64(&L->wk, xn, k);
            matvec_f64(&L->wv, xn, v);
            /* rotate pairs (2i, 2i+1) of every head by t * base^(-2i/rope_dim) */
            for (int i = 0; i < p->rope_dim; i += 2) {
                double a = t * pow(p->rope_base, -(double)i / p->rope_dim), c = cos(a), s = sin(a);
                for (int h = 0; h < p->n_heads; h++) {
                    double *e = q + h * hd + i, e0 = e[0], e1 = e[1];
                    e[0] = e0 * c - e1 * s, e[1] = e0 * s + e1 * c;
                }
                for (int h = 0; h < p->n_kv_heads; h++) {
                    double *e = k + h * hd + i, e0 = e[0], e1 = e[1];
                    e[0] = e0 * c - e1 * s, e[1] = e0 * s + e1 * c;
                }
            }
            for (int h = 0; h < p->n_heads; h++) {
                const int kh = h / group;
                double mx = -INFINITY, sum = 0;
                for (int s = 0; s <= t; s++) {
                    const double *ks = K + ((size_t)l * n + s) * kvd + kh * hd;
                    double d = 0;
                    for (int i = 0; i < hd; i++) d += q[h * hd + i] * ks[i];
                    sc[s] = d / sqrt((double)hd);
                    if (sc[s] > mx) mx = sc[s];
                }
                for (int s = 0; s <= t; s++) sum += sc[s] = exp(sc[s] - mx);
                for (int i = 0; i < hd; i++) {
                    double o = 0;
                    for (int s = 0; s <= t; s++) o += sc[s] / sum * V[((size_t)l * n + s) * kvd + kh * hd + i];
                    att_out[h * hd + i] = o;
                }
            }
            matvec_f64(&L->wo, att_out, tmp);
            for (int i = 0; i < dim; i++) x[i] += tmp[i];
            rmsnorm_f64(x, L->ffn_norm, dim, p->norm_eps, xn);
            matvec_f64(&L->w_gate, xn, g);
            matvec_f64(&L->w_up, xn, u);
            for (int i = 0; i < hid; i++) g[i] = g[i] / (1 + exp(-g[i])) * u[i];
            matvec_f64(&L->w_down, g, tmp);
            for (int i = 0; i < dim; i++) x[i] += tmp[i];
        }
        rmsnorm_f64(x, m->output_norm, dim, p->norm_eps, xn);
        matvec_f64(&m->output, xn, logits + (size_t)t * p->vocab_size);
    }
    free(x), free(xn), free(q), free(att_out), free(tmp), free(g), free(u), free(sc), free(K), free(V);
}

/* max |a - b| / max |b| over a row of n */
static double rel_err(const float *a, const double *b, int n)
{
    double d = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        if (fabs(a[i] - b[i]) > d) d = fabs(a[i] - b[i]);
        if (fabs(b[i]) > mx) mx = fabs(b[i]);
    }
    return mx > 0 ? d / mx : d;
}

static double rel_err_f(const float *a, const float *b, int n)
{
    double d = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        if (fabs((double)a[i] - b[i]) > d) d = fabs((double)a[i] - b[i]);
        if (fabs(b[i]) > mx) mx = fabs(b[i]);
    }
    return mx > 0 ? d / mx : d;
}

/* ---- helpers over a loaded model ---- */

/* Logits of tokens[0..n) fed one position at a time (n x vocab). */
static float *decode_each(const q35_model *m, const q35_backend *be, const int32_t *tokens, int n)
{
    const int V = m->cfg.vocab_size;
    q35_state s;
    q35_err err;
    assert_int_equal(q35_state_init(&s, &m->cfg, n, 1, &err), 0);
    float *out = malloc((size_t)n * V * sizeof *out);
    assert_non_null(out);
    for (int t = 0; t < n; t++) {
        const float *lg = q35_forward(m, be, &s, tokens + t, 1, t, 0);
        assert_non_null(lg);
        memcpy(out + (size_t)t * V, lg, (size_t)V * sizeof *out);
    }
    q35_state_free(&s);
    return out;
}

/* Logits of tokens[0..n) fed as batches of `batch` (n x vocab, all rows). */
static float *decode_batched(const q35_model *m, const q35_backend *be, const int32_t *tokens, int n, int batch)
{
    const int V = m->cfg.vocab_size;
    q35_state s;
    q35_err err;
    assert_int_equal(q35_state_init(&s, &m->cfg, n, batch, &err), 0);
    float *out = malloc((size_t)n * V * sizeof *out);
    assert_non_null(out);
    for (int t = 0; t < n; t += batch) {
        int nb = n - t < batch ? n - t : batch;
        const float *lg = q35_forward(m, be, &s, tokens + t, nb, t, 1);
        assert_non_null(lg);
        memcpy(out + (size_t)t * V, lg, (size_t)nb * V * sizeof *out);
    }
    q35_state_free(&s);
    return out;
}

static void backend(const char *name, q35_backend *be)
{
    q35_err err;
    assert_int_equal(q35_backend_get(name, 2, be, &err), 0);
}

/* A fixed token sequence that starts with BOS and covers the vocabulary. */
static void some_tokens(int32_t *tok, int n, int vocab)
{
    tok[0] = 1;
    for (int i = 1; i < n; i++) tok[i] = (int32_t)((i * 37 + 11) % vocab);
}

/* ---- the stories260K fixture in both formats ---- */

typedef struct loaded {
    q35_ckpt ck;
    q35_model m;
} loaded;

static void load(loaded *L, const char *path, const char *tok)
{
    q35_err err;
    if (q35_ckpt_open(path, tok, &L->ck, &err)) fail_msg("%s", err.msg);
    if (q35_model_load(&L->ck, &L->m, &err)) fail_msg("%s", err.msg);
}

static void unload(loaded *L)
{
    q35_model_free(&L->m);
    q35_ckpt_close(&L->ck);
}

static void test_fixture_config(void **state)
{
    (void)state;
    loaded g;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    const q35_llama_config *p = &g.m.cfg;
    assert_int_equal(p->dim, 64);
    assert_int_equal(p->hidden_dim, 172);
    assert_int_equal(p->n_layers, 5);
    assert_int_equal(p->n_heads, 8);
    assert_int_equal(p->n_kv_heads, 4);
    assert_int_equal(p->vocab_size, 512);
    assert_false(g.m.tied_output);
    assert_true(g.m.layers[4].wk.rows == 32 && g.m.layers[4].wk.cols == 64);
    unload(&g);
}

/* The same weights from GGUF and from llama2.c's format give the same logits, bit for bit. */
static void test_gguf_equals_llama2c(void **state)
{
    (void)state;
    loaded g, c;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    load(&c, t_fixture("stories260K.l2c.bin"), t_fixture("tok512.bin"));
    enum { N = 40 };
    int32_t tok[N];
    some_tokens(tok, N, 512);
    q35_backend ref;
    backend("ref", &ref);
    float *a = decode_each(&g.m, &ref, tok, N), *b = decode_each(&c.m, &ref, tok, N);
    assert_memory_equal(a, b, (size_t)N * 512 * sizeof(float));
    free(a), free(b);
    unload(&g), unload(&c);
}

/* The ref backend against the float64 reference, on the first positions. */
static void test_ref_against_f64(void **state)
{
    (void)state;
    loaded g;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    enum { N = 8 };
    int32_t tok[N];
    some_tokens(tok, N, 512);
    q35_backend ref;
    backend("ref", &ref);
    float *a = decode_each(&g.m, &ref, tok, N);
    double *want = malloc((size_t)N * 512 * sizeof *want);
    forward_f64(&g.m, tok, N, want);
    for (int t = 0; t < N; t++) {
        double e = rel_err(a + t * 512, want + t * 512, 512);
        if (e > 1e-4) fail_msg("position %d: relative error %g", t, e);
    }
    free(a), free(want);
    unload(&g);
}

/* cpu against ref: F32 decoding is exact by design; batches go through sgemm. */
static void test_cpu_against_ref(void **state)
{
    (void)state;
    loaded g;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    enum { N = 48 };
    int32_t tok[N];
    some_tokens(tok, N, 512);
    q35_backend ref, cpu;
    backend("ref", &ref);
    backend("cpu", &cpu);
    float *a = decode_each(&g.m, &ref, tok, N), *b = decode_each(&g.m, &cpu, tok, N);
    assert_memory_equal(a, b, (size_t)N * 512 * sizeof(float));
    float *c = decode_batched(&g.m, &cpu, tok, N, 16);
    for (int t = 0; t < N; t++) {
        double e = rel_err_f(c + t * 512, a + t * 512, 512);
        if (e > 1e-4) fail_msg("batch of 16, position %d: relative error %g", t, e);
    }
    free(a), free(b), free(c);
    unload(&g);
}

/* Batches (of odd sizes, at non-zero start positions) against one token at a time: exact
 * on ref, whose matmul is its matvec; close on cpu. */
static void test_batch_against_single(void **state)
{
    (void)state;
    loaded g;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    enum { N = 37 };
    int32_t tok[N];
    some_tokens(tok, N, 512);
    const char *names[] = {"ref", "cpu"};
    for (int b = 0; b < 2; b++) {
        q35_backend be;
        backend(names[b], &be);
        float *one = decode_each(&g.m, &be, tok, N);
        const int sizes[] = {N, 16, 5};
        for (int k = 0; k < 3; k++) {
            float *many = decode_batched(&g.m, &be, tok, N, sizes[k]);
            if (b == 0) assert_memory_equal(one, many, (size_t)N * 512 * sizeof(float));
            for (int t = 0; t < N; t++) {
                double e = rel_err_f(many + t * 512, one + t * 512, 512);
                if (e > 1e-4) fail_msg("%s, batch %d, position %d: relative error %g", names[b], sizes[k], t, e);
            }
            free(many);
        }
        free(one);
    }
    unload(&g);
}

/* Only the last row comes back without all_logits, and it is the same row. */
static void test_last_logits(void **state)
{
    (void)state;
    loaded g;
    load(&g, t_fixture("stories260K.gguf"), NULL);
    int32_t tok[12];
    some_tokens(tok, 12, 512);
    q35_backend ref;
    backend("ref", &ref);
    float *all = decode_batched(&g.m, &ref, tok, 12, 12);
    q35_state s;
    q35_err err;
    assert_int_equal(q35_state_init(&s, &g.m.cfg, 12, 12, &err), 0);
    const float *last = q35_forward(&g.m, &ref, &s, tok, 12, 0, 0);
    assert_memory_equal(last, all + 11 * 512, 512 * sizeof(float));
    /* out of range: too many, past the end, bad token */
    assert_null(q35_forward(&g.m, &ref, &s, tok, 13, 0, 0));
    assert_null(q35_forward(&g.m, &ref, &s, tok, 2, 11, 0));
    int32_t bad = 512;
    assert_null(q35_forward(&g.m, &ref, &s, &bad, 1, 0, 0));
    q35_state_free(&s);
    free(all);
    unload(&g);
}

/* ---- a small model built in memory: GQA, half-precision norms, tied or quantized ---- */

typedef struct synth {
    q35_ckpt ck;
    q35_tensor t[64];
    void *blobs[64];
    char names[64][48];
} synth;

static void add_tensor(synth *S, const char *name, uint32_t type, int64_t ne0, int64_t ne1, uint64_t *seed, float sc)
{
    const q35_type_traits *tr = q35_type_by_id(type);
    assert_non_null(tr);
    int i = S->ck.n_tensors++;
    size_t rb = tr->row_bytes(ne0);
    float *row = malloc((size_t)ne0 * sizeof *row);
    uint8_t *data = malloc(rb * (size_t)ne1);
    assert_true(row && data);
    for (int64_t r = 0; r < ne1; r++) {
        for (int64_t j = 0; j < ne0; j++) row[j] = ne1 == 1 ? 1.0f + 0.2f * t_rand_normal(seed) : sc * t_rand_normal(seed);
        tr->from_float(row, ne0, data + rb * (size_t)r);
    }
    free(row);
    snprintf(S->names[i], sizeof S->names[i], "%s", name);
    S->blobs[i] = data;
    S->t[i] = (q35_tensor){.name = S->names[i], .type = type, .n_dims = ne1 == 1 ? 1 : 2,
                           .ne = {ne0, ne1, 1, 1}, .data = data, .nbytes = rb * (size_t)ne1};
}

/* dim 32, 4 heads of 8, 2 kv heads, hidden 48, 2 layers, vocab 40. */
static void synth_build(synth *S, uint32_t wtype, uint32_t norm_type, int tied, uint64_t seed)
{
    memset(S, 0, sizeof *S);
    S->ck.path = "synthetic";
    S->ck.format = "gguf";
    S->ck.cfg = (q35_llama_config){.dim = 32, .hidden_dim = 48, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
                                   .head_dim = 8, .rope_dim = 8, .vocab_size = 40, .ctx_len = 64,
                                   .norm_eps = 1e-5f, .rope_base = 10000.0f};
    S->ck.tensors = S->t;
    uint64_t s = seed;
    add_tensor(S, "token_embd.weight", wtype, 32, 40, &s, 1.0f);
    add_tensor(S, "output_norm.weight", norm_type, 32, 1, &s, 0);
    if (!tied) add_tensor(S, "output.weight", wtype, 32, 40, &s, 0.2f);
    for (int l = 0; l < 2; l++) {
        char n[48];
#define ADD(role, ne0, ne1, type, sc) (snprintf(n, sizeof n, "blk.%d." role ".weight", l), add_tensor(S, n, type, ne0, ne1, &s, sc))
        ADD("attn_norm", 32, 1, norm_type, 0);
        ADD("ffn_norm", 32, 1, norm_type, 0);
        ADD("attn_q", 32, 32, wtype, 0.2f);
        ADD("attn_k", 32, 16, wtype, 0.2f);
        ADD("attn_v", 32, 16, wtype, 0.2f);
        ADD("attn_output", 32, 32, wtype, 0.2f);
        ADD("ffn_gate", 32, 48, wtype, 0.2f);
        ADD("ffn_up", 32, 48, wtype, 0.2f);
        ADD("ffn_down", 48, 32, wtype, 0.15f);
#undef ADD
    }
}

static void synth_free(synth *S)
{
    for (int i = 0; i < S->ck.n_tensors; i++) free(S->blobs[i]);
}

static q35_tensor *synth_find(synth *S, const char *name)
{
    for (int i = 0; i < S->ck.n_tensors; i++)
        if (!strcmp(S->t[i].name, name)) return &S->t[i];
    return NULL;
}

static void check_synth(uint32_t wtype, uint32_t norm_type, int tied)
{
    synth S;
    uint64_t seed = t_seed();
    synth_build(&S, wtype, norm_type, tied, seed);
    q35_model m;
    q35_err err;
    if (q35_model_load(&S.ck, &m, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.tied_output, tied);
    enum { N = 20 };
    int32_t tok[N];
    some_tokens(tok, N, 40);
    double *want = malloc((size_t)N * 40 * sizeof *want);
    forward_f64(&m, tok, N, want);
    const char *names[] = {"ref", "cpu"};
    for (int b = 0; b < 2; b++) {
        q35_backend be;
        backend(names[b], &be);
        float *one = decode_each(&m, &be, tok, N), *many = decode_batched(&m, &be, tok, N, 7);
        for (int t = 0; t < N; t++) {
            double e1 = rel_err(one + t * 40, want + t * 40, 40), e2 = rel_err(many + t * 40, want + t * 40, 40);
            /* the fast dots of quantized types may round differently from to_float */
            double tol = wtype == Q35_TYPE_F32 ? 1e-4 : 1e-3;
            if (e1 > tol || e2 > tol)
                fail_msg("%s %s: position %d: relative error %g (single), %g (batch)", names[b],
                         q35_type_by_id(wtype)->name, t, e1, e2);
        }
        free(one), free(many);
    }
    free(want);
    q35_model_free(&m);
    synth_free(&S);
}

static void test_synth_f32_tied(void **state)
{
    (void)state;
    check_synth(Q35_TYPE_F32, Q35_TYPE_F32, 1);
}

static void test_synth_f16_norms(void **state)
{
    (void)state;
    check_synth(Q35_TYPE_F16, Q35_TYPE_F16, 0);
    check_synth(Q35_TYPE_BF16, Q35_TYPE_BF16, 1);
}

/* Every quantized type in the table runs through the model (q8_0 now, the q35 family as
 * it lands). */
static void test_synth_quantized(void **state)
{
    (void)state;
    for (int i = 0; q35_type_at(i); i++) {
        const q35_type_traits *tr = q35_type_at(i);
        if (tr->block_weights > 1) check_synth(tr->id, Q35_TYPE_F32, 0);
    }
}

static void expect_load_error(synth *S, const char *needle)
{
    q35_model m;
    q35_err err = {{0}};
    assert_int_equal(q35_model_load(&S->ck, &m, &err), -1);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' does not contain '%s'", err.msg, needle);
    assert_null(strchr(err.msg, '\n'));
}

static void test_load_errors(void **state)
{
    (void)state;
    synth S;
    synth_build(&S, Q35_TYPE_F32, Q35_TYPE_F32, 0, 7);
    q35_tensor *k = synth_find(&S, "blk.1.attn_k.weight");
    k->ne[1] = 32;
    expect_load_error(&S, "synthetic: tensor 'blk.1.attn_k.weight' has shape 32x32, expected 32x16");
    k->ne[1] = 16;
    q35_tensor *nrm = synth_find(&S, "blk.0.ffn_norm.weight");
    nrm->ne[0] = 31;
    expect_load_error(&S, "synthetic: tensor 'blk.0.ffn_norm.weight' has shape 31x1, expected 32");
    nrm->ne[0] = 32;
    q35_tensor *d = synth_find(&S, "blk.1.ffn_down.weight");
    snprintf(S.names[d - S.t], sizeof S.names[0], "blk.1.ffn_dn.weight");
    expect_load_error(&S, "synthetic: tensor 'blk.1.ffn_down.weight' is missing");
    snprintf(S.names[d - S.t], sizeof S.names[0], "blk.1.ffn_down.weight");
    d->type = 9999;
    expect_load_error(&S, "unknown type 9999");
    d->type = Q35_TYPE_F32;
    d->nbytes -= 4;
    expect_load_error(&S, "holds");
    d->nbytes += 4;
    S.ck.cfg.n_kv_heads = 3;
    expect_load_error(&S, "synthetic: 4 heads is not a multiple of 3 kv heads");
    S.ck.cfg.n_kv_heads = 2;
    q35_model m;
    q35_err err;
    assert_int_equal(q35_model_load(&S.ck, &m, &err), 0);
    q35_model_free(&m);
    synth_free(&S);
}

static void test_backend_names(void **state)
{
    (void)state;
    q35_backend be;
    q35_err err;
    assert_int_equal(q35_backend_get("ref", 0, &be, &err), 0);
    assert_string_equal(be.name, "ref");
    assert_int_equal(q35_backend_get("cpu", 0, &be, &err), 0);
    assert_true(be.n_threads >= 1);
    assert_int_equal(q35_backend_get("gpu", 1, &be, &err), -1);
    assert_non_null(strstr(err.msg, "unknown backend 'gpu'"));
}

/* Matrix products on shapes that exercise the row groups, panels and sgemm tails. */
static void test_backend_products(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    const int shapes[][2] = {{1, 1}, {7, 13}, {33, 172}, {129, 256}, {300, 64}};
    for (int i = 0; q35_type_at(i); i++) {
        const q35_type_traits *tr = q35_type_at(i);
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            const int rows = shapes[k][0], cols = shapes[k][1], n = 9;
            size_t rb = tr->row_bytes(cols);
            uint8_t *data = malloc(rb * rows);
            float *w = malloc(sizeof(float) * cols), *X = malloc(sizeof(float) * cols * n);
            float *Y1 = malloc(sizeof(float) * rows * n), *Y2 = malloc(sizeof(float) * rows * n);
            double *want = malloc(sizeof(double) * rows * n), *row = malloc(sizeof(double) * cols);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) w[j] = t_rand_normal(&seed);
                tr->from_float(w, cols, data + rb * r);
            }
            for (int j = 0; j < cols * n; j++) X[j] = t_rand_normal(&seed);
            q35_matrix M = {.name = "m", .traits = tr, .rows = rows, .cols = cols, .row_bytes = rb, .data = data};
            for (int r = 0; r < rows; r++) {
                row_f64(&M, r, row);
                for (int t = 0; t < n; t++) {
                    double s = 0;
                    for (int j = 0; j < cols; j++) s += row[j] * X[t * cols + j];
                    want[t * rows + r] = s;
                }
            }
            const char *names[] = {"ref", "cpu"};
            for (int b = 0; b < 2; b++) {
                q35_backend be;
                backend(names[b], &be);
                be.matmul(&be, &M, X, n, Y1);
                for (int t = 0; t < n; t++) be.matvec(&be, &M, X + t * cols, Y2 + t * rows);
                for (int j = 0; j < rows * n; j++) {
                    double tol = 1e-4 * sqrt((double)cols) * (1 + fabs(want[j]));
                    if (fabs(Y1[j] - want[j]) > tol || fabs(Y2[j] - want[j]) > tol)
                        fail_msg("%s %s %dx%d: element %d: %g / %g, want %g", names[b], tr->name, rows, cols, j,
                                 Y1[j], Y2[j], want[j]);
                }
            }
            free(data), free(w), free(X), free(Y1), free(Y2), free(want), free(row);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test(test_backend_products),
        cmocka_unit_test(test_synth_f32_tied),
        cmocka_unit_test(test_synth_f16_norms),
        cmocka_unit_test(test_synth_quantized),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_fixture_config),
        cmocka_unit_test(test_gguf_equals_llama2c),
        cmocka_unit_test(test_ref_against_f64),
        cmocka_unit_test(test_cpu_against_ref),
        cmocka_unit_test(test_batch_against_single),
        cmocka_unit_test(test_last_logits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
