/* The seed's split code: the first weight takes the high 4 bits as a signed level in
 * [-8, 7], the second the low 3 bits as a signed level in [-4, 3] (offset binary). */
#include "grids.h"

#define E(c) {(c) / 8 - 8, (c) % 8 - 4}
#define R8(c) E(c), E(c + 1), E(c + 2), E(c + 3), E(c + 4), E(c + 5), E(c + 6), E(c + 7)
#define R32(c) R8(c), R8(c + 8), R8(c + 16), R8(c + 24)

const int8_t q35_grid_s43[Q35_GRID_SIZE][2] = {R32(0), R32(32), R32(64), R32(96)};
