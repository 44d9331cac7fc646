/* The second-moment accumulator of q35/calib.h: H += X^T X in float64 through BLAS
 * (dsyrk and dgemm on tiles, over slices of rows converted to double, so the sum is as
 * exact as a float64 reference while running at BLAS speed), and the map from tensor
 * names to sites. */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "q35/calib.h"

int q35_hessian_init(q35_hessian *h, int cols, q35_err *err)
{
    memset(h, 0, sizeof *h);
    size_t n;
    if (cols < 1 || q35_mul_size((size_t)cols, (size_t)cols, &n) || q35_mul_size(n, sizeof(double), &n))
        return q35_fail(err, "calibration: site width %d is out of range", cols);
    h->h = q35_calloc(n, 1, err);
    if (!h->h) return -1;
    h->cols = cols;
    return 0;
}

void q35_hessian_free(q35_hessian *h)
{
    free(h->h);
    memset(h, 0, sizeof *h);
}

/* Tiles of H's upper triangle, one BLAS call each: the threads share them out, each
 * calling single-threaded BLAS (the cpu backend turns OpenBLAS's own threads off, since
 * its pool and OpenMP's would fight over the cores). */
#define TILE 128

void q35_hessian_add(q35_hessian *h, const float *X, int64_t n, double *scratch, int n_threads)
{
    const int cols = h->cols, nt = (cols + TILE - 1) / TILE, n_tiles = nt * (nt + 1) / 2;
    if (n_threads < 1) n_threads = 1;
    for (int64_t r0 = 0; r0 < n; r0 += Q35_HESS_SLICE) {
        const int k = (int)(n - r0 < Q35_HESS_SLICE ? n - r0 : Q35_HESS_SLICE);
        const float *src = X + (size_t)r0 * (size_t)cols;
        const size_t total = (size_t)k * (size_t)cols;
        const int par = n_threads > 1 && (double)k * cols * cols > 1e6;
#pragma omp parallel num_threads(n_threads) if (par)
        {
#pragma omp for schedule(static)
            for (size_t i = 0; i < total; i++) scratch[i] = src[i];
#pragma omp for schedule(dynamic, 1)
            for (int t = 0; t < n_tiles; t++) {
                int bi = 0, rest = t; /* tile t -> (bi, bj), bi <= bj, row by row */
                while (rest >= nt - bi) rest -= nt - bi, bi++;
                const int bj = bi + rest;
                const int i0 = bi * TILE, j0 = bj * TILE;
                const int ni = cols - i0 < TILE ? cols - i0 : TILE, nj = cols - j0 < TILE ? cols - j0 : TILE;
                double *c = h->h + (size_t)i0 * cols + j0;
                if (bi == bj) /* row-major, upper, A^T A with A = k x ni */
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, ni, k, 1.0, scratch + i0, cols, 1.0, c, cols);
                else
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, nj, k, 1.0, scratch + i0, cols,
                                scratch + j0, cols, 1.0, c, cols);
            }
        }
    }
    h->count += n;
}

void q35_hessian_full(q35_hessian *h)
{
    const size_t c = (size_t)h->cols;
    for (size_t i = 0; i < c; i++)
        for (size_t j = i + 1; j < c; j++) h->h[j * c + i] = h->h[i * c + j];
}

void q35_hessian_importance(const q35_hessian *h, float *imp)
{
    const size_t c = (size_t)h->cols;
    for (size_t j = 0; j < c; j++) imp[j] = h->count > 0 ? (float)(h->h[j * c + j] / (double)h->count) : 0.0f;
}

int q35_tensor_site(const char *name, int *layer, int *site)
{
    static const struct {
        const char *kind;
        int site;
    } kinds[] = {
        {"attn_q", Q35_SITE_ATTN_IN},   {"attn_k", Q35_SITE_ATTN_IN},  {"attn_v", Q35_SITE_ATTN_IN},
        {"attn_output", Q35_SITE_ATTN_OUT}, {"ffn_gate", Q35_SITE_FFN_IN}, {"ffn_up", Q35_SITE_FFN_IN},
        {"ffn_down", Q35_SITE_FFN_MID},
    };
    if (!name || strncmp(name, "blk.", 4)) return -1;
    const char *p = name + 4;
    char *end;
    long l = strtol(p, &end, 10);
    if (end == p || *end != '.' || l < 0 || l > 1000000) return -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen(kinds[i].kind);
        if (!strncmp(end + 1, kinds[i].kind, k) && !strcmp(end + 1 + k, ".weight")) {
            *layer = (int)l;
            *site = kinds[i].site;
            return 0;
        }
    }
    return -1;
}
