/* The three bit planes of a block (format.h): low nibbles, then bits 4-5 (crumbs), then
 * bit 6. Planes split codes into aligned power-of-two fields, so a SIMD decoder can load
 * each plane whole; the plane layouts put codes j and j + h in one byte so that a shift
 * and a mask recover h consecutive codes at once. Written with / and % so that the
 * prover reasons in plain arithmetic; this is not the hot path. The contracts are in
 * format.h; the annotations here are what Frama-C WP needs to prove them. */
#include "q35/format.h"

/*@ // Bytes c[0 .. m) that did not change between two states.
  predicate q35_same_bytes{L1, L2}(uint8_t *c, integer m) =
    \forall integer k; 0 <= k < m ==> \at(c[k], L1) == \at(c[k], L2);
*/

/*@ requires 0 <= i && (i < m ==> \valid_read(codes + i)) && (i < m ==> codes[i] < 128);
    assigns \nothing;
    ensures \result == q35_code(codes, m, i) && 0 <= \result < 128; */
static int code_at(const uint8_t *codes, int m, int i) { return i < m ? codes[i] % 128 : 0; }

/*@ requires 0 <= i && (i < m ==> \valid_read(codes + i)) && (i < m ==> codes[i] < 128);
    assigns \nothing;
    ensures \result == q35_crumb(codes, m, i) && 0 <= \result < 4; */
static int crumb_at(const uint8_t *codes, int m, int i) { return (code_at(codes, m, i) / 16) % 4; }

/*@ requires 0 <= i && (i < m ==> \valid_read(codes + i)) && (i < m ==> codes[i] < 128);
    assigns \nothing;
    ensures \result == q35_bit(codes, m, i) && 0 <= \result < 2; */
static int bit_at(const uint8_t *codes, int m, int i) { return code_at(codes, m, i) / 64; }

/*@ requires 1 <= m <= 64 && 0 <= j < q35_h2(m);
    requires \valid_read(codes + (0 .. m - 1)) && q35_valid_codes(codes, m);
    assigns \nothing;
    ensures \result == q35_nibble_byte(codes, m, j) && 0 <= \result < 256; */
static int nibble_byte(const uint8_t *codes, int m, int j)
{
    return code_at(codes, m, j) % 16 + 16 * (code_at(codes, m, j + (m + 1) / 2) % 16);
}

/*@ requires 1 <= m <= 64 && 0 <= j < q35_h4(m);
    requires \valid_read(codes + (0 .. m - 1)) && q35_valid_codes(codes, m);
    assigns \nothing;
    ensures \result == q35_crumb_byte(codes, m, j) && 0 <= \result < 256; */
static int crumb_byte(const uint8_t *codes, int m, int j)
{
    int h4 = (m + 3) / 4;
    return crumb_at(codes, m, j) + 4 * crumb_at(codes, m, j + h4) + 16 * crumb_at(codes, m, j + 2 * h4) +
           64 * crumb_at(codes, m, j + 3 * h4);
}

/*@ requires 1 <= m <= 64 && 0 <= j < q35_h8(m);
    requires \valid_read(codes + (0 .. m - 1)) && q35_valid_codes(codes, m);
    assigns \nothing;
    ensures \result == q35_bit_byte(codes, m, j);
    ensures 0 <= \result < 256; */
static int bit_byte(const uint8_t *codes, int m, int j)
{
    return bit_at(codes, m, 8 * j) + 2 * bit_at(codes, m, 8 * j + 1) + 4 * bit_at(codes, m, 8 * j + 2) +
           8 * bit_at(codes, m, 8 * j + 3) + 16 * bit_at(codes, m, 8 * j + 4) + 32 * bit_at(codes, m, 8 * j + 5) +
           64 * bit_at(codes, m, 8 * j + 6) + 128 * bit_at(codes, m, 8 * j + 7);
}

