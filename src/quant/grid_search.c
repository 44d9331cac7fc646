/* The search structure of grid_search.h. */
#include <string.h>

#include "quant/grid_search.h"

/* Product-grid detection: levels of each coordinate form a contiguous range and every
 * pair of the box appears among the codes (the first code of a pair wins). */
static int detect_product(q35_grid_search *gs)
{
    const int8_t (*g)[2] = gs->grid;
    int lo[2] = {127, 127}, hi[2] = {-128, -128};
    for (int c = 0; c < Q35_GRID_SIZE; c++)
        for (int t = 0; t < 2; t++) {
            if (g[c][t] < lo[t]) lo[t] = g[c][t];
            if (g[c][t] > hi[t]) hi[t] = g[c][t];
        }
    int n0 = hi[0] - lo[0] + 1, n1 = hi[1] - lo[1] + 1;
    if (n0 * n1 > Q35_GRID_SIZE) return 0;
    uint8_t seen[Q35_GRID_SIZE];
    memset(seen, 0, sizeof seen);
    for (int c = Q35_GRID_SIZE - 1; c >= 0; c--) { /* descending, so the first code wins */
        int k = (g[c][0] - lo[0]) * n1 + (g[c][1] - lo[1]);
        seen[k] = 1;
        gs->code_of[k] = (uint8_t)c;
    }
    for (int k = 0; k < n0 * n1; k++)
        if (!seen[k]) return 0;
    gs->lo[0] = lo[0], gs->lo[1] = lo[1], gs->hi[0] = hi[0], gs->hi[1] = hi[1];
    return 1;
}

static int64_t sq(int64_t a) { return a * a; }

/* Distance from the interval [a, b] to x: 0 inside. */
static int64_t gap(int64_t a, int64_t b, int64_t x) { return x < a ? a - x : x > b ? x - b : 0; }
static int64_t far(int64_t a, int64_t b, int64_t x) { return x - a > b - x ? x - a : b - x; }

static void build_cells(q35_grid_search *gs)
{
    const int8_t (*g)[2] = gs->grid;
    for (int cy = 0; cy < Q35_GS_NCELL; cy++)
        for (int cx = 0; cx < Q35_GS_NCELL; cx++) {
            int64_t x0 = -Q35_GS_SPAN + (int64_t)cx * Q35_GS_CELL, x1 = x0 + Q35_GS_CELL;
            int64_t y0 = -Q35_GS_SPAN + (int64_t)cy * Q35_GS_CELL, y1 = y0 + Q35_GS_CELL;
            /* Every point of the cell is within `bound` of some grid point, so a grid
             * point farther than that from the whole cell is never the nearest. */
            int64_t bound = INT64_MAX;
            for (int c = 0; c < Q35_GRID_SIZE; c++) {
                int64_t dmax = sq(far(x0, x1, g[c][0])) + sq(far(y0, y1, g[c][1]));
                if (dmax < bound) bound = dmax;
            }
            int cell = cy * Q35_GS_NCELL + cx, n = 0;
            for (int c = 0; c < Q35_GRID_SIZE && n <= Q35_GS_CAP; c++) {
                int64_t dmin = sq(gap(x0, x1, g[c][0])) + sq(gap(y0, y1, g[c][1]));
                if (dmin <= bound) {
                    if (n < Q35_GS_CAP) gs->cand[cell][n] = (uint8_t)c;
                    n++;
                }
            }
            gs->count[cell] = (uint8_t)(n > Q35_GS_CAP ? Q35_GS_BRUTE : n);
        }
}

void q35_grid_search_init(q35_grid_search *gs, const int8_t grid[Q35_GRID_SIZE][2])
{
    memset(gs, 0, sizeof *gs);
    gs->grid = (const int8_t (*)[2])grid;
    for (int c = 0; c < Q35_GRID_SIZE; c++)
        for (int t = 0; t < 2; t++) {
            int a = grid[c][t] < 0 ? -grid[c][t] : grid[c][t];
            if (a > gs->maxabs[t]) gs->maxabs[t] = a;
        }
    gs->product = detect_product(gs);
    if (!gs->product) build_cells(gs);
}

/* Rounds u to the nearest integer in [lo, hi]; NaN goes to lo. */
static int round_clamp(float u, int lo, int hi)
{
    if (!(u >= (float)lo)) return lo;
    if (u >= (float)hi) return hi;
    return (int)(u + 128.5f) - 128; /* u + 128.5 > 0, so truncation is floor */
}

static int brute(const q35_grid_search *gs, double u, double v, double h0, double h1)
{
    int best = 0;
    double bd = 0;
    for (int c = 0; c < Q35_GRID_SIZE; c++) {
        double du = u - gs->grid[c][0], dv = v - gs->grid[c][1];
        double d = h0 * du * du + h1 * dv * dv;
        if (c == 0 || d < bd) {
            bd = d;
            best = c;
        }
    }
    return best;
}

int q35_grid_search_nearest(const q35_grid_search *gs, float u, float v, float h0, float h1)
{
    if (gs->product) {
        int a = round_clamp(u, gs->lo[0], gs->hi[0]), b = round_clamp(v, gs->lo[1], gs->hi[1]);
        return gs->code_of[(a - gs->lo[0]) * (gs->hi[1] - gs->lo[1] + 1) + (b - gs->lo[1])];
    }
    /* A zero weight (the odd row's pad) makes the nearest point a 1-D question that the
     * Euclidean cells do not answer. */
    if (h0 > 0.0f && h1 > 0.0f && u >= -(float)Q35_GS_SPAN && u < (float)Q35_GS_SPAN && v >= -(float)Q35_GS_SPAN && v < (float)Q35_GS_SPAN) {
        int cx = (int)((u + (float)Q35_GS_SPAN) * (1.0f / Q35_GS_CELL));
        int cy = (int)((v + (float)Q35_GS_SPAN) * (1.0f / Q35_GS_CELL));
        if (cx >= Q35_GS_NCELL) cx = Q35_GS_NCELL - 1; /* u + 256 may round up to 512 */
        if (cy >= Q35_GS_NCELL) cy = Q35_GS_NCELL - 1;
        int cell = cy * Q35_GS_NCELL + cx, n = gs->count[cell];
        if (n != Q35_GS_BRUTE) {
            const uint8_t *cand = gs->cand[cell];
            int best = cand[0];
            float bd = 0;
            for (int k = 0; k < n; k++) {
                float du = u - gs->grid[cand[k]][0], dv = v - gs->grid[cand[k]][1];
                float d = h0 * du * du + h1 * dv * dv;
                if (k == 0 || d < bd) {
                    bd = d;
                    best = cand[k];
                }
            }
            return best;
        }
    }
    return brute(gs, u, v, h0, h1);
}
