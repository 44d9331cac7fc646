/* Tests for GPTQ (src/quant/gptq.c, gptq_factor.c): on a random layer with correlated
 * inputs it gives a smaller output error ||W X^T - What X^T|| than RTN and than the
 * imatrix; its packed rows decode (through the type's to_float) to the weights whose
 * loss it reports; codes and scales are valid; U^T U inverts the damped Hessian; odd
 * rows, dead input columns and the product grid work. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/calib.h"
#include "q35/format.h"
#include "q35/gptq.h"
#include "q35/quant.h"
#include "q35/types.h"
#include "test_support.h"

typedef struct layer {
    int rows, cols, n;
    float *W, *X;  /* rows x cols, n x cols */
    q35_hessian h; /* full */
} layer;

/* Inputs correlated along the columns (AR(1), rho 0.8) with per-column scales spread
 * over an order of magnitude; Gaussian weights with a few large ones. */
static void make_layer(layer *L, int rows, int cols, int n, uint64_t *s)
{
    L->rows = rows, L->cols = cols, L->n = n;
    L->W = malloc(sizeof(float) * (size_t)rows * cols);
    L->X = malloc(sizeof(float) * (size_t)n * cols);
    float *scale = malloc(sizeof(float) * (size_t)cols);
    for (int j = 0; j < cols; j++) scale[j] = expf(0.7f * t_rand_normal(s));
    const float rho = 0.8f, q = sqrtf(1 - rho * rho);
    for (int t = 0; t < n; t++) {
        float prev = t_rand_normal(s);
        for (int j = 0; j < cols; j++) {
            prev = rho * prev + q * t_rand_normal(s);
            L->X[(size_t)t * cols + j] = scale[j] * prev;
        }
    }
    for (int i = 0; i < rows * cols; i++)
        L->W[i] = 0.02f * t_rand_normal(s) * (t_rand_uniform(s) < 0.01f ? 5.0f : 1.0f);
    q35_err err;
    assert_int_equal(q35_hessian_init(&L->h, cols, &err), 0);
    double *scratch = malloc(sizeof(double) * Q35_HESS_SLICE * (size_t)cols);
    q35_hessian_add(&L->h, L->X, n, scratch, 2);
    free(scratch);
    free(scale);
}

static void free_layer(layer *L)
{
    free(L->W);
    free(L->X);
    q35_hessian_free(&L->h);
}

/* sum over rows of (w - what) M (w - what)^T for a full symmetric M (cols x cols) */
static double quad_err(const layer *L, const float *What, const double *M)
{
    const int c = L->cols;
    double tot = 0;
    double *d = malloc(sizeof(double) * (size_t)c);
    for (int r = 0; r < L->rows; r++) {
        for (int j = 0; j < c; j++) d[j] = (double)L->W[(size_t)r * c + j] - What[(size_t)r * c + j];
        for (int i = 0; i < c; i++) {
            double a = 0;
            for (int j = 0; j < c; j++) a += M[(size_t)i * c + j] * d[j];
            tot += d[i] * a;
        }
    }
    free(d);
    return tot;
}

/* ||W X^T - What X^T||_F^2, straight from X */
static double output_err(const layer *L, const float *What)
{
    double tot = 0;
    for (int r = 0; r < L->rows; r++)
        for (int t = 0; t < L->n; t++) {
            double a = 0;
            for (int j = 0; j < L->cols; j++)
                a += ((double)L->W[(size_t)r * L->cols + j] - What[(size_t)r * L->cols + j]) *
                     L->X[(size_t)t * L->cols + j];
            tot += a * a;
        }
    return tot;
}

static void decode(const q35_type_traits *t, const uint8_t *q, int rows, int cols, float *out)
{
    for (int r = 0; r < rows; r++) t->to_float(q + (size_t)r * t->row_bytes(cols), cols, out + (size_t)r * cols);
}

/* Every block of every row unpacks to codes < 128 that repack to the same bytes; for the
 * product grid every code is one of its 121 valid ones. */
