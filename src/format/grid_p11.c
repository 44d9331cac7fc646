/* The product grid, generated at compile time from the code definition in product.c:
 * v = code as 7-bit two's complement; valid when |v| <= 60, then a = floor((v+60)/11) - 5
 * and b = v - 11a. The 7 unused codes decode to (0, 0). */
#include "grids.h"

#define P11_V(c) ((c) < 64 ? (c) : (c)-128)
#define P11_OK(c) (P11_V(c) >= -60 && P11_V(c) <= 60)
#define P11_A(c) (P11_OK(c) ? (P11_V(c) + 60) / 11 - 5 : 0)
#define P11_B(c) (P11_OK(c) ? P11_V(c) - 11 * P11_A(c) : 0)
#define E(c) {P11_A(c), P11_B(c)}
#define R8(c) E(c), E(c + 1), E(c + 2), E(c + 3), E(c + 4), E(c + 5), E(c + 6), E(c + 7)
#define R32(c) R8(c), R8(c + 8), R8(c + 16), R8(c + 24)

const int8_t q35_grid_p11[Q35_GRID_SIZE][2] = {R32(0), R32(32), R32(64), R32(96)};
