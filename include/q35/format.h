/* q35/format.h: the 3.5-bit weight code, the verified core of q35 (see docs/FORMAT.md).
 *
 * A row of n weights is cut into blocks of Q35_BLOCK_WEIGHTS = 128 weights; the last
 * block of a row may be shorter. Neighbouring weights (2i, 2i+1) along the row form a
 * pair that shares one 7-bit code c; the pair decodes to d * (G[c][0], G[c][1]), where
 * G is the type's grid of 128 int8 pairs and d is the block's scale. An odd row is
 * padded with one zero weight. A block of m codes (m = 64 when full) is stored as
 *
 *   byte 0                      scale byte s
 *   ceil(m/2) bytes  nibble plane: byte j = c[j] % 16 + 16 * (c[j + h2] % 16), h2 = ceil(m/2)
 *   ceil(m/4) bytes  crumb plane:  byte j = sum_k ((c[j + k*h4] / 16) % 4) * 4^k,  h4 = ceil(m/4)
 *   ceil(m/8) bytes  bit plane:    byte j = sum_k (c[8j + k] / 64) * 2^k
 *
 * where codes past m count as 0. A full block is 1 + 32 + 16 + 8 = 57 bytes: 3.5625
 * bits per weight. The scale byte is an unsigned minifloat with 5 exponent and 3
 * mantissa bits: d = 0 when s = 0, else d = (8 + s % 8) * 2^(s / 8 - 27).
 *
 * Everything here is plain C with no allocation, so Frama-C can check it. */
#ifndef Q35_FORMAT_H
#define Q35_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define Q35_BLOCK_WEIGHTS 128
#define Q35_BLOCK_CODES 64
#define Q35_BLOCK_BYTES 57
#define Q35_GRID_SIZE 128
#define Q35_SCALE_EXP_BIAS 27

/* Bytes of a block that holds m codes (1 <= m <= 64), scale byte included. */
size_t q35_block_bytes(int m);
/* Number of blocks and bytes of a row of n >= 1 weights. */
int64_t q35_row_blocks(int64_t n);
size_t q35_row_bytes(int64_t n);
/* Number of codes in block b of a row of n weights. */
int q35_block_codes(int64_t n, int64_t b);

/* Bit planes of m codes (each < 128) <-> the q35_block_bytes(m) - 1 bytes after the scale. */
void q35_pack_planes(const uint8_t *codes, int m, uint8_t *planes);
void q35_unpack_planes(const uint8_t *planes, int m, uint8_t *codes);

/* Scale byte <-> value. q35_scale_from_float rounds to the nearest representable value
 * (ties to the larger byte) and clamps to [smallest, largest]; 0 maps to byte 0. */
float q35_scale_to_float(uint8_t s);
uint8_t q35_scale_from_float(float d);

/* The product code: levels a, b in [-5, 5], code = (11a + b) mod 128, i.e. the 7-bit
 * two's complement of 11a + b. Code 0 is the pair (0, 0). Seven codes are unused. */
int q35_product_encode(int a, int b);
/* Returns 1 and sets *a, *b for the 121 valid codes, 0 for the 7 unused ones. */
int q35_product_decode(int code, int *a, int *b);

/* Decode one block of m codes into 2m floats (padding included). */
void q35_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2], float *out);
/* Reference dot product of one block with x[0..nw), where nw <= 2m is the number of real
 * weights in the block. Accumulates in double. */
double q35_block_dot_ref(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2],
                         const float *x, int nw);

#ifdef __cplusplus
}
#endif
#endif
