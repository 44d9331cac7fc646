/* q35/format45.h: q45_cb, the 4.5-bit sibling of the 3.5-bit code (docs/FORMAT.md), for
 * the tensors that a mixed-precision budget can afford to keep at more bits.
 *
 * Blocks are those of format.h: 128 weights, the last block of a row may be shorter, the
 * scale byte first (the same E5M3 minifloat, q35_scale_to_float), weights (2i, 2i+1)
 * share one code, an odd row is padded with one zero weight; q35_row_blocks and
 * q35_block_codes apply unchanged. Codes have 9 bits and index a grid of 512 int8 pairs.
 * A block of m codes (m = 64 when full) is stored as
 *
 *   byte 0                      scale byte s
 *   m bytes          byte plane: byte i = c[i] % 256
 *   ceil(m/8) bytes  bit plane:  byte j = sum_k (c[8j + k] / 256) * 2^k
 *
 * where codes past m count as 0. A full block is 1 + 64 + 8 = 73 bytes: 4.5625 bits per
 * weight. The byte plane is the codes' low bytes in order, so SIMD code loads it as the
 * index vector of a table lookup; the bit plane of a full block is a little-endian 64-bit
 * mask whose bit i is bit 8 of code i.
 *
 * Plain C with no allocation, in the style of format.h, so the same proofs can follow. */
#ifndef Q35_FORMAT45_H
#define Q35_FORMAT45_H

#include <stddef.h>
#include <stdint.h>

#include "q35/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define Q35_Q45_BLOCK_BYTES 73
#define Q35_Q45_GRID_SIZE 512

/* Bytes of a block that holds m codes (1 <= m <= 64), scale byte included. */
size_t q35_q45_block_bytes(int m);
/* Bytes of a row of n >= 1 weights. */
size_t q35_q45_row_bytes(int64_t n);

/* Planes of m codes (each < 512) <-> the q35_q45_block_bytes(m) - 1 bytes after the scale. */
void q35_q45_pack_planes(const uint16_t *codes, int m, uint8_t *planes);
void q35_q45_unpack_planes(const uint8_t *planes, int m, uint16_t *codes);

/* Decode one block of m codes into 2m floats (padding included). */
void q35_q45_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2], float *out);
/* Reference dot product of one block with x[0..nw), nw <= 2m the block's real weights.
 * Accumulates in double. */
double q35_q45_block_dot_ref(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2],
                             const float *x, int nw);

#ifdef __cplusplus
}
#endif
#endif
