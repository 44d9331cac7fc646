/* Tests for calibration (src/quant/hessian.c, calib.c): the BLAS accumulation of
 * H = sum x^T x against a naive float64 sum, fed through the observer directly and
 * through a whole calibration run of a small synthetic model (chunks, BOS, batches);
 * the imatrix; the map from tensor names to input sites. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/calib.h"
#include "q35/ckpt.h"
#include "q35/model.h"
#include "q35/synth.h"
#include "q35/tokenizer.h"
#include "test_support.h"

/* max |a - b| / max |b| over the upper triangles */
static double rel_diff(const double *a, const double *b, int cols)
{
    double d = 0, m = 0;
    for (int i = 0; i < cols; i++)
        for (int j = i; j < cols; j++) {
            double x = fabs(a[i * cols + j] - b[i * cols + j]), y = fabs(b[i * cols + j]);
            if (x > d) d = x;
            if (y > m) m = y;
        }
    return m > 0 ? d / m : d;
}

static void naive_add(double *ref, const float *X, int n, int cols)
{
    for (int r = 0; r < n; r++)
        for (int i = 0; i < cols; i++)
            for (int j = i; j < cols; j++) ref[i * cols + j] += (double)X[r * cols + i] * (double)X[r * cols + j];
}

static void test_observer_accumulation(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_llama_config cfg = {.dim = 24, .hidden_dim = 40, .n_layers = 3};
    q35_calib c;
    q35_err err;
    /* layers 1..2 only: layer 0 and the output head must be ignored */
    assert_int_equal(q35_calib_init(&c, &cfg, 1, 0, &err), 0);
    assert_null(q35_calib_site(&c, 0, Q35_SITE_ATTN_IN));
    assert_null(q35_calib_site(&c, 1, Q35_SITE_OUTPUT));
    q35_observer ob = q35_calib_observer(&c);
    double *ref[3][Q35_CALIB_SITES];
    int64_t count[3][Q35_CALIB_SITES] = {{0}};
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < Q35_CALIB_SITES; k++) {
            int cols = k == Q35_SITE_FFN_MID ? cfg.hidden_dim : cfg.dim;
            ref[l][k] = calloc((size_t)cols * cols, sizeof(double));
        }
    /* batches of varied sizes, one larger than a BLAS slice; per-column scales vary */
    const int sizes[] = {1, 7, Q35_HESS_SLICE + 37, 64, 3};
    float *X = malloc(sizeof(float) * (Q35_HESS_SLICE + 37) * 40);
    for (int b = 0; b < 5; b++)
        for (int l = -1; l < 3; l++)
            for (int k = 0; k < Q35_CALIB_SITES + (l < 0); k++) {
                int site = l < 0 ? Q35_SITE_OUTPUT : k;
                int cols = site == Q35_SITE_FFN_MID ? cfg.hidden_dim : cfg.dim, n = sizes[b];
                for (int i = 0; i < n * cols; i++) X[i] = (1.0f + (float)(i % cols)) * t_rand_normal(&s);
                ob.fn(ob.ctx, l, site, X, n, cols);
                if (l >= 1 && site < Q35_CALIB_SITES) {
                    naive_add(ref[l][site], X, n, cols);
                    count[l][site] += n;
                }
            }
    for (int l = 1; l < 3; l++)
        for (int k = 0; k < Q35_CALIB_SITES; k++) {
            const q35_hessian *h = q35_calib_site(&c, l, k);
            assert_non_null(h);
            assert_int_equal(h->count, count[l][k]);
            double d = rel_diff(h->h, ref[l][k], h->cols);
            assert_true(d < 1e-9);
            float imp[40];
            q35_hessian_importance(h, imp);
            for (int j = 0; j < h->cols; j++)
                assert_true(fabs(imp[j] - ref[l][k][j * h->cols + j] / (double)count[l][k]) <= 1e-6 * imp[j]);
        }
    assert_int_equal(c.bad_shape, 0);
    ob.fn(ob.ctx, 1, Q35_SITE_ATTN_IN, X, 1, 23); /* a width the config does not have */
    assert_int_equal(c.bad_shape, 1);
    /* q35_hessian_full mirrors the upper triangle */
    q35_hessian *h = (q35_hessian *)q35_calib_site(&c, 2, Q35_SITE_FFN_IN);
    q35_hessian_full(h);
    for (int i = 0; i < h->cols; i++)
        for (int j = 0; j < h->cols; j++) assert_true(h->h[i * h->cols + j] == h->h[j * h->cols + i]);
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < Q35_CALIB_SITES; k++) free(ref[l][k]);
    free(X);
    q35_calib_free(&c);
}

