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

/* ACSL specification of the format (docs/FORMAT.md), proved by Frama-C WP with runtime-
 * error guards: scripts/prove_wp.sh, described in docs/VERIFICATION.md. Compilers see
 * only comments. The logic functions are integer arithmetic (+ * / %, on nonnegative
 * values, where C's truncating and Coq's floor division agree) and mirror the Coq
 * definitions of proofs/coq/Q35Format.v and Q35Codes.v one for one (code_at, nib_byte,
 * crumb_d, crumb_byte, bit_d, bit_byte, unpack_code, block_bytes, acsl_row_size,
 * product_encode, product_decode); the correspondence is by review. */
/*@
  // ---- sizes: h2, h4, h8 are the lengths of the nibble, crumb and bit planes of m codes
  logic integer q35_h2(integer m) = (m + 1) / 2;
  logic integer q35_h4(integer m) = (m + 3) / 4;
  logic integer q35_h8(integer m) = (m + 7) / 8;
  // bytes of a block of m codes, scale byte included
  logic integer q35_block_size(integer m) = 1 + q35_h2(m) + q35_h4(m) + q35_h8(m);
  // bytes of a row of n >= 1 weights: full blocks of 57 bytes and a short last block
  logic integer q35_row_size(integer n) =
    57 * (n / 128) + (n % 128 > 0 ? q35_block_size((n % 128 + 1) / 2) : 0);

  // ---- codes: code i of a block of m codes; codes at indices outside [0, m) count as 0
  logic integer q35_code{L}(uint8_t *c, integer m, integer i) = 0 <= i < m ? c[i] % 128 : 0;
  predicate q35_valid_codes{L}(uint8_t *c, integer m) =
    \forall integer i; 0 <= i < m ==> 0 <= c[i] < 128;

  // ---- the three planes, byte j of each
  logic integer q35_nibble_byte{L}(uint8_t *c, integer m, integer j) =
    q35_code(c, m, j) % 16 + 16 * (q35_code(c, m, j + q35_h2(m)) % 16);
  logic integer q35_crumb{L}(uint8_t *c, integer m, integer i) = (q35_code(c, m, i) / 16) % 4;
  // x0 + 4 x1 + 16 x2 + 64 x3 and x0 + 2 x1 + ... + 128 x7: bytes from their fields
  logic integer q35_base4(integer x0, integer x1, integer x2, integer x3) =
    x0 + 4 * x1 + 16 * x2 + 64 * x3;
  logic integer q35_base2(integer x0, integer x1, integer x2, integer x3,
                          integer x4, integer x5, integer x6, integer x7) =
    x0 + 2 * x1 + 4 * x2 + 8 * x3 + 16 * x4 + 32 * x5 + 64 * x6 + 128 * x7;
  logic integer q35_crumb_byte{L}(uint8_t *c, integer m, integer j) =
    q35_base4(q35_crumb(c, m, j), q35_crumb(c, m, j + q35_h4(m)),
              q35_crumb(c, m, j + 2 * q35_h4(m)), q35_crumb(c, m, j + 3 * q35_h4(m)));
  logic integer q35_bit{L}(uint8_t *c, integer m, integer i) = q35_code(c, m, i) / 64;
  logic integer q35_bit_byte{L}(uint8_t *c, integer m, integer j) =
    q35_base2(q35_bit(c, m, 8 * j), q35_bit(c, m, 8 * j + 1), q35_bit(c, m, 8 * j + 2),
              q35_bit(c, m, 8 * j + 3), q35_bit(c, m, 8 * j + 4), q35_bit(c, m, 8 * j + 5),
              q35_bit(c, m, 8 * j + 6), q35_bit(c, m, 8 * j + 7));
  // p[0 .. h2 + h4 + h8) at state Lp holds the planes of the codes c[0 .. m) at state Lc
  predicate q35_packed{Lp, Lc}(uint8_t *p, uint8_t *c, integer m) =
    (\forall integer j; 0 <= j < q35_h2(m) ==> \at(p[j], Lp) == q35_nibble_byte{Lc}(c, m, j)) &&
    (\forall integer j; 0 <= j < q35_h4(m) ==>
       \at(p[q35_h2(m) + j], Lp) == q35_crumb_byte{Lc}(c, m, j)) &&
    (\forall integer j; 0 <= j < q35_h8(m) ==>
       \at(p[q35_h2(m) + q35_h4(m) + j], Lp) == q35_bit_byte{Lc}(c, m, j));

  // ---- unpacking: code i read back from the planes p of m codes
  logic integer q35_pow4(integer k) = k == 0 ? 1 : k == 1 ? 4 : k == 2 ? 16 : 64;
  logic integer q35_pow2(integer k) =
    k == 0 ? 1 : k == 1 ? 2 : k == 2 ? 4 : k == 3 ? 8 : k == 4 ? 16 : k == 5 ? 32 : k == 6 ? 64 : 128;
  logic integer q35_unpack_lo{L}(uint8_t *p, integer m, integer i) =
    i < q35_h2(m) ? p[i] % 16 : p[i - q35_h2(m)] / 16;
  logic integer q35_unpack_mid{L}(uint8_t *p, integer m, integer i) =
    (p[q35_h2(m) + i % q35_h4(m)] / q35_pow4(i / q35_h4(m))) % 4;
  logic integer q35_unpack_hi{L}(uint8_t *p, integer m, integer i) =
    (p[q35_h2(m) + q35_h4(m) + i / 8] / q35_pow2(i % 8)) % 2;
  logic integer q35_unpack_code{L}(uint8_t *p, integer m, integer i) =
    q35_unpack_lo(p, m, i) + 16 * q35_unpack_mid(p, m, i) + 64 * q35_unpack_hi(p, m, i);

  // The round trip, unpacking packed planes gives every code back, is the lemma
  // q35_unpack_pack of proofs/wp/roundtrip.c and the contract of q35_wp_planes_roundtrip
  // there, which packs with q35_pack_planes, unpacks with q35_unpack_planes and compares.

  // ---- the product code: levels a, b in [-5, 5], code = (11a + b) mod 128
  logic integer q35_product_code(integer a, integer b) = 11 * a + b >= 0 ? 11 * a + b : 11 * a + b + 128;
  // a code c in [0, 128) read as 7-bit two's complement
  logic integer q35_product_value(integer c) = c < 64 ? c : c - 128;
  predicate q35_product_valid(integer c) = -60 <= q35_product_value(c) <= 60;
  logic integer q35_product_a(integer c) = (q35_product_value(c) + 60) / 11 - 5;
  logic integer q35_product_b(integer c) = q35_product_value(c) - 11 * q35_product_a(c);
  predicate q35_level(integer a) = -5 <= a <= 5;

  // The round trip of the product code: lemmas of proofs/wp/product.c.
*/

