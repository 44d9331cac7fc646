/* q35/cuda.h: 3.5-bit matrix products on an NVIDIA GPU (built with -DQ35_CUDA=ON).
 *
 * A q35 matrix is uploaded once in the GPU tile layout (q35/gpu_layout.h). Products take
 * fp16 activations X (M x K, row-major, device memory) and give fp32 outputs Y = X W^T
 * (M x N, row-major), accumulating in fp32:
 *   M <= 16: tensor-core kernel that decodes codes into mma fragments (no fp16 copy of W);
 *   M  > 16: dequantize W to fp16 in a workspace, then cuBLAS (fp16 in, fp32 compute).
 * Every function returns 0 or -1 with a one-line error in err. */
#ifndef Q35_CUDA_H
#define Q35_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_cuda q35_cuda; /* device handle: cuBLAS, stream, workspace */

typedef struct q35_cuda_matrix {
    int64_t n, k;
    uint8_t *tiles; /* device */
    int8_t *grid;   /* device, 256 bytes */
    size_t bytes;   /* bytes of tiles */
} q35_cuda_matrix;

int q35_cuda_open(q35_cuda **out, q35_err *err);
void q35_cuda_close(q35_cuda *c);
/* "NVIDIA H100 80GB HBM3, 132 SMs, sm_90" */
const char *q35_cuda_device_name(const q35_cuda *c);

/* canon: n rows of q35_row_bytes(k) bytes (host); grid: the type's table. */
int q35_cuda_matrix_upload(q35_cuda *c, const uint8_t *canon, int64_t n, int64_t k,
                           const int8_t grid[128][2], q35_cuda_matrix *out, q35_err *err);
void q35_cuda_matrix_free(q35_cuda_matrix *m);

typedef enum { Q35_CUDA_AUTO = 0, Q35_CUDA_MMA = 1, Q35_CUDA_DEQUANT_CUBLAS = 2, Q35_CUDA_SIMT = 3 } q35_cuda_path;

/* Y = X W^T on the handle's stream (asynchronous). */
int q35_cuda_matmul(q35_cuda *c, const q35_cuda_matrix *w, const void *x_f16, int m, float *y,
                    q35_cuda_path path, q35_err *err);
/* W as fp16, n x k row-major, into w_f16 (device, n*k halves). */
int q35_cuda_dequant(q35_cuda *c, const q35_cuda_matrix *w, void *w_f16, q35_err *err);
int q35_cuda_sync(q35_cuda *c, q35_err *err);

/* Device memory helpers (for tests and tools written in C). */
int q35_cuda_malloc(void **p, size_t bytes, q35_err *err);
void q35_cuda_free(void *p);
int q35_cuda_to_device(void *dst, const void *src, size_t bytes, q35_err *err);
int q35_cuda_to_host(void *dst, const void *src, size_t bytes, q35_err *err);
/* cuBLAS FP16 reference product: Y (m x n fp32) = X (m x k fp16) W^T, W n x k fp16 row-major. */
int q35_cuda_cublas_f16(q35_cuda *c, const void *w_f16, const void *x_f16, float *y, int m, int n, int k, q35_err *err);

/* ---- benchmarks (q35 bench gemm) ---- */
typedef struct q35_gemm_bench {
    int m, n, k;
    double q35_bytes;      /* bytes of the 3.5-bit weights */
    double q35_ms;         /* median, the automatic path */
    const char *q35_path;  /* "mma" or "dequant+cublas" */
    double q35_dq_ms;      /* median of dequant+cublas when the automatic path is mma, else 0 */
    double cublas_ms;      /* median, cuBLAS FP16 on an fp16 copy of the weights */
    double copy_gbps;      /* device-to-device copy, bytes read + written per second */
} q35_gemm_bench;

/* Times one shape; weights and activations are random, several copies rotate so that
 * the L2 cache holds none of them between iterations. */
int q35_cuda_bench_gemm(q35_cuda *c, int m, int n, int k, int iterations, q35_gemm_bench *out, q35_err *err);
/* Device-to-device copy bandwidth (bytes read + written per second), median of iterations. */
int q35_cuda_bench_copy(q35_cuda *c, size_t bytes, int iterations, double *gbps, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
