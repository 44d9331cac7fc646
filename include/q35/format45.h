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

/* ACSL specification (Frama-C WP, scripts/prove_wp.sh, docs/VERIFICATION.md), in the
 * integer arithmetic of format.h, whose q35_h8, q35_pow2 and q35_base2 it reuses. */
/*@
  // bytes of a block of m codes, scale byte included, and of a row of n >= 1 weights
  logic integer q35_q45_block_size(integer m) = 1 + m + q35_h8(m);
  logic integer q35_q45_row_size(integer n) =
    73 * (n / 128) + (n % 128 > 0 ? q35_q45_block_size((n % 128 + 1) / 2) : 0);

  // code i of a block of m 9-bit codes; codes outside [0, m) count as 0
  logic integer q35_q45_code{L}(uint16_t *c, integer m, integer i) = 0 <= i < m ? c[i] % 512 : 0;
  predicate q35_q45_valid_codes{L}(uint16_t *c, integer m) =
    \forall integer i; 0 <= i < m ==> 0 <= c[i] < 512;
  // byte plane: byte i = c[i] mod 256; bit plane: byte j = sum_k (c[8j + k] / 256) 2^k
  logic integer q35_q45_byte{L}(uint16_t *c, integer m, integer i) = q35_q45_code(c, m, i) % 256;
  logic integer q35_q45_bit{L}(uint16_t *c, integer m, integer i) = q35_q45_code(c, m, i) / 256;
  logic integer q35_q45_bit_byte{L}(uint16_t *c, integer m, integer j) =
    q35_base2(q35_q45_bit(c, m, 8 * j), q35_q45_bit(c, m, 8 * j + 1), q35_q45_bit(c, m, 8 * j + 2),
              q35_q45_bit(c, m, 8 * j + 3), q35_q45_bit(c, m, 8 * j + 4), q35_q45_bit(c, m, 8 * j + 5),
              q35_q45_bit(c, m, 8 * j + 6), q35_q45_bit(c, m, 8 * j + 7));
  // p[0 .. m + h8) at state Lp holds the planes of the codes c[0 .. m) at state Lc
  predicate q35_q45_packed{Lp, Lc}(uint8_t *p, uint16_t *c, integer m) =
    (\forall integer i; 0 <= i < m ==> \at(p[i], Lp) == q35_q45_byte{Lc}(c, m, i)) &&
    (\forall integer j; 0 <= j < q35_h8(m) ==> \at(p[m + j], Lp) == q35_q45_bit_byte{Lc}(c, m, j));
  // unpacking: code i read back from the planes p of m codes
  logic integer q35_q45_unpack_code{L}(uint8_t *p, integer m, integer i) =
    p[i] + 256 * ((p[m + i / 8] / q35_pow2(i % 8)) % 2);
*/

/* Bytes of a block that holds m codes (1 <= m <= 64), scale byte included. */
/*@ assigns \nothing;
    behavior block: assumes 1 <= m <= 64; ensures \result == q35_q45_block_size(m);
    behavior empty: assumes m < 1; ensures \result == 0;
    behavior over: assumes m > 64; ensures \result == q35_q45_block_size(64) == 73;
    complete behaviors; disjoint behaviors; */
size_t q35_q45_block_bytes(int m);
/* Bytes of a row of n >= 1 weights. */
/*@ assigns \nothing;
    ensures n >= 1 ==> \result == q35_q45_row_size(n);
    ensures n < 1 ==> \result == 0; */
size_t q35_q45_row_bytes(int64_t n);

/* Planes of m codes (each < 512) <-> the q35_q45_block_bytes(m) - 1 bytes after the scale. */
/*@ requires 1 <= m <= 64;
    requires \valid_read(codes + (0 .. m - 1)) && q35_q45_valid_codes(codes, m);
    requires \valid(planes + (0 .. q35_q45_block_size(m) - 2));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_q45_block_size(m) - 2));
    assigns planes[0 .. q35_q45_block_size(m) - 2];
    ensures q35_q45_packed{Post, Pre}(planes, codes, m); */
void q35_q45_pack_planes(const uint16_t *codes, int m, uint8_t *planes);
/*@ requires 1 <= m <= 64;
    requires \valid_read(planes + (0 .. q35_q45_block_size(m) - 2));
    requires \valid(codes + (0 .. m - 1));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_q45_block_size(m) - 2));
    assigns codes[0 .. m - 1];
    ensures \forall integer i; 0 <= i < m ==> codes[i] == q35_q45_unpack_code{Pre}(planes, m, i);
    ensures q35_q45_valid_codes(codes, m); */
void q35_q45_unpack_planes(const uint8_t *planes, int m, uint16_t *codes);

/* Decode one block of m codes into 2m floats (padding included). */
/*@ requires 1 <= m <= 64;
    requires \valid_read(block + (0 .. q35_q45_block_size(m) - 1));
    requires \valid_read(grid + (0 .. Q35_Q45_GRID_SIZE - 1));
    requires \valid(out + (0 .. 2 * m - 1));
    requires \separated(out + (0 .. 2 * m - 1), block + (0 .. q35_q45_block_size(m) - 1));
    requires \separated(out + (0 .. 2 * m - 1), grid + (0 .. Q35_Q45_GRID_SIZE - 1));
    assigns out[0 .. 2 * m - 1]; */
void q35_q45_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2], float *out);
/* Reference dot product of one block with x[0..nw), nw <= 2m the block's real weights.
 * Accumulates in double. */
/*@ requires 1 <= m <= 64 && 0 <= nw;
    requires \valid_read(block + (0 .. q35_q45_block_size(m) - 1));
    requires \valid_read(grid + (0 .. Q35_Q45_GRID_SIZE - 1));
    requires \valid_read(x + (0 .. (nw < 2 * m ? nw : 2 * m) - 1));
    assigns \nothing; */
double q35_q45_block_dot_ref(const uint8_t *block, int m, const int8_t grid[Q35_Q45_GRID_SIZE][2],
                             const float *x, int nw);

#ifdef __cplusplus
}
#endif
#endif