/* An observer that keeps naive float64 sums of every site, for the run test. */
typedef struct naive {
    int dim, hidden, n_layers;
    double *h[8][Q35_CALIB_SITES];
    int64_t count[8][Q35_CALIB_SITES];
} naive;

static void naive_observe(void *ctx, int layer, int site, const float *X, int n, int cols)
{
    naive *nv = ctx;
    if (layer < 0) return;
    naive_add(nv->h[layer][site], X, n, cols);
    nv->count[layer][site] += n;
}

/* A site wider than one BLAS tile (128) and more rows than one slice: the tiled,
 * threaded path, partial tiles included. */
static void test_tiled_accumulation(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    const int cols = 300, n = Q35_HESS_SLICE + 88;
    q35_hessian h;
    q35_err err;
    assert_int_equal(q35_hessian_init(&h, cols, &err), 0);
    float *X = malloc(sizeof(float) * (size_t)n * cols);
    double *ref = calloc((size_t)cols * cols, sizeof(double)), *scratch = malloc(sizeof(double) * Q35_HESS_SLICE * cols);
    for (int i = 0; i < n * cols; i++) X[i] = (0.1f + (float)(i % 7)) * t_rand_normal(&s);
    q35_hessian_add(&h, X, n, scratch, 2);
    q35_hessian_add(&h, X, 5, scratch, 1);
    naive_add(ref, X, n, cols);
    naive_add(ref, X, 5, cols);
    assert_int_equal(h.count, n + 5);
    double d = rel_diff(h.h, ref, cols);
    printf("tiled accumulation: relative difference %.3g\n", d);
    assert_true(d < 1e-9);
    free(X);
    free(ref);
    free(scratch);
    q35_hessian_free(&h);
}

