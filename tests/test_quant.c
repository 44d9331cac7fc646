/* Tests for the row quantizer (src/quant/quantize_row.c) and its nearest-point search
 * (src/quant/grid_search.c): error levels on Gaussian data, codebook against product
 * code, the 4.5-bit q45_cb against the 3.5-bit types, importance weighting, exactness of
 * the weighted nearest point, and the edge cases (zero, constant, huge, tiny and
 * odd-length rows). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/grids.h"
#include "q35/format.h"
#include "q35/format45.h"
#include "q35/quant.h"
#include "q35/types.h"
#include "quant/grid_search.h"
#include "test_support.h"

/* Every type the row quantizer serves. */
static const char *const pair_types[] = {"q35_cb", "q35_p11", "q35_s43", "q45_cb"};
#define N_PAIR_TYPES 4

#define N 4096

static double rel_mse(const q35_type_traits *t, const float *w, const float *imp, int64_t n, double *ret)
{
    uint8_t *row = malloc(t->row_bytes(n));
    float *back = malloc(sizeof(float) * (size_t)n);
    double r = q35_quantize_row(t, w, imp, n, row);
    if (ret) *ret = r;
    t->to_float(row, n, back);
    double e = 0, s = 0;
    for (int64_t k = 0; k < n; k++) {
        assert_true(isfinite(back[k]));
        e += ((double)w[k] - back[k]) * ((double)w[k] - back[k]);
        s += (double)w[k] * w[k];
    }
    free(row);
    free(back);
    return s > 0 ? e / s : e;
}

static void test_gaussian_levels(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    float *w = malloc(sizeof(float) * N);
    for (int k = 0; k < N; k++) w[k] = 0.02f * t_rand_normal(&s);
    const char *const *names = pair_types;
    double r[N_PAIR_TYPES];
    for (int i = 0; i < N_PAIR_TYPES; i++) {
        double ret;
        r[i] = rel_mse(q35_type_by_name(names[i]), w, NULL, N, &ret);
        printf("%s: relative MSE %.5f on Gaussian weights\n", names[i], r[i]);
        assert_true(r[i] > (i == 3 ? 0.001 : 0.005) && r[i] < 0.06);
        /* the returned error is the squared error of the decoded row */
        double sw = 0;
        for (int k = 0; k < N; k++) sw += (double)w[k] * w[k];
        assert_true(fabs(ret - r[i] * sw) <= 1e-4 * ret);
    }
    assert_true(r[0] < 0.85 * r[1]); /* the codebook beats the product code */
    assert_true(r[1] < r[2]);        /* and the product code beats the 4+3 split */
    /* two more bits per pair: the 512-point codebook has about a quarter of the error */
    assert_true(r[3] < 0.35 * r[0]);
    free(w);
}

static void test_importance(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    float *w = malloc(sizeof(float) * N), *h = malloc(sizeof(float) * N);
    for (int k = 0; k < N; k++) {
        w[k] = t_rand_normal(&s);
        h[k] = expf(2.0f * t_rand_normal(&s));
    }
    const char *const *names = pair_types;
    for (int i = 0; i < N_PAIR_TYPES; i++) {
        const q35_type_traits *t = q35_type_by_name(names[i]);
        uint8_t *a = malloc(t->row_bytes(N)), *b = malloc(t->row_bytes(N));
        float *da = malloc(sizeof(float) * N), *db = malloc(sizeof(float) * N);
        double ret = q35_quantize_row(t, w, h, N, a);
        q35_quantize_row(t, w, NULL, N, b);
        t->to_float(a, N, da);
        t->to_float(b, N, db);
        double ea = 0, eb = 0;
        for (int k = 0; k < N; k++) {
            ea += h[k] * ((double)w[k] - da[k]) * ((double)w[k] - da[k]);
            eb += h[k] * ((double)w[k] - db[k]) * ((double)w[k] - db[k]);
        }
        printf("%s: weighted error %.4g with importance, %.4g without\n", names[i], ea, eb);
        assert_true(ea < 0.97 * eb);
        assert_true(fabs(ret - ea) <= 1e-4 * ea);
        free(a), free(b), free(da), free(db);
    }
    free(w);
    free(h);
}

