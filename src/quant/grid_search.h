/* Nearest grid point for a pair of scaled weights, the inner step of the quantizer, for
 * grids of up to 512 points (the 3.5-bit grids have 128, q45_cb's has 512).
 *
 * Two cases. A product grid (every pair in a box of integer levels appears, like the
 * 11 x 11 and 16 x 8 codes) is searched by rounding each coordinate and clamping, which
 * is exact. Any other grid (the codebooks) gets a cell index: the square
 * [-span, span)^2 is cut into 32 x 32 cells (16 units wide for 128 points, 8 for 512, so
 * a cell meets a similar number of Voronoi regions), and each cell lists every grid point
 * that can be the nearest (Euclidean) to some point of the cell, and the grid points that
 * lie in it. With equal weights the nearest point is the best of the query's cell list.
 * With unequal weights h0 != h1, or a query outside the square (which starts from the
 * cell nearest to it), the best of that list gives a distance D, and every point that
 * could beat it lies in the box |u - g0| < sqrt(D/h0), |v - g1| < sqrt(D/h1), whose cells
 * (clipped to the square, where all grid points lie) are then scanned. A query in a cell
 * whose list is too long, with a zero weight or with a box of too many cells is searched
 * by brute force. So the answer is always the exact weighted nearest point. The index is built once per
 * quantizer (well under a millisecond) and only read afterwards, so threads share it. */
#ifndef Q35_QUANT_GRID_SEARCH_H
#define Q35_QUANT_GRID_SEARCH_H

#include <stdint.h>

#include "q35/common.h"
#include "q35/format.h"

#define Q35_GS_CELL 16 /* cell width for grids of up to 128 points */
#define Q35_GS_SPAN 256
#define Q35_GS_NCELL 32 /* cells per side, for every grid size */
#define Q35_GS_CAP 24
#define Q35_GS_BRUTE 255 /* count value of a cell searched by brute force */
#define Q35_GS_MAX_POINTS 512

typedef struct q35_grid_search {
    const int8_t (*grid)[2];
    int maxabs[2];  /* largest |level| of each coordinate */
    int product;    /* 1: per-coordinate rounding is exact */
    int lo[2], hi[2];
    int n;          /* grid points */
    int cell, span; /* cell width; the cells cover [-span, span)^2, span = 16 * cell */
    uint16_t code_of[Q35_GS_MAX_POINTS]; /* product: code of (a, b) at (a - lo0) * (hi1 - lo1 + 1) + (b - lo1) */
    uint8_t count[Q35_GS_NCELL * Q35_GS_NCELL];
    uint16_t cand[Q35_GS_NCELL * Q35_GS_NCELL][Q35_GS_CAP];
    /* grid points by the cell they lie in: those of cell k are in_cell[first[k] .. first[k + 1]) */
    uint16_t first[Q35_GS_NCELL * Q35_GS_NCELL + 1];
    uint16_t in_cell[Q35_GS_MAX_POINTS];
} q35_grid_search;

/* For a 3.5-bit grid of Q35_GRID_SIZE points. */
void q35_grid_search_init(q35_grid_search *gs, const int8_t grid[Q35_GRID_SIZE][2]);
/* For a grid of n points, 1 <= n <= Q35_GS_MAX_POINTS (-1 and err otherwise). */
int q35_grid_search_init_n(q35_grid_search *gs, const int8_t (*grid)[2], int n, q35_err *err);

/* Code of the grid point nearest to (u, v) under the weighted distance
 * h0 (u - g0)^2 + h1 (v - g1)^2, for weights h0, h1 >= 0. Exact: among points at the same
 * distance, any may be returned. */
int q35_grid_search_nearest(const q35_grid_search *gs, float u, float v, float h0, float h1);

#endif
