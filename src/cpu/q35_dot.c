/* Dispatch of the fast dot products, and the portable C variants. The scalar variants
 * accumulate in float like the SIMD ones (one partial sum per q35 block, then scale
 * times sum), so all variants of a type round alike; the reference dots in the traits
 * rows accumulate in double. */
#include <string.h>

#include "cpu/q35_dot.h"
#include "q35/common.h"

int q35_cpu_has_isa(int isa)
{
    if (isa == Q35_ISA_SCALAR) return 1;
#if defined(__x86_64__) || defined(__i386__)
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (isa == Q35_ISA_AVX2) return avx2;
    if (isa == Q35_ISA_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi");
#endif
    return 0;
}

const char *q35_isa_name(int isa)
{
    switch (isa) {
    case Q35_ISA_AVX512: return "avx512";
    case Q35_ISA_AVX2: return "avx2";
    default: return "scalar";
    }
}

int q35_cpu_best_isa(void)
{
    if (q35_cpu_has_isa(Q35_ISA_AVX512)) return Q35_ISA_AVX512;
    if (q35_cpu_has_isa(Q35_ISA_AVX2)) return Q35_ISA_AVX2;
    return Q35_ISA_SCALAR;
}

/* ---- q35 ---- */

/* q35_unpack_planes for any m with shifts and masks, and loops ordered so that no
 * division by the plane strides is left in the inner loops (rows shorter than a block,
 * such as stories260K's 64 and 172, spend most of their time here). */
void q35_unpack_codes_fast(const uint8_t *pl, int m, uint8_t *c)
{
    const int h2 = (m + 1) / 2, h4 = (m + 3) / 4;
    const uint8_t *nib = pl, *cr = pl + h2, *bit = pl + h2 + h4;
    for (int j = 0; j < h2; j++) {
        c[j] = nib[j] & 15;
        if (j + h2 < m) c[j + h2] = nib[j] >> 4;
    }
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < h4 && j + k * h4 < m; j++) c[j + k * h4] |= (uint8_t)(((cr[j] >> (2 * k)) & 3) << 4);
    for (int i = 0; i < m; i++) c[i] |= (uint8_t)(((bit[i >> 3] >> (i & 7)) & 1) << 6);
}

float q35_codes_dot_f32acc(const int8_t (*grid)[2], const uint16_t *codes, const float *x, int nw)
{
    /* four independent sums, so the loop is not one long chain of dependent adds */
    float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int k = 0;
    for (; k + 4 <= nw; k += 4) {
        s[0] += (float)grid[codes[k >> 1]][0] * x[k];
        s[1] += (float)grid[codes[k >> 1]][1] * x[k + 1];
        s[2] += (float)grid[codes[(k >> 1) + 1]][0] * x[k + 2];
        s[3] += (float)grid[codes[(k >> 1) + 1]][1] * x[k + 3];
    }
    for (; k < nw; k++) s[k & 3] += (float)grid[codes[k >> 1]][k & 1] * x[k];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

float q35_block_dot_f32acc(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2],
                           const float *x, int nw)
{
    uint8_t c8[Q35_BLOCK_CODES];
    uint16_t codes[Q35_BLOCK_CODES];
    q35_unpack_codes_fast(block + 1, m, c8);
    for (int i = 0; i < m; i++) codes[i] = c8[i];
    return q35_scale_bits(block[0]) * q35_codes_dot_f32acc(grid, codes, x, nw);
}

/* A full block's codes, with shifts and masks (q35_unpack_planes is the plain spelling). */
static void unpack_full(const uint8_t *pl, uint8_t *c)
{
    const uint8_t *nib = pl, *cr = pl + 32, *bit = pl + 48;
    for (int j = 0; j < 32; j++) {
        c[j] = nib[j] & 15;
        c[j + 32] = nib[j] >> 4;
    }
    for (int j = 0; j < 16; j++)
        for (int k = 0; k < 4; k++) c[j + 16 * k] |= (uint8_t)(((cr[j] >> (2 * k)) & 3) << 4);
    for (int i = 0; i < 64; i++) c[i] |= (uint8_t)(((bit[i >> 3] >> (i & 7)) & 1) << 6);
}

