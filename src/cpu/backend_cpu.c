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
 * memory stays bounded whatever the matrix.
 *
 * matmul_packed (batches by a matrix prepared once, kept by the caller: perplexity,
 * calibration): on AVX-512 CPUs, W decoded to float and laid out in panels of 32 rows,
 * k-major (for each column k, the 32 weights of the panel's rows), and a kernel of our
 * own that computes 12 activation rows x 32 weight rows at a time in 24 zmm
 * accumulators. It is as fast as OpenBLAS's kernel and skips OpenBLAS's packing of W,
 * which on midi23M re-read 84 MB of weights from memory per batch (about 8% of a
 * perplexity run). Elsewhere the prepared copy is plain float rows and the product is
 * the sgemm path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- prepared (packed) weights ---- */

#define PK_NR 32 /* weight rows per panel: two zmm */
#define PK_MR 12 /* activation rows per tile: 12 x 2 accumulators, leaving registers to load into */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PK_AVX512 1
#define T512 __attribute__((target("avx512f")))

static int have_avx512(void) { return __builtin_cpu_supports("avx512f"); }

/* Rows x[0..mr) of the activations times panel p (K columns x 32 weight rows) into y
 * (rows ldy apart), keeping nr <= 32 columns: MR x 2 zmm accumulators, one broadcast
 * per row and column. x holds MR row pointers; those past mr repeat row mr - 1, whose
 * results are dropped. Written once for any MR and instantiated for 12, 8 and 4: the
 * full tiles use 12 (24 accumulators), the rows left at the end of a batch the smallest
 * that cover them (see matmul_panels), so a batch of 256 rows wastes no work on padding. */
__attribute__((always_inline)) T512 static inline void tile_mr(const int MR, const float *const *x, const float *p,
                                                               int64_t K, float *y, int64_t ldy, int mr, int nr)
{
    __m512 a[PK_MR][2];
    const float *xr[PK_MR];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
        a[i][0] = a[i][1] = _mm512_setzero_ps();
        xr[i] = x[i];
    }
    for (int64_t k = 0; k < K; k++, p += PK_NR) {
        const __m512 w0 = _mm512_load_ps(p), w1 = _mm512_load_ps(p + 16);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            const __m512 xv = _mm512_set1_ps(xr[i][k]);
            a[i][0] = _mm512_fmadd_ps(xv, w0, a[i][0]);
            a[i][1] = _mm512_fmadd_ps(xv, w1, a[i][1]);
        }
    }
    const __mmask16 m0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? (__mmask16)0xffff : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++)
        if (i < mr) {
            _mm512_mask_storeu_ps(y + (size_t)i * (size_t)ldy, m0, a[i][0]);
            _mm512_mask_storeu_ps(y + (size_t)i * (size_t)ldy + 16, m1, a[i][1]);
        }
}

T512 static void tile12(const float *const *x, const float *p, int64_t K, float *y, int64_t ldy, int mr, int nr)
{
    tile_mr(12, x, p, K, y, ldy, mr, nr);
}
T512 static void tile8(const float *const *x, const float *p, int64_t K, float *y, int64_t ldy, int mr, int nr)
{
    tile_mr(8, x, p, K, y, ldy, mr, nr);
}
T512 static void tile4(const float *const *x, const float *p, int64_t K, float *y, int64_t ldy, int mr, int nr)
{
    tile_mr(4, x, p, K, y, ldy, mr, nr);
}

/* Threads take panels (32 weight rows) dynamically, so a thread that the OS leaves
 * waiting on a busy machine holds up no more than a panel; within a panel, all the
 * activation rows pass while the panel (K x 128 bytes) stays in L2. */
