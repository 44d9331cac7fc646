/* GPTQ's factor of a site's Hessian (q35/gptq.h): U with (damped H)^-1 = U^T U, by
 * LAPACK from OpenBLAS (dpotrf, dpotri, dpotrf). Debian ships no LAPACKE header with
 * OpenBLAS, so the Fortran entry points are declared here; a symmetric matrix is the same
 * in row- and column-major order, and only the final factor needs transposing. */
#include <stdlib.h>
#include <string.h>

#include "q35/gptq.h"

/* Fortran LAPACK (32-bit integers, as Debian's libopenblas0 exports them); the trailing
 * length is gfortran's hidden argument for the character argument. */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);

/* a := chol(a)'s upper factor (column-major), then inv(a) in the upper triangle. */
static int invert_spd(double *a, int n)
{
    int info = 0;
    dpotrf_("U", &n, a, &n, &info, 1);
    if (info) return -1;
    dpotri_("U", &n, a, &n, &info, 1);
    return info ? -1 : 0;
}

/* Mirrors the upper triangle of a column-major matrix (a[i + j n], i <= j) into the lower. */
static void mirror_upper(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < j; i++) a[j + i * n] = a[i + j * n];
}

int q35_gptq_factor_init(q35_gptq_factor *f, const q35_hessian *h, double damp, double damp_diag, q35_err *err)
{
    memset(f, 0, sizeof *f);
    const int n = h->cols;
    const size_t N = (size_t)n;
    if (n < 1 || !h->h) return q35_fail(err, "gptq: empty Hessian");
    if (h->count < 1) return q35_fail(err, "gptq: the Hessian of a %d-column site saw no calibration rows", n);
    if (!(damp >= 0) || !(damp_diag >= 0))
        return q35_fail(err, "gptq: damping %g / %g is negative", damp, damp_diag);
    double *a = q35_malloc(N * N * sizeof *a, err);
    f->u = q35_malloc(N * N * sizeof *f->u, err);
    f->imp = q35_malloc(N * sizeof *f->imp, err);
    f->dead = q35_calloc(N, 1, err);
    if (!a || !f->u || !f->imp || !f->dead) goto fail;
    q35_hessian_importance(h, f->imp);
    double mean = 0;
    int alive = 0;
    for (size_t j = 0; j < N; j++) {
        if (f->imp[j] > 0) {
            mean += f->imp[j];
            alive++;
        } else {
            f->dead[j] = 1;
        }
    }
    mean = alive ? mean / alive : 1.0;
    const double inv_count = 1.0 / (double)h->count;
    int ok = 0;
    double d = damp;
    for (int attempt = 0; attempt < 5 && !ok; attempt++) {
        if (attempt) d = d > 0 ? d * 10 : 1e-4;
        /* row-major upper of H is column-major lower; fill both from it */
        for (size_t i = 0; i < N; i++)
            for (size_t j = i; j < N; j++) a[i * N + j] = a[j * N + i] = h->h[i * N + j] * inv_count;
        for (size_t j = 0; j < N; j++)
            a[j * N + j] = (f->dead[j] ? 1.0 : a[j * N + j] * (1 + damp_diag)) + d * mean;
        if (invert_spd(a, n)) continue;
        mirror_upper(a, N);
        int info = 0;
        dpotrf_("U", &n, a, &n, &info, 1);
        if (info) continue;
        ok = 1;
        f->damp = d;
    }
    if (!ok) {
        q35_fail(err, "gptq: the Hessian of a %d-column site is not positive definite even with damping %g", n, d);
        goto fail;
    }
    /* column-major upper U(i, j) = a[i + j n] into row-major u[i n + j] */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) f->u[i * N + j] = j >= i ? (float)a[i + j * N] : 0.0f;
    f->cols = n;
    free(a);
    return 0;
fail:
    free(a);
    q35_gptq_factor_free(f);
    return -1;
}

void q35_gptq_factor_free(q35_gptq_factor *f)
{
    free(f->u);
    free(f->imp);
    free(f->dead);
    memset(f, 0, sizeof *f);
}
