/* Fast dot products of one quantized or float row with a float vector x[0..n), for the
 * traits rows' `dot` field. Each entry point dispatches at run time to the best ISA this
 * CPU has (AVX-512 with VBMI, AVX2 with FMA, or portable C); the per-ISA variants are
 * exported too, so tests can compare every variant the machine can run against the
 * reference dots. The binary is built for plain x86-64: the SIMD code sits in functions
 * with target attributes and is only called after __builtin_cpu_supports says yes. */
#ifndef Q35_CPU_Q35_DOT_H
#define Q35_CPU_Q35_DOT_H

#include <stdint.h>
#include <string.h>

#include "q35/format.h"
#include "q35/format45.h"

enum { Q35_ISA_SCALAR = 0, Q35_ISA_AVX2 = 1, Q35_ISA_AVX512 = 2 };

/* 1 if this CPU (and OS) can run the variant. Q35_ISA_SCALAR always can. */
int q35_cpu_has_isa(int isa);
const char *q35_isa_name(int isa);
/* The variant the dispatching entry points use. */
int q35_cpu_best_isa(void);

/* 3.5-bit rows (format.h), any grid. */
float q35_dot_q35(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q35_isa(int isa, const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n);

/* q45_cb rows (format45.h): 9-bit codes into a 512-point grid. */
float q35_dot_q45(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q45_isa(int isa, const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n);

/* f32, f16 and q8_0 rows (q8_0: 34-byte blocks of 32, the last one zero-padded). */
float q35_dot_f32(const void *row, const float *x, int64_t n);
float q35_dot_f16(const void *row, const float *x, int64_t n);
float q35_dot_q8_0(const void *row, const float *x, int64_t n);
float q35_dot_f32_isa(int isa, const void *row, const float *x, int64_t n);
float q35_dot_f16_isa(int isa, const void *row, const float *x, int64_t n);
float q35_dot_q8_0_isa(int isa, const void *row, const float *x, int64_t n);

/* The per-ISA kernels behind the dispatchers (internal to src/cpu). */
float q35_dot_q35_scalar(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q35_avx2(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q35_avx512(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q45_scalar(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q45_avx2(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_q45_avx512(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n);
float q35_dot_f32_scalar(const void *row, const float *x, int64_t n);
float q35_dot_f32_avx2(const void *row, const float *x, int64_t n);
float q35_dot_f32_avx512(const void *row, const float *x, int64_t n);
float q35_dot_f16_scalar(const void *row, const float *x, int64_t n);
float q35_dot_f16_avx2(const void *row, const float *x, int64_t n);
float q35_dot_f16_avx512(const void *row, const float *x, int64_t n);
float q35_dot_q8_0_scalar(const void *row, const float *x, int64_t n);
float q35_dot_q8_0_avx2(const void *row, const float *x, int64_t n);
float q35_dot_q8_0_avx512(const void *row, const float *x, int64_t n);

/* q35_scale_to_float without a call, for the hot loops: d = (1 + m/8) * 2^(e - 24) with
 * m = s % 8, e = s / 8 is built directly as float bits (tests check all 256 bytes). */
static inline float q35_scale_bits(uint8_t s)
{
    uint32_t bits = s ? ((uint32_t)(s >> 3) + 103u) << 23 | (uint32_t)(s & 7) << 20 : 0u;
    float d;
    memcpy(&d, &bits, 4);
    return d;
}

/* q35_unpack_planes with shifts and masks, for the kernels' partial last blocks. */
void q35_unpack_codes_fast(const uint8_t *planes, int m, uint8_t *codes);

/* q35_q45_unpack_planes with shifts and masks. */
void q35_q45_unpack_codes_fast(const uint8_t *planes, int m, uint16_t *codes);

/* Float-accumulated dot of nw weights with x, pair i decoding to grid[codes[i]] (any grid
 * size): four partial sums, the arithmetic of every variant's short last block. */
float q35_codes_dot_f32acc(const int8_t (*grid)[2], const uint16_t *codes, const float *x, int nw);

/* Float-accumulated dot of one (possibly partial) block with x[0..nw), scale included:
 * the tail step every variant shares, for the 3.5-bit and the 4.5-bit layout. */
float q35_block_dot_f32acc(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2],
                           const float *x, int nw);
float q35_q45_block_dot_f32acc(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2],
                               const float *x, int nw);

#endif
