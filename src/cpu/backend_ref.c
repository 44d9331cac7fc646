/* The "ref" backend: llama2.c's matmul loop, one float accumulator per row summed in
 * column order. It is the arithmetic every faster path is checked against, and with F32
 * weights it gives llama2.c's results bit for bit. Other types are decoded to float a
 * chunk of the row at a time, then go through the same loop. Single-threaded: threads
 * would not change the result, only make the reference harder to read. */
#include "cpu/backend_internal.h"

/* Floats decoded per step: a whole number of blocks of every type (q35 blocks are 128). */
#define CHUNK 4096

static void ref_matvec(const q35_backend *be, const q35_matrix *w, const float *x, float *y)
{
    (void)be;
    float buf[CHUNK];
    const int64_t bw = w->traits->block_weights;
    const int64_t chunk = CHUNK / bw * bw;
    for (int64_t r = 0; r < w->rows; r++) {
        const uint8_t *row = w->data + (size_t)r * w->row_bytes;
        float val = 0.0f;
        for (int64_t c0 = 0; c0 < w->cols; c0 += chunk) {
            const int64_t nc = w->cols - c0 < chunk ? w->cols - c0 : chunk;
            w->traits->to_float(row + q35_row_offset(w, c0), nc, buf);
            for (int64_t j = 0; j < nc; j++) val += buf[j] * x[c0 + j];
        }
        y[r] = val;
    }
}

static void ref_matmul(const q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y)
{
    for (int t = 0; t < n; t++) ref_matvec(be, w, X + (size_t)t * w->cols, Y + (size_t)t * w->rows);
}

void q35_backend_ref_init(q35_backend *be)
{
    *be = (q35_backend){.name = "ref", .n_threads = 1, .exact = 1, .matvec = ref_matvec, .matmul = ref_matmul};
}
