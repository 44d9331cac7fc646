/* The two planes of a 4.5-bit block (format45.h): the codes' low bytes in order, then
 * their bit 8 eight to a byte. Written with / and % like planes.c, so that the prover
 * reasons in plain arithmetic; this is not the hot path. */
#include "q35/format45.h"

static int code_at(const uint16_t *codes, int m, int i) { return i < m ? codes[i] % 512 : 0; }

void q35_q45_pack_planes(const uint16_t *codes, int m, uint8_t *planes)
{
    uint8_t *bit = planes + m;
    for (int i = 0; i < m; i++) planes[i] = (uint8_t)(code_at(codes, m, i) % 256);
    for (int j = 0; j < (m + 7) / 8; j++) {
        int v = 0;
        for (int k = 7; k >= 0; k--) v = 2 * v + code_at(codes, m, 8 * j + k) / 256;
        bit[j] = (uint8_t)v;
    }
}

void q35_q45_unpack_planes(const uint8_t *planes, int m, uint16_t *codes)
{
    static const int pow2[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    const uint8_t *bit = planes + m;
    for (int i = 0; i < m; i++) codes[i] = (uint16_t)(planes[i] + 256 * ((bit[i / 8] / pow2[i % 8]) % 2));
}