static void test_calibration_run(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_synth_opts so;
    q35_synth_defaults(&so);
    so.seed = t_rand_u64(&s) | 1;
    const char *path = t_tmp("calib_synth.gguf");
    q35_err err;
    assert_int_equal(q35_synth_write(path, &so, &err), 0);
    q35_ckpt ck;
    q35_model m;
    q35_backend be;
    assert_int_equal(q35_ckpt_open(path, NULL, &ck, &err), 0);
    assert_int_equal(q35_model_load(&ck, &m, &err), 0);
    assert_int_equal(q35_backend_get("cpu", 2, &be, &err), 0);
    q35_tokenizer *tok = q35_tokenizer_new(&ck.vocab, &err);
    assert_non_null(tok);
    /* random text of common words */
    static const char *words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "ran", "away", "far"};
    char text[6000];
    size_t len = 0;
    while (len < sizeof text - 8) len += (size_t)snprintf(text + len, sizeof text - len, "%s ", words[t_rand_u64(&s) % 12]);

    q35_calib_opts co;
    q35_calib_opts_default(&co);
    co.ctx = 96;
    co.max_tokens = 700; /* 7 full chunks and a short one */
    co.progress = 0;
    q35_calib c;
    assert_int_equal(q35_calib_init(&c, &m.cfg, 0, 0, &err), 0);
    assert_int_equal(q35_calib_run(&c, &m, &be, tok, text, len, &co, &err), 0);
    assert_int_equal(c.n_tokens, 700);
    assert_int_equal(c.n_chunks, 8);

    /* the same chunks run by hand with a naive observer */
    naive nv = {.dim = m.cfg.dim, .hidden = m.cfg.hidden_dim, .n_layers = m.cfg.n_layers};
    assert_true(nv.n_layers <= 8);
    for (int l = 0; l < nv.n_layers; l++)
        for (int k = 0; k < Q35_CALIB_SITES; k++) {
            int cols = k == Q35_SITE_FFN_MID ? nv.hidden : nv.dim;
            nv.h[l][k] = calloc((size_t)cols * cols, sizeof(double));
        }
    int32_t *toks;
    size_t n_tok;
    assert_int_equal(q35_tokenize(tok, text, len, 1, &toks, &n_tok, &err), 0);
    assert_true(n_tok >= 700);
    q35_state st;
    assert_int_equal(q35_state_init(&st, &m.cfg, 96, 96, &err), 0);
    st.observer.fn = naive_observe;
    st.observer.ctx = &nv;
    for (int start = 0; start < 700; start += 96) {
        int n = 700 - start < 96 ? 700 - start : 96;
        int32_t chunk[96];
        memcpy(chunk, toks + start, sizeof(int32_t) * (size_t)n);
        chunk[0] = ck.vocab.bos;
        assert_non_null(q35_forward(&m, &be, &st, chunk, n, 0, 0));
    }
    for (int l = 0; l < nv.n_layers; l++)
        for (int k = 0; k < Q35_CALIB_SITES; k++) {
            const q35_hessian *h = q35_calib_site(&c, l, k);
            assert_int_equal(h->count, 700);
            assert_int_equal(nv.count[l][k], 700);
            double d = rel_diff(h->h, nv.h[l][k], h->cols);
            if (d >= 1e-9) printf("layer %d site %d: relative difference %g\n", l, k, d);
            assert_true(d < 1e-9);
            free(nv.h[l][k]);
        }
    q35_state_free(&st);
    free(toks);
    q35_calib_free(&c);
    q35_tokenizer_free(tok);
    q35_model_free(&m);
    q35_ckpt_close(&ck);
    remove(path);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    q35_llama_config cfg = {.dim = 8, .hidden_dim = 16, .n_layers = 2};
    q35_calib c;
    q35_err err;
    assert_int_equal(q35_calib_init(&c, &cfg, 2, 0, &err), -1);
    assert_non_null(strstr(err.msg, "layer range"));
    assert_int_equal(q35_calib_init(&c, &cfg, -1, 1, &err), -1);
    q35_hessian h;
    assert_int_equal(q35_hessian_init(&h, 0, &err), -1);
}

static void test_tensor_site(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int layer, site;
    } ok[] = {
        {"blk.0.attn_q.weight", 0, Q35_SITE_ATTN_IN},      {"blk.3.attn_k.weight", 3, Q35_SITE_ATTN_IN},
        {"blk.12.attn_v.weight", 12, Q35_SITE_ATTN_IN},    {"blk.1.attn_output.weight", 1, Q35_SITE_ATTN_OUT},
        {"blk.2.ffn_gate.weight", 2, Q35_SITE_FFN_IN},     {"blk.2.ffn_up.weight", 2, Q35_SITE_FFN_IN},
        {"blk.79.ffn_down.weight", 79, Q35_SITE_FFN_MID},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int l = -1, st = -1;
        assert_int_equal(q35_tensor_site(ok[i].name, &l, &st), 0);
        assert_int_equal(l, ok[i].layer);
        assert_int_equal(st, ok[i].site);
    }
    static const char *bad[] = {"token_embd.weight", "output.weight", "blk.0.attn_norm.weight", "blk.x.attn_q.weight",
                                "blk.0.attn_qq.weight", "blk.0.attn_q.bias", "blk..attn_q.weight", NULL};
    int l, st;
    for (int i = 0; bad[i]; i++) assert_int_equal(q35_tensor_site(bad[i], &l, &st), -1);
    assert_int_equal(q35_tensor_site(NULL, &l, &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observer_accumulation),
        cmocka_unit_test(test_tiled_accumulation),
        cmocka_unit_test(test_calibration_run),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_tensor_site),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