/* Bytes of a block that holds m codes (1 <= m <= 64), scale byte included. */
/*@ assigns \nothing;
    behavior block: assumes 1 <= m <= 64; ensures \result == q35_block_size(m);
    behavior empty: assumes m < 1; ensures \result == 0;
    behavior over: assumes m > 64; ensures \result == q35_block_size(64) == 57;
    complete behaviors; disjoint behaviors; */
size_t q35_block_bytes(int m);
/* Number of blocks and bytes of a row of n >= 1 weights. */
/*@ assigns \nothing;
    ensures n >= 1 ==> \result == (n + 127) / 128;
    ensures n < 1 ==> \result == 0; */
int64_t q35_row_blocks(int64_t n);
/*@ assigns \nothing;
    ensures n >= 1 ==> \result == q35_row_size(n);
    ensures n < 1 ==> \result == 0; */
size_t q35_row_bytes(int64_t n);
/* Number of codes in block b of a row of n weights. */
/*@ assigns \nothing;
    ensures n >= 1 && 0 <= b < (n + 127) / 128 ==>
      \result == ((n - 128 * b < 128 ? n - 128 * b : 128) + 1) / 2 && 1 <= \result <= 64;
    ensures !(n >= 1 && 0 <= b < (n + 127) / 128) ==> \result == 0; */
int q35_block_codes(int64_t n, int64_t b);

/* Bit planes of m codes (each < 128) <-> the q35_block_bytes(m) - 1 bytes after the scale. */
/*@ requires 1 <= m <= 64;
    requires \valid_read(codes + (0 .. m - 1)) && q35_valid_codes(codes, m);
    requires \valid(planes + (0 .. q35_block_size(m) - 2));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_block_size(m) - 2));
    assigns planes[0 .. q35_block_size(m) - 2];
    ensures q35_packed{Post, Pre}(planes, codes, m); */
