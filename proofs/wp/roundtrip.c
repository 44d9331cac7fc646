/* Proof of the plane round trip for Frama-C WP (scripts/prove_wp.sh); not compiled into
 * q35. It is verified in its own WP run, so that its helper lemmas do not crowd the
 * provers' context in the other goals.
 *
 * The lemmas walk the argument for one code index i of a block of m codes: its low
 * nibble, its crumb and its top bit each come back from the plane byte that holds them.
 * q35_unpack_pack joins them. q35_wp_planes_roundtrip then applies it to the shipped
 * functions: it packs m valid codes with q35_pack_planes, unpacks the planes with
 * q35_unpack_planes, and its proved contract says that every code comes back, for every
 * m in [1, 64] (a short last block included) and every sequence of codes below 128.
 * Lemmas are proved in the order written, each from the ones above it. */
#include "q35/format.h"

/*@
  // ---- bit plane: field k of bit byte j is the top bit of code 8j + k
  lemma q35_bit_range{L}: \forall uint8_t *c, integer m, i;
    q35_valid_codes(c, m) ==> 0 <= q35_bit(c, m, i) < 2;
  lemma q35_base2_field: \forall integer x0, x1, x2, x3, x4, x5, x6, x7, k;
    0 <= x0 < 2 && 0 <= x1 < 2 && 0 <= x2 < 2 && 0 <= x3 < 2 &&
    0 <= x4 < 2 && 0 <= x5 < 2 && 0 <= x6 < 2 && 0 <= x7 < 2 && 0 <= k < 8 ==>
      (q35_base2(x0, x1, x2, x3, x4, x5, x6, x7) / q35_pow2(k)) % 2 ==
        (k == 0 ? x0 : k == 1 ? x1 : k == 2 ? x2 : k == 3 ? x3 : k == 4 ? x4 : k == 5 ? x5 : k == 6 ? x6 : x7);
  lemma q35_bit_byte_field{L}: \forall uint8_t *c, integer m, j, k;
    q35_valid_codes(c, m) && 0 <= k < 8 ==>
      (q35_bit_byte(c, m, j) / q35_pow2(k)) % 2 ==
        (k == 0 ? q35_bit(c, m, 8 * j) : k == 1 ? q35_bit(c, m, 8 * j + 1) :
         k == 2 ? q35_bit(c, m, 8 * j + 2) : k == 3 ? q35_bit(c, m, 8 * j + 3) :
         k == 4 ? q35_bit(c, m, 8 * j + 4) : k == 5 ? q35_bit(c, m, 8 * j + 5) :
         k == 6 ? q35_bit(c, m, 8 * j + 6) : q35_bit(c, m, 8 * j + 7));
  lemma q35_bit_select{L}: \forall uint8_t *c, integer m, j, k;
    0 <= k < 8 ==>
      (k == 0 ? q35_bit(c, m, 8 * j) : k == 1 ? q35_bit(c, m, 8 * j + 1) :
       k == 2 ? q35_bit(c, m, 8 * j + 2) : k == 3 ? q35_bit(c, m, 8 * j + 3) :
       k == 4 ? q35_bit(c, m, 8 * j + 4) : k == 5 ? q35_bit(c, m, 8 * j + 5) :
       k == 6 ? q35_bit(c, m, 8 * j + 6) : q35_bit(c, m, 8 * j + 7)) == q35_bit(c, m, 8 * j + k);
  lemma q35_bit_byte_select{L}: \forall uint8_t *c, integer m, j, k;
    q35_valid_codes(c, m) && 0 <= k < 8 ==>
      (q35_bit_byte(c, m, j) / q35_pow2(k)) % 2 == q35_bit(c, m, 8 * j + k);
  lemma q35_bit_code{L}: \forall uint8_t *c, integer m, i;
    q35_valid_codes(c, m) && 0 <= i < m ==>
      (q35_bit_byte(c, m, i / 8) / q35_pow2(i % 8)) % 2 == c[i] / 64;

  // ---- nibble plane: the two halves of nibble byte j
  lemma q35_nibble_byte_lo{L}: \forall uint8_t *c, integer m, j;
    q35_valid_codes(c, m) ==> q35_nibble_byte(c, m, j) % 16 == q35_code(c, m, j) % 16;
  lemma q35_nibble_byte_hi{L}: \forall uint8_t *c, integer m, j;
    q35_valid_codes(c, m) ==> q35_nibble_byte(c, m, j) / 16 == q35_code(c, m, j + q35_h2(m)) % 16;

  // ---- crumb plane: field k of crumb byte j is bits 4-5 of code j + k h4, and
  //      i = (i / h4) h4 + i % h4
  lemma q35_crumb_range{L}: \forall uint8_t *c, integer m, i;
    q35_valid_codes(c, m) ==> 0 <= q35_crumb(c, m, i) < 4;
  lemma q35_base4_field: \forall integer x0, x1, x2, x3, k;
    0 <= x0 < 4 && 0 <= x1 < 4 && 0 <= x2 < 4 && 0 <= x3 < 4 && 0 <= k < 4 ==>
      (q35_base4(x0, x1, x2, x3) / q35_pow4(k)) % 4 == (k == 0 ? x0 : k == 1 ? x1 : k == 2 ? x2 : x3);
  lemma q35_crumb_byte_field{L}: \forall uint8_t *c, integer m, j, k;
    q35_valid_codes(c, m) && 0 <= k < 4 ==>
      (q35_crumb_byte(c, m, j) / q35_pow4(k)) % 4 ==
        (k == 0 ? q35_crumb(c, m, j) : k == 1 ? q35_crumb(c, m, j + q35_h4(m)) :
         k == 2 ? q35_crumb(c, m, j + 2 * q35_h4(m)) : q35_crumb(c, m, j + 3 * q35_h4(m)));
  lemma q35_h4_div: \forall integer m, i; 1 <= m <= 64 && 0 <= i < m ==>
    0 <= i / q35_h4(m) < 4 && 0 <= i % q35_h4(m) < q35_h4(m) &&
    i == (i / q35_h4(m)) * q35_h4(m) + i % q35_h4(m);
  lemma q35_h4_cases: \forall integer m, i; 1 <= m <= 64 && 0 <= i < m ==>
    (i / q35_h4(m) == 0 ==> i % q35_h4(m) == i) &&
    (i / q35_h4(m) == 1 ==> i % q35_h4(m) + q35_h4(m) == i) &&
    (i / q35_h4(m) == 2 ==> i % q35_h4(m) + 2 * q35_h4(m) == i) &&
    (i / q35_h4(m) == 3 ==> i % q35_h4(m) + 3 * q35_h4(m) == i);
  lemma q35_crumb_code{L}: \forall uint8_t *c, integer m, i;
    1 <= m <= 64 && q35_valid_codes(c, m) && 0 <= i < m ==>
      (q35_crumb_byte(c, m, i % q35_h4(m)) / q35_pow4(i / q35_h4(m))) % 4 == (c[i] / 16) % 4;

  // ---- each field of code i comes back from the planes
  lemma q35_unpack_lo_pack{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_valid_codes{Lc}(c, m) && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_lo{Lp}(p, m, i) == \at(c[i], Lc) % 16;
  lemma q35_unpack_mid_step{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_mid{Lp}(p, m, i) ==
        (q35_crumb_byte{Lc}(c, m, i % q35_h4(m)) / q35_pow4(i / q35_h4(m))) % 4 &&
      0 <= i / q35_h4(m) < 4;
  lemma q35_unpack_mid_pack{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_valid_codes{Lc}(c, m) && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_mid{Lp}(p, m, i) == (\at(c[i], Lc) / 16) % 4;
  lemma q35_unpack_hi_step{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_hi{Lp}(p, m, i) == (q35_bit_byte{Lc}(c, m, i / 8) / q35_pow2(i % 8)) % 2;
  lemma q35_unpack_hi_pack{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_valid_codes{Lc}(c, m) && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_hi{Lp}(p, m, i) == \at(c[i], Lc) / 64;

  // ---- the round trip: unpacking packed planes gives every code back
  lemma q35_unpack_pack{Lp, Lc}:
    \forall uint8_t *p, *c, integer m, i;
      1 <= m <= 64 && q35_valid_codes{Lc}(c, m) && q35_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_unpack_code{Lp}(p, m, i) == \at(c[i], Lc);
*/

/*@ requires 1 <= m <= 64;
    requires \valid_read(codes + (0 .. m - 1)) && q35_valid_codes(codes, m);
    requires \valid(planes + (0 .. q35_block_size(m) - 2)) && \valid(out + (0 .. m - 1));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_block_size(m) - 2), out + (0 .. m - 1));
    assigns planes[0 .. q35_block_size(m) - 2], out[0 .. m - 1];
    ensures \forall integer i; 0 <= i < m ==> out[i] == \old(codes[i]); */
void q35_wp_planes_roundtrip(const uint8_t *codes, int m, uint8_t *planes, uint8_t *out)
{
    q35_pack_planes(codes, m, planes);
Packed:
    q35_unpack_planes(planes, m, out);
    /*@ assert \forall integer i; 0 <= i < m ==> q35_unpack_code{Packed}(planes, m, i) == \at(codes[i], Pre); */
}
