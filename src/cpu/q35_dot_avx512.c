/* AVX-512 (F, BW, VL, VBMI) variants of the fast dots. A q35 block's 64 codes are rebuilt
 * in one register (nibbles, crumbs by per-lane variable shifts, bit 6 by a mask-merged
 * OR straight from the bit plane), then VBMI's two-table byte permute (vpermi2b) looks
 * all 64 codes up in the 128-entry grid at once: one lookup for the first coordinates,
 * one for the second. Interleaving the two gives the 128 weights as int8 in order. A q45
 * block's 9-bit codes take four such lookups per coordinate (below). */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

#include "cpu/q35_dot.h"
#include "q35/common.h"

#define T_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx2,fma,f16c")))

static const uint8_t idx_even[64] = {
    0,  2,  4,  6,  8,  10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42,
    44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78, 80, 82, 84, 86,
    88, 90, 92, 94, 96, 98, 100, 102, 104, 106, 108, 110, 112, 114, 116, 118, 120, 122, 124, 126};

/* Splits 128 interleaved grid pairs (256 bytes at g) into per-coordinate 128-byte tables,
 * two registers each, for vpermi2b. */
T_AVX512 static void split_tables(const uint8_t *g, __m512i tx[2], __m512i ty[2])
{
    __m512i g0 = _mm512_loadu_si512(g), g1 = _mm512_loadu_si512(g + 64);
    __m512i g2 = _mm512_loadu_si512(g + 128), g3 = _mm512_loadu_si512(g + 192);
    __m512i ie = _mm512_loadu_si512(idx_even), io = _mm512_add_epi8(ie, _mm512_set1_epi8(1));
    tx[0] = _mm512_permutex2var_epi8(g0, ie, g1);
    tx[1] = _mm512_permutex2var_epi8(g2, ie, g3);
    ty[0] = _mm512_permutex2var_epi8(g0, io, g1);
    ty[1] = _mm512_permutex2var_epi8(g2, io, g3);
}

/* Sum of a full block's 128 weights times x, the weights given as the pairs' first (gx)
 * and second (gy) coordinates in code order: 16 partial float sums. */
T_AVX512 static inline __m512 pairs_dot_full(__m512i gx, __m512i gy, const float *x)
{
    __m512i lo = _mm512_unpacklo_epi8(gx, gy); /* lane L: weights 32L .. 32L+15 */
    __m512i hi = _mm512_unpackhi_epi8(gx, gy); /* lane L: weights 32L+16 .. 32L+31 */
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
#define LANE(L, SA, SB)                                                                                       \
    SA = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(lo, L))),        \
                         _mm512_loadu_ps(x + 32 * L), SA);                                                    \
    SB = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(hi, L))),        \
                         _mm512_loadu_ps(x + 32 * L + 16), SB);
    LANE(0, s0, s1)
    LANE(1, s2, s3)
    LANE(2, s0, s1)
    LANE(3, s2, s3)
#undef LANE
    return _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
}

/* The same for a short last block of nw weights: x is loaded under masks, so nothing past
 * x[nw) is read and the padding codes count zero. */
T_AVX512 static __m512 pairs_dot_part(__m512i gx, __m512i gy, const float *x, int nw)
{
    __m512i lo = _mm512_unpacklo_epi8(gx, gy), hi = _mm512_unpackhi_epi8(gx, gy);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    for (int L = 0; L < 4 && 32 * L < nw; L++) {
        int a = nw - 32 * L, b = a - 16;
        __mmask16 ka = (__mmask16)(a >= 16 ? 0xffffu : (1u << a) - 1);
        __mmask16 kb = (__mmask16)(b >= 16 ? 0xffffu : b > 0 ? (1u << b) - 1 : 0);
        __m128i wl = L == 0 ? _mm512_extracti32x4_epi32(lo, 0) : L == 1 ? _mm512_extracti32x4_epi32(lo, 1)
                   : L == 2 ? _mm512_extracti32x4_epi32(lo, 2) : _mm512_extracti32x4_epi32(lo, 3);
        __m128i wh = L == 0 ? _mm512_extracti32x4_epi32(hi, 0) : L == 1 ? _mm512_extracti32x4_epi32(hi, 1)
                   : L == 2 ? _mm512_extracti32x4_epi32(hi, 2) : _mm512_extracti32x4_epi32(hi, 3);
        s0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(wl)), _mm512_maskz_loadu_ps(ka, x + 32 * L), s0);
        s1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(wh)), _mm512_maskz_loadu_ps(kb, x + 32 * L + 16), s1);
    }
    return _mm512_add_ps(s0, s1);
}