T512 static void matmul_panels(const q35_backend *be, const q35_matrix *w, const float *P, const float *X, int n,
                               float *Y)
{
    const int64_t K = w->cols, N = w->rows, n_panels = (N + PK_NR - 1) / PK_NR;
    const int nt = (double)N * (double)K * n >= PARALLEL_MIN_WEIGHTS && n_panels > 1 ? be->n_threads : 1;
#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1)
    for (int64_t pi = 0; pi < n_panels; pi++) {
        const float *p = P + (size_t)pi * (size_t)K * PK_NR;
        const int nr = N - pi * PK_NR < PK_NR ? (int)(N - pi * PK_NR) : PK_NR;
        for (int t0 = 0, mr; t0 < n; t0 += mr) {
            /* tiles of 12 rows; a remainder of 13..16 rows as 8 + the rest, not 12 + a
             * tile of 1..4, whose 8 accumulators cannot keep the FMA units busy */
            const int left = n - t0;
            mr = left > 16 || left == PK_MR ? PK_MR : left > PK_MR ? 8 : left;
            const float *x[PK_MR];
            for (int i = 0; i < PK_MR; i++) x[i] = X + (size_t)(t0 + (i < mr ? i : mr - 1)) * (size_t)K;
            float *y = Y + (size_t)t0 * (size_t)N + (size_t)pi * PK_NR;
            if (mr > 8) tile12(x, p, K, y, N, mr, nr);
            else if (mr > 4) tile8(x, p, K, y, N, mr, nr);
            else tile4(x, p, K, y, N, mr, nr);
        }
    }
}
#endif

/* Floats in the prepared copy: panels of PK_NR rows (the last one padded with zero rows),
 * or plain rows where the kernel is not available. */
static size_t cpu_pack_bytes(const q35_backend *be, const q35_matrix *w)
{
    (void)be;
    int64_t rows = w->rows;
#ifdef PK_AVX512
    if (have_avx512()) rows = (rows + PK_NR - 1) / PK_NR * PK_NR;
#endif
    size_t bytes;
    if (w->cols > INT32_MAX || rows > INT32_MAX || q35_mul_size((size_t)rows, (size_t)w->cols, &bytes) ||
        q35_mul_size(bytes, sizeof(float), &bytes))
        return 0;
    return bytes;
}

static int cpu_pack(const q35_backend *be, const q35_matrix *w, void *dst)
{
    float *P = dst;
    const int64_t K = w->cols;
    const int nt = threads_for(be, w);
#ifdef PK_AVX512
    if (have_avx512()) {
        const int64_t n_panels = (w->rows + PK_NR - 1) / PK_NR;
        int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1) reduction(| : failed)
        {
            float *row = malloc((size_t)K * sizeof *row); /* one decoded row, transposed into place */
            failed = !row;
#pragma omp for schedule(static)
            for (int64_t pi = 0; pi < n_panels; pi++) {
                float *p = P + (size_t)pi * (size_t)K * PK_NR;
                for (int l = 0; l < PK_NR && row; l++) {
                    const int64_t r = pi * PK_NR + l;
                    if (r < w->rows) w->traits->to_float(w->data + (size_t)r * w->row_bytes, K, row);
                    for (int64_t k = 0; k < K; k++) p[(size_t)k * PK_NR + l] = r < w->rows ? row[k] : 0.0f;
                }
            }
            free(row);
        }
        return failed ? -1 : 0;
    }
#endif
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int64_t r = 0; r < w->rows; r++)
        w->traits->to_float(w->data + (size_t)r * w->row_bytes, K, P + (size_t)r * (size_t)K);
    return 0;
}

static void cpu_matmul_packed(const q35_backend *be, const q35_matrix *w, const void *packed, const float *X, int n,
                              float *Y)
{
#ifdef PK_AVX512
    if (have_avx512()) {
        matmul_panels(be, w, packed, X, n, Y);
        return;
    }
#endif
    const q35_matrix f = {.name = w->name, .traits = q35_type_by_id(Q35_TYPE_F32), .rows = w->rows,
                          .cols = w->cols, .row_bytes = (size_t)w->cols * sizeof(float), .data = packed};
    cpu_matmul(be, &f, X, n, Y);
}

void q35_backend_cpu_init(q35_backend *be, int n_threads)
{
    /* One threading runtime at a time: ours (see cpu_matmul). */
    openblas_set_num_threads(1);
    *be = (q35_backend){.name = "cpu", .n_threads = n_threads, .matvec = cpu_matvec, .matmul = cpu_matmul,
                        .pack_bytes = cpu_pack_bytes, .pack = cpu_pack, .matmul_packed = cpu_matmul_packed};
}
