/* Device correctness of the 3.5-bit GPU products, run on the GPU machine (CTest test
 * cuda_gemm in a -DQ35_CUDA=ON build; skipped where there is no CUDA device).
 *
 * For fresh random weights (quantized to q35_cb on the CPU) and activations, at many
 * shapes including odd M, N and K, rows that are not a multiple of the block and N not
 * a multiple of 16, every path (mma for M <= 16, dequant + cuBLAS, simt) is compared:
 *   - with cuBLAS FP16 on the CPU-dequantized weights (relative error < 1e-3),
 *   - with a float64 CPU reference on the same fp16 inputs (relative error < 1e-3);
 * outputs are poisoned with NaN first and every element must be written; the GPU
 * dequantize kernel must equal the CPU dequantization to the bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "q35/common.h"
#include "q35/cuda.h"
#include "q35/format.h"
#include "q35/quant.h"
#include "q35/types.h"

static int failures;
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
            failures++;                                    \
        }                                                  \
    } while (0)
#define OK(call)                                                   \
    do {                                                           \
        if ((call) != 0) {                                         \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, err.msg); \
            exit(1);                                               \
        }                                                          \
    } while (0)

static uint64_t rng;
static double urand(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}
static double nrand(void) { return sqrt(-2 * log(urand() + 1e-300)) * cos(6.283185307179586 * urand()); }

static double rel_err(const float *y, const double *ref, size_t n, int *nan_count)
{
    double num = 0, den = 0;
    *nan_count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) (*nan_count)++;
        double d = (double)y[i] - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

int main(void)
{
    q35_err err;
    q35_cuda *cu;
    if (q35_cuda_open(&cu, &err)) {
        printf("skipped: no CUDA device (%s)\n", err.msg);
        return 77;
    }
    const char *env = getenv("Q35_SEED");
    rng = env ? strtoull(env, NULL, 10) : ((uint64_t)time(NULL) << 16) ^ (uint64_t)getpid();
    if (!rng) rng = 1;
    printf("device: %s\nseed: Q35_SEED=%llu\n", q35_cuda_device_name(cu), (unsigned long long)rng);
    const q35_type_traits *t = q35_type_by_id(q35_default_type());
    static const int shapes[][2] = {{16, 128}, {17, 129}, {64, 172}, {100, 77}, {1, 1}, {33, 8193},
                                    {1000, 1000}, {1024, 8192}, {4096, 4096}, {31, 255}};
    static const int ms[] = {1, 2, 3, 5, 8, 9, 13, 16, 17, 31, 64, 100};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int n = shapes[si][0], k = shapes[si][1];
        const size_t rb = t->row_bytes(k);
        float *w = malloc(sizeof(float) * (size_t)n * k), *wd = malloc(sizeof(float) * (size_t)n * k);
        uint8_t *canon = malloc(rb * (size_t)n);
        uint16_t *w16 = malloc(2 * (size_t)n * k), *w16_gpu = malloc(2 * (size_t)n * k);
        const double wscale = exp(nrand()) * 0.02; /* magnitudes vary between shapes */
        for (size_t i = 0; i < (size_t)n * k; i++) w[i] = (float)(nrand() * wscale);
        for (int r = 0; r < n; r++) {
            q35_quantize_row(t, w + (size_t)r * k, NULL, k, canon + (size_t)r * rb);
            t->to_float(canon + (size_t)r * rb, k, wd + (size_t)r * k);
        }
        for (size_t i = 0; i < (size_t)n * k; i++) w16[i] = q35_f32_to_f16(wd[i]);
        q35_cuda_matrix mat;
        OK(q35_cuda_matrix_upload(cu, canon, n, k, t->grid, &mat, &err));
        void *dw16;
        OK(q35_cuda_malloc(&dw16, 2 * (size_t)n * k, &err));
        /* GPU dequantization equals the CPU one, bit for bit */
        OK(q35_cuda_dequant(cu, &mat, dw16, &err));
        OK(q35_cuda_sync(cu, &err));
        OK(q35_cuda_to_host(w16_gpu, dw16, 2 * (size_t)n * k, &err));
        size_t bad = 0;
        for (size_t i = 0; i < (size_t)n * k; i++) bad += w16[i] != w16_gpu[i];
        CHECK(bad == 0, "dequant %dx%d: %zu of %zu halves differ", n, k, bad, (size_t)n * k);
        OK(q35_cuda_to_device(dw16, w16, 2 * (size_t)n * k, &err));

        for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++) {
            const int m = ms[mi];
            if ((size_t)m * n * k > (size_t)1 << 31) continue; /* keep the float64 reference quick */
            uint16_t *x16 = malloc(2 * (size_t)m * k);
            float *y = malloc(sizeof(float) * (size_t)m * n);
            double *ref = malloc(sizeof(double) * (size_t)m * n), *refb = malloc(sizeof(double) * (size_t)m * n);
            const double xscale = exp(nrand());
            for (size_t i = 0; i < (size_t)m * k; i++) x16[i] = q35_f32_to_f16((float)(nrand() * xscale));
            for (int mm = 0; mm < m; mm++)
                for (int r = 0; r < n; r++) {
                    double s = 0;
                    const float *wr = wd + (size_t)r * k;
                    const uint16_t *xr = x16 + (size_t)mm * k;
                    for (int kk = 0; kk < k; kk++) s += (double)wr[kk] * (double)q35_f16_to_f32(xr[kk]);
                    ref[(size_t)mm * n + r] = s;
                }
            void *dx, *dy;
            OK(q35_cuda_malloc(&dx, 2 * (size_t)m * k, &err));
            OK(q35_cuda_malloc(&dy, sizeof(float) * (size_t)m * n, &err));
            OK(q35_cuda_to_device(dx, x16, 2 * (size_t)m * k, &err));
            /* cuBLAS on the dequantized weights */
            memset(y, 0xFF, sizeof(float) * (size_t)m * n);
            OK(q35_cuda_to_device(dy, y, sizeof(float) * (size_t)m * n, &err));
            OK(q35_cuda_cublas_f16(cu, dw16, dx, dy, m, n, k, &err));
            OK(q35_cuda_sync(cu, &err));
            OK(q35_cuda_to_host(y, dy, sizeof(float) * (size_t)m * n, &err));
            for (size_t i = 0; i < (size_t)m * n; i++) refb[i] = y[i];
            const q35_cuda_path paths[] = {Q35_CUDA_MMA, Q35_CUDA_DEQUANT_CUBLAS, Q35_CUDA_SIMT};
            const char *names[] = {"mma", "dequant+cublas", "simt"};
            for (int p = 0; p < 3; p++) {
                if (paths[p] == Q35_CUDA_MMA && m > 16) continue;
                memset(y, 0xFF, sizeof(float) * (size_t)m * n); /* poison: NaN everywhere */
                OK(q35_cuda_to_device(dy, y, sizeof(float) * (size_t)m * n, &err));
                OK(q35_cuda_matmul(cu, &mat, dx, m, dy, paths[p], &err));
                OK(q35_cuda_sync(cu, &err));
                OK(q35_cuda_to_host(y, dy, sizeof(float) * (size_t)m * n, &err));
                int nan_a, nan_b;
                double e64 = rel_err(y, ref, (size_t)m * n, &nan_a), eb = rel_err(y, refb, (size_t)m * n, &nan_b);
                CHECK(nan_a == 0, "%s m=%d n=%d k=%d: %d outputs not written or not finite", names[p], m, n, k, nan_a);
                CHECK(e64 < 1e-3, "%s m=%d n=%d k=%d: relative error vs float64 %.3g", names[p], m, n, k, e64);
                CHECK(eb < 1e-3, "%s m=%d n=%d k=%d: relative error vs cuBLAS %.3g", names[p], m, n, k, eb);
                if (mi == 0 || m == 16 || m == 17)
                    printf("ok   %-15s m=%-4d n=%-5d k=%-5d rel err vs float64 %.2e, vs cuBLAS %.2e\n", names[p], m, n,
                           k, e64, eb);
            }
            q35_cuda_free(dx);
            q35_cuda_free(dy);
            free(x16);
            free(y);
            free(ref);
            free(refb);
        }
        q35_cuda_free(dw16);
        q35_cuda_matrix_free(&mat);
        free(w);
        free(wd);
        free(canon);
        free(w16);
        free(w16_gpu);
    }
    q35_cuda_close(cu);
    printf(failures ? "%d failures\n" : "all device checks passed\n", failures);
    return failures ? 1 : 0;
}