static void check_valid(const q35_type_traits *t, const uint8_t *q, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        const uint8_t *p = q + (size_t)r * t->row_bytes(cols);
        for (int64_t b = 0; b < q35_row_blocks(cols); b++) {
            int m = q35_block_codes(cols, b);
            uint8_t codes[Q35_BLOCK_CODES], planes[Q35_BLOCK_BYTES];
            q35_unpack_planes(p + 1, m, codes);
            q35_pack_planes(codes, m, planes);
            assert_memory_equal(planes, p + 1, q35_block_bytes(m) - 1);
            for (int i = 0; i < m; i++) {
                assert_true(codes[i] < 128);
                if (t->id == Q35_TYPE_Q35_P11) {
                    int a, bb;
                    assert_int_equal(q35_product_decode(codes[i], &a, &bb), 1);
                }
            }
            p += q35_block_bytes(m);
        }
    }
}

/* The damped, count-normalised Hessian GPTQ works with. */
static double *damped(const layer *L, const q35_gptq_factor *f, double damp_diag)
{
    const int c = L->cols;
    double *M = malloc(sizeof(double) * (size_t)c * c), mean = 0;
    int alive = 0;
    for (int i = 0; i < c; i++)
        if (L->h.h[i * c + i] > 0) mean += L->h.h[i * c + i] / (double)L->h.count, alive++;
    mean /= alive;
    for (int i = 0; i < c; i++)
        for (int j = 0; j < c; j++) {
            M[i * c + j] = L->h.h[(i < j ? i : j) * c + (i < j ? j : i)] / (double)L->h.count;
            if (i == j) M[i * c + j] = (f->dead[i] ? 1.0 : M[i * c + j] * (1 + damp_diag)) + f->damp * mean;
        }
    return M;
}

