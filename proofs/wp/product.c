/* Product code lemmas and round trip for Frama-C WP (scripts/prove_wp.sh); not compiled
 * into q35.
 *
 * The two lemmas are the code round trip on the logic side (format.h): every pair of
 * levels in [-5, 5]^2 encodes to a valid 7-bit code that decodes back to it, and every
 * valid code decodes to levels in range that encode back to it. There are 121 valid
 * codes: q35_product_valid holds exactly for the two's-complement values in [-60, 60].
 * q35_wp_product_roundtrip applies the first one to the shipped functions. */
#include "q35/format.h"

/*@
  lemma q35_product_decode_encode:
    \forall integer a, b; q35_level(a) && q35_level(b) ==>
      0 <= q35_product_code(a, b) < 128 && q35_product_valid(q35_product_code(a, b)) &&
      q35_product_a(q35_product_code(a, b)) == a && q35_product_b(q35_product_code(a, b)) == b;
  lemma q35_product_encode_decode:
    \forall integer c; 0 <= c < 128 && q35_product_valid(c) ==>
      q35_level(q35_product_a(c)) && q35_level(q35_product_b(c)) &&
      q35_product_code(q35_product_a(c), q35_product_b(c)) == c;
*/

/*@ requires q35_level(a) && q35_level(b);
    requires \valid(a2) && \valid(b2) && \separated(a2, b2);
    assigns *a2, *b2;
    ensures \result == 1 && *a2 == a && *b2 == b; */
int q35_wp_product_roundtrip(int a, int b, int *a2, int *b2)
{
    return q35_product_decode(q35_product_encode(a, b), a2, b2);
}
