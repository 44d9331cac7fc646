/* q35 info: what a model file holds: format, hyper-parameters, vocabulary, every tensor
 * with its type, shape, bytes and all-in bits/weight, and totals that say honestly how
 * many bits the block matrices take and which tensors stay in higher precision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/types.h"

static const char USAGE[] =
    "usage: q35 info PATH [--tokenizer FILE] [--json PATH]\n\n"
    "Lists a model's format, hyper-parameters, vocabulary and tensors with their types, shapes,\n"
    "bytes and all-in bits/weight (block padding and scales counted), then the totals.";

typedef struct sum {
    int n;
    int64_t weights;
    uint64_t bytes;
} sum;

static int64_t n_weights(const q35_tensor *t) { return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]; }
static double bpw(const sum *s) { return s->weights ? (double)s->bytes * 8.0 / (double)s->weights : 0.0; }
static void add(sum *s, const q35_tensor *t)
{
    s->n++;
    s->weights += n_weights(t);
    s->bytes += t->nbytes;
}

static int is_block_matrix(const q35_tensor *t) { return t->n_dims == 2 && !strncmp(t->name, "blk.", 4); }

static void shape_str(const q35_tensor *t, char *buf, size_t len)
{
    int o = snprintf(buf, len, "%lld", (long long)t->ne[0]);
    for (int d = 1; d < t->n_dims && o > 0 && (size_t)o < len; d++)
        o += snprintf(buf + o, len - (size_t)o, " x %lld", (long long)t->ne[d]);
}

typedef struct totals {
    sum all, block, block_q35, norms;
} totals;

static totals compute_totals(const q35_ckpt *c)
{
    totals s = {0};
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        const q35_type_traits *tt = q35_type_by_id(t->type);
        add(&s.all, t);
        if (is_block_matrix(t)) {
            add(&s.block, t);
            if (tt && tt->is_q35) add(&s.block_q35, t);
        }
        if (t->n_dims == 1) add(&s.norms, t);
    }
    return s;
}

/* Embeddings and the output head are "kept in higher precision" when not in a q35 type. */
static int is_kept(const q35_tensor *t)
{
    const q35_type_traits *tt = q35_type_by_id(t->type);
    return t->n_dims >= 2 && !is_block_matrix(t) && !(tt && tt->is_q35);
}

static const char *type_name(uint32_t id)
{
    const q35_type_traits *t = q35_type_by_id(id);
    return t ? t->name : "?";
}

/* The quantizer's record (q35.quant.* keys: type, method, calibration) as "key value"
 * pairs, so a file says how it was made. Returns how many were found. */
static int print_quant_keys(const q35_ckpt *c, cJSON *obj)
{
    int n = 0;
    for (uint64_t i = 0; c->gguf && i < c->gguf->n_kv; i++) {
        const q35_gguf_kv *kv = &c->gguf->kv[i];
        if (strncmp(kv->key.ptr, "q35.quant.", 10)) continue;
        const char *k = kv->key.ptr;
        char val[128];
        if (kv->type == Q35_GGUF_STRING) snprintf(val, sizeof val, "%s", kv->str.ptr);
        else if (kv->type == Q35_GGUF_FLOAT32 || kv->type == Q35_GGUF_FLOAT64) snprintf(val, sizeof val, "%g", kv->num.f64);
        else if (kv->type == Q35_GGUF_ARRAY) continue;
        else snprintf(val, sizeof val, "%lld", (long long)kv->num.i64);
        if (obj) {
            if (kv->type == Q35_GGUF_STRING) cJSON_AddStringToObject(obj, k + 10, val);
            else cJSON_AddNumberToObject(obj, k + 10, kv->type == Q35_GGUF_FLOAT32 || kv->type == Q35_GGUF_FLOAT64
                                                          ? kv->num.f64 : (double)kv->num.i64);
        } else {
            printf("%s%s %s", n ? ", " : "quantization  ", k, val);
        }
        n++;
    }
    if (n && !obj) printf("\n");
    return n;
}

