/* Host side of the CUDA backend: device handle, matrix upload (canonical rows -> tile
 * layout), the product's path choice, and the timing code behind `q35 bench gemm`.
 * Every CUDA and cuBLAS call is checked; errors come back as one line in q35_err. */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <cublas_v2.h>

#include "gpu.h"
#include "q35/cuda.h"
#include "q35/format.h"
#include "q35/gpu_layout.h"
#include "q35_kernels.h"

struct q35_cuda {
    cublasHandle_t blas;
    gpuStream_t stream;
    void *work;       /* fp16 copy of a dequantized matrix */
    size_t work_bytes;
    char name[320];
    int sms;
};

#define CK(call)                                                                                          \
    do {                                                                                                  \
        gpuError_t e_ = (call);                                                                           \
        if (e_ != gpuSuccess) return q35_fail(err, "cuda: %s: %s (%s:%d)", #call, gpuGetErrorString(e_), \
                                              __FILE__, __LINE__);                                       \
    } while (0)
#define CKB(call)                                                                                    \
    do {                                                                                             \
        cublasStatus_t s_ = (call);                                                                  \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                                             \
            return q35_fail(err, "cublas: %s: status %d (%s:%d)", #call, (int)s_, __FILE__, __LINE__); \
    } while (0)

extern "C" int q35_cuda_open(q35_cuda **out, q35_err *err)
{
    *out = NULL;
    int n = 0;
    CK(gpuGetDeviceCount(&n));
    if (n < 1) return q35_fail(err, "cuda: no CUDA device");
    q35_cuda *c = (q35_cuda *)calloc(1, sizeof *c);
    if (!c) return q35_fail(err, "out of memory");
    gpuDeviceProp p;
    gpuError_t e = gpuGetDeviceProperties(&p, 0);
    if (e != gpuSuccess) {
        free(c);
        return q35_fail(err, "cuda: cudaGetDeviceProperties: %s", gpuGetErrorString(e));
    }
    c->sms = p.multiProcessorCount;
    snprintf(c->name, sizeof c->name, "%s, %d SMs, sm_%d%d, %.0f MB L2", p.name, p.multiProcessorCount, p.major,
             p.minor, p.l2CacheSize / 1e6);
    if ((e = gpuStreamCreate(&c->stream)) != gpuSuccess) {
        free(c);
        return q35_fail(err, "cuda: cudaStreamCreate: %s", gpuGetErrorString(e));
    }
    if (cublasCreate(&c->blas) != CUBLAS_STATUS_SUCCESS || cublasSetStream(c->blas, c->stream) != CUBLAS_STATUS_SUCCESS) {
        gpuStreamDestroy(c->stream);
        free(c);
        return q35_fail(err, "cublas: cannot create a handle");
    }
    *out = c;
    return 0;
}

extern "C" void q35_cuda_close(q35_cuda *c)
{
    if (!c) return;
    if (c->work) gpuFree(c->work);
    cublasDestroy(c->blas);
    gpuStreamDestroy(c->stream);
    free(c);
}

extern "C" const char *q35_cuda_device_name(const q35_cuda *c) { return c->name; }

extern "C" int q35_cuda_matrix_upload(q35_cuda *c, const uint8_t *canon, int64_t n, int64_t k,
                                      const int8_t grid[128][2], q35_cuda_matrix *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || k < 1 || n > INT32_MAX || k > INT32_MAX) return q35_fail(err, "cuda: bad matrix shape");
    size_t bytes = q35_tiles_bytes(n, k);
    std::vector<uint8_t> tiles(bytes);
    if (q35_tiles_pack(canon, n, k, tiles.data(), err)) return -1;
    CK(gpuMalloc((void **)&out->tiles, bytes));
    gpuError_t e = gpuMalloc((void **)&out->grid, 256);
    if (e == gpuSuccess) e = gpuMemcpy(out->tiles, tiles.data(), bytes, gpuMemcpyHostToDevice);
    if (e == gpuSuccess) e = gpuMemcpy(out->grid, grid, 256, gpuMemcpyHostToDevice);
    if (e != gpuSuccess) {
        q35_cuda_matrix_free(out);
        return q35_fail(err, "cuda: matrix upload: %s", gpuGetErrorString(e));
    }
    out->n = n;
    out->k = k;
    out->bytes = bytes;
    (void)c;
    return 0;
}

extern "C" void q35_cuda_matrix_free(q35_cuda_matrix *m)
{
    if (m->tiles) gpuFree(m->tiles);
    if (m->grid) gpuFree(m->grid);
    memset(m, 0, sizeof *m);
}

static int ensure_work(q35_cuda *c, size_t bytes, q35_err *err)
{
    if (c->work_bytes >= bytes) return 0;
    if (c->work) gpuFree(c->work);
    c->work = NULL;
    c->work_bytes = 0;
    CK(gpuMalloc(&c->work, bytes));
    c->work_bytes = bytes;
    return 0;
}

