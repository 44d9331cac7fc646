/* The code grids: for each code, the pair of int8 levels that the two weights of a pair
 * decode to (times the block scale). Three 128-point grids for the 3.5-bit types and one
 * 512-point grid for the 4.5-bit q45_cb. One file per grid; the traits rows in src/types
 * point at these tables. */
#ifndef Q35_FORMAT_GRIDS_H
#define Q35_FORMAT_GRIDS_H

#include <stdint.h>

#include "q35/format.h"
#include "q35/format45.h"

/* 128-point 2-D codebook (k-means on Gaussian pairs, see grid_cb.c). */
extern const int8_t q35_grid_cb[Q35_GRID_SIZE][2];
/* Product code: (a, b) in [-5, 5]^2, code = (11a + b) mod 128; unused codes are (0, 0). */
extern const int8_t q35_grid_p11[Q35_GRID_SIZE][2];
/* The seed's split code: (c / 8 - 8, c % 8 - 4). */
extern const int8_t q35_grid_s43[Q35_GRID_SIZE][2];
/* 512-point 2-D codebook of q45_cb (the same k-means procedure, see grid_cb512.c). */
extern const int8_t q35_grid_cb512[Q35_Q45_GRID_SIZE][2];

#endif
