/* GPTQ for the 3.5-bit code (q35/gptq.h): blocks of 128 columns left to right; within a
 * block every row runs the pair loop on its own (rows in parallel), then the block's
 * errors reach the later columns in one sgemm, GPTQ's "lazy batch" update.
 *
 * Per row and block: the importance-weighted scale search of q35_quantize_row picks a
 * scale byte s0 on the current (error-updated) weights; the pair loop then runs at each
 * scale byte within scale_reach of s0 and the one with the least GPTQ loss for the block
 * wins. Because the loss decomposes exactly into the per-column e^2, choosing the block's
 * scale this way is the greedy optimum given the blocks before it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "q35/gptq.h"
#include "q35/quant.h"
#include "quant/grid_candidates.h"

#define BW Q35_BLOCK_WEIGHTS

void q35_gptq_opts_default(q35_gptq_opts *o)
{
    memset(o, 0, sizeof *o);
    o->scale_reach = 2;
    o->cand_reach = 1;
}

typedef struct block_job {
    const q35_grid_search *gs;
    const float *u; /* U, row-major */
    size_t n;       /* columns of the matrix */
    int b0, nw, m;  /* first column, weights and codes of the block */
    int cand_reach;
} block_job;

/* GPTQ's pair loop over one row's block at scale d. wb (the block's weights, updated in
 * place as errors propagate), codes (m) and e (nw, the scaled errors) are written.
 * Returns the block's loss sum e^2, or any value above `bound` once it is exceeded. */
static double run_block(const block_job *b, float d, float *wb, uint8_t *codes, float *e, double bound)
{
    const int8_t (*G)[2] = b->gs->grid;
    const float id = d > 0 ? 1.0f / d : 0.0f;
    double tot = 0;
    uint16_t cand[Q35_GS_MAX_POINTS];
    for (int i = 0; i < b->m; i++) {
        const int k = 2 * i;
        const size_t j = (size_t)b->b0 + (size_t)k;
        const float *u1 = b->u + j * b->n;
        const float x1 = wb[k], ia = 1.0f / u1[j];
        if (k + 1 < b->nw) {
            const float *u2 = u1 + b->n;
            const float u12 = u1[j + 1], ic = 1.0f / u2[j + 1], x2 = wb[k + 1];
            int code = 0;
            float e1 = x1 * ia, e2 = (x2 - u12 * e1) * ic;
            if (d > 0) {
                const int nc = q35_grid_candidates(b->gs, x1 * id, x2 * id, b->cand_reach, cand);
                float best = INFINITY;
                for (int t = 0; t < nc; t++) {
                    const int c = cand[t];
                    const float t1 = (x1 - d * G[c][0]) * ia;
                    const float t2 = (x2 - u12 * t1 - d * G[c][1]) * ic;
                    const float o = t1 * t1 + t2 * t2;
                    if (o < best) {
                        best = o;
                        code = c;
                        e1 = t1;
                        e2 = t2;
                    }
                }
            }
            codes[i] = (uint8_t)code;
            e[k] = e1;
            e[k + 1] = e2;
            tot += (double)e1 * e1 + (double)e2 * e2;
            const float *r1 = u1 + b->b0, *r2 = u2 + b->b0;
            for (int t = k + 2; t < b->nw; t++) wb[t] -= e1 * r1[t] + e2 * r2[t];
        } else { /* the pad of an odd row: only the first weight counts */
            const int code = d > 0 ? q35_grid_search_nearest(b->gs, x1 * id, 0.0f, 1.0f, 0.0f) : 0;
            codes[i] = (uint8_t)code;
            e[k] = (x1 - d * G[code][0]) * ia;
            tot += (double)e[k] * e[k];
        }
        if (tot > bound) return tot;
    }
    return tot;
}

/* One row's block: scale search, then the pair loop at the candidate scales. Writes the
 * block's bytes at dst and its errors at e; returns the block's loss. */