static void run_case(const char *type, int rows, int cols, int n, int dead_col, double damp_diag, int compare)
{
    uint64_t s = t_seed();
    layer L;
    make_layer(&L, rows, cols, n, &s);
    if (dead_col >= 0) { /* an input column that is always zero */
        for (int t = 0; t < n; t++) L.X[(size_t)t * cols + dead_col] = 0;
        q35_hessian_free(&L.h);
        q35_err e2;
        assert_int_equal(q35_hessian_init(&L.h, cols, &e2), 0);
        double *scratch = malloc(sizeof(double) * Q35_HESS_SLICE * (size_t)cols);
        q35_hessian_add(&L.h, L.X, n, scratch, 2);
        free(scratch);
    }
    const q35_type_traits *t = q35_type_by_name(type);
    const size_t rb = t->row_bytes(cols);
    q35_err err;
    q35_gptq_factor f;
    assert_int_equal(q35_gptq_factor_init(&f, &L.h, 0.01, damp_diag, &err), 0);
    assert_true(fabs(f.damp - 0.01) < 1e-12);
    if (dead_col >= 0) assert_int_equal(f.dead[dead_col], 1);
    q35_hessian_full(&L.h);
    double *M = damped(&L, &f, damp_diag);

    /* U^T U M = I */
    double *A = calloc((size_t)cols * cols, sizeof(double)), worst = 0;
    for (int l = 0; l < cols; l++)
        for (int i = l; i < cols; i++)
            for (int k = l; k < cols; k++) A[i * cols + k] += (double)f.u[l * cols + i] * f.u[l * cols + k];
    for (int i = 0; i < cols; i++)
        for (int j = 0; j < cols; j++) {
            double a = 0;
            for (int k = 0; k < cols; k++) a += A[i * cols + k] * M[k * cols + j];
            double d = fabs(a - (i == j));
            if (d > worst) worst = d;
        }
    free(A);
    printf("%s %dx%d: max |U^T U H - I| = %.2g\n", type, rows, cols, worst);
    assert_true(worst < 1e-3);

    uint8_t *qg = malloc(rb * rows), *qr = malloc(rb * rows), *qi = malloc(rb * rows);
    float *W = malloc(sizeof(float) * (size_t)rows * cols), *dg = malloc(sizeof(float) * (size_t)rows * cols);
    memcpy(W, L.W, sizeof(float) * (size_t)rows * cols);
    q35_gptq_opts o;
    q35_gptq_opts_default(&o);
    o.n_threads = 2;
    double loss = -1;
    assert_int_equal(q35_gptq_quantize(t, &f, W, rows, &o, qg, &loss, NULL, 0, &err), 0);
    check_valid(t, qg, rows, cols);
    decode(t, qg, rows, cols, dg);
    if (dead_col >= 0) /* GPTQ zeroes a dead column's weights before it starts */
        for (int r = 0; r < rows; r++) L.W[(size_t)r * cols + dead_col] = 0;
    /* the reported loss is the damped quadratic error of the decoded weights */
    double q = quad_err(&L, dg, M);
    printf("%s %dx%d: loss %.6g, decoded (W-What) H' (W-What)^T %.6g\n", type, rows, cols, loss, q);
    assert_true(fabs(loss - q) <= 2e-3 * q);

    if (compare) {
        float *imp = malloc(sizeof(float) * (size_t)cols), *dr = malloc(sizeof(float) * (size_t)rows * cols),
              *di = malloc(sizeof(float) * (size_t)rows * cols);
        q35_hessian_importance(&L.h, imp);
        for (int r = 0; r < rows; r++) {
            q35_quantize_row(t, L.W + (size_t)r * cols, NULL, cols, qr + (size_t)r * rb);
            q35_quantize_row(t, L.W + (size_t)r * cols, imp, cols, qi + (size_t)r * rb);
        }
        decode(t, qr, rows, cols, dr);
        decode(t, qi, rows, cols, di);
        double eg = output_err(&L, dg), er = output_err(&L, dr), ei = output_err(&L, di);
        printf("%s %dx%d: ||(W - What) X^T||^2: gptq %.5g, rtn %.5g, imatrix %.5g (gptq/rtn %.3f, gptq/imatrix %.3f)\n",
               type, rows, cols, eg, er, ei, eg / er, eg / ei);
        assert_true(eg < 0.6 * er);
        assert_true(eg < 0.7 * ei);
        free(imp);
        free(dr);
        free(di);
    }
    free(M);
    free(qg);
    free(qr);
    free(qi);
    free(W);
    free(dg);
    q35_gptq_factor_free(&f);
    free_layer(&L);
}

static void test_gptq_beats_rtn_cb(void **state)
{
    (void)state;
    run_case("q35_cb", 64, 256, 2048, -1, 0.0, 1);
}

static void test_gptq_beats_rtn_p11(void **state)
{
    (void)state;
    run_case("q35_p11", 64, 256, 2048, -1, 0.0, 1);
}

static void test_gptq_odd_row_dead_column(void **state)
{
    (void)state;
    run_case("q35_cb", 16, 173, 600, 5, 0.5, 0); /* diagonal damping too */
}

static void test_gptq_errors(void **state)
{
    (void)state;
    q35_err err;
    q35_gptq_factor f;
    q35_hessian h;
    assert_int_equal(q35_hessian_init(&h, 8, &err), 0);
    assert_int_equal(q35_gptq_factor_init(&f, &h, 0.01, 0, &err), -1); /* no rows seen */
    assert_non_null(strstr(err.msg, "no calibration rows"));
    h.count = 1;
    assert_int_equal(q35_gptq_factor_init(&f, &h, -1, 0, &err), -1);
    /* all columns dead: H = 0 still factors (unit diagonal) */
    assert_int_equal(q35_gptq_factor_init(&f, &h, 0.01, 0, &err), 0);
    for (int j = 0; j < 8; j++) assert_int_equal(f.dead[j], 1);
    q35_gptq_factor_free(&f);
    q35_hessian_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gptq_beats_rtn_cb),
        cmocka_unit_test(test_gptq_beats_rtn_p11),
        cmocka_unit_test(test_gptq_odd_row_dead_column),
        cmocka_unit_test(test_gptq_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
