/* q35 bench: CPU matrix-vector benchmarks. Every q35 type and the float baselines are
 * timed on the same random matrix in the same run; the table gives the median time,
 * GB/s over the weight bytes, GFLOP/s and the speed ratio to F32. */
#include <cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "q35/common.h"
#include "q35/types.h"

typedef struct bench_row {
    const q35_type_traits *t;
    const char *path; /* "fast" or "ref" */
    double median_s, gbps, gflops, ratio, bpw;
    size_t bytes;
} bench_row;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void cpu_name(char *buf, size_t n)
{
    snprintf(buf, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                c[strcspn(c, "\n")] = 0;
                snprintf(buf, n, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

/* Times y = W x with the type's dot (fast) or dot_ref, OpenMP over rows. */
static double time_matvec(const q35_type_traits *t, int ref, const uint8_t *w, size_t row_bytes, int64_t rows,
                          int64_t cols, const float *x, float *y, int iters)
{
    double *ts = malloc(sizeof(double) * (size_t)iters);
    float (*dot)(const void *, const float *, int64_t) = ref ? t->dot_ref : t->dot;
    for (int it = -2; it < iters; it++) { /* two warm-up runs */
        double t0 = q35_now();
#pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < rows; r++) y[r] = dot(w + (size_t)r * row_bytes, x, cols);
        double el = q35_now() - t0;
        if (it >= 0) ts[it] = el;
    }
    qsort(ts, (size_t)iters, sizeof(double), cmp_double);
    double med = ts[iters / 2];
    free(ts);
    return med;
}

int cmd_bench(int argc, char **argv)
{
    int rows = 4096, cols = 4096, iters = 20, threads = 0, with_ref = 0;
    const char *types = "f32,f16,q8_0,q35_cb,q35_p11,q35_s43", *json = NULL;
    uint64_t seed = 1;
    const cli_opt opts[] = {
        {"--rows", CLI_INT, &rows, "N", "matrix rows (output size), default 4096"},
        {"--cols", CLI_INT, &cols, "K", "matrix columns (reduction size), default 4096"},
        {"--iterations", CLI_INT, &iters, "N", "timed iterations, default 20 (median reported)"},
        {"--types", CLI_STR, &types, "LIST", "comma-separated types, default all"},
        {"--threads", CLI_INT, &threads, "N", "OpenMP threads, default all cores"},
        {"--ref", CLI_FLAG, &with_ref, NULL, "also time the plain reference dot of each type"},
        {"--seed", CLI_U64, &seed, "S", "random seed for the matrix"},
        {"--json", CLI_STR, &json, "PATH", "write the results as JSON"},
    };
    if (argc > 1 && !strcmp(argv[1], "gemm")) return cmd_bench_gemm(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "matvec")) {
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    int rc = cli_parse(argc, argv,
                       "usage: q35 bench [matvec] | q35 bench gemm ... [--rows N] [--cols K] [--iterations N] [--types LIST] [--json PATH]\n"
                       "CPU matrix-vector product y = W x for each weight type on the same random matrix.\n"
                       "q35 bench gemm --help: the GPU benchmark (CUDA builds).",
                       opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc == 1) return 0;
    if (rc) return 2;
    if (rows < 1 || cols < 1 || iters < 1) return cli_error("bench", "--rows, --cols and --iterations must be >= 1");
    if (threads > 0) omp_set_num_threads(threads);

    float *wf = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
    float *x = malloc(sizeof(float) * (size_t)cols), *y = malloc(sizeof(float) * (size_t)rows);
    if (!wf || !x || !y) return cli_error("bench", "out of memory");
    uint64_t s = seed ? seed : 1;
    for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++) {
        s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
        wf[i] = ((float)((s * 0x2545F4914F6CDD1Dull) >> 40) / 16777216.0f - 0.5f) * 0.04f;
    }
    for (int i = 0; i < cols; i++) x[i] = sinf((float)i);

    bench_row res[32];
    int n_res = 0;
    double f32_time = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", types);
    for (char *tok = strtok(list, ","); tok && n_res < 30; tok = strtok(NULL, ",")) {
        const q35_type_traits *t = q35_type_by_name(tok);
        if (!t) return cli_error("bench", "unknown type '%s'", tok);
        size_t rb = t->row_bytes(cols);
        uint8_t *w = malloc(rb * (size_t)rows);
        if (!w) return cli_error("bench", "out of memory");
#pragma omp parallel for schedule(dynamic, 16)
        for (int r = 0; r < rows; r++) t->from_float(wf + (size_t)r * cols, cols, w + (size_t)r * rb);
        for (int ref = 0; ref <= with_ref; ref++) {
            bench_row *b = &res[n_res++];
            b->t = t;
            b->path = ref ? "ref" : "fast";
            b->bytes = rb * (size_t)rows;
            b->bpw = q35_type_bpw(t, cols);
            b->median_s = time_matvec(t, ref, w, rb, rows, cols, x, y, iters);
            b->gbps = (double)b->bytes / b->median_s / 1e9;
            b->gflops = 2.0 * rows * (double)cols / b->median_s / 1e9;
            if (t->id == Q35_TYPE_F32 && !ref) f32_time = b->median_s;
        }
        free(w);
    }
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    int nth = threads > 0 ? threads : omp_get_max_threads();
    printf("device: %s, %d threads\nmatvec %d x %d (rows x cols), median of %d\n\n", cpu, nth, rows, cols, iters);
    printf("| type | path | bits/weight | weight MiB | median ms | GB/s | GFLOP/s | speed vs f32 |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n_res; i++) {
        bench_row *b = &res[i];
        b->ratio = f32_time > 0 ? f32_time / b->median_s : 0;
        printf("| %s | %s | %.4f | %.2f | %.3f | %.2f | %.2f | %s%.2fx |\n", b->t->name, b->path, b->bpw,
               (double)b->bytes / 1048576.0, b->median_s * 1e3, b->gbps, b->gflops, f32_time > 0 ? "" : "n/a ",
               b->ratio);
    }
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "device", cpu);
        cJSON_AddNumberToObject(root, "threads", nth);
        cJSON_AddNumberToObject(root, "rows", rows);
        cJSON_AddNumberToObject(root, "cols", cols);
        cJSON_AddNumberToObject(root, "iterations", iters);
        cJSON *arr = cJSON_AddArrayToObject(root, "results");
        for (int i = 0; i < n_res; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "type", res[i].t->name);
            cJSON_AddStringToObject(o, "path", res[i].path);
            cJSON_AddNumberToObject(o, "bits_per_weight", res[i].bpw);
            cJSON_AddNumberToObject(o, "bytes", (double)res[i].bytes);
            cJSON_AddNumberToObject(o, "median_s", res[i].median_s);
            cJSON_AddNumberToObject(o, "gb_per_s", res[i].gbps);
            cJSON_AddNumberToObject(o, "gflop_per_s", res[i].gflops);
            cJSON_AddNumberToObject(o, "speed_vs_f32", res[i].ratio);
            cJSON_AddItemToArray(arr, o);
        }
        char *text = cJSON_Print(root);
        q35_out out;
        q35_err err;
        int bad = !text || q35_out_open(&out, json, &err) ||
                  q35_out_write(&out, text, strlen(text), &err) || q35_out_write(&out, "\n", 1, &err) ||
                  q35_out_commit(&out, &err);
        free(text);
        cJSON_Delete(root);
        if (bad) return cli_error("bench", "%s", err.msg);
    }
    free(wf);
    free(x);
    free(y);
    return 0;
}