static q35_gpu_weights weights_of(const q35_cuda *c, const q35_cuda_matrix *w)
{
    q35_gpu_weights g = {w->tiles, w->grid, (int)w->n, (int)w->k, c->sms};
    return g;
}

extern "C" int q35_cuda_dequant(q35_cuda *c, const q35_cuda_matrix *w, void *w_f16, q35_err *err)
{
    q35_gpu_weights g = weights_of(c, w);
    CK(q35_gpu_dequant(&g, (__half *)w_f16, c->stream));
    return 0;
}

/* Y (m x n fp32, row-major) = X (m x k fp16) W^T with W (n x k fp16 row-major): in
 * cuBLAS's column-major terms, Y^T (n x m) = W (op T of a k x n matrix) X^T (k x m). */
static int cublas_f16(q35_cuda *c, const void *W, const void *X, void *Y, cudaDataType ytype, int m, int n, int k,
                      q35_err *err)
{
    const float alpha = 1.0f, beta = 0.0f;
    CKB(cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, W, CUDA_R_16F, k, X, CUDA_R_16F, k, &beta,
                     Y, ytype, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return 0;
}

extern "C" int q35_cuda_matmul(q35_cuda *c, const q35_cuda_matrix *w, const void *x_f16, int m, float *y,
                               q35_cuda_path path, q35_err *err)
{
    if (m < 1) return q35_fail(err, "cuda: matmul with m = %d", m);
    if (path == Q35_CUDA_AUTO) path = m <= 16 ? Q35_CUDA_MMA : Q35_CUDA_DEQUANT_CUBLAS;
    q35_gpu_weights g = weights_of(c, w);
    switch (path) {
    case Q35_CUDA_MMA:
        if (m > 16) return q35_fail(err, "cuda: the mma path takes m <= 16, not %d", m);
        CK(q35_gpu_mm_small(&g, (const __half *)x_f16, m, y, c->stream));
        return 0;
    case Q35_CUDA_SIMT:
        CK(q35_gpu_mm_simt(&g, (const __half *)x_f16, m, y, c->stream));
        return 0;
    default:
        if (ensure_work(c, sizeof(__half) * (size_t)w->n * (size_t)w->k, err)) return -1;
        CK(q35_gpu_dequant(&g, (__half *)c->work, c->stream));
        return cublas_f16(c, c->work, x_f16, y, CUDA_R_32F, m, (int)w->n, (int)w->k, err);
    }
}

extern "C" int q35_cuda_malloc(void **p, size_t bytes, q35_err *err)
{
    *p = NULL;
    CK(gpuMalloc(p, bytes ? bytes : 1));
    return 0;
}

extern "C" void q35_cuda_free(void *p)
{
    if (p) gpuFree(p);
}

extern "C" int q35_cuda_to_device(void *dst, const void *src, size_t bytes, q35_err *err)
{
    CK(gpuMemcpy(dst, src, bytes, gpuMemcpyHostToDevice));
    return 0;
}

extern "C" int q35_cuda_to_host(void *dst, const void *src, size_t bytes, q35_err *err)
{
    CK(gpuMemcpy(dst, src, bytes, gpuMemcpyDeviceToHost));
    return 0;
}

extern "C" int q35_cuda_cublas_f16(q35_cuda *c, const void *w_f16, const void *x_f16, float *y, int m, int n, int k,
                                   q35_err *err)
{
    return cublas_f16(c, w_f16, x_f16, y, CUDA_R_32F, m, n, k, err);
}

extern "C" int q35_cuda_sync(q35_cuda *c, q35_err *err)
{
    CK(gpuStreamSynchronize(c->stream));
    CK(gpuGetLastError());
    return 0;
}

/* ---- benchmarks ---- */

/* Random bytes from a counter hash; scale bytes of tiles kept in a moderate range. */
__global__ void fill_random_kernel(uint8_t *p, size_t n, uint64_t seed, int tile_scales)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        uint8_t v = (uint8_t)z;
        if (tile_scales && i % 912 >= 896) v = (uint8_t)(120 + (z & 7));
        p[i] = v;
    }
}

__global__ void fill_half_kernel(__half *p, size_t n, uint64_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
        z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ull;
        z ^= z >> 32;
        p[i] = __float2half(((float)(z & 0xffff) / 65536.0f - 0.5f) * 0.2f);
    }
}

static double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/* Median milliseconds of fn(i) over iterations, with a pair of events around each call.
 * All iterations are queued before the first wait, so the GPU runs them back to back and
 * host-side launch latency stays out of the numbers (as in a real decode loop). */
template <class F>
static int time_ms(q35_cuda *c, int iterations, F fn, double *ms, q35_err *err)
{
    const int warm = 3;
    std::vector<gpuEvent_t> ev(2 * (size_t)iterations);
    for (auto &e : ev) CK(gpuEventCreate(&e));
    for (int i = 0; i < warm; i++)
        if (fn(i)) return -1;
    for (int i = 0; i < iterations; i++) {
        CK(gpuEventRecord(ev[2 * i], c->stream));
        if (fn(i)) return -1;
        CK(gpuEventRecord(ev[2 * i + 1], c->stream));
    }
    CK(gpuEventSynchronize(ev.back()));
    CK(gpuGetLastError());
    std::vector<double> t;
    for (int i = 0; i < iterations; i++) {
        float e = 0;
        CK(gpuEventElapsedTime(&e, ev[2 * i], ev[2 * i + 1]));
        t.push_back(e);
    }
    for (auto &e : ev) gpuEventDestroy(e);
    *ms = median(t);
    return 0;
}

