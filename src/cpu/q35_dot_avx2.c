/* AVX2 + FMA + F16C variants of the fast dots. q35 blocks: the codes are rebuilt from
 * the three planes with byte shifts and masks, each code's int8 pair is fetched from the
 * grid by a scalar load (AVX2 has no 128-entry byte lookup), then 8 weights at a time are
 * widened to float and multiplied into x. q45 blocks take their codes from the byte and
 * bit planes and share the rest. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

#include "cpu/q35_dot.h"
#include "q35/common.h"

#define T_AVX2 __attribute__((target("avx2,fma,f16c")))

T_AVX2 static float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Bits 0..31 of b, one per byte: 0x40 where set. */
T_AVX2 static __m256i bit6_bytes(uint32_t b)
{
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_set1_epi64x((int64_t)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int32_t)b), spread);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
    return _mm256_and_si256(v, _mm256_set1_epi8(64));
}

/* Sum of the 128 int8 weights w times x, as 8 partial float sums. */
T_AVX2 static __m256 w128_dot(const int8_t *w, const float *x)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (int j = 0; j < 128; j += 32) {
        __m256 w0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + j))));
        __m256 w1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + j + 8))));
        __m256 w2 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + j + 16))));
        __m256 w3 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + j + 24))));
        s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + j), s0);
        s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + j + 8), s1);
        s2 = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x + j + 16), s2);
        s3 = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x + j + 24), s3);
    }
    return _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
}

T_AVX2 float q35_dot_q35_avx2(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    const int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    const __m256i m0f = _mm256_set1_epi8(0x0f), m03 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nfull; b++, p += Q35_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        __m256i nib = _mm256_loadu_si256((const __m256i *)(p + 1));
        __m128i cr = _mm_loadu_si128((const __m128i *)(p + 33));
        uint64_t bits;
        memcpy(&bits, p + 49, 8);
        __m256i lo = _mm256_and_si256(nib, m0f);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(nib, 4), m0f);
        __m256i cr01 = _mm256_set_m128i(_mm_srli_epi16(cr, 2), cr);
        __m256i cr23 = _mm256_set_m128i(_mm_srli_epi16(cr, 6), _mm_srli_epi16(cr, 4));
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(cr01, m03), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(cr23, m03), 4));
        lo = _mm256_or_si256(lo, bit6_bytes((uint32_t)bits));
        hi = _mm256_or_si256(hi, bit6_bytes((uint32_t)(bits >> 32)));
        uint8_t c[64];
        int8_t w[128];
        _mm256_storeu_si256((__m256i *)c, lo);
        _mm256_storeu_si256((__m256i *)(c + 32), hi);
        for (int i = 0; i < 64; i++) memcpy(w + 2 * i, grid[c[i]], 2);
        __m256 bs = w128_dot(w, x);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(q35_scale_bits(p[0])), bs, acc);
    }
    float r = hsum8(acc);
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) r += q35_block_dot_f32acc(p, (nw + 1) / 2, grid, x, nw);
    return r;
}

T_AVX2 float q35_dot_q45_avx2(const int8_t grid[Q35_Q45_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    const int64_t nfull = n / Q35_BLOCK_WEIGHTS;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nfull; b++, p += Q35_Q45_BLOCK_BYTES, x += Q35_BLOCK_WEIGHTS) {
        uint64_t hi;
        memcpy(&hi, p + 1 + Q35_BLOCK_CODES, 8);
        /* 16-bit codes: the low bytes widened, bit 8 from the bit plane as a high byte of 1 */
        uint16_t c[64];
        for (int h = 0; h < 2; h++) {
            __m256i lo = _mm256_loadu_si256((const __m256i *)(p + 1 + 32 * h));
            __m256i b8 = _mm256_srli_epi16(bit6_bytes((uint32_t)(hi >> (32 * h))), 6); /* 0x40 -> 1 */
            __m256i c0 = _mm256_or_si256(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(lo)),
                                         _mm256_slli_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(b8)), 8));
            __m256i c1 = _mm256_or_si256(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(lo, 1)),
                                         _mm256_slli_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(b8, 1)), 8));
            _mm256_storeu_si256((__m256i *)(c + 32 * h), c0);
            _mm256_storeu_si256((__m256i *)(c + 32 * h + 16), c1);
        }
        int8_t w[128];
        for (int i = 0; i < 64; i++) memcpy(w + 2 * i, grid[c[i]], 2);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(q35_scale_bits(p[0])), w128_dot(w, x), acc);
    }
    float r = hsum8(acc);
    int nw = (int)(n - nfull * Q35_BLOCK_WEIGHTS);
    if (nw > 0) r += q35_q45_block_dot_f32acc(p, (nw + 1) / 2, grid, x, nw);
    return r;
}

T_AVX2 float q35_dot_f32_avx2(const void *row, const float *x, int64_t n)
{
    const float *w = row;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), s0);
    float r = hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) r += w[i] * x[i];
    return r;
}

T_AVX2 float q35_dot_f16_avx2(const void *row, const float *x, int64_t n)
{
    const uint16_t *h = row;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))), _mm256_loadu_ps(x + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i + 8))), _mm256_loadu_ps(x + i + 8), s1);
    }
    float r = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        uint16_t v;
        memcpy(&v, h + i, 2);
        r += q35_f16_to_f32(v) * x[i];
    }
    return r;
}

T_AVX2 float q35_dot_q8_0_avx2(const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    const int64_t nfull = n / 32;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nfull; b++, p += 34, x += 32) {
        uint16_t h;
        memcpy(&h, p, 2);
        const __m128i *q = (const __m128i *)(p + 2);
        __m128i q0 = _mm_loadu_si128(q), q1 = _mm_loadu_si128(q + 1);
        __m256 s0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q0)), _mm256_loadu_ps(x));
        __m256 s1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q0, 8))), _mm256_loadu_ps(x + 8));
        s0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q1)), _mm256_loadu_ps(x + 16), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q1, 8))), _mm256_loadu_ps(x + 24), s1);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(h)), _mm256_add_ps(s0, s1), acc);
    }
    float r = hsum8(acc);
    int nw = (int)(n - nfull * 32);
    if (nw > 0) {
        uint16_t h;
        memcpy(&h, p, 2);
        const int8_t *q = (const int8_t *)(p + 2);
        float s = 0.0f;
        for (int i = 0; i < nw; i++) s += (float)q[i] * x[i];
        r += q35_f16_to_f32(h) * s;
    }
    return r;
}
#else
typedef int q35_dot_avx2_unused; /* not an x86 target: only the scalar variants exist */
#endif
