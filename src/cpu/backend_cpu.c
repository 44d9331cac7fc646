/* The "cpu" backend: the fast path on CPU.
 *
 * matvec (one token, decoding): rows split over OpenMP threads. Quantized and half rows
 * use the type's fast dot product. F32 rows instead keep llama2.c's arithmetic, one float
 * accumulator per row summed in column order, and get their speed from running eight
 * rows side by side (eight independent sums instead of one long dependency chain). Any
 * other order (SIMD lanes, double accumulators) changes the last bits of the logits, and
 * 200 greedy steps later llama2.c's text; keeping F32 exact is what lets `q35 run` on
 * this backend reproduce llama2.c byte for byte.
 *
 * matmul (a batch: prompt, perplexity): OpenBLAS sgemm. Weights that are not F32 are
 * decoded to float in panels of rows first, so memory stays bounded whatever the matrix. */
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>

#include "cpu/backend_internal.h"

/* Below this many weights a product runs on one thread: waking threads costs more. */
#define PARALLEL_MIN_WEIGHTS (1 << 16)
/* Batches smaller than this are cheaper as separate matvecs than decode + sgemm. */
#define SGEMM_MIN_BATCH 4
/* Floats in one decoded panel of a quantized matrix (16 MiB). */
#define PANEL_FLOATS (4 << 20)

static int threads_for(const q35_backend *be, const q35_matrix *w)
{
    return (double)w->rows * (double)w->cols >= PARALLEL_MIN_WEIGHTS ? be->n_threads : 1;
}

/* Rows r0..r1 of a row-major F32 matrix: y[r] = sum_j W[r][j] * x[j], summed in j order. */
static void f32_rows_exact(const float *W, int64_t cols, const float *x, float *y, int64_t r0, int64_t r1)
{
    int64_t r = r0;
    for (; r + 8 <= r1; r += 8) {
        const float *w = W + r * cols;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
        for (int64_t j = 0; j < cols; j++) {
            const float xj = x[j];
            a0 += w[j] * xj;
            a1 += w[cols + j] * xj;
            a2 += w[2 * cols + j] * xj;
            a3 += w[3 * cols + j] * xj;
            a4 += w[4 * cols + j] * xj;
            a5 += w[5 * cols + j] * xj;
            a6 += w[6 * cols + j] * xj;
            a7 += w[7 * cols + j] * xj;
        }
        y[r] = a0, y[r + 1] = a1, y[r + 2] = a2, y[r + 3] = a3;
        y[r + 4] = a4, y[r + 5] = a5, y[r + 6] = a6, y[r + 7] = a7;
    }
    for (; r < r1; r++) {
        const float *w = W + r * cols;
        float val = 0.0f;
        for (int64_t j = 0; j < cols; j++) val += w[j] * x[j];
        y[r] = val;
    }
}

static void cpu_matvec(const q35_backend *be, const q35_matrix *w, const float *x, float *y)
{
    const int nt = threads_for(be, w);
    if (w->traits->id == Q35_TYPE_F32) {
        const float *W = (const float *)(const void *)w->data;
        const int64_t groups = (w->rows + 7) / 8;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int64_t g = 0; g < groups; g++) {
            const int64_t r0 = g * 8, r1 = r0 + 8 < w->rows ? r0 + 8 : w->rows;
            f32_rows_exact(W, w->cols, x, y, r0, r1);
        }
        return;
    }
    float (*dot)(const void *, const float *, int64_t) = w->traits->dot;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int64_t r = 0; r < w->rows; r++) y[r] = dot(w->data + (size_t)r * w->row_bytes, x, w->cols);
}

static void matvecs(const q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y)
{
    for (int t = 0; t < n; t++) cpu_matvec(be, w, X + (size_t)t * w->cols, Y + (size_t)t * w->rows);
}

/* Y[:, r0..r0+nr) = X * P^T for a panel P of nr float rows. */
static void sgemm_panel(const float *X, int n, const float *P, int64_t nr, int64_t cols, float *Y, int64_t ldy)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, (int)nr, (int)cols, 1.0f, X, (int)cols, P, (int)cols,
                0.0f, Y, (int)ldy);
}

static void cpu_matmul(const q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y)
{
    if (n < SGEMM_MIN_BATCH || w->rows > INT32_MAX || w->cols > INT32_MAX) {
        matvecs(be, w, X, n, Y);
        return;
    }
    if (w->traits->id == Q35_TYPE_F32) {
        sgemm_panel(X, n, (const float *)(const void *)w->data, w->rows, w->cols, Y, w->rows);
        return;
    }
    int64_t panel = PANEL_FLOATS / w->cols;
    if (panel < 16) panel = 16;
    if (panel > w->rows) panel = w->rows;
    float *buf = malloc((size_t)panel * (size_t)w->cols * sizeof(float));
    if (!buf) { /* no memory for a panel: the slower path needs none */
        matvecs(be, w, X, n, Y);
        return;
    }
    const int nt = threads_for(be, w);
    for (int64_t r0 = 0; r0 < w->rows; r0 += panel) {
        const int64_t nr = w->rows - r0 < panel ? w->rows - r0 : panel;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (int64_t r = 0; r < nr; r++)
            w->traits->to_float(w->data + (size_t)(r0 + r) * w->row_bytes, w->cols, buf + (size_t)r * w->cols);
        sgemm_panel(X, n, buf, nr, w->cols, Y + r0, w->rows);
    }
    free(buf);
}

void q35_backend_cpu_init(q35_backend *be, int n_threads)
{
    /* OpenBLAS keeps its own pool; size it like ours so a batch uses the same cores. */
    openblas_set_num_threads(n_threads);
    *be = (q35_backend){.name = "cpu", .n_threads = n_threads, .matvec = cpu_matvec, .matmul = cpu_matmul};
}
