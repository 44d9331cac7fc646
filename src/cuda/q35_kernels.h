/* q35_kernels.h: launchers for the 3.5-bit GPU kernels (q35_kernels.cu). All pointers are
 * device pointers; the matrix is in the tile layout of q35/gpu_layout.h and the grid is
 * the type's 128 int8 pairs (256 bytes) in device memory. X is M x K fp16 row-major; Y is
 * M x N fp32 row-major. Launchers return the launch error (gpuSuccess when queued). */
#ifndef Q35_CUDA_KERNELS_H
#define Q35_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_gpu_weights {
    const uint8_t *tiles; /* q35_tiles_bytes(n, k) bytes */
    const int8_t *grid;   /* 256 bytes */
    int n, k;             /* rows (outputs) and row length (reduction) */
    int sms;              /* multiprocessors of the device, to size persistent grids */
} q35_gpu_weights;

/* Y = X W^T for M <= 16 with tensor cores, decoding codes straight into mma fragments.
 * Zeroes Y first (the kernel adds partial sums with atomics). */
gpuError_t q35_gpu_mm_small(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st);
/* The same product with plain FMAs, one thread per output: the simple GPU reference, and
 * the path HIP builds use. Any M. Writes every element of Y. */
gpuError_t q35_gpu_mm_simt(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st);
/* W_f16 (n x k row-major, leading dimension k) = d * G[code], rounded to fp16. */
gpuError_t q35_gpu_dequant(const q35_gpu_weights *w, __half *W, gpuStream_t st);

#ifdef __cplusplus
}
#endif
#endif