static void test_zero_and_constant(void **state)
{
    (void)state;
    const char *const *names = pair_types;
    float w[300], back[300];
    uint8_t row[4 * 73];
    for (int i = 0; i < N_PAIR_TYPES; i++) {
        const q35_type_traits *t = q35_type_by_name(names[i]);
        memset(w, 0, sizeof w);
        memset(row, 0xff, sizeof row);
        assert_true(q35_quantize_row(t, w, NULL, 300, row) == 0.0);
        for (int b = 0; b < 3; b++) assert_int_equal(row[t->row_bytes(b * 128)], 0);
        t->to_float(row, 300, back);
        for (int k = 0; k < 300; k++) assert_true(back[k] == 0.0f);
        for (int k = 0; k < 300; k++) w[k] = -0.37f;
        double rc = rel_mse(t, w, NULL, 300, NULL);
        printf("%s: relative MSE %.5f on a constant row\n", names[i], rc);
        assert_true(rc < 0.03); /* the codebook has no points on the diagonal */
        /* zero importance everywhere: still a faithful row, reported error 0 */
        float h[300] = {0};
        assert_true(q35_quantize_row(t, w, h, 300, row) == 0.0);
        t->to_float(row, 300, back);
        for (int k = 0; k < 300; k++) assert_true(fabsf(back[k] + 0.37f) < 0.1f);
    }
}

static void test_extremes(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    const char *const *names = pair_types;
    /* 3e37 * N(0,1) stays finite; 1e2 and 1e-4 lie inside every grid's range (p11 reaches 240 * 5) */
    static const float mags[] = {1e30f, 3e37f, 1e2f, 1e-4f, 1e-30f, 1e-40f};
    float w[259], back[259];
    uint8_t row[3 * 73];
    for (int i = 0; i < N_PAIR_TYPES; i++) {
        const q35_type_traits *t = q35_type_by_name(names[i]);
        for (size_t mi = 0; mi < sizeof mags / sizeof mags[0]; mi++) {
            for (int k = 0; k < 259; k++) w[k] = mags[mi] * t_rand_normal(&s);
            double e = q35_quantize_row(t, w, NULL, 259, row);
            assert_true(isfinite(e) && e >= 0);
            t->to_float(row, 259, back);
            for (int k = 0; k < 259; k++) assert_true(isfinite(back[k]));
            if (mags[mi] >= 1e30f) assert_int_equal(row[0], 255); /* clamped to the largest scale */
            if (mags[mi] <= 1e-30f) assert_true(row[0] <= 1);     /* zero or the smallest */
            if (mags[mi] == 1e2f || mags[mi] == 1e-4f) {
                double r = rel_mse(t, w, NULL, 259, NULL);
                if (!(r < 0.06)) print_error("%s at %g: relative MSE %g\n", names[i], mags[mi], r);
                assert_true(r < 0.06);
            }
        }
    }
}

static void test_odd_lengths_and_quantizer(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_err err;
    static const int64_t lens[] = {1, 2, 3, 63, 64, 65, 127, 128, 129, 172, 255, 257};
    for (int ti = 0; ti < N_PAIR_TYPES; ti++) {
        const q35_type_traits *t = q35_type_by_name(pair_types[ti]);
        assert_true(t->is_q35 || t->id == Q35_TYPE_Q45_CB);
        q35_quantizer *q = q35_quantizer_new(t, &err);
        assert_non_null(q);
        assert_ptr_equal(q35_quantizer_type(q), t);
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            int64_t n = lens[li];
            float w[257];
            for (int64_t k = 0; k < n; k++) w[k] = t_rand_normal(&s);
            uint8_t a[5 * 73], b[5 * 73];
            double ea = q35_quantize_row(t, w, NULL, n, a), eb = q35_quantizer_row(q, w, NULL, n, b);
            assert_true(ea == eb);
            assert_memory_equal(a, b, t->row_bytes(n));
            double r = rel_mse(t, w, NULL, n, NULL);
            assert_true(r < (n < 8 ? 0.2 : 0.08));
        }
        q35_quantizer_free(q);
    }
    assert_null(q35_quantizer_new(q35_type_by_name("f32"), &err));
    assert_non_null(strstr(err.msg, "f32"));
}

/* Brute-force weighted nearest point, in double. */
static double brute_dist(const int8_t (*g)[2], int n, double u, double v, double h0, double h1)
{
    double best = INFINITY;
    for (int c = 0; c < n; c++) {
        double d = h0 * (u - g[c][0]) * (u - g[c][0]) + h1 * (v - g[c][1]) * (v - g[c][1]);
        if (d < best) best = d;
    }
    return best;
}

/* The nearest-point search is exact for every grid, with equal, unequal (log-normal,
 * wildly different), tiny and zero weights, near the grid and far outside it. */