float q35_dot_q35_scalar(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    float acc = 0.0f;
    for (int64_t b = 0; b < nfull; b++, p += Q35_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        uint8_t c[Q35_BLOCK_CODES];
        unpack_full(p + 1, c);
        float s0 = 0.0f, s1 = 0.0f;
        for (int i = 0; i < Q35_BLOCK_CODES; i++) {
            s0 += (float)grid[c[i]][0] * x[2 * i];
            s1 += (float)grid[c[i]][1] * x[2 * i + 1];
        }
        acc += q35_scale_bits(p[0]) * (s0 + s1);
    }
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) acc += q35_block_dot_f32acc(p, (nw + 1) / 2, grid, x, nw);
    return acc;
}

float q35_dot_q35_isa(int isa, const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
#if defined(__x86_64__) || defined(__i386__)
    if (isa == Q35_ISA_AVX512) return q35_dot_q35_avx512(grid, row, x, n);
    if (isa == Q35_ISA_AVX2) return q35_dot_q35_avx2(grid, row, x, n);
#endif
    return q35_dot_q35_scalar(grid, row, x, n);
}

float q35_dot_q35(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    return q35_dot_q35_isa(q35_cpu_best_isa(), grid, row, x, n);
}

/* ---- f32, f16, q8_0 ---- */

float q35_dot_f32_scalar(const void *row, const float *x, int64_t n)
{
    const float *w = row;
    float s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += w[i + k] * x[i + k];
    for (; i < n; i++) s[0] += w[i] * x[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

float q35_dot_f16_scalar(const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        s += q35_f16_to_f32(h) * x[i];
    }
    return s;
}

float q35_dot_q8_0_scalar(const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    float acc = 0.0f;
    for (int64_t b = 0; b * 32 < n; b++, p += 34) {
        uint16_t h;
        memcpy(&h, p, 2);
        const int8_t *q = (const int8_t *)(p + 2);
        int nw = (int)(n - b * 32 < 32 ? n - b * 32 : 32);
        float s = 0.0f;
        for (int i = 0; i < nw; i++) s += (float)q[i] * x[b * 32 + i];
        acc += q35_f16_to_f32(h) * s;
    }
    return acc;
}

#if defined(__x86_64__) || defined(__i386__)
#define DISPATCH(NAME)                                                          \
    float q35_dot_##NAME##_isa(int isa, const void *row, const float *x, int64_t n) \
    {                                                                           \
        if (isa == Q35_ISA_AVX512) return q35_dot_##NAME##_avx512(row, x, n);   \
        if (isa == Q35_ISA_AVX2) return q35_dot_##NAME##_avx2(row, x, n);       \
        return q35_dot_##NAME##_scalar(row, x, n);                              \
    }
#else
#define DISPATCH(NAME)                                                          \
    float q35_dot_##NAME##_isa(int isa, const void *row, const float *x, int64_t n) \
    {                                                                           \
        (void)isa;                                                              \
        return q35_dot_##NAME##_scalar(row, x, n);                              \
    }
#endif
DISPATCH(f32)
DISPATCH(f16)
DISPATCH(q8_0)

float q35_dot_f32(const void *row, const float *x, int64_t n) { return q35_dot_f32_isa(q35_cpu_best_isa(), row, x, n); }
float q35_dot_f16(const void *row, const float *x, int64_t n) { return q35_dot_f16_isa(q35_cpu_best_isa(), row, x, n); }
float q35_dot_q8_0(const void *row, const float *x, int64_t n) { return q35_dot_q8_0_isa(q35_cpu_best_isa(), row, x, n); }
