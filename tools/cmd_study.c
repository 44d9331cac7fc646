/* q35 study: the 3.5-bit code candidates side by side on a model's real weights.
 *
 * Every block matrix is quantized with each q35 type (round to nearest with searched
 * scales, q35_quantize_row's method) and decoded again; the table gives the relative
 * weight MSE, sum (w - w')^2 / sum w^2, per kind of matrix and overall, and the all-in
 * bits/weight. The KL-divergence of the quantized model is `q35 perplexity --base`'s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <omp.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/quant.h"

static const char USAGE[] =
    "usage: q35 study --model PATH [--json PATH] [--tokenizer FILE] [--threads N]\n\n"
    "Quantizes every block matrix of a model with each 3.5-bit type and reports the relative\n"
    "weight MSE per tensor kind and overall, with bits/weight.";

#define MAX_KINDS 16
#define MAX_TYPES 8

typedef struct study {
    int n_kinds, n_types;
    char kinds[MAX_KINDS][32];
    const q35_type_traits *types[MAX_TYPES];
    double err[MAX_TYPES][MAX_KINDS + 1], sq[MAX_KINDS + 1]; /* index n_kinds: all */
    uint64_t weights[MAX_KINDS + 1], bytes[MAX_TYPES];
    double seconds[MAX_TYPES];
} study;

/* "blk.3.ffn_down.weight" -> "ffn_down" */
static int kind_of(study *s, const char *name)
{
    const char *p = strchr(name + 4, '.');
    char k[32];
    snprintf(k, sizeof k, "%s", p ? p + 1 : name);
    char *dot = strrchr(k, '.');
    if (dot) *dot = 0;
    for (int i = 0; i < s->n_kinds; i++)
        if (!strcmp(s->kinds[i], k)) return i;
    if (s->n_kinds == MAX_KINDS) return MAX_KINDS - 1; /* lumped with the last kind */
    snprintf(s->kinds[s->n_kinds], sizeof s->kinds[0], "%s", k);
    return s->n_kinds++;
}

/* Quantizes one tensor with one type; adds its squared errors (and, once, its squared
 * weights) to the kind's sums. Returns -1 when out of memory. */
static int study_tensor(study *s, int ti, const q35_quantizer *qz, const q35_tensor *t, int kind, int n_threads)
{
    const q35_type_traits *st = q35_type_by_id(t->type), *dt = s->types[ti];
    const int64_t n = t->ne[0], rows = t->ne[1];
    const size_t sb = st->row_bytes(n), db = dt->row_bytes(n);
    double err = 0, sq = 0;
    int failed = 0;
#pragma omp parallel num_threads(n_threads) reduction(+ : err, sq)
    {
        float *w = malloc(sizeof(float) * (size_t)n), *back = malloc(sizeof(float) * (size_t)n);
        uint8_t *q = malloc(db);
        if (!w || !back || !q) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (int64_t r = 0; r < rows; r++) {
            if (!w || !back || !q) continue;
            st->to_float((const uint8_t *)t->data + (size_t)r * sb, n, w);
            q35_quantizer_row(qz, w, NULL, n, q);
            dt->to_float(q, n, back);
            for (int64_t k = 0; k < n; k++) {
                double e = (double)w[k] - (double)back[k];
                err += e * e;
                sq += (double)w[k] * (double)w[k];
            }
        }
        free(w);
        free(back);
        free(q);
    }
    if (failed) return -1;
    s->err[ti][kind] += err;
    s->err[ti][MAX_KINDS] += err;
    s->bytes[ti] += (uint64_t)db * (uint64_t)rows;
    if (ti == 0) {
        s->sq[kind] += sq;
        s->sq[MAX_KINDS] += sq;
        s->weights[kind] += (uint64_t)n * (uint64_t)rows;
        s->weights[MAX_KINDS] += (uint64_t)n * (uint64_t)rows;
    }
    return 0;
}

static double rel(const study *s, int ti, int k) { return s->sq[k] > 0 ? s->err[ti][k] / s->sq[k] : 0.0; }
static double bpw(const study *s, int ti)
{
    return s->weights[MAX_KINDS] ? 8.0 * (double)s->bytes[ti] / (double)s->weights[MAX_KINDS] : 0.0;
}

static void print_table(const study *s, const char *path, int n_mats)
{
    printf("q35 study: %s: %d block matrices, %llu weights\n", path, n_mats, (unsigned long long)s->weights[MAX_KINDS]);
    printf("relative weight MSE, sum (w - q(w))^2 / sum w^2 (round to nearest, searched scales)\n\n");
    printf("%-14s %12s", "kind", "weights");
    for (int t = 0; t < s->n_types; t++) printf(" %10s", s->types[t]->name);
    printf("\n");
    for (int k = 0; k <= s->n_kinds; k++) {
        int idx = k < s->n_kinds ? k : MAX_KINDS;
        printf("%-14s %12llu", k < s->n_kinds ? s->kinds[k] : "all", (unsigned long long)s->weights[idx]);
        for (int t = 0; t < s->n_types; t++) printf(" %10.5f", rel(s, t, idx));
        printf("\n");
    }
    printf("%-14s %12s", "bits/weight", "");
    for (int t = 0; t < s->n_types; t++) printf(" %10.4f", bpw(s, t));
    printf("\n%-14s %12s", "seconds", "");
    for (int t = 0; t < s->n_types; t++) printf(" %10.2f", s->seconds[t]);
    printf("\n");
}

