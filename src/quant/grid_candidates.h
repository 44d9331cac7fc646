/* Candidate grid points for a pair whose objective is a quadratic form close to, but not
 * exactly, the Euclidean distance (GPTQ's joint objective for two sequential columns).
 * Instead of one nearest point, the search returns the few points that can be nearest
 * to (u, v) or to a point near it, and the caller evaluates its exact objective on them.
 * Built on grid_search.h's cell index, read-only, so threads may share it. */
#ifndef Q35_QUANT_GRID_CANDIDATES_H
#define Q35_QUANT_GRID_CANDIDATES_H

#include <stdint.h>

#include "quant/grid_search.h"

/* Writes into out (room for gs->n codes) the distinct codes that are Euclidean-nearest
 * to some point within `reach` cells (gs->cell units each; `reach` levels for a product
 * grid) of (u, v), and returns their number (>= 1). Where the cell index does not answer
 * (outside its square, or a crowded cell) it returns all codes. */
int q35_grid_candidates(const q35_grid_search *gs, float u, float v, int reach, uint16_t *out);

#endif