static void print_text(const q35_ckpt *c, uint64_t file_bytes)
{
    const q35_llama_config *p = &c->cfg;
    const q35_vocab *v = &c->vocab;
    printf("file          %s (%llu bytes)\n", c->path, (unsigned long long)file_bytes);
    if (c->gguf)
        printf("format        gguf v%u, alignment %llu, %llu metadata keys, %llu tensors\n", c->gguf->version,
               (unsigned long long)c->gguf->alignment, (unsigned long long)c->gguf->n_kv,
               (unsigned long long)c->gguf->n_tensors);
    else
        printf("format        %s, %d tensors\n", c->format, c->n_tensors);
    printf("architecture  llama: dim %d, hidden %d, layers %d, heads %d, kv heads %d, head dim %d, rope dim %d,\n"
           "              context %d, norm eps %g, rope base %g\n",
           p->dim, p->hidden_dim, p->n_layers, p->n_heads, p->n_kv_heads, p->head_dim, p->rope_dim, p->ctx_len,
           (double)p->norm_eps, (double)p->rope_base);
    printf("vocabulary    %d tokens (bos %d, eos %d, unk %d, add_bos %d, add_space_prefix %d)\n", v->n, v->bos,
           v->eos, v->unk, v->add_bos, v->add_space_prefix);
    print_quant_keys(c, NULL);
    printf("\n");

    int w = 6;
    for (int i = 0; i < c->n_tensors; i++) {
        int l = (int)strlen(c->tensors[i].name);
        if (l > w) w = l;
    }
    printf("%-*s  %-8s  %-16s  %12s  %11s\n", w, "tensor", "type", "shape (ne0 x ne1)", "bytes", "bits/weight");
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        char shape[96];
        shape_str(t, shape, sizeof shape);
        const q35_type_traits *tt = q35_type_by_id(t->type);
        printf("%-*s  %-8s  %-16s  %12zu  %11.4f\n", w, t->name, type_name(t->type), shape, t->nbytes,
               tt ? q35_type_bpw(tt, t->ne[0]) : 0.0);
    }

    totals s = compute_totals(c);
    printf("\ntotals (all-in: block scales and padding counted)\n");
    printf("  all tensors:     %d tensors, %lld weights, %llu bytes, %.4f bits/weight\n", s.all.n,
           (long long)s.all.weights, (unsigned long long)s.all.bytes, bpw(&s.all));
    printf("  block matrices:  %d 2-D blk.* tensors, %lld weights, %llu bytes, %.4f bits/weight\n", s.block.n,
           (long long)s.block.weights, (unsigned long long)s.block.bytes, bpw(&s.block));
    printf("  3.5-bit types:   %d of %d block matrices\n", s.block_q35.n, s.block.n);
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        if (is_kept(t)) printf("  %s kept in %s (higher precision)\n", t->name, type_name(t->type));
    }
    if (!q35_ckpt_find(c, "output.weight")) printf("  output tied to token_embd.weight (no output.weight)\n");
    if (s.norms.n) printf("  %d norm vectors (1-D) kept as stored, %llu bytes\n", s.norms.n, (unsigned long long)s.norms.bytes);
}

static cJSON *sum_json(const sum *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "tensors", s->n);
    cJSON_AddNumberToObject(o, "weights", (double)s->weights);
    cJSON_AddNumberToObject(o, "bytes", (double)s->bytes);
    cJSON_AddNumberToObject(o, "bits_per_weight", bpw(s));
    return o;
}

