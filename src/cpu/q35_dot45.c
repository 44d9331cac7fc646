/* Dispatch of the q45_cb dot product, and its portable C variant. Like the 3.5-bit
 * kernels it accumulates in float, one partial sum per block, then scale times sum. */
#include "cpu/q35_dot.h"

void q35_q45_unpack_codes_fast(const uint8_t *pl, int m, uint16_t *c)
{
    const uint8_t *bit = pl + m;
    for (int i = 0; i < m; i++) c[i] = (uint16_t)(pl[i] | ((bit[i >> 3] >> (i & 7)) & 1) << 8);
}

float q35_q45_block_dot_f32acc(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2],
                               const float *x, int nw)
{
    uint16_t codes[Q35_BLOCK_CODES];
    q35_q45_unpack_codes_fast(block + 1, m, codes);
    return q35_scale_bits(block[0]) * q35_codes_dot_f32acc(grid, codes, x, nw);
}

float q35_dot_q45_scalar(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    float acc = 0.0f;
    for (int64_t b = 0; b < nfull; b++, p += Q35_Q45_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        uint64_t hi = 0; /* bit 8 of code i at bit i */
        for (int j = 7; j >= 0; j--) hi = hi << 8 | p[1 + Q35_BLOCK_CODES + j];
        float s0 = 0.0f, s1 = 0.0f;
        for (int i = 0; i < Q35_BLOCK_CODES; i++) {
            int c = p[1 + i] | (int)((hi >> i) & 1) << 8;
            s0 += (float)grid[c][0] * x[2 * i];
            s1 += (float)grid[c][1] * x[2 * i + 1];
        }
        acc += q35_scale_bits(p[0]) * (s0 + s1);
    }
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) acc += q35_q45_block_dot_f32acc(p, (nw + 1) / 2, grid, x, nw);
    return acc;
}

float q35_dot_q45_isa(int isa, const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
#if defined(__x86_64__) || defined(__i386__)
    if (isa == Q35_ISA_AVX512) return q35_dot_q45_avx512(grid, row, x, n);
    if (isa == Q35_ISA_AVX2) return q35_dot_q45_avx2(grid, row, x, n);
#endif
    return q35_dot_q45_scalar(grid, row, x, n);
}

float q35_dot_q45(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    return q35_dot_q45_isa(q35_cpu_best_isa(), grid, row, x, n);
}
