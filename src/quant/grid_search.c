/* The search structure of grid_search.h. */
#include <math.h>
#include <string.h>

#include "quant/grid_search.h"

#define NCELLS (Q35_GS_NCELL * Q35_GS_NCELL)

/* Product-grid detection: levels of each coordinate form a contiguous range and every
 * pair of the box appears among the codes (the first code of a pair wins). */
static int detect_product(q35_grid_search *gs)
{
    const int8_t (*g)[2] = gs->grid;
    int lo[2] = {127, 127}, hi[2] = {-128, -128};
    for (int c = 0; c < gs->n; c++)
        for (int t = 0; t < 2; t++) {
            if (g[c][t] < lo[t]) lo[t] = g[c][t];
            if (g[c][t] > hi[t]) hi[t] = g[c][t];
        }
    int n0 = hi[0] - lo[0] + 1, n1 = hi[1] - lo[1] + 1;
    if (n0 * n1 > gs->n) return 0;
    uint8_t seen[Q35_GS_MAX_POINTS];
    memset(seen, 0, sizeof seen);
    for (int c = gs->n - 1; c >= 0; c--) { /* descending, so the first code wins */
        int k = (g[c][0] - lo[0]) * n1 + (g[c][1] - lo[1]);
        seen[k] = 1;
        gs->code_of[k] = (uint16_t)c;
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

/* Cell index of a coordinate inside [-span, span); int8 grid points always are. */
static int cell_of(const q35_grid_search *gs, int x) { return (x + gs->span) / gs->cell; }

/* The grid points lying in each cell, by a counting sort on the cell index. */
static void bucket_points(q35_grid_search *gs)
{
    const int8_t (*g)[2] = gs->grid;
    uint16_t start[NCELLS + 1];
    memset(start, 0, sizeof start);
    for (int c = 0; c < gs->n; c++) start[cell_of(gs, g[c][1]) * Q35_GS_NCELL + cell_of(gs, g[c][0]) + 1]++;
    for (int k = 0; k < NCELLS; k++) start[k + 1] = (uint16_t)(start[k + 1] + start[k]);
    memcpy(gs->first, start, sizeof start);
    for (int c = 0; c < gs->n; c++) gs->in_cell[start[cell_of(gs, g[c][1]) * Q35_GS_NCELL + cell_of(gs, g[c][0])]++] = (uint16_t)c;
}

static int clamp_cell(int k) { return k < 0 ? 0 : k >= Q35_GS_NCELL ? Q35_GS_NCELL - 1 : k; }

/* Euclidean candidate lists: every point of a cell is within `bound` (squared) of the
 * grid point whose farthest distance to the cell is least, so a grid point farther than
 * that from the whole cell is never the nearest. Both scans only visit the cells within
 * `ring` of the cell: a point nearer than some bound b to the cell lies within
 * ceil(sqrt(b) / cell) cells of it, and a first bound comes from the nearest non-empty
 * ring. The lists come out in ascending code order. */
static void build_cells(q35_grid_search *gs)
{
    const int8_t (*g)[2] = gs->grid;
    bucket_points(gs);
    for (int cy = 0; cy < Q35_GS_NCELL; cy++)
        for (int cx = 0; cx < Q35_GS_NCELL; cx++) {
            int64_t x0 = -gs->span + (int64_t)cx * gs->cell, x1 = x0 + gs->cell;
            int64_t y0 = -gs->span + (int64_t)cy * gs->cell, y1 = y0 + gs->cell;
            int64_t bound = INT64_MAX;
            for (int pass = 0; pass < 2; pass++) {
                /* pass 0: a first bound from the nearest non-empty ring; pass 1: the exact
                 * bound from every point that could lower it */
                int ring = 1;
                if (pass == 1) {
                    ring = (int)((int64_t)sqrt((double)bound) / gs->cell) + 1;
                    bound = INT64_MAX;
                }
                for (;; ring++) {
                    for (int y = clamp_cell(cy - ring); y <= clamp_cell(cy + ring); y++)
                        for (int k = gs->first[y * Q35_GS_NCELL + clamp_cell(cx - ring)];
                             k < gs->first[y * Q35_GS_NCELL + clamp_cell(cx + ring) + 1]; k++) {
                            int c = gs->in_cell[k];
                            int64_t dmax = sq(far(x0, x1, g[c][0])) + sq(far(y0, y1, g[c][1]));
                            if (dmax < bound) bound = dmax;
                        }
                    if (pass == 1 || bound < INT64_MAX || ring >= Q35_GS_NCELL) break;
                }
            }
            const int ring = (int)((int64_t)sqrt((double)bound) / gs->cell) + 1;
            int cell = cy * Q35_GS_NCELL + cx, n = 0;
            uint16_t *cand = gs->cand[cell];
            for (int y = clamp_cell(cy - ring); y <= clamp_cell(cy + ring); y++)
                for (int k = gs->first[y * Q35_GS_NCELL + clamp_cell(cx - ring)];
                     k < gs->first[y * Q35_GS_NCELL + clamp_cell(cx + ring) + 1] && n <= Q35_GS_CAP; k++) {
                    int c = gs->in_cell[k];
                    if (sq(gap(x0, x1, g[c][0])) + sq(gap(y0, y1, g[c][1])) > bound) continue;
                    if (n < Q35_GS_CAP) { /* insert in code order */
                        int j = n;
                        for (; j > 0 && cand[j - 1] > c; j--) cand[j] = cand[j - 1];
                        cand[j] = (uint16_t)c;
                    }
                    n++;
                }
            gs->count[cell] = (uint8_t)(n > Q35_GS_CAP ? Q35_GS_BRUTE : n);
        }
}

static void init(q35_grid_search *gs, const int8_t (*grid)[2], int n)
{
    memset(gs, 0, sizeof *gs);
    gs->grid = grid;
    gs->n = n;
    /* a cell should meet about as many Voronoi regions whatever the grid's density */
    gs->cell = n <= Q35_GRID_SIZE ? Q35_GS_CELL : Q35_GS_CELL / 2;
    gs->span = Q35_GS_NCELL / 2 * gs->cell;
    for (int c = 0; c < n; c++)
        for (int t = 0; t < 2; t++) {
            int a = grid[c][t] < 0 ? -grid[c][t] : grid[c][t];
            if (a > gs->maxabs[t]) gs->maxabs[t] = a;
        }
    gs->product = detect_product(gs);
    if (!gs->product) build_cells(gs);
}

void q35_grid_search_init(q35_grid_search *gs, const int8_t grid[Q35_GRID_SIZE][2])
{
    init(gs, (const int8_t (*)[2])grid, Q35_GRID_SIZE);
}

int q35_grid_search_init_n(q35_grid_search *gs, const int8_t (*grid)[2], int n, q35_err *err)
{
    if (!grid || n < 1 || n > Q35_GS_MAX_POINTS)
        return q35_fail(err, "grid search: a grid of %d points is not in 1..%d", n, Q35_GS_MAX_POINTS);
    init(gs, grid, n);
    return 0;
}

/* Rounds u to the nearest integer in [lo, hi]; NaN goes to lo. Finite u goes through
 * q35_round_level (src/format/round.c, checked by Frama-C WP). */
static int round_clamp(float u, int lo, int hi)
{
    if (u != u) return lo;
    if (isinf(u)) return u > 0.0f ? hi : lo;
    return q35_round_level(u, lo, hi);
}

static int brute(const q35_grid_search *gs, double u, double v, double h0, double h1)
{
    int best = 0;
    double bd = 0;
    for (int c = 0; c < gs->n; c++) {
        double du = u - gs->grid[c][0], dv = v - gs->grid[c][1];
        double d = h0 * du * du + h1 * dv * dv;
        if (c == 0 || d < bd) {
            bd = d;
            best = c;
        }
    }
    return best;
}

/* Cell index of a coordinate known to lie in [-span, span] (u + span may round up to
 * 2 span in float, hence the clamp). */
static int cell_index(const q35_grid_search *gs, float u)
{
    int k = (int)((u + (float)gs->span) / (float)gs->cell);
    return k < 0 ? 0 : k >= Q35_GS_NCELL ? Q35_GS_NCELL - 1 : k;
}

/* Most cells a weighted query's box may cover before brute force is cheaper. */
#define BOX_MAX_CELLS 48

int q35_grid_search_nearest(const q35_grid_search *gs, float u, float v, float h0, float h1)
{
    if (gs->product) {
        int a = round_clamp(u, gs->lo[0], gs->hi[0]), b = round_clamp(v, gs->lo[1], gs->hi[1]);
        return gs->code_of[(a - gs->lo[0]) * (gs->hi[1] - gs->lo[1] + 1) + (b - gs->lo[1])];
    }
    /* A zero weight (the odd row's pad) makes the nearest point a 1-D question that the
     * Euclidean cells do not answer; NaN has no nearest point. */
    if (!(h0 > 0.0f && h1 > 0.0f) || u != u || v != v) return brute(gs, u, v, h0, h1);
    const float span = (float)gs->span;
    const int inside = u >= -span && u < span && v >= -span && v < span;
    /* A query outside the square starts from the candidates of the cell nearest to it;
     * the box scan below then makes the answer exact. */
    const float cu = fminf(fmaxf(u, -span), span), cv = fminf(fmaxf(v, -span), span);
    int cell = cell_index(gs, cv) * Q35_GS_NCELL + cell_index(gs, cu), n = gs->count[cell];
    if (n == Q35_GS_BRUTE) return brute(gs, u, v, h0, h1);
    const int8_t (*g)[2] = gs->grid;
    const uint16_t *cand = gs->cand[cell];
    int best = cand[0];
    float bd = 0;
    for (int k = 0; k < n; k++) {
        float du = u - g[cand[k]][0], dv = v - g[cand[k]][1];
        float d = h0 * du * du + h1 * dv * dv;
        if (k == 0 || d < bd) {
            bd = d;
            best = cand[k];
        }
    }
    if (inside && h0 == h1) return best; /* the Euclidean candidates are exact */
    /* Any point nearer than bd lies in the box; a little slack covers float rounding. */
    float ru = sqrtf(bd / h0) * 1.0001f + 1e-3f, rv = sqrtf(bd / h1) * 1.0001f + 1e-3f;
    /* Grid points all lie in the square, so the box is clipped to it (before any float to
     * int conversion: a tiny weight or a far query makes the box huge or infinite). */
    int x0 = cell_index(gs, fminf(fmaxf(u - ru, -span), span)), x1 = cell_index(gs, fminf(fmaxf(u + ru, -span), span));
    int y0 = cell_index(gs, fminf(fmaxf(v - rv, -span), span)), y1 = cell_index(gs, fminf(fmaxf(v + rv, -span), span));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > BOX_MAX_CELLS) return brute(gs, u, v, h0, h1);
    for (int cy = y0; cy <= y1; cy++)
        for (int k = gs->first[cy * Q35_GS_NCELL + x0]; k < gs->first[cy * Q35_GS_NCELL + x1 + 1]; k++) {
            int c = gs->in_cell[k];
            float du = u - g[c][0], dv = v - g[c][1];
            float d = h0 * du * du + h1 * dv * dv;
            if (d < bd) {
                bd = d;
                best = c;
            }
        }
    return best;
}