static void test_grid_search_exact(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    struct {
        const int8_t (*g)[2];
        int n;
    } grids[] = {{q35_grid_cb, 128}, {q35_grid_cb512, 512}, {q35_grid_p11, 128}, {q35_grid_s43, 128}};
    q35_grid_search *gs = malloc(sizeof *gs);
    q35_err err;
    for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++) {
        assert_int_equal(q35_grid_search_init_n(gs, grids[gi].g, grids[gi].n, &err), 0);
        long searched = 0;
        for (int i = 0; i < 200000; i++) {
            int kind = i % 8;
            float spread = kind < 4 ? 40.0f : kind < 6 ? 100.0f : 300.0f;
            float u = spread * t_rand_normal(&s), v = spread * t_rand_normal(&s);
            float h0 = 1.0f, h1 = 1.0f;
            if (i % 3 == 1) {
                h0 = expf(2.0f * t_rand_normal(&s));
                h1 = expf(2.0f * t_rand_normal(&s));
            } else if (i % 3 == 2) {
                h0 = h1 = expf(3.0f * t_rand_normal(&s));
            }
            if (i % 97 == 0) h1 = 0.0f;
            if (i % 89 == 0) h0 = 1e-30f;
            int c = q35_grid_search_nearest(gs, u, v, h0, h1);
            assert_true(c >= 0 && c < grids[gi].n);
            double best = brute_dist(grids[gi].g, grids[gi].n, u, v, h0, h1);
            double got = (double)h0 * (u - grids[gi].g[c][0]) * (u - grids[gi].g[c][0]) +
                         (double)h1 * (v - grids[gi].g[c][1]) * (v - grids[gi].g[c][1]);
            /* exact up to float rounding: at a near tie (v = -0.500002 between levels -1 and
             * 0) the search's float arithmetic may take either side, which costs about
             * h * eps * |coordinate| -- absolute, not relative to best (a CI failure) */
            const double tol = 1e-5 * (best + (double)h0 * (1.0 + fabs(u)) + (double)h1 * (1.0 + fabs(v))) + 1e-30;
            if (!(got <= best + tol))
                print_error("grid %zu: (%g, %g) h (%g, %g): code %d at %.9g, best %.9g\n", gi, u, v, h0, h1, c, got, best);
            assert_true(got <= best + tol);
            searched++;
        }
        printf("grid of %d points%s: %ld queries exact\n", grids[gi].n, gs->product ? " (product)" : "", searched);
    }
    assert_int_equal(q35_grid_search_init_n(gs, q35_grid_cb, 0, &err), -1);
    assert_int_equal(q35_grid_search_init_n(gs, q35_grid_cb, 513, &err), -1);
    assert_non_null(strstr(err.msg, "513"));
    /* the 128-point entry point is the n = 128 case */
    q35_grid_search *g2 = malloc(sizeof *g2);
    q35_grid_search_init(g2, q35_grid_cb);
    assert_int_equal(q35_grid_search_init_n(gs, q35_grid_cb, 128, &err), 0);
    assert_memory_equal(g2, gs, sizeof *gs);
    free(g2);
    free(gs);
}

/* q45_cb keeps everything about the pair structure: codes decode to the nearest points,
 * weighted error is what the quantizer reports, and the traits row agrees with the
 * quantizer. */
static void test_q45_quantizer(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_err err;
    const q35_type_traits *t = q35_type_by_name("q45_cb");
    q35_quantizer *q = q35_quantizer_new(t, &err);
    assert_non_null(q);
    static const int64_t lens[] = {1, 3, 64, 129, 172, 1536};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int64_t n = lens[li];
        float *w = malloc(sizeof(float) * (size_t)n), *h = malloc(sizeof(float) * (size_t)n);
        float *back = malloc(sizeof(float) * (size_t)n);
        uint8_t *a = malloc(t->row_bytes(n)), *b = malloc(t->row_bytes(n));
        for (int64_t k = 0; k < n; k++) {
            w[k] = 0.03f * t_rand_normal(&s);
            h[k] = expf(t_rand_normal(&s));
        }
        double e = q35_quantizer_row(q, w, h, n, a);
        t->to_float(a, n, back);
        double want = 0;
        for (int64_t k = 0; k < n; k++) want += h[k] * ((double)w[k] - back[k]) * ((double)w[k] - back[k]);
        assert_true(fabs(e - want) <= 1e-4 * want + 1e-30);
        t->from_float(w, n, b);
        q35_quantizer_row(q, w, NULL, n, a);
        assert_memory_equal(a, b, t->row_bytes(n));
        free(w), free(h), free(back), free(a), free(b);
    }
    q35_quantizer_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaussian_levels),   cmocka_unit_test(test_importance),
        cmocka_unit_test(test_zero_and_constant), cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_odd_lengths_and_quantizer), cmocka_unit_test(test_grid_search_exact),
        cmocka_unit_test(test_q45_quantizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
