/* Tests for the fast batch path of the forward pass: the SIMD elementwise ops and exps
 * (src/model/ops_fast.c) against the exact ops, the cpu backend's prepared-weight product
 * (matmul_packed) against a double-precision reference for every tile shape, and the
 * state's weight cache (src/model/wcache.c) on stories260K: any budget gives the same
 * logits up to rounding, the last layer's skipped rows change nothing asked for, and an
 * observer still sees every row of every linear site. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/ops.h"
#include "q35/ckpt.h"
#include "q35/model.h"
#include "q35/types.h"
#include "test_support.h"

/* ---- elementwise ops ---- */

static void test_softmax_swiglu_rmsnorm(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    static const int sizes[] = {1, 5, 15, 16, 17, 64, 100, 513};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const int n = sizes[si];
        float *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
        float *u = malloc((size_t)n * sizeof *u), *w = malloc((size_t)n * sizeof *w);
        assert_true(a && b && u && w);
        for (int i = 0; i < n; i++) a[i] = b[i] = 10 * t_rand_normal(&seed);
        q35_softmax(a, n);
        q35_softmax_fast(b, n);
        for (int i = 0; i < n; i++) assert_true(fabsf(a[i] - b[i]) <= 1e-5f * a[i] + 1e-30f);

        for (int i = 0; i < n; i++) {
            a[i] = b[i] = 5 * t_rand_normal(&seed);
            u[i] = t_rand_normal(&seed);
        }
        if (n > 4) a[0] = b[0] = -200, a[1] = b[1] = 200, a[2] = b[2] = -1e4f, a[3] = b[3] = 0;
        q35_swiglu(a, u, n);
        q35_swiglu_fast(b, u, n);
        for (int i = 0; i < n; i++) assert_true(fabsf(a[i] - b[i]) <= 1e-6f * fabsf(a[i]) + 1e-30f);

        for (int i = 0; i < n; i++) {
            u[i] = t_rand_normal(&seed);
            w[i] = t_rand_normal(&seed);
        }
        q35_rmsnorm(a, u, w, n, 1e-5f);
        q35_rmsnorm_fast(b, u, w, n, 1e-5f);
        for (int i = 0; i < n; i++) assert_true(fabsf(a[i] - b[i]) <= 1e-5f * fabsf(a[i]) + 1e-30f);
        free(a), free(b), free(u), free(w);
    }
}

static void test_max_and_sum_exp(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    enum { N = 301 };
    float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = 8 * t_rand_normal(&seed) + 100;
        y[i] = x[i] + 0.5f * t_rand_normal(&seed);
    }
    for (int pos = 0; pos < N; pos += 37) {
        float z[N];
        memcpy(z, x, sizeof z);
        z[pos] = 1000, z[N - 1] = 1000; /* ties: the first index wins */
        int am = -1;
        assert_true(q35_max_fast(z, N, &am) == 1000.0f);
        assert_int_equal(am, pos);
    }
    for (int n = 1; n <= N; n += 25) {
        int am;
        const double mx = q35_max_fast(x, n, &am);
        double s = 0, d = 0;
        for (int i = 0; i < n; i++) {
            const double e = exp((double)x[i] - mx);
            s += e;
            d += e * ((double)x[i] - (double)y[i]);
        }
        double dot, dot_self;
        const double s_fast = q35_sum_exp_fast(x, n, mx, y, &dot);
        assert_true(fabs(s_fast - s) <= 1e-14 * s);
        assert_true(fabs(dot - d) <= 1e-13 * (s * 8 + fabs(d)));
        assert_true(q35_sum_exp_fast(x, n, mx, NULL, NULL) == s_fast);
        (void)q35_sum_exp_fast(x, n, mx, x, &dot_self);
        assert_true(dot_self == 0.0);
    }
}

/* ---- the prepared-weight product ---- */

static void check_packed(const q35_backend *be, uint32_t type, int rows, int cols, uint64_t *seed)
{
    const q35_type_traits *tr = q35_type_by_id(type);
    assert_non_null(tr);
    const size_t rb = tr->row_bytes(cols);
    uint8_t *data = malloc(rb * (size_t)rows);
    float *wf = malloc((size_t)rows * cols * sizeof *wf), *row = malloc((size_t)cols * sizeof *row);
    assert_true(data && wf && row);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) row[c] = t_rand_normal(seed);
        tr->from_float(row, cols, data + (size_t)r * rb);
        tr->to_float(data + (size_t)r * rb, cols, wf + (size_t)r * cols);
    }
    const q35_matrix w = {.name = "w", .traits = tr, .rows = rows, .cols = cols, .row_bytes = rb, .data = data};
    const size_t bytes = be->pack_bytes(be, &w);
    assert_true(bytes >= (size_t)rows * cols * sizeof(float));
    void *packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
    assert_non_null(packed);
    assert_int_equal(be->pack(be, &w, packed), 0);
    static const int batches[] = {1, 2, 4, 5, 8, 9, 12, 13, 24, 25, 31};
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
        const int n = batches[bi];
        float *X = malloc((size_t)n * cols * sizeof *X), *Y = malloc((size_t)n * rows * sizeof *Y);
        assert_true(X && Y);
        for (int i = 0; i < n * cols; i++) X[i] = t_rand_normal(seed);
        for (int i = 0; i < n * rows; i++) Y[i] = NAN; /* every element must be written */
        be->matmul_packed(be, &w, packed, X, n, Y);
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    ref += (double)wf[(size_t)r * cols + c] * X[(size_t)t * cols + c];
                    mag += fabs((double)wf[(size_t)r * cols + c] * X[(size_t)t * cols + c]);
                }
                const double got = Y[(size_t)t * rows + r];
                if (!(fabs(got - ref) <= 1e-6 * mag + 1e-6))
                    fail_msg("%s %dx%d, batch %d: Y[%d][%d] = %.9g, expected %.9g", tr->name, rows, cols, n, t, r,
                             got, ref);
            }
        free(X), free(Y);
    }
    free(packed), free(data), free(wf), free(row);
}

