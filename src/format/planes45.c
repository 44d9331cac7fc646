/* The two planes of a 4.5-bit block (format45.h): the codes' low bytes in order, then
 * their bit 8 eight to a byte. Written with / and % like planes.c, so that the prover
 * reasons in plain arithmetic; this is not the hot path. The contracts are in
 * format45.h; the annotations here are what Frama-C WP needs to prove them. */
#include "q35/format45.h"

/*@ // 9-bit codes c[0 .. m) that did not change between two states.
  predicate q35_q45_same_codes{L1, L2}(uint16_t *c, integer m) =
    \forall integer k; 0 <= k < m ==> \at(c[k], L1) == \at(c[k], L2);
  // Bytes p[0 .. n) that did not change between two states.
  predicate q35_q45_same_bytes{L1, L2}(uint8_t *p, integer n) =
    \forall integer k; 0 <= k < n ==> \at(p[k], L1) == \at(p[k], L2);
*/

/*@ requires 0 <= i && (i < m ==> \valid_read(codes + i)) && (i < m ==> codes[i] < 512);
    assigns \nothing;
    ensures \result == q35_q45_code(codes, m, i) && 0 <= \result < 512; */
static int code_at(const uint16_t *codes, int m, int i) { return i < m ? codes[i] % 512 : 0; }

/*@ requires 0 <= i && (i < m ==> \valid_read(codes + i)) && (i < m ==> codes[i] < 512);
    assigns \nothing;
    ensures \result == q35_q45_bit(codes, m, i) && 0 <= \result < 2; */
static int bit_at(const uint16_t *codes, int m, int i) { return code_at(codes, m, i) / 256; }

/*@ requires 1 <= m <= 64 && 0 <= j < q35_h8(m);
    requires \valid_read(codes + (0 .. m - 1)) && q35_q45_valid_codes(codes, m);
    assigns \nothing;
    ensures \result == q35_q45_bit_byte(codes, m, j);
    ensures 0 <= \result < 256; */
static int bit_byte(const uint16_t *codes, int m, int j)
{
    return bit_at(codes, m, 8 * j) + 2 * bit_at(codes, m, 8 * j + 1) + 4 * bit_at(codes, m, 8 * j + 2) +
           8 * bit_at(codes, m, 8 * j + 3) + 16 * bit_at(codes, m, 8 * j + 4) + 32 * bit_at(codes, m, 8 * j + 5) +
           64 * bit_at(codes, m, 8 * j + 6) + 128 * bit_at(codes, m, 8 * j + 7);
}

void q35_q45_pack_planes(const uint16_t *codes, int m, uint8_t *planes)
{
    uint8_t *bit = planes + m;
    /*@ loop invariant 0 <= i <= m;
        loop invariant q35_q45_same_codes{Here, Pre}(codes, m);
        loop invariant \forall integer k; 0 <= k < i ==> planes[k] == q35_q45_byte{Pre}(codes, m, k);
        loop assigns i, planes[0 .. m - 1];
        loop variant m - i; */
    for (int i = 0; i < m; i++) {
        //@ assert q35_q45_byte(codes, m, i) == q35_q45_byte{Pre}(codes, m, i);
        planes[i] = (uint8_t)(code_at(codes, m, i) % 256);
    }
    /*@ loop invariant 0 <= j <= q35_h8(m);
        loop invariant q35_q45_same_codes{Here, Pre}(codes, m);
        loop invariant \forall integer k; 0 <= k < m ==> planes[k] == \at(planes[k], LoopEntry);
        loop invariant \forall integer k; 0 <= k < j ==> planes[m + k] == q35_q45_bit_byte{Pre}(codes, m, k);
        loop assigns j, planes[m .. m + q35_h8(m) - 1];
        loop variant q35_h8(m) - j; */
    for (int j = 0; j < (m + 7) / 8; j++) {
        //@ assert q35_q45_bit_byte(codes, m, j) == q35_q45_bit_byte{Pre}(codes, m, j);
        bit[j] = (uint8_t)bit_byte(codes, m, j);
    }
}

/*@ requires 0 <= k < 8;
    assigns \nothing;
    ensures \result == q35_pow2(k) && 1 <= \result <= 128; */
static int pow2(int k)
{
    return k == 0 ? 1 : k == 1 ? 2 : k == 2 ? 4 : k == 3 ? 8 : k == 4 ? 16 : k == 5 ? 32 : k == 6 ? 64 : 128;
}

/*@ requires 1 <= m <= 64 && 0 <= i < m;
    requires \valid_read(planes + (0 .. q35_q45_block_size(m) - 2));
    assigns \nothing;
    ensures \result == q35_q45_unpack_code(planes, m, i) && 0 <= \result < 512; */
static int unpack_code(const uint8_t *planes, int m, int i)
{
    return planes[i] + 256 * ((planes[m + i / 8] / pow2(i % 8)) % 2);
}

void q35_q45_unpack_planes(const uint8_t *planes, int m, uint16_t *codes)
{
    /*@ loop invariant 0 <= i <= m;
        loop invariant q35_q45_same_bytes{Here, Pre}(planes, q35_q45_block_size(m) - 1);
        loop invariant \forall integer k; 0 <= k < i ==>
          codes[k] == q35_q45_unpack_code{Pre}(planes, m, k) && codes[k] < 512;
        loop assigns i, codes[0 .. m - 1];
        loop variant m - i; */
    for (int i = 0; i < m; i++) {
        //@ assert q35_q45_unpack_code(planes, m, i) == q35_q45_unpack_code{Pre}(planes, m, i);
        codes[i] = (uint16_t)unpack_code(planes, m, i);
    }
}
