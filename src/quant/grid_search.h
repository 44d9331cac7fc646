/* Nearest grid point for a pair of scaled weights, the inner step of the quantizer.
 *
 * Two cases. A product grid (every pair in a box of integer levels appears, like the
 * 11 x 11 and 16 x 8 codes) is searched by rounding each coordinate and clamping, which
 * is exact. Any other grid (the codebook) gets a cell index: the plane [-256, 256)^2 is
 * cut into 16 x 16 cells, and each cell lists every grid point that can be the nearest
 * (Euclidean) to some point of the cell; a point outside the covered square, or in a cell
 * whose list is too long, is searched by brute force. The index is built once per
 * quantizer (about 0.3 ms) and only read afterwards, so threads share it. */
#ifndef Q35_QUANT_GRID_SEARCH_H
#define Q35_QUANT_GRID_SEARCH_H

#include <stdint.h>

#include "q35/format.h"

#define Q35_GS_CELL 16
#define Q35_GS_SPAN 256
#define Q35_GS_NCELL (2 * Q35_GS_SPAN / Q35_GS_CELL)
#define Q35_GS_CAP 24
#define Q35_GS_BRUTE 255 /* count value of a cell searched by brute force */

typedef struct q35_grid_search {
    const int8_t (*grid)[2];
    int maxabs[2];  /* largest |level| of each coordinate */
    int product;    /* 1: per-coordinate rounding is exact */
    int lo[2], hi[2];
    uint8_t code_of[Q35_GRID_SIZE]; /* product: code of (a, b) at (a - lo0) * (hi1 - lo1 + 1) + (b - lo1) */
    uint8_t count[Q35_GS_NCELL * Q35_GS_NCELL];
    uint8_t cand[Q35_GS_NCELL * Q35_GS_NCELL][Q35_GS_CAP];
} q35_grid_search;

void q35_grid_search_init(q35_grid_search *gs, const int8_t grid[Q35_GRID_SIZE][2]);

/* Code of the grid point nearest to (u, v) under the weighted distance
 * h0 (u - g0)^2 + h1 (v - g1)^2. Exact for product grids, for any grid when h0 == h1,
 * and when either weight is 0 (brute force); with other unequal weights the codebook
 * picks the best of the cell's Euclidean candidates, nearly always the same point. */
int q35_grid_search_nearest(const q35_grid_search *gs, float u, float v, float h0, float h1);

#endif
