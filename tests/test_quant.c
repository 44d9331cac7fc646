/* Tests for the row quantizer (src/quant/quantize_row.c): error levels on Gaussian data,
 * codebook against product code, importance weighting, and the edge cases (zero,
 * constant, huge, tiny and odd-length rows). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/format.h"
#include "q35/quant.h"
#include "q35/types.h"
#include "test_support.h"

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
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43"};
    double r[3];
    for (int i = 0; i < 3; i++) {
        double ret;
        r[i] = rel_mse(q35_type_by_name(names[i]), w, NULL, N, &ret);
        printf("%s: relative MSE %.5f on Gaussian weights\n", names[i], r[i]);
        assert_true(r[i] > 0.005 && r[i] < 0.06);
        /* the returned error is the squared error of the decoded row */
        double sw = 0;
        for (int k = 0; k < N; k++) sw += (double)w[k] * w[k];
        assert_true(fabs(ret - r[i] * sw) <= 1e-4 * ret);
    }
    assert_true(r[0] < 0.85 * r[1]); /* the codebook beats the product code */
    assert_true(r[1] < r[2]);        /* and the product code beats the 4+3 split */
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
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43"};
    for (int i = 0; i < 3; i++) {
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
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43"};
    float w[300], back[300];
    uint8_t row[4 * 57];
    for (int i = 0; i < 3; i++) {
        const q35_type_traits *t = q35_type_by_name(names[i]);
        memset(w, 0, sizeof w);
        memset(row, 0xff, sizeof row);
        assert_true(q35_quantize_row(t, w, NULL, 300, row) == 0.0);
        for (int b = 0; b < 3; b++) assert_int_equal(row[b * 57], 0);
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
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43"};
    /* 3e37 * N(0,1) stays finite; 1e2 and 1e-4 lie inside every grid's range (p11 reaches 240 * 5) */
    static const float mags[] = {1e30f, 3e37f, 1e2f, 1e-4f, 1e-30f, 1e-40f};
    float w[259], back[259];
    uint8_t row[3 * 57];
    for (int i = 0; i < 3; i++) {
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
    for (int ti = 0; ti < 3; ti++) {
        const q35_type_traits *t = q35_type_at(4 + ti);
        assert_true(t->is_q35);
        q35_quantizer *q = q35_quantizer_new(t, &err);
        assert_non_null(q);
        assert_ptr_equal(q35_quantizer_type(q), t);
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            int64_t n = lens[li];
            float w[257];
            for (int64_t k = 0; k < n; k++) w[k] = t_rand_normal(&s);
            uint8_t a[5 * 57], b[5 * 57];
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaussian_levels),   cmocka_unit_test(test_importance),
        cmocka_unit_test(test_zero_and_constant), cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_odd_lengths_and_quantizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