static double quantize_row_block(const block_job *b, const q35_quantizer *qz, const float *imp, int scale_reach,
                                 const float *w, uint8_t *dst, float *e)
{
    float w0[BW], wb[BW], ea[BW], eb[BW];
    uint8_t ca[Q35_BLOCK_CODES], cb[Q35_BLOCK_CODES], tmp[Q35_BLOCK_BYTES];
    memcpy(w0, w, (size_t)b->nw * sizeof *w0);
    q35_quantizer_row(qz, w0, imp, b->nw, tmp);
    const int s0 = tmp[0];
    int lo = s0 - scale_reach, hi = s0 + scale_reach;
    if (s0 == 0) lo = hi = 0; /* nothing to resolve: the block is zero at every scale */
    if (lo < 1 && s0 > 0) lo = 1;
    if (hi > 255) hi = 255;
    double best = INFINITY;
    int best_s = s0;
    float *e_best = ea, *e_try = eb;
    uint8_t *c_best = ca, *c_try = cb;
    for (int s = lo; s <= hi; s++) {
        memcpy(wb, w0, (size_t)b->nw * sizeof *wb);
        double l = run_block(b, q35_scale_to_float((uint8_t)s), wb, c_try, e_try, best);
        if (l < best || s == lo) {
            best = l;
            best_s = s;
            float *tf = e_best;
            e_best = e_try, e_try = tf;
            uint8_t *tc = c_best;
            c_best = c_try, c_try = tc;
        }
    }
    dst[0] = (uint8_t)best_s;
    q35_pack_planes(c_best, b->m, dst + 1);
    memcpy(e, e_best, (size_t)b->nw * sizeof *e);
    return best;
}

int q35_gptq_quantize(const q35_type_traits *t, const q35_gptq_factor *f, float *W, int64_t rows,
                      const q35_gptq_opts *o, void *out, double *loss, q35_progress *prog, uint64_t prog_base,
                      q35_err *err)
{
    if (!t || !t->is_q35 || !t->grid)
        return q35_fail(err, "gptq: type '%s' is not a 3.5-bit type", t ? t->name : "(null)");
    const int64_t cols = f->cols;
    const size_t n = (size_t)cols, row_bytes = t->row_bytes(cols);
    q35_quantizer *qz = q35_quantizer_new(t, err);
    if (!qz) return -1;
    q35_grid_search *gs = q35_malloc(sizeof *gs, err);
    float *E = q35_malloc((size_t)rows * BW * sizeof *E, err);
    if (!gs || !E) {
        free(gs);
        free(E);
        q35_quantizer_free(qz);
        return -1;
    }
    q35_grid_search_init(gs, t->grid);
    /* a column whose input is always zero contributes nothing; zeroing it keeps its
     * weights from costing scale range */
    for (size_t j = 0; j < n; j++)
        if (f->dead[j])
            for (int64_t r = 0; r < rows; r++) W[(size_t)r * n + j] = 0.0f;

    const int n_threads = o->n_threads > 0 ? o->n_threads : omp_get_max_threads();
    const int64_t n_blocks = (cols + BW - 1) / BW;
    double total = 0;
    for (int64_t blk = 0; blk < n_blocks; blk++) {
        block_job b = {.gs = gs, .u = f->u, .n = n, .b0 = (int)(blk * BW), .cand_reach = o->cand_reach};
        b.nw = (int)(cols - b.b0 < BW ? cols - b.b0 : BW);
        b.m = (b.nw + 1) / 2;
        const size_t off = (size_t)blk * Q35_BLOCK_BYTES; /* only the last block may be short */
        double sum = 0;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 16) reduction(+ : sum)
        for (int64_t r = 0; r < rows; r++)
            sum += quantize_row_block(&b, qz, f->imp + b.b0, o->scale_reach, W + (size_t)r * n + b.b0,
                                      (uint8_t *)out + (size_t)r * row_bytes + off, E + (size_t)r * BW);
        total += sum;
        const int64_t b1 = b.b0 + b.nw;
        if (b1 < cols) { /* W[:, b1:] -= E[:, :nw] U[b0:b1, b1:], rows split among the threads */
            const int64_t chunk = (rows + n_threads - 1) / n_threads;
#pragma omp parallel for num_threads(n_threads) schedule(static)
            for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
                const int64_t nr = rows - r0 < chunk ? rows - r0 : chunk;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nr, (int)(cols - b1), b.nw, -1.0f,
                            E + (size_t)r0 * BW, BW, f->u + (size_t)b.b0 * n + (size_t)b1, (int)n, 1.0f,
                            W + (size_t)r0 * n + (size_t)b1, (int)n);
            }
        }
        if (prog) q35_progress_update(prog, prog_base + (uint64_t)(rows * (blk + 1) / n_blocks));
    }
    if (loss) *loss = total;
    free(E);
    free(gs);
    q35_quantizer_free(qz);
    return 0;
}
