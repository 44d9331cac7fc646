/* Proof of the plane round trip of the 4.5-bit format (format45.h) for Frama-C WP
 * (scripts/prove_wp.sh); not compiled into q35, verified in its own WP run. It follows
 * roundtrip.c: the low byte of code i comes back from byte i of the byte plane, bit 8
 * from field i % 8 of bit byte i / 8, and q35_wp_q45_planes_roundtrip applies the joined
 * lemma to q35_q45_pack_planes and q35_q45_unpack_planes. Lemmas are proved in the
 * order written, each from the ones above it. */
#include "q35/format45.h"

/*@
  // ---- bit plane: field k of bit byte j is bit 8 of code 8j + k
  lemma q35_q45_bit_range{L}: \forall uint16_t *c, integer m, i;
    q35_q45_valid_codes(c, m) ==> 0 <= q35_q45_bit(c, m, i) < 2;
  lemma q35_q45_base2_field: \forall integer x0, x1, x2, x3, x4, x5, x6, x7, k;
    0 <= x0 < 2 && 0 <= x1 < 2 && 0 <= x2 < 2 && 0 <= x3 < 2 &&
    0 <= x4 < 2 && 0 <= x5 < 2 && 0 <= x6 < 2 && 0 <= x7 < 2 && 0 <= k < 8 ==>
      (q35_base2(x0, x1, x2, x3, x4, x5, x6, x7) / q35_pow2(k)) % 2 ==
        (k == 0 ? x0 : k == 1 ? x1 : k == 2 ? x2 : k == 3 ? x3 : k == 4 ? x4 : k == 5 ? x5 : k == 6 ? x6 : x7);
  lemma q35_q45_bit_byte_field{L}: \forall uint16_t *c, integer m, j, k;
    q35_q45_valid_codes(c, m) && 0 <= k < 8 ==>
      (q35_q45_bit_byte(c, m, j) / q35_pow2(k)) % 2 ==
        (k == 0 ? q35_q45_bit(c, m, 8 * j) : k == 1 ? q35_q45_bit(c, m, 8 * j + 1) :
         k == 2 ? q35_q45_bit(c, m, 8 * j + 2) : k == 3 ? q35_q45_bit(c, m, 8 * j + 3) :
         k == 4 ? q35_q45_bit(c, m, 8 * j + 4) : k == 5 ? q35_q45_bit(c, m, 8 * j + 5) :
         k == 6 ? q35_q45_bit(c, m, 8 * j + 6) : q35_q45_bit(c, m, 8 * j + 7));
  lemma q35_q45_bit_select{L}: \forall uint16_t *c, integer m, j, k;
    0 <= k < 8 ==>
      (k == 0 ? q35_q45_bit(c, m, 8 * j) : k == 1 ? q35_q45_bit(c, m, 8 * j + 1) :
       k == 2 ? q35_q45_bit(c, m, 8 * j + 2) : k == 3 ? q35_q45_bit(c, m, 8 * j + 3) :
       k == 4 ? q35_q45_bit(c, m, 8 * j + 4) : k == 5 ? q35_q45_bit(c, m, 8 * j + 5) :
       k == 6 ? q35_q45_bit(c, m, 8 * j + 6) : q35_q45_bit(c, m, 8 * j + 7)) == q35_q45_bit(c, m, 8 * j + k);
  lemma q35_q45_bit_byte_select{L}: \forall uint16_t *c, integer m, j, k;
    q35_q45_valid_codes(c, m) && 0 <= k < 8 ==>
      (q35_q45_bit_byte(c, m, j) / q35_pow2(k)) % 2 == q35_q45_bit(c, m, 8 * j + k);
  lemma q35_q45_bit_code{L}: \forall uint16_t *c, integer m, i;
    q35_q45_valid_codes(c, m) && 0 <= i < m ==>
      (q35_q45_bit_byte(c, m, i / 8) / q35_pow2(i % 8)) % 2 == c[i] / 256;

  // ---- the round trip: unpacking packed planes gives every code back
  lemma q35_q45_unpack_hi_step{Lp, Lc}:
    \forall uint8_t *p, uint16_t *c, integer m, i;
      1 <= m <= 64 && q35_q45_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      (\at(p[m + i / 8], Lp) / q35_pow2(i % 8)) % 2 == (q35_q45_bit_byte{Lc}(c, m, i / 8) / q35_pow2(i % 8)) % 2;
  lemma q35_q45_unpack_pack{Lp, Lc}:
    \forall uint8_t *p, uint16_t *c, integer m, i;
      1 <= m <= 64 && q35_q45_valid_codes{Lc}(c, m) && q35_q45_packed{Lp, Lc}(p, c, m) && 0 <= i < m ==>
      q35_q45_unpack_code{Lp}(p, m, i) == \at(c[i], Lc);
*/

/*@ requires 1 <= m <= 64;
    requires \valid_read(codes + (0 .. m - 1)) && q35_q45_valid_codes(codes, m);
    requires \valid(planes + (0 .. q35_q45_block_size(m) - 2)) && \valid(out + (0 .. m - 1));
    requires \separated(codes + (0 .. m - 1), planes + (0 .. q35_q45_block_size(m) - 2), out + (0 .. m - 1));
    assigns planes[0 .. q35_q45_block_size(m) - 2], out[0 .. m - 1];
    ensures \forall integer i; 0 <= i < m ==> out[i] == \old(codes[i]); */
void q35_wp_q45_planes_roundtrip(const uint16_t *codes, int m, uint8_t *planes, uint16_t *out)
{
    q35_q45_pack_planes(codes, m, planes);
Packed:
    q35_q45_unpack_planes(planes, m, out);
    /*@ assert \forall integer i; 0 <= i < m ==> q35_q45_unpack_code{Packed}(planes, m, i) == \at(codes[i], Pre); */
}