static cJSON *build_json(const q35_ckpt *c, uint64_t file_bytes)
{
    const q35_llama_config *p = &c->cfg;
    const q35_vocab *v = &c->vocab;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "path", c->path);
    cJSON_AddNumberToObject(root, "file_bytes", (double)file_bytes);
    cJSON_AddStringToObject(root, "format", c->format);
    if (c->gguf) {
        cJSON_AddNumberToObject(root, "gguf_version", c->gguf->version);
        cJSON_AddNumberToObject(root, "alignment", (double)c->gguf->alignment);
    }
    cJSON *cfg = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(cfg, "architecture", "llama");
    cJSON_AddNumberToObject(cfg, "dim", p->dim);
    cJSON_AddNumberToObject(cfg, "hidden_dim", p->hidden_dim);
    cJSON_AddNumberToObject(cfg, "n_layers", p->n_layers);
    cJSON_AddNumberToObject(cfg, "n_heads", p->n_heads);
    cJSON_AddNumberToObject(cfg, "n_kv_heads", p->n_kv_heads);
    cJSON_AddNumberToObject(cfg, "head_dim", p->head_dim);
    cJSON_AddNumberToObject(cfg, "rope_dim", p->rope_dim);
    cJSON_AddNumberToObject(cfg, "ctx_len", p->ctx_len);
    cJSON_AddNumberToObject(cfg, "norm_eps", p->norm_eps);
    cJSON_AddNumberToObject(cfg, "rope_base", p->rope_base);
    cJSON_AddNumberToObject(cfg, "vocab_size", p->vocab_size);
    cJSON *voc = cJSON_AddObjectToObject(root, "vocab");
    cJSON_AddNumberToObject(voc, "n_tokens", v->n);
    cJSON_AddNumberToObject(voc, "bos", v->bos);
    cJSON_AddNumberToObject(voc, "eos", v->eos);
    cJSON_AddNumberToObject(voc, "unk", v->unk);
    cJSON_AddBoolToObject(voc, "add_bos", v->add_bos);
    cJSON_AddBoolToObject(voc, "add_space_prefix", v->add_space_prefix);
    cJSON *quant = cJSON_CreateObject();
    if (print_quant_keys(c, quant)) cJSON_AddItemToObject(root, "quantization", quant);
    else cJSON_Delete(quant);

    cJSON *arr = cJSON_AddArrayToObject(root, "tensors");
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        const q35_type_traits *tt = q35_type_by_id(t->type);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddStringToObject(o, "type", type_name(t->type));
        cJSON_AddNumberToObject(o, "type_id", t->type);
        cJSON *shape = cJSON_AddArrayToObject(o, "shape");
        for (int d = 0; d < t->n_dims; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->ne[d]));
        cJSON_AddNumberToObject(o, "bytes", (double)t->nbytes);
        cJSON_AddNumberToObject(o, "bits_per_weight", tt ? q35_type_bpw(tt, t->ne[0]) : 0.0);
        cJSON_AddItemToArray(arr, o);
    }
    totals s = compute_totals(c);
    cJSON *tot = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddItemToObject(tot, "all", sum_json(&s.all));
    cJSON_AddItemToObject(tot, "block_matrices", sum_json(&s.block));
    cJSON_AddItemToObject(tot, "block_matrices_q35", sum_json(&s.block_q35));
    cJSON_AddItemToObject(tot, "norms", sum_json(&s.norms));
    cJSON *kept = cJSON_AddArrayToObject(root, "higher_precision");
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        if (!is_kept(t)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddStringToObject(o, "type", type_name(t->type));
        cJSON_AddItemToArray(kept, o);
    }
    cJSON_AddBoolToObject(root, "tied_output", q35_ckpt_find(c, "output.weight") == NULL);
    return root;
}

static int write_json(const char *path, const q35_ckpt *c, uint64_t file_bytes, q35_err *err)
{
    cJSON *root = build_json(c, file_bytes);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) return q35_fail(err, "%s: out of memory building JSON", path);
    q35_out o;
    int rc = q35_out_open(&o, path, err);
    if (!rc) {
        rc = q35_out_write(&o, text, strlen(text), err) || q35_out_write(&o, "\n", 1, err) ? -1 : 0;
        rc = rc ? (q35_out_abort(&o), -1) : q35_out_commit(&o, err);
    }
    free(text);
    return rc;
}

/* cli_parse knows only options; take the one positional PATH out first. */
static const char *take_positional(int *argc, char **argv)
{
    const char *found = NULL;
    int j = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1]) {
            argv[j++] = argv[i];
            if (!strchr(a, '=') && (!strcmp(a, "--tokenizer") || !strcmp(a, "--json") || !strcmp(a, "--model")) &&
                i + 1 < *argc)
                argv[j++] = argv[++i];
        } else if (!found) {
            found = a;
        } else {
            argv[j++] = argv[i]; /* a second positional: let cli_parse report it */
        }
    }
    *argc = j;
    return found;
}

int cmd_info(int argc, char **argv)
{
    const char *cmd = argv[0], *model = NULL, *tokenizer = NULL, *json = NULL;
    const char *path = take_positional(&argc, argv);
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model, "PATH", "the model (or give PATH as the first argument)"},
        {"--tokenizer", CLI_STR, &tokenizer, "FILE", "tokenizer.bin or SentencePiece .model (llama2.c models)"},
        {"--json", CLI_STR, &json, "PATH", "also write the listing as JSON"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (path && model) return cli_error(cmd, "give the model once (PATH or --model)");
    if (!path) path = model;
    if (!path) return cli_error(cmd, "no model given (usage: q35 info PATH)");

    q35_err err;
    q35_ckpt c;
    if (q35_ckpt_open(path, tokenizer, &c, &err)) return cli_error(cmd, "%s", err.msg);
    uint64_t file_bytes = c.gguf ? c.gguf->map.size : c.map.size;
    for (int i = 0; i < c.n_maps; i++) file_bytes += c.maps[i].size; /* HF shards */
    print_text(&c, file_bytes);
    rc = 0;
    if (json && write_json(json, &c, file_bytes, &err)) rc = cli_error(cmd, "%s", err.msg);
    q35_ckpt_close(&c);
    return rc;
}
