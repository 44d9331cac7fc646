/* The three bit planes of a block (format.h): low nibbles, then bits 4-5 (crumbs), then
 * bit 6. Planes split codes into aligned power-of-two fields, so a SIMD decoder can load
 * each plane whole; the plane layouts put codes j and j + h in one byte so that a shift
 * and a mask recover h consecutive codes at once. Written with / and % so that the
 * prover reasons in plain arithmetic; this is not the hot path. */
#include "q35/format.h"

static int code_at(const uint8_t *codes, int m, int i) { return i < m ? codes[i] % 128 : 0; }

void q35_pack_planes(const uint8_t *codes, int m, uint8_t *planes)
{
    int h2 = (m + 1) / 2, h4 = (m + 3) / 4, h8 = (m + 7) / 8;
    uint8_t *nib = planes, *crumb = planes + h2, *bit = planes + h2 + h4;
    for (int j = 0; j < h2; j++)
        nib[j] = (uint8_t)(code_at(codes, m, j) % 16 + 16 * (code_at(codes, m, j + h2) % 16));
    for (int j = 0; j < h4; j++) {
        int v = 0;
        for (int k = 3; k >= 0; k--) v = 4 * v + (code_at(codes, m, j + k * h4) / 16) % 4;
        crumb[j] = (uint8_t)v;
    }
    for (int j = 0; j < h8; j++) {
        int v = 0;
        for (int k = 7; k >= 0; k--) v = 2 * v + code_at(codes, m, 8 * j + k) / 64;
        bit[j] = (uint8_t)v;
    }
}

void q35_unpack_planes(const uint8_t *planes, int m, uint8_t *codes)
{
    int h2 = (m + 1) / 2, h4 = (m + 3) / 4;
    const uint8_t *nib = planes, *crumb = planes + h2, *bit = planes + h2 + h4;
    static const int pow4[4] = {1, 4, 16, 64};
    static const int pow2[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    for (int i = 0; i < m; i++) {
        int lo = i < h2 ? nib[i] % 16 : nib[i - h2] / 16;
        int mid = (crumb[i % h4] / pow4[i / h4]) % 4;
        int hi = (bit[i / 8] / pow2[i % 8]) % 2;
        codes[i] = (uint8_t)(lo + 16 * mid + 64 * hi);
    }
}