void q35_pack_planes(const uint8_t *codes, int m, uint8_t *planes);
/*@ requires 1 <= m <= 64;
    requires \valid_read(planes + (0 .. q35_block_size(m) - 2));
    requires \valid(codes + (0 .. m - 1));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_block_size(m) - 2));
    assigns codes[0 .. m - 1];
    ensures \forall integer i; 0 <= i < m ==> codes[i] == q35_unpack_code{Pre}(planes, m, i);
    ensures q35_valid_codes(codes, m); */
void q35_unpack_planes(const uint8_t *planes, int m, uint8_t *codes);

/* Scale byte <-> value. q35_scale_from_float rounds to the nearest representable value
 * (ties to the larger byte) and clamps to [smallest, largest]; 0 maps to byte 0. */
/*@ assigns \nothing; */
float q35_scale_to_float(uint8_t s);
/*@ assigns \nothing;
    ensures !\lt_float((float)0.0, d) ==> \result == 0;
    ensures \lt_float((float)0.0, d) ==> 1 <= \result <= 255; */
uint8_t q35_scale_from_float(float d);

/* The product code: levels a, b in [-5, 5], code = (11a + b) mod 128, i.e. the 7-bit
 * two's complement of 11a + b. Code 0 is the pair (0, 0). Seven codes are unused. */
/*@ requires q35_level(a) && q35_level(b);
    assigns \nothing;
    ensures \result == q35_product_code(a, b) && 0 <= \result < 128; */
int q35_product_encode(int a, int b);
/* Returns 1 and sets *a, *b for the 121 valid codes, 0 for the 7 unused ones. */
/*@ requires \valid(a) && \valid(b) && \separated(a, b);
    assigns *a, *b;
    behavior valid:
      assumes 0 <= code < 128 && q35_product_valid(code);
      ensures \result == 1 && *a == q35_product_a(code) && *b == q35_product_b(code);
      ensures q35_level(*a) && q35_level(*b) && q35_product_code(*a, *b) == code;
    behavior unused:
      assumes 0 <= code < 128 && !q35_product_valid(code);
      assigns \nothing;
      ensures \result == 0;
    behavior other:
      assumes code < 0 || code >= 128;
      ensures \result == 0 || \result == 1; */
int q35_product_decode(int code, int *a, int *b);

/* Level rounding of the product-code quantizer: the integer nearest to u (halves up),
 * clamped to [lo, hi], for finite u and -128 <= lo <= hi <= 127. The quantizer
 * (src/quant/grid_search.c) maps NaN to lo and infinities to lo or hi before calling. */
/*@ requires -128 <= lo <= hi <= 127;
    requires \is_finite(u);
    assigns \nothing;
    ensures lo <= \result <= hi; */
int q35_round_level(float u, int lo, int hi);

/* Decode one block of m codes into 2m floats (padding included). */
/*@ requires 1 <= m <= 64;
    requires \valid_read(block + (0 .. q35_block_size(m) - 1));
    requires \valid_read(grid + (0 .. Q35_GRID_SIZE - 1));
    requires \valid(out + (0 .. 2 * m - 1));
    requires \separated(out + (0 .. 2 * m - 1), block + (0 .. q35_block_size(m) - 1));
    requires \separated(out + (0 .. 2 * m - 1), grid + (0 .. Q35_GRID_SIZE - 1));
    assigns out[0 .. 2 * m - 1]; */
void q35_block_decode(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2], float *out);
/* Reference dot product of one block with x[0..nw), where nw <= 2m is the number of real
 * weights in the block. Accumulates in double. */
/*@ requires 1 <= m <= 64 && 0 <= nw;
    requires \valid_read(block + (0 .. q35_block_size(m) - 1));
    requires \valid_read(grid + (0 .. Q35_GRID_SIZE - 1));
    requires \valid_read(x + (0 .. (nw < 2 * m ? nw : 2 * m) - 1));
    assigns \nothing; */
double q35_block_dot_ref(const uint8_t *block, int m, const int8_t grid[Q35_GRID_SIZE][2],
                         const float *x, int nw);

#ifdef __cplusplus
}
#endif
#endif