extern "C" int q35_cuda_bench_copy(q35_cuda *c, size_t bytes, int iterations, double *gbps, q35_err *err)
{
    void *src = NULL, *dst = NULL;
    CK(gpuMalloc(&src, bytes));
    CK(gpuMalloc(&dst, bytes));
    fill_random_kernel<<<1024, 256, 0, c->stream>>>((uint8_t *)src, bytes, 1, 0);
    double ms = 0;
    int rc = time_ms(
        c, iterations,
        [&](int) -> int {
            CK(gpuMemcpyAsync(dst, src, bytes, gpuMemcpyDeviceToDevice, c->stream));
            return 0;
        },
        &ms, err);
    gpuFree(src);
    gpuFree(dst);
    if (rc) return -1;
    *gbps = 2.0 * (double)bytes / (ms * 1e-3) / 1e9;
    return 0;
}

extern "C" int q35_cuda_bench_gemm(q35_cuda *c, int m, int n, int k, int iterations, q35_gemm_bench *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->m = m, out->n = n, out->k = k;
    const size_t tbytes = q35_tiles_bytes(n, k), hbytes = sizeof(__half) * (size_t)n * k;
    const size_t l2_defeat = 256u << 20; /* rotate copies until they span 256 MB: L2 is 50-60 MB */
    const int rq = (int)std::min<size_t>(32, std::max<size_t>(1, l2_defeat / tbytes + 1));
    const int rh = (int)std::min<size_t>(32, std::max<size_t>(1, l2_defeat / hbytes + 1));
    out->q35_bytes = (double)tbytes;

    std::vector<q35_cuda_matrix> mats(rq);
    std::vector<void *> hw(rh, nullptr);
    void *x = NULL, *y = NULL, *y16 = NULL, *grid = NULL;
    int rc = -1;
    {
        CK(gpuMalloc(&grid, 256));
        CK(gpuMalloc(&x, sizeof(__half) * (size_t)m * k));
        CK(gpuMalloc(&y, sizeof(float) * (size_t)m * n));
        CK(gpuMalloc(&y16, sizeof(__half) * (size_t)m * n));
        fill_random_kernel<<<1, 256, 0, c->stream>>>((uint8_t *)grid, 256, 7, 0);
        fill_half_kernel<<<1024, 256, 0, c->stream>>>((__half *)x, (size_t)m * k, 11);
        for (int i = 0; i < rq; i++) {
            CK(gpuMalloc((void **)&mats[i].tiles, tbytes));
            mats[i].grid = (int8_t *)grid;
            mats[i].n = n, mats[i].k = k, mats[i].bytes = tbytes;
            fill_random_kernel<<<2048, 256, 0, c->stream>>>(mats[i].tiles, tbytes, 100 + i, 1);
        }
        for (int i = 0; i < rh; i++) {
            CK(gpuMalloc(&hw[i], hbytes));
            fill_half_kernel<<<2048, 256, 0, c->stream>>>((__half *)hw[i], (size_t)n * k, 200 + i);
        }
        CK(gpuGetLastError());
        q35_cuda_path autop = m <= 16 ? Q35_CUDA_MMA : Q35_CUDA_DEQUANT_CUBLAS;
        out->q35_path = autop == Q35_CUDA_MMA ? "mma" : "dequant+cublas";
        if (time_ms(c, iterations,
                    [&](int i) { return q35_cuda_matmul(c, &mats[i % rq], x, m, (float *)y, autop, err); },
                    &out->q35_ms, err))
            goto done;
        if (autop == Q35_CUDA_MMA &&
            time_ms(c, iterations,
                    [&](int i) {
                        return q35_cuda_matmul(c, &mats[i % rq], x, m, (float *)y, Q35_CUDA_DEQUANT_CUBLAS, err);
                    },
                    &out->q35_dq_ms, err))
            goto done;
        if (time_ms(c, iterations,
                    [&](int i) { return cublas_f16(c, hw[i % rh], x, y16, CUDA_R_16F, m, n, k, err); },
                    &out->cublas_ms, err))
            goto done;
        rc = 0;
    }
done:
    for (auto &mm : mats)
        if (mm.tiles) gpuFree(mm.tiles);
    for (void *p : hw)
        if (p) gpuFree(p);
    gpuFree(grid);
    gpuFree(x);
    gpuFree(y);
    gpuFree(y16);
    if (c->work) { /* the prefill workspace can be large; give it back between shapes */
        gpuFree(c->work);
        c->work = NULL;
        c->work_bytes = 0;
    }
    return rc;
}