static int write_json(const study *s, const char *model, const char *path, const char *cmd)
{
    cJSON *root = cJSON_CreateObject(), *types = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "model", model);
    cJSON_AddStringToObject(root, "method", "rtn");
    cJSON_AddStringToObject(root, "metric", "relative weight MSE: sum (w - q(w))^2 / sum w^2");
    cJSON_AddNumberToObject(root, "n_weights", (double)s->weights[MAX_KINDS]);
    cJSON *kinds = cJSON_AddObjectToObject(root, "kind_weights");
    for (int k = 0; k < s->n_kinds; k++) cJSON_AddNumberToObject(kinds, s->kinds[k], (double)s->weights[k]);
    for (int t = 0; t < s->n_types; t++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", s->types[t]->name);
        cJSON_AddNumberToObject(o, "id", s->types[t]->id);
        cJSON_AddNumberToObject(o, "bits_per_weight", bpw(s, t));
        cJSON_AddNumberToObject(o, "seconds", s->seconds[t]);
        cJSON *m = cJSON_AddObjectToObject(o, "rel_mse");
        cJSON_AddNumberToObject(m, "all", rel(s, t, MAX_KINDS));
        for (int k = 0; k < s->n_kinds; k++) cJSON_AddNumberToObject(m, s->kinds[k], rel(s, t, k));
        cJSON_AddItemToArray(types, o);
    }
    cJSON_AddItemToObject(root, "types", types);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    q35_err err;
    q35_out out;
    int rc = !text || q35_out_open(&out, path, &err) || q35_out_write(&out, text, strlen(text), &err) ||
             q35_out_write(&out, "\n", 1, &err) || q35_out_commit(&out, &err);
    free(text);
    return rc ? cli_error(cmd, "%s", text ? err.msg : "out of memory for the JSON") : 0;
}

int cmd_study(int argc, char **argv)
{
    const char *cmd = argv[0], *model = NULL, *json = NULL, *tokenizer = NULL;
    int threads = 0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model, "PATH", "model: GGUF or llama2.c .bin"},
        {"--json", CLI_STR, &json, "PATH", "also write the results as JSON"},
        {"--tokenizer", CLI_STR, &tokenizer, "FILE", "tokenizer.bin or SentencePiece .model for a llama2.c model"},
        {"--threads", CLI_INT, &threads, "N", "threads (default: all cores)"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (!model) return cli_error(cmd, "--model is required (see --help)"), 2;
    if (threads < 0) return cli_error(cmd, "--threads %d is negative", threads), 2;
    if (threads == 0) threads = omp_get_max_threads();

    q35_err err;
    q35_ckpt ck;
    if (q35_ckpt_open(model, tokenizer, &ck, &err)) return cli_error(cmd, "%s", err.msg);
    study *s = calloc(1, sizeof *s);
    if (!s) {
        q35_ckpt_close(&ck);
        return cli_error(cmd, "out of memory");
    }
    for (int i = 0; q35_type_at(i) && s->n_types < MAX_TYPES; i++)
        if (q35_type_at(i)->grid_points) /* the 3.5-bit family and its 4.5-bit sibling */
            s->types[s->n_types++] = q35_type_at(i);

    int n_mats = 0;
    rc = 0;
    for (int ti = 0; ti < s->n_types && !rc; ti++) {
        q35_quantizer *qz = q35_quantizer_new(s->types[ti], &err);
        if (!qz) {
            rc = cli_error(cmd, "%s", err.msg);
            break;
        }
        double t0 = q35_now();
        for (int i = 0; i < ck.n_tensors && !rc; i++) {
            const q35_tensor *t = &ck.tensors[i];
            if (q35_tensor_role(t->name) != 1 || t->n_dims != 2) continue;
            void *own = NULL;
            q35_tensor view = *t; /* its bytes in GGUF layout (HF q/k rows are reordered) */
            if (!q35_type_by_id(t->type)) rc = cli_error(cmd, "%s: tensor '%s' has unknown type %u", model, t->name, t->type);
            else if (!(view.data = q35_tensor_data(t, &own, &err))) rc = cli_error(cmd, "%s: %s", model, err.msg);
            else if (study_tensor(s, ti, qz, &view, kind_of(s, t->name), threads))
                rc = cli_error(cmd, "out of memory studying tensor '%s'", t->name);
            free(own);
            if (ti == 0) n_mats++;
        }
        s->seconds[ti] = q35_now() - t0;
        q35_quantizer_free(qz);
    }
    if (!rc && n_mats == 0) rc = cli_error(cmd, "%s: no block matrices (blk.N.*.weight) found", model);
    if (!rc) {
        print_table(s, model, n_mats);
        if (json) rc = write_json(s, model, json, cmd);
    }
    free(s);
    q35_ckpt_close(&ck);
    return rc;
}
