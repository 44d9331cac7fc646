/* Reference block decode and dot product of the 4.5-bit format: the meaning of a block,
 * written plainly. The fast kernels of q45_cb are tested against q35_q45_block_dot_ref.
 * The contracts are in format45.h. */
#include "q35/format45.h"

void q35_q45_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2], float *out)
{
    uint16_t codes[Q35_BLOCK_CODES];
    float d = q35_scale_to_float(block[0]);
    q35_q45_unpack_planes(block + 1, m, codes);
    /*@ loop invariant 0 <= i <= m;
        loop invariant \forall integer k; 0 <= k < m ==> codes[k] < Q35_Q45_GRID_SIZE;
        loop assigns i, out[0 .. 2 * m - 1];
        loop variant m - i; */
    for (int i = 0; i < m; i++) {
        out[2 * i] = d * (float)grid[codes[i]][0];
        out[2 * i + 1] = d * (float)grid[codes[i]][1];
    }
}

double q35_q45_block_dot_ref(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2],
                             const float *x, int nw)
{
    uint16_t codes[Q35_BLOCK_CODES];
    q35_q45_unpack_planes(block + 1, m, codes);
    double s = 0.0;
    /*@ loop invariant 0 <= k <= 2 * m && k <= nw;
        loop invariant \forall integer j; 0 <= j < m ==> codes[j] < Q35_Q45_GRID_SIZE;
        loop assigns k, s;
        loop variant 2 * m - k; */
    for (int k = 0; k < nw && k < 2 * m; k++) {
        int c = codes[k / 2], t = k % 2;
        //@ assert 0 <= c < Q35_Q45_GRID_SIZE && 0 <= t < 2;
        s += (double)grid[c][t] * (double)x[k];
    }
    return (double)q35_scale_to_float(block[0]) * s;
}