T_AVX512 float q35_dot_q35_avx512(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    __m512i tx[2], ty[2];
    split_tables((const uint8_t *)grid, tx, ty);
    /* crumb k of a byte lives at bits 2k..2k+1; lane k of the broadcast crumbs shifts by 2k */
    const __m512i crumb_shift = _mm512_set_epi64(6 * 0x0001000100010001ll, 6 * 0x0001000100010001ll,
                                                 4 * 0x0001000100010001ll, 4 * 0x0001000100010001ll,
                                                 2 * 0x0001000100010001ll, 2 * 0x0001000100010001ll, 0, 0);
    const __m512i m0f = _mm512_set1_epi8(0x0f), m03 = _mm512_set1_epi8(3), b6 = _mm512_set1_epi8(64);

    const uint8_t *p = row;
    const int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t b = 0; b < nfull; b++, p += Q35_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        __m256i nib = _mm256_loadu_si256((const __m256i *)(p + 1));
        __m512i c = _mm512_inserti64x4(_mm512_castsi256_si512(nib), _mm256_srli_epi16(nib, 4), 1);
        c = _mm512_and_si512(c, m0f);
        __m512i cr = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(p + 33)));
        cr = _mm512_and_si512(_mm512_srlv_epi16(cr, crumb_shift), m03);
        c = _mm512_or_si512(c, _mm512_slli_epi16(cr, 4));
        uint64_t bits;
        memcpy(&bits, p + 49, 8);
        c = _mm512_mask_blend_epi8((__mmask64)bits, c, _mm512_or_si512(c, b6));
        __m512i gx = _mm512_permutex2var_epi8(tx[0], c, tx[1]);
        __m512i gy = _mm512_permutex2var_epi8(ty[0], c, ty[1]);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(q35_scale_bits(p[0])), pairs_dot_full(gx, gy, x), acc);
    }
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) { /* the short last block: same lookups, x loaded under masks */
        uint8_t cb[Q35_BLOCK_CODES] = {0};
        q35_unpack_codes_fast(p + 1, (nw + 1) / 2, cb);
        __m512i c = _mm512_loadu_si512(cb);
        __m512i gx = _mm512_permutex2var_epi8(tx[0], c, tx[1]);
        __m512i gy = _mm512_permutex2var_epi8(ty[0], c, ty[1]);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(q35_scale_bits(p[0])), pairs_dot_part(gx, gy, x, nw), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* q45: the 512-entry grid is four 128-entry quarters. The byte plane is the index vector
 * as it lies (vpermi2b reads bits 0-6), bit 7 comes from the bytes' sign bits and bit 8
 * from the bit plane, and two levels of mask blends pick the quarter. */
typedef struct q45_tables {
    __m512i tx[4][2], ty[4][2];
} q45_tables;

T_AVX512 static inline void q45_lookup(const q45_tables *t, __m512i c, __mmask64 b8, __m512i *gx, __m512i *gy)
{
    __mmask64 b7 = _mm512_movepi8_mask(c);
    __m512i x0 = _mm512_permutex2var_epi8(t->tx[0][0], c, t->tx[0][1]);
    __m512i x1 = _mm512_permutex2var_epi8(t->tx[1][0], c, t->tx[1][1]);
    __m512i x2 = _mm512_permutex2var_epi8(t->tx[2][0], c, t->tx[2][1]);
    __m512i x3 = _mm512_permutex2var_epi8(t->tx[3][0], c, t->tx[3][1]);
    __m512i y0 = _mm512_permutex2var_epi8(t->ty[0][0], c, t->ty[0][1]);
    __m512i y1 = _mm512_permutex2var_epi8(t->ty[1][0], c, t->ty[1][1]);
    __m512i y2 = _mm512_permutex2var_epi8(t->ty[2][0], c, t->ty[2][1]);
    __m512i y3 = _mm512_permutex2var_epi8(t->ty[3][0], c, t->ty[3][1]);
    *gx = _mm512_mask_blend_epi8(b8, _mm512_mask_blend_epi8(b7, x0, x1), _mm512_mask_blend_epi8(b7, x2, x3));
    *gy = _mm512_mask_blend_epi8(b8, _mm512_mask_blend_epi8(b7, y0, y1), _mm512_mask_blend_epi8(b7, y2, y3));
}

T_AVX512 float q35_dot_q45_avx512(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    q45_tables t;
    for (int q = 0; q < 4; q++) {
        __m512i tx[2], ty[2];
        split_tables((const uint8_t *)grid + 256 * q, tx, ty);
        t.tx[q][0] = tx[0], t.tx[q][1] = tx[1], t.ty[q][0] = ty[0], t.ty[q][1] = ty[1];
    }
    const uint8_t *p = row;
    const int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    __m512 acc = _mm512_setzero_ps();
    __m512i gx, gy;
    for (int64_t b = 0; b < nfull; b++, p += Q35_Q45_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        uint64_t bits;
        memcpy(&bits, p + 1 + Q35_BLOCK_CODES, 8);
        q45_lookup(&t, _mm512_loadu_si512(p + 1), (__mmask64)bits, &gx, &gy);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(q35_scale_bits(p[0])), pairs_dot_full(gx, gy, x), acc);
    }
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) { /* the short last block: codes unpacked by scalar code, x loaded under masks */
        uint16_t codes[Q35_BLOCK_CODES] = {0};
        uint8_t lo[Q35_BLOCK_CODES];
        uint64_t bits = 0;
        q35_q45_unpack_codes_fast(p + 1, (nw + 1) / 2, codes);
        for (int i = 0; i < Q35_BLOCK_CODES; i++) {
            lo[i] = (uint8_t)(codes[i] & 255);
            bits |= (uint64_t)(codes[i] >> 8) << i;
        }
        q45_lookup(&t, _mm512_loadu_si512(lo), (__mmask64)bits, &gx, &gy);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(q35_scale_bits(p[0])), pairs_dot_part(gx, gy, x, nw), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

T_AVX512 float q35_dot_f32_avx512(const void *row, const float *x, int64_t n)
{
    const float *w = row;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(x + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(x + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 32), _mm512_loadu_ps(x + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 48), _mm512_loadu_ps(x + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(x + i), s0);
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, w + i), _mm512_maskz_loadu_ps(k, x + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

T_AVX512 float q35_dot_f16_avx512(const void *row, const float *x, int64_t n)
{
    const uint16_t *h = row;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + i))), _mm512_loadu_ps(x + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + i + 16))),
                             _mm512_loadu_ps(x + i + 16), s1);
    }
    for (; i < n; i += 16) {
        int64_t left = n - i < 16 ? n - i : 16;
        __mmask16 k = (__mmask16)((1u << left) - 1);
        s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, h + i)), _mm512_maskz_loadu_ps(k, x + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

T_AVX512 float q35_dot_q8_0_avx512(const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t b = 0; b * 32 < n; b++, p += 34, x += 32) {
        uint16_t h;
        memcpy(&h, p, 2);
        int64_t left = n - b * 32;
        __m256i q;
        __m512 x0, x1;
        if (left >= 32) {
            q = _mm256_loadu_si256((const __m256i *)(p + 2));
            x0 = _mm512_loadu_ps(x);
            x1 = _mm512_loadu_ps(x + 16);
        } else { /* the padded last block: x ends inside it */
            q = _mm256_loadu_si256((const __m256i *)(p + 2));
            __mmask16 k0 = (__mmask16)(left >= 16 ? 0xffffu : (1u << left) - 1);
            __mmask16 k1 = (__mmask16)(left > 16 ? (1u << (left - 16)) - 1 : 0);
            x0 = _mm512_maskz_loadu_ps(k0, x);
            x1 = _mm512_maskz_loadu_ps(k1, x + 16);
        }
        __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(q))), x0);
        s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(q, 1))), x1, s);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(_cvtsh_ss(h)), s, acc);
    }
    return _mm512_reduce_add_ps(acc);
}
#else
typedef int q35_dot_avx512_unused; /* not an x86 target: only the scalar variants exist */
#endif
