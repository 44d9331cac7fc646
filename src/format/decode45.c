/* Reference block decode and dot product of the 4.5-bit format: the meaning of a block,
 * written plainly. The fast kernels of q45_cb are tested against q35_q45_block_dot_ref. */
#include "q35/format45.h"

void q35_q45_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2], float *out)
{
    uint16_t codes[Q35_BLOCK_CODES];
    float d = q35_scale_to_float(block[0]);
    q35_q45_unpack_planes(block + 1, m, codes);
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
    for (int k = 0; k < nw && k < 2 * m; k++) s += (double)grid[codes[k / 2]][k % 2] * (double)x[k];
    return (double)q35_scale_to_float(block[0]) * s;
}
