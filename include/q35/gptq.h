/* q35/gptq.h: GPTQ error feedback for the 3.5-bit code (Frantar et al., 2022).
 *
 * For one weight matrix W (rows x cols, cols the reduction dimension) and its input
 * site's second moments H = sum x^T x (q35/calib.h), the columns are quantized in order
 * and the error of each is pushed onto the columns not yet quantized, weighted by the
 * upper Cholesky factor U of the damped H^-1. q35's pairs are honoured: columns
 * (2i, 2i+1) share a code, which is chosen jointly to minimise GPTQ's exact loss for two
 * sequential columns, e1^2 + e2^2 with
 *     e1 = (w1 - d G[c][0]) / U11,   e2 = (w2 - U12 e1 - d G[c][1]) / U22.
 * Each block's scale byte is searched on the error-updated weights when the block is
 * reached. The sum of e^2 over the matrix equals (W - Q) H' (W - Q)^T for the damped H',
 * which is what the method minimises greedily. Rows are independent, so they run in
 * parallel; the updates across blocks are one sgemm per block. */
#ifndef Q35_GPTQ_H
#define Q35_GPTQ_H

#include <stdint.h>

#include "q35/calib.h"
#include "q35/common.h"
#include "q35/progress.h"
#include "q35/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_gptq_opts {
    int scale_reach; /* scale bytes tried on each side of the importance-searched one (default 2) */
    int cand_reach;  /* grid cells around a pair's own whose points are tried (default 1) */
    int n_threads;   /* <= 0: OpenMP's default */
} q35_gptq_opts;

void q35_gptq_opts_default(q35_gptq_opts *o);

/* What GPTQ needs from one site's H, computed once and shared by the matrices that
 * read the site (wq, wk and wv read the same input). */
typedef struct q35_gptq_factor {
    int cols;
    float *u;      /* upper Cholesky factor of (damped H)^-1: cols x cols, row-major */
    float *imp;    /* diag(H) / count: importance for the block scale search */
    uint8_t *dead; /* 1: the column's input was always 0; its weights do not matter */
    double damp;   /* the damping that made H positive definite (may exceed the asked one) */
} q35_gptq_factor;

/* Factors H (upper triangle as q35_hessian keeps it) with LAPACK: H is scaled by
 * 1/count, dead columns get a unit diagonal, the diagonal is multiplied by
 * (1 + damp_diag) and damp * mean(diag H) is added (damp multiplied by 10 up to 4 times
 * if Cholesky still fails), then U = chol(inv(H))^T. */
int q35_gptq_factor_init(q35_gptq_factor *f, const q35_hessian *h, double damp, double damp_diag, q35_err *err);
void q35_gptq_factor_free(q35_gptq_factor *f);

/* Quantizes W (rows x f->cols floats; overwritten by the error-updated weights) into
 * rows of the q35 type t at out (rows * t->row_bytes(cols) bytes), in the layout
 * q35_quantize_row writes. *loss (optional) receives the sum of e^2. The progress bar
 * (optional) is advanced from prog_base by `rows` over the call. */
int q35_gptq_quantize(const q35_type_traits *t, const q35_gptq_factor *f, float *W, int64_t rows,
                      const q35_gptq_opts *o, void *out, double *loss, q35_progress *prog, uint64_t prog_base,
                      q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