void q35_pack_planes(const uint8_t *codes, int m, uint8_t *planes)
{
    int h2 = (m + 1) / 2, h4 = (m + 3) / 4, h8 = (m + 7) / 8;
    uint8_t *nib = planes, *crumb = planes + h2, *bit = planes + h2 + h4;
    /*@ loop invariant 0 <= j <= h2;
        loop invariant q35_same_bytes{Here, Pre}(codes, m);
        loop invariant \forall integer k; 0 <= k < j ==> planes[k] == q35_nibble_byte{Pre}(codes, m, k);
        loop assigns j, planes[0 .. h2 - 1];
        loop variant h2 - j; */
    for (int j = 0; j < h2; j++) {
        //@ assert q35_nibble_byte(codes, m, j) == q35_nibble_byte{Pre}(codes, m, j);
        nib[j] = (uint8_t)nibble_byte(codes, m, j);
    }
    /*@ loop invariant 0 <= j <= h4;
        loop invariant q35_same_bytes{Here, Pre}(codes, m);
        loop invariant \forall integer k; 0 <= k < h2 ==> planes[k] == \at(planes[k], LoopEntry);
        loop invariant \forall integer k; 0 <= k < j ==> planes[h2 + k] == q35_crumb_byte{Pre}(codes, m, k);
        loop assigns j, planes[h2 .. h2 + h4 - 1];
        loop variant h4 - j; */
    for (int j = 0; j < h4; j++) {
        //@ assert q35_crumb_byte(codes, m, j) == q35_crumb_byte{Pre}(codes, m, j);
        crumb[j] = (uint8_t)crumb_byte(codes, m, j);
    }
    /*@ loop invariant 0 <= j <= h8;
        loop invariant q35_same_bytes{Here, Pre}(codes, m);
        loop invariant \forall integer k; 0 <= k < h2 + h4 ==> planes[k] == \at(planes[k], LoopEntry);
        loop invariant \forall integer k; 0 <= k < j ==> planes[h2 + h4 + k] == q35_bit_byte{Pre}(codes, m, k);
        loop assigns j, planes[h2 + h4 .. h2 + h4 + h8 - 1];
        loop variant h8 - j; */
    for (int j = 0; j < h8; j++) {
        //@ assert q35_bit_byte(codes, m, j) == q35_bit_byte{Pre}(codes, m, j);
        bit[j] = (uint8_t)bit_byte(codes, m, j);
    }
}

/*@ requires 0 <= k < 4;
    assigns \nothing;
    ensures \result == q35_pow4(k) && 1 <= \result <= 64; */
static int pow4(int k) { return k == 0 ? 1 : k == 1 ? 4 : k == 2 ? 16 : 64; }

/*@ requires 0 <= k < 8;
    assigns \nothing;
    ensures \result == q35_pow2(k) && 1 <= \result <= 128; */
static int pow2(int k)
{
    return k == 0 ? 1 : k == 1 ? 2 : k == 2 ? 4 : k == 3 ? 8 : k == 4 ? 16 : k == 5 ? 32 : k == 6 ? 64 : 128;
}

/*@ requires 1 <= m <= 64 && 0 <= i < m;
    requires \valid_read(planes + (0 .. q35_block_size(m) - 2));
    assigns \nothing;
    ensures \result == q35_unpack_code(planes, m, i) && 0 <= \result < 128; */
static int unpack_code(const uint8_t *planes, int m, int i)
{
    int h2 = (m + 1) / 2, h4 = (m + 3) / 4;
    const uint8_t *nib = planes, *crumb = planes + h2, *bit = planes + h2 + h4;
    int lo = i < h2 ? nib[i] % 16 : nib[i - h2] / 16;
    int mid = (crumb[i % h4] / pow4(i / h4)) % 4;
    int hi = (bit[i / 8] / pow2(i % 8)) % 2;
    return lo + 16 * mid + 64 * hi;
}

void q35_unpack_planes(const uint8_t *planes, int m, uint8_t *codes)
{
    /*@ loop invariant 0 <= i <= m;
        loop invariant q35_same_bytes{Here, Pre}(planes, q35_block_size(m) - 1);
        loop invariant \forall integer k; 0 <= k < i ==> codes[k] == q35_unpack_code{Pre}(planes, m, k) && codes[k] < 128;
        loop assigns i, codes[0 .. m - 1];
        loop variant m - i; */
    for (int i = 0; i < m; i++) {
        //@ assert q35_unpack_code(planes, m, i) == q35_unpack_code{Pre}(planes, m, i);
        codes[i] = (uint8_t)unpack_code(planes, m, i);
    }
}
