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
 * matmul (a batch: prompt, perplexity): OpenBLAS sgemm on panels of rows, one panel per
 * thread at a time. Weights that are not F32 are decoded to float panel by panel, so
 * memory stays bounded whatever the matrix. */
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>

#include "cpu/backend_internal.h"

/* Below this many weights a product runs on one thread: waking threads costs more. */
#define PARALLEL_MIN_WEIGHTS (1 << 16)
/* Batches smaller than this are cheaper as separate matvecs than decode + sgemm. */
#define SGEMM_MIN_BATCH 4
/* Floats in the decoded panels of a quantized matrix, all threads together (16 MiB). */
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

/* Y[:, r0..r0+nr) = X * P^T for a panel P of nr float rows, on the calling thread. */
static void sgemm_panel(const float *X, int n, const float *P, int64_t nr, int64_t cols, float *Y, int64_t ldy)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, (int)nr, (int)cols, 1.0f, X, (int)cols, P, (int)cols,
                0.0f, Y, (int)ldy);
}

/* Rows r0..r1 through the type's dot product, for when no panel memory is to be had. */
static void dot_rows(const q35_matrix *w, const float *X, int n, float *Y, int64_t r0, int64_t r1)
{
    for (int64_t r = r0; r < r1; r++)
        for (int t = 0; t < n; t++)
            Y[(size_t)t * w->rows + r] = w->traits->dot(w->data + (size_t)r * w->row_bytes, X + (size_t)t * w->cols,
                                                        w->cols);
}

/* The threads split the weight rows; each runs a single-threaded sgemm on its own rows
 * (decoded first, into a panel of its own, unless F32). OpenBLAS's own threads stay off:
 * its pool and OpenMP's, taking turns, would each spin on the cores the other needs. */
static void cpu_matmul(const q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y)
{
    if (n < SGEMM_MIN_BATCH || w->rows > INT32_MAX || w->cols > INT32_MAX) {
        matvecs(be, w, X, n, Y);
        return;
    }
    const int nt = (double)w->rows * (double)w->cols * n >= PARALLEL_MIN_WEIGHTS ? be->n_threads : 1;
    int64_t panel = PANEL_FLOATS / nt / w->cols;
    if (panel < 16) panel = 16;
    if (panel > (w->rows + nt - 1) / nt) panel = (w->rows + nt - 1) / nt;
    const int64_t n_panels = (w->rows + panel - 1) / panel;
    const int is_f32 = w->traits->id == Q35_TYPE_F32;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        float *buf = is_f32 ? NULL : malloc((size_t)panel * (size_t)w->cols * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t pi = 0; pi < n_panels; pi++) {
            const int64_t r0 = pi * panel, nr = w->rows - r0 < panel ? w->rows - r0 : panel;
            if (is_f32) {
                sgemm_panel(X, n, (const float *)(const void *)(w->data + (size_t)r0 * w->row_bytes), nr, w->cols,
                            Y + r0, w->rows);
            } else if (buf) {
                for (int64_t r = 0; r < nr; r++)
                    w->traits->to_float(w->data + (size_t)(r0 + r) * w->row_bytes, w->cols, buf + (size_t)r * w->cols);
                sgemm_panel(X, n, buf, nr, w->cols, Y + r0, w->rows);
            } else {
                dot_rows(w, X, n, Y, r0, r0 + nr);
            }
        }
        free(buf);
    }
}

void q35_backend_cpu_init(q35_backend *be, int n_threads)
{
    /* One threading runtime at a time: ours (see cpu_matmul). */
    openblas_set_num_threads(1);
    *be = (q35_backend){.name = "cpu", .n_threads = n_threads, .matvec = cpu_matvec, .matmul = cpu_matmul};
}
