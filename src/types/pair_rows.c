/* The row walk shared by the pair-code types (the 3.5-bit family and q45_cb): a row is
 * blocks of 128 weights back to back, the last one possibly short; only the block's byte
 * count and its decode differ, and those come in a pair_layout. */
#include <string.h>

#include "q35/format.h"
#include "types_internal.h"

void q35_pair_to_float(const q35_pair_layout *L, const void *grid, const void *row, int64_t n, float *out)
{
    const uint8_t *p = row;
    int64_t nb = q35_row_blocks(n);
    for (int64_t b = 0; b < nb; b++) {
        int m = q35_block_codes(n, b);
        int64_t k0 = b * Q35_BLOCK_WEIGHTS;
        if (k0 + 2 * m <= n) {
            L->decode(p, m, grid, out + k0);
        } else { /* the odd row's padding weight has no place in out */
            float tmp[Q35_BLOCK_WEIGHTS];
            L->decode(p, m, grid, tmp);
            memcpy(out + k0, tmp, (size_t)(n - k0) * sizeof(float));
        }
        p += L->block_bytes(m);
    }
}

float q35_pair_dot_ref(const q35_pair_layout *L, const void *grid, const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    int64_t nb = q35_row_blocks(n);
    double s = 0.0;
    for (int64_t b = 0; b < nb; b++) {
        int m = q35_block_codes(n, b);
        int64_t k0 = b * Q35_BLOCK_WEIGHTS;
        int nw = (int)(n - k0 < Q35_BLOCK_WEIGHTS ? n - k0 : Q35_BLOCK_WEIGHTS);
        s += L->dot_ref(p, m, grid, x + k0, nw);
        p += L->block_bytes(m);
    }
    return (float)s;
}