static void test_matmul_packed(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    q35_backend be;
    q35_err err;
    assert_int_equal(q35_backend_get("cpu", 2, &be, &err), 0);
    assert_non_null(be.matmul_packed);
    static const uint32_t types[] = {Q35_TYPE_F32, Q35_TYPE_F16, Q35_TYPE_Q35_CB};
    static const int rows[] = {1, 31, 32, 33, 100};
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
        for (size_t ri = 0; ri < sizeof rows / sizeof rows[0]; ri++) {
            check_packed(&be, types[ti], rows[ri], 128, &seed);
            check_packed(&be, types[ti], rows[ri], 384, &seed);
        }
    /* the exact backend prepares nothing: the forward pass never takes this road there */
    assert_int_equal(q35_backend_get("ref", 1, &be, &err), 0);
    assert_null(be.pack_bytes);
}

/* ---- the weight cache and the forward pass ---- */

typedef struct counts {
    int rows[64][5]; /* [layer + 1][site]: rows seen */
} counts;

static void count_rows(void *ctx, int layer, int site, const float *X, int n, int cols)
{
    (void)X, (void)cols;
    counts *c = ctx;
    c->rows[layer + 1][site] += n;
}

static float *run_batches(const q35_model *m, const q35_backend *be, const int32_t *tok, int n, int batch,
                          size_t budget, int all_logits, counts *obs, int *cached)
{
    const int V = m->cfg.vocab_size;
    q35_state s;
    q35_err err;
    assert_int_equal(q35_state_init(&s, &m->cfg, n, batch, &err), 0);
    assert_true(s.wcache_budget > 0);
    s.wcache_budget = budget;
    if (obs) s.observer = (q35_observer){.fn = count_rows, .ctx = obs};
    float *out = malloc((size_t)n * V * sizeof *out);
    assert_non_null(out);
    for (int t = 0; t < n; t += batch) {
        const int nb = n - t < batch ? n - t : batch;
        const float *lg = q35_forward(m, be, &s, tok + t, nb, t, all_logits);
        assert_non_null(lg);
        if (all_logits) memcpy(out + (size_t)t * V, lg, (size_t)nb * V * sizeof *out);
        else memcpy(out + (size_t)(t + nb - 1) * V, lg, (size_t)V * sizeof *out);
    }
    *cached = s.wcache != NULL;
    q35_state_free(&s);
    return out;
}

static void assert_close(const float *a, const float *b, size_t n)
{
    float mx = 0;
    for (size_t i = 0; i < n; i++) mx = fabsf(a[i]) > mx ? fabsf(a[i]) : mx;
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= 1e-4f * mx)) fail_msg("logit %zu: %.7g vs %.7g (max %.3g)", i, a[i], b[i], mx);
}

static void test_cache_and_rows(void **state)
{
    (void)state;
    q35_ckpt ck;
    q35_model m;
    q35_err err;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &ck, &err)) fail_msg("%s", err.msg);
    if (q35_model_load(&ck, &m, &err)) fail_msg("%s", err.msg);
    q35_backend be;
    assert_int_equal(q35_backend_get("cpu", 2, &be, &err), 0);
    enum { N = 96, B = 32 };
    int32_t tok[N];
    tok[0] = 1;
    for (int i = 1; i < N; i++) tok[i] = (int32_t)((i * 37 + 11) % m.cfg.vocab_size);
    const size_t V = (size_t)m.cfg.vocab_size;

    int cached;
    float *full = run_batches(&m, &be, tok, N, B, (size_t)1 << 30, 1, NULL, &cached);
    assert_true(cached);
    float *none = run_batches(&m, &be, tok, N, B, 0, 1, NULL, &cached);
    assert_false(cached);
    assert_close(full, none, N * V);
    /* room for a few matrices only: the rest take the plain matmul */
    const size_t one = (size_t)m.cfg.dim * (size_t)m.cfg.dim * sizeof(float);
    float *part = run_batches(&m, &be, tok, N, B, 3 * one, 1, NULL, &cached);
    assert_close(full, part, N * V);

    /* last rows only: the last layer skips the other rows, the asked-for ones agree */
    float *last = run_batches(&m, &be, tok, N, B, (size_t)1 << 30, 0, NULL, &cached);
    for (int t = B - 1; t < N; t += B) assert_close(full + (size_t)t * V, last + (size_t)t * V, V);

    /* with an observer nothing is skipped: every site sees every row */
    counts c;
    memset(&c, 0, sizeof c);
    float *seen = run_batches(&m, &be, tok, N, B, (size_t)1 << 30, 0, &c, &cached);
    for (int l = 0; l < m.cfg.n_layers; l++)
        for (int site = 0; site < 4; site++) assert_int_equal(c.rows[l + 1][site], N);
    assert_int_equal(c.rows[0][Q35_SITE_OUTPUT], N / B);
    for (int t = B - 1; t < N; t += B) assert_close(last + (size_t)t * V, seen + (size_t)t * V, V);

    free(full), free(none), free(part), free(last), free(seen);
    q35_model_free(&m);
    q35_ckpt_close(&ck);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_swiglu_rmsnorm),
        cmocka_unit_test(test_max_and_sum_exp),
        cmocka_unit_test(test_matmul_packed),
        cmocka_unit_test(test_cache_and_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
