/* Fast variants of the elementwise ops (ops.h), for batches on a backend that is not
 * exact (perplexity, calibration). They compute the same functions as the llama2.c ops
 * but sum in SIMD lanes and take exp from a polynomial, so they differ from them by
 * float rounding only: each exp is within 1 ulp of the exact value over the normal range,
 * like expf (tests/test_batch_fast.c checks them against the exact ops). Why they exist:
 * with the weights prepared once, the exps of SwiGLU (hidden_dim per token per layer) and
 * of the attention softmax (one per score) and the serial sums of RMSNorm were a fifth of
 * a perplexity run on midi23M. Also the double-precision exp sums of the scores.
 *
 * AVX-512F only, chosen at run time (the library is built for plain x86-64); other CPUs
 * get the exact ops, which are correct, just slower. */
#include <math.h>

#include "model/ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define Q35_OPS_AVX512 1
#define T512 __attribute__((target("avx512f")))

/* e^x = 2^k e^r, k = round(x / ln 2), r = x - k ln 2 (ln 2 in two parts, so r is exact
 * for |k| <= 255), |r| <= ln(2)/2; e^r by its Taylor polynomial of degree 7 (remainder
 * under 6e-9 relative) in Horner form; 2^k by scalef, which also gives 0 and inf at the
 * ends. Inputs are clamped to [-104, 89], past which floats give 0 and inf anyway. */
T512 static inline __m512 exp16(__m512 x)
{
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(89.0f)), _mm512_set1_ps(-104.0f));
    const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.42860682030941723e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

static inline __mmask16 tail_mask(int left) { return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1); }

T512 static void softmax512(float *x, int n)
{
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(mx, tail_mask(n - i), x + i));
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m));
        sum = _mm512_mask_add_ps(sum, k, sum, e);
        _mm512_mask_storeu_ps(x + i, k, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), inv));
    }
}

T512 static void swiglu512(float *gate, const float *up, int n)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 g = _mm512_maskz_loadu_ps(k, gate + i), u = _mm512_maskz_loadu_ps(k, up + i);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), g));
        const __m512 silu = _mm512_mul_ps(g, _mm512_div_ps(one, _mm512_add_ps(one, e)));
        _mm512_mask_storeu_ps(gate + i, k, _mm512_mul_ps(silu, u));
    }
}

T512 static void rmsnorm512(float *o, const float *x, const float *w, int n, float eps)
{
    __m512 acc = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        const __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
        acc = _mm512_fmadd_ps(v, v, acc);
    }
    float ss = _mm512_reduce_add_ps(acc) / (float)n + eps;
    const __m512 s = _mm512_set1_ps(1.0f / sqrtf(ss));
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + i), g = _mm512_maskz_loadu_ps(k, w + i);
        _mm512_mask_storeu_ps(o + i, k, _mm512_mul_ps(g, _mm512_mul_ps(s, v)));
    }
}

/* The same in double for the scores (src/eval), whose tests hold nll to 1e-9: ln 2 split
 * as in fdlibm (k ln2_hi exact for |k| < 2^20), Taylor degree 12 (remainder under 2e-16
 * relative on |r| <= ln(2)/2). Inputs clamped to [-746, 710]. */
T512 static inline __m512d exp8d(__m512d x)
{
    x = _mm512_max_pd(_mm512_min_pd(x, _mm512_set1_pd(710.0)), _mm512_set1_pd(-746.0));
    const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634074)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(6.93147180369123816490e-01), x);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.90821492927058770002e-10), r);
    static const double inv_fact[13] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                        1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600};
    __m512d p = _mm512_set1_pd(inv_fact[12]);
    for (int i = 11; i >= 0; i--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(inv_fact[i]));
    return _mm512_scalef_pd(p, k);
}

T512 static float max512(const float *x, int n, int *argmax)
{
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(mx, tail_mask(n - i), x + i));
    const float m = _mm512_reduce_max_ps(mx);
    int best = 0;
    const __m512 mv = _mm512_set1_ps(m);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __mmask16 eq = _mm512_mask_cmp_ps_mask(k, _mm512_maskz_loadu_ps(k, x + i), mv, _CMP_EQ_OQ);
        if (eq) {
            best = i + __builtin_ctz(eq);
            break;
        }
    }
    if (argmax) *argmax = best;
    return x[best];
}

/* Sums of e_i = exp(x_i - shift) in double, and of e_i (x_i - y_i) if y. */
T512 static double sum_exp512(const float *x, int n, double shift, const float *y, double *dot)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), d0 = s0, d1 = s0;
    const __m512d sh = _mm512_set1_pd(shift);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __mmask8 k0 = (__mmask8)k, k1 = (__mmask8)(k >> 8);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        const __m512d x0 = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
        const __m512d x1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
        const __m512d e0 = exp8d(_mm512_sub_pd(x0, sh)), e1 = exp8d(_mm512_sub_pd(x1, sh));
        s0 = _mm512_mask_add_pd(s0, k0, s0, e0);
        s1 = _mm512_mask_add_pd(s1, k1, s1, e1);
        if (y) {
            const __m512 w = _mm512_maskz_loadu_ps(k, y + i);
            const __m512d y0 = _mm512_cvtps_pd(_mm512_castps512_ps256(w));
            const __m512d y1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(w), 1)));
            d0 = _mm512_mask3_fmadd_pd(e0, _mm512_sub_pd(x0, y0), d0, k0);
            d1 = _mm512_mask3_fmadd_pd(e1, _mm512_sub_pd(x1, y1), d1, k1);
        }
    }
    if (dot) *dot = _mm512_reduce_add_pd(_mm512_add_pd(d0, d1));
    return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

static int have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#endif

float q35_max_fast(const float *x, int n, int *argmax)
{
#ifdef Q35_OPS_AVX512
    if (have_avx512()) return max512(x, n, argmax);
#endif
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    if (argmax) *argmax = best;
    return x[best];
}

double q35_sum_exp_fast(const float *x, int n, double shift, const float *y, double *dot)
{
#ifdef Q35_OPS_AVX512
    if (have_avx512()) return sum_exp512(x, n, shift, y, dot);
#endif
    double sum = 0, d = 0;
    for (int i = 0; i < n; i++) {
        const double e = exp((double)x[i] - shift);
        sum += e;
        if (y) d += e * ((double)x[i] - (double)y[i]);
    }
    if (dot) *dot = d;
    return sum;
}

void q35_softmax_fast(float *x, int n)
{
#ifdef Q35_OPS_AVX512
    if (have_avx512()) {
        softmax512(x, n);
        return;
    }
#endif
    q35_softmax(x, n);
}

void q35_swiglu_fast(float *gate, const float *up, int n)
{
#ifdef Q35_OPS_AVX512
    if (have_avx512()) {
        swiglu512(gate, up, n);
        return;
    }
#endif
    q35_swiglu(gate, up, n);
}

void q35_rmsnorm_fast(float *o, const float *x, const float *w, int n, float eps)
{
#ifdef Q35_OPS_AVX512
    if (have_avx512()) {
        rmsnorm512(o, x, w, n, eps);
        return;
    }
#endif
    q35_rmsnorm(o, x, w, n, eps);
}
