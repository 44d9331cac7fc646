/* q35 bench gemm: the GPU benchmark. For each shape it times the 3.5-bit product, cuBLAS
 * FP16 on the same shape and a device-to-device copy, all in one run on one card, and
 * prints the seed's fields (matrix, memory of the 3.5-bit weights, median time per
 * iteration, TFLOP/s, GB/s) with the speed-up over cuBLAS and the share of copy bandwidth. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "q35/common.h"
#ifdef Q35_HAVE_CUDA
#include "q35/cuda.h"
#endif

/* "MxNxK", or the seed's "NxK" (then M = 1, one token of decode). */
static int parse_shape(const char *s, int *m, int *n, int *k)
{
    long v[3];
    int cnt = 0;
    const char *p = s;
    while (cnt < 3) {
        char *end;
        v[cnt] = strtol(p, &end, 10);
        if (end == p || v[cnt] < 1 || v[cnt] > (1L << 30)) return -1;
        cnt++;
        if (*end == 0) break;
        if (*end != 'x' && *end != 'X') return -1;
        p = end + 1;
    }
    if (cnt == 3) *m = (int)v[0], *n = (int)v[1], *k = (int)v[2];
    else if (cnt == 2) *m = 1, *n = (int)v[0], *k = (int)v[1];
    else return -1;
    return 0;
}

int cmd_bench_gemm(int argc, char **argv)
{
    const char *size = NULL, *json = NULL;
    int iters = 50, sweep = 0;
    const cli_opt opts[] = {
        {"--matrix-size", CLI_STR, &size, "MxNxK", "batch M x output rows N x reduction K (or NxK for M = 1)"},
        {"--iterations", CLI_INT, &iters, "N", "timed iterations per measurement, median reported (default 50)"},
        {"--sweep", CLI_FLAG, &sweep, NULL, "LLaMA-70B shapes at batch 1, 4, 16, 64 and 8192"},
        {"--json", CLI_STR, &json, "PATH", "write the results as JSON"},
    };
    int rc = cli_parse(argc, argv,
                       "usage: q35 bench gemm (--matrix-size MxNxK | --sweep) [--iterations N] [--json PATH]\n"
                       "Y = X W^T with 3.5-bit W on the GPU, against cuBLAS FP16 on the same shape, same run.",
                       opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc == 1) return 0;
    if (rc) return 2;
    if (!size && !sweep) return cli_error("bench gemm", "give --matrix-size MxNxK or --sweep");
    if (iters < 1) return cli_error("bench gemm", "--iterations must be >= 1");
    int shapes[64][3], n_shapes = 0;
    if (size) {
        if (parse_shape(size, &shapes[0][0], &shapes[0][1], &shapes[0][2]))
            return cli_error("bench gemm", "--matrix-size '%s': expected MxNxK or NxK", size);
        n_shapes = 1;
    }
    if (sweep) {
        static const int nk[4][2] = {{8192, 8192}, {1024, 8192}, {28672, 8192}, {8192, 28672}};
        static const int ms[5] = {1, 4, 16, 64, 8192};
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 4; b++) {
                shapes[n_shapes][0] = ms[a], shapes[n_shapes][1] = nk[b][0], shapes[n_shapes][2] = nk[b][1];
                n_shapes++;
            }
    }
#ifndef Q35_HAVE_CUDA
    (void)json;
    return cli_error("bench gemm", "this q35 was built without CUDA (configure with -DQ35_CUDA=ON)");
#else
    q35_err err;
    q35_cuda *cu;
    if (q35_cuda_open(&cu, &err)) return cli_error("bench gemm", "%s", err.msg);
    double copy = 0;
    if (q35_cuda_bench_copy(cu, (size_t)1 << 30, 20, &copy, &err)) return cli_error("bench gemm", "%s", err.msg);
    printf("device: %s\ncopy bandwidth (device to device, read + write): %.0f GB/s\n", q35_cuda_device_name(cu),
           copy);
    printf("medians; cuBLAS FP16 = cublasGemmEx fp16 inputs, fp32 compute; same run, same card\n\n");
    printf("| M | N | K | path | q35 MiB | q35 ms | TFLOP/s | GB/s | %% of copy | cuBLAS ms | cuBLAS TFLOP/s | speedup |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "device", q35_cuda_device_name(cu));
    cJSON_AddNumberToObject(root, "copy_gb_per_s", copy);
    cJSON_AddItemToObject(root, "results", arr);
    for (int i = 0; i < n_shapes; i++) {
        q35_gemm_bench b;
        int it = shapes[i][0] >= 4096 ? (iters < 10 ? iters : 10) : iters;
        if (q35_cuda_bench_gemm(cu, shapes[i][0], shapes[i][1], shapes[i][2], it, &b, &err)) {
            q35_cuda_close(cu);
            cJSON_Delete(root);
            return cli_error("bench gemm", "%s", err.msg);
        }
        double flop = 2.0 * b.m * (double)b.n * b.k;
        double gbps = b.q35_bytes / (b.q35_ms * 1e-3) / 1e9;
        printf("| %d | %d | %d | %s | %.1f | %.4f | %.1f | %.0f | %.1f%% | %.4f | %.1f | %.2fx |\n", b.m, b.n, b.k,
               b.q35_path, b.q35_bytes / 1048576.0, b.q35_ms, flop / (b.q35_ms * 1e-3) / 1e12, gbps,
               100.0 * gbps / copy, b.cublas_ms, flop / (b.cublas_ms * 1e-3) / 1e12, b.cublas_ms / b.q35_ms);
        fflush(stdout);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "m", b.m);
        cJSON_AddNumberToObject(o, "n", b.n);
        cJSON_AddNumberToObject(o, "k", b.k);
        cJSON_AddStringToObject(o, "path", b.q35_path);
        cJSON_AddNumberToObject(o, "q35_bytes", b.q35_bytes);
        cJSON_AddNumberToObject(o, "q35_ms", b.q35_ms);
        cJSON_AddNumberToObject(o, "q35_tflops", flop / (b.q35_ms * 1e-3) / 1e12);
        cJSON_AddNumberToObject(o, "q35_gb_per_s", gbps);
        cJSON_AddNumberToObject(o, "fraction_of_copy", gbps / copy);
        if (b.q35_dq_ms > 0) cJSON_AddNumberToObject(o, "dequant_cublas_ms", b.q35_dq_ms);
        cJSON_AddNumberToObject(o, "cublas_fp16_ms", b.cublas_ms);
        cJSON_AddNumberToObject(o, "cublas_fp16_tflops", flop / (b.cublas_ms * 1e-3) / 1e12);
        cJSON_AddNumberToObject(o, "speedup_vs_cublas", b.cublas_ms / b.q35_ms);
        cJSON_AddItemToArray(arr, o);
    }
    q35_cuda_close(cu);
    if (json) {
        char *text = cJSON_Print(root);
        q35_out out;
        int bad = !text || q35_out_open(&out, json, &err) || q35_out_write(&out, text, strlen(text), &err) ||
                  q35_out_write(&out, "\n", 1, &err) || q35_out_commit(&out, &err);
        free(text);
        if (bad) {
            cJSON_Delete(root);
            return cli_error("bench gemm", "%s", err.msg);
        }
    }
    cJSON_Delete(root);
    return 0;
#endif
}
