/* The batched products of a perplexity run, timed alone: Y (n x N) = X (n x K) W^T for
 * midi23M's weight shapes and a batch of 256 tokens, by
 *   blas1   OpenBLAS sgemm, 1 thread
 *   blas2   OpenBLAS sgemm, its own 2 threads
 *   omp2    the cpu backend's matmul on F32 weights: 2 OpenMP threads, each a 1-thread
 *           sgemm on its half of the rows (the path before prepared weights)
 *   packedT the cpu backend's matmul_packed on weights prepared once, T threads
 * plus OpenBLAS on a hot 1024^3 product, its peak. Weights rotate among copies spanning
 * 128 MiB (four times L3), so that they come from memory as in the forward pass.
 * GFLOP/s = 2 n N K / time, best of 7 rounds. Not built by CMake; see docs/BENCHMARKS.md:
 *   cc -O2 -fopenmp -Iinclude bench/cpu_gemm.c build/libq35.a -lopenblas -lcjson -lm -o /tmp/cpu_gemm */
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "q35/model.h"
#include "q35/types.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

enum { ROUNDS = 7 };

typedef struct shape {
    const char *what;
    int N, K;
} shape;

static float *randoms(size_t n, unsigned *seed)
{
    float *p = malloc(n * sizeof *p);
    if (!p) exit(1);
    for (size_t i = 0; i < n; i++) p[i] = (float)rand_r(seed) / (float)RAND_MAX - 0.5f;
    return p;
}

int main(void)
{
    const shape shapes[] = {{"wq, wo", 512, 512},       {"wk, wv", 256, 512},  {"gate, up", 1536, 512},
                            {"down", 512, 1536},        {"output", 4096, 512}};
    const int n = 256;
    unsigned seed = 1;
    q35_backend be1, be2;
    q35_err err;
    if (q35_backend_get("cpu", 1, &be1, &err) || q35_backend_get("cpu", 2, &be2, &err)) return 1;

    {   /* OpenBLAS's peak: a hot product, 1 and 2 threads */
        const int s = 1024;
        float *A = randoms((size_t)s * s, &seed), *B = randoms((size_t)s * s, &seed), *C = randoms((size_t)s * s, &seed);
        for (int th = 1; th <= 2; th++) {
            openblas_set_num_threads(th);
            double best = 1e30;
            for (int r = 0; r < ROUNDS; r++) {
                double t0 = now();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, s, 1, A, s, B, s, 0, C, s);
                double t = now() - t0;
                if (t < best) best = t;
            }
            printf("peak  OpenBLAS sgemm 1024^3, %d thread%s: %.1f GFLOP/s\n", th, th > 1 ? "s" : "",
                   2.0 * s * s * s / best * 1e-9);
        }
        free(A), free(B), free(C);
    }

    printf("%-9s %5s %5s %8s %8s %8s %8s %8s   (GFLOP/s, n = %d)\n", "matrix", "N", "K", "blas1", "blas2", "omp2",
           "packed1", "packed2", n);
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int N = shapes[si].N, K = shapes[si].K;
        const size_t wbytes = (size_t)N * K * sizeof(float);
        const int copies = (int)((128u << 20) / wbytes) + 1;
        float *X = randoms((size_t)n * K, &seed), *Y = malloc((size_t)n * N * sizeof *Y);
        float **W = malloc((size_t)copies * sizeof *W);
        void **P = malloc((size_t)copies * sizeof *P);
        q35_matrix *M = malloc((size_t)copies * sizeof *M);
        if (!Y || !W || !P || !M) return 1;
        for (int c = 0; c < copies; c++) {
            W[c] = randoms((size_t)N * K, &seed);
            M[c] = (q35_matrix){.name = "w", .traits = q35_type_by_id(Q35_TYPE_F32), .rows = N, .cols = K,
                                .row_bytes = (size_t)K * sizeof(float), .data = (const uint8_t *)W[c]};
            size_t pb = be2.pack_bytes(&be2, &M[c]);
            P[c] = aligned_alloc(64, (pb + 63) / 64 * 64);
            if (!P[c]) return 1;
            if (be2.pack(&be2, &M[c], P[c])) return 1;
        }
        double gf[5];
        for (int way = 0; way < 5; way++) {
            double best = 1e30;
            for (int r = 0; r < ROUNDS; r++) {
                double t0 = now();
                for (int c = 0; c < copies; c++) {
                    if (way < 2) {
                        openblas_set_num_threads(way + 1);
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, N, K, 1, X, K, W[c], K, 0, Y, N);
                        openblas_set_num_threads(1);
                    } else if (way == 2) {
                        be2.matmul(&be2, &M[c], X, n, Y);
                    } else {
                        const q35_backend *be = way == 3 ? &be1 : &be2;
                        be->matmul_packed(be, &M[c], P[c], X, n, Y);
                    }
                }
                double t = (now() - t0) / copies;
                if (t < best) best = t;
            }
            gf[way] = 2.0 * n * N * K / best * 1e-9;
        }
        printf("%-9s %5d %5d %8.1f %8.1f %8.1f %8.1f %8.1f\n", shapes[si].what, N, K, gf[0], gf[1], gf[2], gf[3],
               gf[4]);
        for (int c = 0; c < copies; c++) free(W[c]), free(P[c]);
        free(W), free(P), free(M), free(X), free(Y);
    }
    return 0;
}
