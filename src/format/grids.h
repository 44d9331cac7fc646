/* The three 3.5-bit code grids: for each 7-bit code, the pair of int8 levels that the two
 * weights of a pair decode to (times the block scale). One file per grid; the traits rows
 * in src/types point at these tables. */
#ifndef Q35_FORMAT_GRIDS_H
#define Q35_FORMAT_GRIDS_H

#include <stdint.h>

#include "q35/format.h"

/* 128-point 2-D codebook (k-means on Gaussian pairs, see grid_cb.c). */
extern const int8_t q35_grid_cb[Q35_GRID_SIZE][2];
/* Product code: (a, b) in [-5, 5]^2, code = (11a + b) mod 128; unused codes are (0, 0). */
extern const int8_t q35_grid_p11[Q35_GRID_SIZE][2];
/* The seed's split code: (c / 8 - 8, c % 8 - 4). */
extern const int8_t q35_grid_s43[Q35_GRID_SIZE][2];

#endif
