/* Round-to-nearest quantization of a row into a q35 type, with a per-block scale search.
 *
 * For each block, every representable scale byte whose value lies between
 * R_LO * absmax / (largest level) and R_HI * absmax / (largest level of the narrower
 * coordinate) is tried (about 12 bytes for the symmetric grids), each pair takes its
 * nearest grid point at that scale, and the byte with the lowest importance-weighted
 * squared error wins. Scale 0 (all weights decode to 0) is a candidate too, so blocks of
 * tiny or zero weights lose nothing. Scales below absmax / max-level clip the block's
 * largest weights, which pays when the rest are better resolved. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q35/quant.h"
#include "quant/grid_search.h"

/* Measured on stories260K and midi23M (relative weight MSE, q35_cb): raising R_HI from
 * 1.2 to 1.6 gains 1-4%, since the round codebook often does best with the block's
 * largest weight on an inner point; lowering R_LO below 0.6 changed nothing measurable. */
#define R_LO 0.6f
#define R_HI 1.6f

struct q35_quantizer {
    const q35_type_traits *t;
    q35_grid_search gs;
};

/* Weighted squared error of one pair's residuals. Scale 0's error (residual = weight) is
 * summed with the same function in the same order as the candidates' errors, so that a
 * candidate whose residuals equal the weights (huge weights) ties instead of losing by
 * an ulp. */
static double pair_err(double r0, double h0, double r1, double h1)
{
    return h0 * r0 * r0 + h1 * r1 * r1;
}

static double quantize_block(const q35_grid_search *gs, const float *w, const float *imp, int nw, uint8_t *out)
{
    const int m = (nw + 1) / 2;
    float wb[Q35_BLOCK_WEIGHTS], hb[Q35_BLOCK_WEIGHTS];
    float amax = 0.0f;
    double e_zero = 0.0;
    for (int k = 0; k < 2 * m; k++) {
        wb[k] = k < nw ? w[k] : 0.0f;
        hb[k] = k < nw ? (imp ? imp[k] : 1.0f) : 0.0f;
        float a = fabsf(wb[k]);
        if (a > amax) amax = a;
        if (k % 2 == 1) e_zero += pair_err(wb[k - 1], hb[k - 1], wb[k], hb[k]);
    }
    /* Zero importance everywhere: no choice matters to the caller, so store a faithful
     * block by unit weights and report zero error. */
    const int unweighted = e_zero == 0.0 && amax > 0.0f;
    if (unweighted) {
        for (int k = 0; k < nw; k++) hb[k] = 1.0f;
        e_zero = 0.0;
        for (int i = 0; i < m; i++) e_zero += pair_err(wb[2 * i], hb[2 * i], wb[2 * i + 1], hb[2 * i + 1]);
    }
    uint8_t codes[Q35_BLOCK_CODES], best_codes[Q35_BLOCK_CODES];
    memset(best_codes, 0, sizeof best_codes);
    int best_s = 0;
    double best_e = INFINITY;
    if (amax > 0.0f && amax <= FLT_MAX) { /* an infinite weight leaves only scale 0 */
        int gmax = gs->maxabs[0] > gs->maxabs[1] ? gs->maxabs[0] : gs->maxabs[1];
        int gmin = gs->maxabs[0] < gs->maxabs[1] ? gs->maxabs[0] : gs->maxabs[1];
        if (gmin < 1) gmin = 1;
        int s_lo = q35_scale_from_float(R_LO * (amax / (float)gmax));
        int s_hi = q35_scale_from_float(R_HI * (amax / (float)gmin));
        if (s_lo < 1) s_lo = 1;
        if (s_hi < s_lo) s_hi = s_lo;
        for (int s = s_lo; s <= s_hi; s++) {
            float d = q35_scale_to_float((uint8_t)s), id = 1.0f / d;
            double e = 0.0;
            for (int i = 0; i < m && e < best_e; i++) {
                int c = q35_grid_search_nearest(gs, wb[2 * i] * id, wb[2 * i + 1] * id, hb[2 * i], hb[2 * i + 1]);
                codes[i] = (uint8_t)c;
                double r0 = (double)wb[2 * i] - (double)d * gs->grid[c][0];
                double r1 = (double)wb[2 * i + 1] - (double)d * gs->grid[c][1];
                e += pair_err(r0, hb[2 * i], r1, hb[2 * i + 1]);
            }
            if (e < best_e) {
                best_e = e;
                best_s = s;
                memcpy(best_codes, codes, (size_t)m);
            }
        }
    }
    /* Scale 0 wins only when strictly better: for huge weights every scale's error rounds
     * to the same double, and the largest scale still decodes nearer than zero. */
    if (e_zero < best_e || best_s == 0) {
        best_e = e_zero;
        best_s = 0;
        memset(best_codes, 0, sizeof best_codes);
    }
    out[0] = (uint8_t)best_s;
    q35_pack_planes(best_codes, m, out + 1);
    return unweighted ? 0.0 : best_e;
}

static double quantize_row_gs(const q35_grid_search *gs, const float *w, const float *imp, int64_t n, void *out)
{
    uint8_t *p = out;
    double e = 0.0;
    for (int64_t k0 = 0; k0 < n; k0 += Q35_BLOCK_WEIGHTS) {
        int nw = (int)(n - k0 < Q35_BLOCK_WEIGHTS ? n - k0 : Q35_BLOCK_WEIGHTS);
        e += quantize_block(gs, w + k0, imp ? imp + k0 : NULL, nw, p);
        p += q35_block_bytes((nw + 1) / 2);
    }
    return e;
}

q35_quantizer *q35_quantizer_new(const q35_type_traits *t, q35_err *err)
{
    if (!t || !t->is_q35 || !t->grid) {
        q35_fail(err, "quantizer: type '%s' is not a 3.5-bit type", t ? t->name : "(null)");
        return NULL;
    }
    q35_quantizer *q = q35_malloc(sizeof *q, err);
    if (!q) return NULL;
    q->t = t;
    q35_grid_search_init(&q->gs, t->grid);
    return q;
}

void q35_quantizer_free(q35_quantizer *q) { free(q); }

const q35_type_traits *q35_quantizer_type(const q35_quantizer *q) { return q->t; }

double q35_quantizer_row(const q35_quantizer *q, const float *w, const float *importance, int64_t n, void *out)
{
    return quantize_row_gs(&q->gs, w, importance, n, out);
}

double q35_quantize_row(const q35_type_traits *t, const float *w, const float *importance, int64_t n, void *out)
{
    if (!t || !t->is_q35 || !t->grid) return -1.0;
    q35_grid_search gs; /* ~25 KB; built per call, so loops over rows use a q35_quantizer */
    q35_grid_search_init(&gs, t->grid);
    return quantize_row_gs(&gs, w, importance, n, out);
}
