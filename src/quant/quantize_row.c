/* Round-to-nearest quantization of a row into a pair-code type (the 3.5-bit family, 7-bit
 * codes, or q45_cb, 9-bit codes), with a per-block scale search.
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

#include "q35/format45.h"
#include "q35/quant.h"
#include "quant/grid_search.h"

/* Measured on stories260K and midi23M (relative weight MSE, q35_cb): raising R_HI from
 * 1.2 to 1.6 gains 1-4%, since the round codebook often does best with the block's
 * largest weight on an inner point; lowering R_LO below 0.6 changed nothing measurable. */
#define R_LO 0.6f
#define R_HI 1.6f

/* How a block's codes are stored: the 3.5-bit planes (format.h) or the 4.5-bit ones
 * (format45.h); which one follows from the grid's size. */
typedef struct layout {
    size_t (*block_bytes)(int m);
    void (*pack)(const uint16_t *codes, int m, uint8_t *planes);
} layout;

static void pack7(const uint16_t *codes, int m, uint8_t *planes)
{
    uint8_t c8[Q35_BLOCK_CODES];
    for (int i = 0; i < m; i++) c8[i] = (uint8_t)codes[i];
    q35_pack_planes(c8, m, planes);
}

static const layout layout7 = {q35_block_bytes, pack7};
static const layout layout9 = {q35_q45_block_bytes, q35_q45_pack_planes};

/* The pair-code types this quantizer serves: a grid of 128 or 512 points. */
static const layout *layout_of(const q35_type_traits *t)
{
    if (!t || !t->grid_points) return NULL;
    if (t->grid_size == Q35_GRID_SIZE) return &layout7;
    if (t->grid_size == Q35_Q45_GRID_SIZE) return &layout9;
    return NULL;
}

struct q35_quantizer {
    const q35_type_traits *t;
    const layout *lay;
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

static double quantize_block(const q35_grid_search *gs, const layout *lay, const float *w, const float *imp, int nw,
                             uint8_t *out)
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
    uint16_t codes[Q35_BLOCK_CODES], best_codes[Q35_BLOCK_CODES];
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
                codes[i] = (uint16_t)c;
                double r0 = (double)wb[2 * i] - (double)d * gs->grid[c][0];
                double r1 = (double)wb[2 * i + 1] - (double)d * gs->grid[c][1];
                e += pair_err(r0, hb[2 * i], r1, hb[2 * i + 1]);
            }
            if (e < best_e) {
                best_e = e;
                best_s = s;
                memcpy(best_codes, codes, sizeof codes[0] * (size_t)m);
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
    lay->pack(best_codes, m, out + 1);
    return unweighted ? 0.0 : best_e;
}

static double quantize_row_gs(const q35_grid_search *gs, const layout *lay, const float *w, const float *imp, int64_t n,
                              void *out)
{
    uint8_t *p = out;
    double e = 0.0;
    for (int64_t k0 = 0; k0 < n; k0 += Q35_BLOCK_WEIGHTS) {
        int nw = (int)(n - k0 < Q35_BLOCK_WEIGHTS ? n - k0 : Q35_BLOCK_WEIGHTS);
        e += quantize_block(gs, lay, w + k0, imp ? imp + k0 : NULL, nw, p);
        p += lay->block_bytes((nw + 1) / 2);
    }
    return e;
}

q35_quantizer *q35_quantizer_new(const q35_type_traits *t, q35_err *err)
{
    const layout *lay = layout_of(t);
    if (!lay) {
        q35_fail(err, "quantizer: type '%s' is not a pair-code type (3.5-bit family or q45_cb)", t ? t->name : "(null)");
        return NULL;
    }
    q35_quantizer *q = q35_malloc(sizeof *q, err);
    if (!q) return NULL;
    q->t = t;
    q->lay = lay;
    if (q35_grid_search_init_n(&q->gs, t->grid_points, t->grid_size, err)) {
        free(q);
        return NULL;
    }
    return q;
}

void q35_quantizer_free(q35_quantizer *q) { free(q); }

const q35_type_traits *q35_quantizer_type(const q35_quantizer *q) { return q->t; }

double q35_quantizer_row(const q35_quantizer *q, const float *w, const float *importance, int64_t n, void *out)
{
    return quantize_row_gs(&q->gs, q->lay, w, importance, n, out);
}

double q35_quantize_row(const q35_type_traits *t, const float *w, const float *importance, int64_t n, void *out)
{
    const layout *lay = layout_of(t);
    if (!lay) return -1.0;
    q35_grid_search gs; /* ~55 KB; built per call, so loops over rows use a q35_quantizer */
    if (q35_grid_search_init_n(&gs, t->grid_points, t->grid_size, NULL)) return -1.0;
    return quantize_row_gs(&gs, lay, w, importance, n, out);
}
