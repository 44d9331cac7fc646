/* A Hugging Face LLaMA directory as a checkpoint: config.json, the safetensors (one
 * model.safetensors, or shards listed by model.safetensors.index.json), and a tokenizer.
 *
 * Tensors are renamed to GGUF's and their shapes reversed (safetensors is row-major, GGUF
 * lists ne[0] = the row length first). Every tensor points into its shard's map, except
 * q_proj/k_proj: their rows are in HF's rotate-half order, so they are marked for
 * conversion (q35_tensor.src, q35_tensor_data) and copied one at a time by whoever reads
 * them. LLaMA-3.1's rope_scaling becomes the F32 tensor rope_freqs.weight, as llama.cpp
 * writes it. Mistral's sliding window caps the context length, so attention never
 * reaches past it (where full attention would differ from the trained model). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "ckpt_internal.h"
#include "q35/hf.h"
#include "q35/types.h"
#include "safetensors.h"
#include "vocab_internal.h"

typedef struct hf_src {
    const q35_st_tensor *t;
    char gguf[96];
    int order; /* position in GGUF's usual order */
} hf_src;

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int join(char *out, size_t n, const char *dir, const char *name, q35_err *err)
{
    if (snprintf(out, n, "%s/%s", dir, name) >= (int)n) return q35_fail(err, "%s: path too long", dir);
    return 0;
}

/* The directory of path: path itself when it is one, else its dirname. */
static int dir_of(const char *path, char *dir, size_t n, q35_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return q35_fail(err, "%s: no such file or directory", path);
    if (snprintf(dir, n, "%s", path) >= (int)n) return q35_fail(err, "%s: path too long", path);
    if (S_ISDIR(st.st_mode)) {
        for (size_t k = strlen(dir); k > 1 && dir[k - 1] == '/'; k--) dir[k - 1] = 0; /* "hf/" is "hf" */
        return 0;
    }
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, n, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    return 0;
}

/* ---------------------------------------------------------------- vocabulary */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

/* A vocabulary file of any kind q35 reads, told apart by content and name: a GGUF file,
 * a Hugging Face tokenizer.json, else a SentencePiece tokenizer.model or a llama2.c
 * tokenizer.bin of n tokens (q35_vocab_from_file tells those two apart). */
static int vocab_from_file(const char *path, int n, q35_vocab *v, q35_err *err)
{
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    int gguf = m.size >= 4 && !memcmp(m.data, "GGUF", 4);
    size_t i = 0;
    while (i < m.size && (m.data[i] == ' ' || m.data[i] == '\n' || m.data[i] == '\r' || m.data[i] == '\t')) i++;
    int json = i < m.size && m.data[i] == '{';
    q35_map_close(&m);
    if (gguf) {
        q35_gguf g;
        if (q35_gguf_open(path, &g, err)) return -1;
        int rc = q35_vocab_from_gguf(&g, v, err);
        q35_gguf_close(&g);
        return rc;
    }
    if (json || has_suffix(path, ".json")) return q35_vocab_from_hfjson(path, v, err);
    return q35_vocab_from_file(path, n, v, err);
}

static int read_vocab(const char *dir, const char *tokenizer_path, const q35_hf_config *hc, q35_vocab *v,
                      q35_err *err)
{
    if (tokenizer_path) return vocab_from_file(tokenizer_path, hc->vocab_size, v, err);
    static const char *const names[] = {"tokenizer.model", "tokenizer.json"};
    char p[4096];
    for (size_t k = 0; k < 2; k++) {
        if (join(p, sizeof p, dir, names[k], err)) return -1;
        if (file_exists(p)) return vocab_from_file(p, hc->vocab_size, v, err);
    }
    return q35_fail(err, "%s: no tokenizer.model or tokenizer.json (give one with --tokenizer FILE)", dir);
}

/* ---------------------------------------------------------------- tensors */

/* GGUF's usual order: token_embd, rope_freqs, the layers (their tensors in the role
 * order below), output_norm, output. */
static int order_of(const char *gguf)
{
    static const char *const roles[] = {"attn_norm", "attn_q",   "attn_k",   "attn_v",  "attn_output",
                                        "ffn_norm",  "ffn_gate", "ffn_down", "ffn_up"};
    if (!strcmp(gguf, "token_embd.weight")) return 0;
    if (!strcmp(gguf, "output_norm.weight")) return 1 << 30;
    if (!strcmp(gguf, "output.weight")) return (1 << 30) + 1;
    int l;
    char role[64];
    if (sscanf(gguf, "blk.%d.%63[^.].weight", &l, role) == 2)
        for (int r = 0; r < 9; r++)
            if (!strcmp(role, roles[r])) return 16 + l * 16 + r;
    return (1 << 30) - 1;
}

static int cmp_src(const void *a, const void *b)
{
    const hf_src *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->gguf, y->gguf);
}

/* Adds tensor t of a safetensors file as GGUF name to the list (skipping tensors q35 does
 * not use). */
static int collect(const char *file, const q35_st_tensor *t, const q35_hf_config *hc, hf_src *list, int *n,
                   q35_err *err)
{
    char g[96];
    int rc = q35_hf_name_to_gguf(t->name, g, sizeof g);
    if (rc == 1) return 0;
    if (rc < 0) return q35_fail(err, "%s: tensor '%.200s' is not a LLaMA tensor", file, t->name);
    if (hc->tie_word_embeddings && !strcmp(g, "output.weight")) return 0; /* tied: the embedding serves */
    hf_src *s = &list[(*n)++];
    s->t = t;
    snprintf(s->gguf, sizeof s->gguf, "%s", g);
    s->order = order_of(g);
    return 0;
}

/* The shards named by model.safetensors.index.json, opened into *files, and the tensors
 * its weight_map lists. */
static int open_index(const char *dir, const char *index_path, const q35_hf_config *hc, q35_st_file **files,
                      int *n_files, hf_src **list, int *n_list, q35_err *err)
{
    q35_map m;
    if (q35_map_open(index_path, &m, err)) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)m.data, m.size, &end, 0);
    size_t at = end && end >= (const char *)m.data ? (size_t)(end - (const char *)m.data) : 0;
    q35_map_close(&m);
    if (!root) return q35_fail(err, "%s: not valid JSON (at byte %zu)", index_path, at);
    int rc = -1, n_map = 0;
    const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(wm)) {
        q35_fail(err, "%s: no 'weight_map' object", index_path);
        goto done;
    }
    for (const cJSON *e = wm->child; e; e = e->next) {
        if (!cJSON_IsString(e) || !e->string) {
            q35_fail(err, "%s: weight_map entry '%.200s' is not a file name", index_path, e->string ? e->string : "");
            goto done;
        }
        const char *f = e->valuestring;
        if (!*f || strchr(f, '/') || !strcmp(f, ".") || !strcmp(f, "..")) {
            q35_fail(err, "%s: weight_map entry '%.200s' names '%.200s', not a file in the directory", index_path,
                     e->string, f);
            goto done;
        }
        n_map++;
    }
    if (!n_map) {
        q35_fail(err, "%s: weight_map is empty", index_path);
        goto done;
    }
    /* distinct shard names, in order of first appearance */
    const char **names = calloc((size_t)n_map, sizeof *names);
    *files = calloc((size_t)n_map, sizeof **files);
    *list = calloc((size_t)n_map + 1, sizeof **list);
    if (!names || !*files || !*list) {
        free(names);
        q35_fail(err, "%s: out of memory", index_path);
        goto done;
    }
    int nf = 0;
    for (const cJSON *e = wm->child; e; e = e->next) {
        int k = 0;
        while (k < nf && strcmp(names[k], e->valuestring)) k++;
        if (k == nf) names[nf++] = e->valuestring;
    }
    for (int k = 0; k < nf; k++) {
        char p[4096];
        if (join(p, sizeof p, dir, names[k], err) || q35_st_open(p, &(*files)[k], err)) {
            free(names);
            goto done;
        }
        *n_files = k + 1;
    }
    for (const cJSON *e = wm->child; e; e = e->next) {
        int k = 0;
        while (strcmp(names[k], e->valuestring)) k++;
        const q35_st_tensor *t = q35_st_find(&(*files)[k], e->string);
        if (!t) {
            q35_fail(err, "%s: tensor '%.200s' is listed in %s but not found in it", index_path, e->string,
                     (*files)[k].path);
            free(names);
            goto done;
        }
        if (collect((*files)[k].path, t, hc, *list, n_list, err)) {
            free(names);
            goto done;
        }
    }
    free(names);
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

static int open_single(const char *path, const q35_hf_config *hc, q35_st_file **files, int *n_files, hf_src **list,
                       int *n_list, q35_err *err)
{
    if (!(*files = q35_calloc(1, sizeof **files, err))) return -1;
    if (q35_st_open(path, &(*files)[0], err)) return -1;
    *n_files = 1;
    if (!(*list = q35_calloc((size_t)(*files)[0].n_tensors + 1, sizeof **list, err))) return -1;
    for (int i = 0; i < (*files)[0].n_tensors; i++)
        if (collect(path, &(*files)[0].tensors[i], hc, *list, n_list, err)) return -1;
    return 0;
}

static void to_cfg(const q35_hf_config *hc, q35_llama_config *p)
{
    memset(p, 0, sizeof *p);
    p->dim = hc->hidden_size;
    p->hidden_dim = hc->intermediate_size;
    p->n_layers = hc->n_layers;
    p->n_heads = hc->n_heads;
    p->n_kv_heads = hc->n_kv_heads;
    p->head_dim = hc->head_dim;
    p->rope_dim = hc->head_dim;
    p->vocab_size = hc->vocab_size;
    p->ctx_len = hc->sliding_window > 0 && hc->sliding_window < hc->max_pos ? hc->sliding_window : hc->max_pos;
    p->norm_eps = (float)hc->rms_norm_eps;
    p->rope_base = (float)hc->rope_theta;
}

static int build(q35_ckpt *c, const q35_hf_config *hc, hf_src *list, int n, q35_err *err)
{
    qsort(list, (size_t)n, sizeof *list, cmp_src);
    for (int i = 1; i < n; i++)
        if (!strcmp(list[i].gguf, list[i - 1].gguf))
            return q35_fail(err, "%s: tensors '%.200s' and '%.200s' both map to '%s'", c->path, list[i - 1].t->name,
                            list[i].t->name, list[i].gguf);
    if (!hc->tie_word_embeddings && (!n || strcmp(list[n - 1].gguf, "output.weight")))
        return q35_fail(err, "%s: lm_head.weight missing (config.json says tie_word_embeddings false)", c->path);
    if (q35_ckpt_reserve(c, n + 1, err)) return -1;
    if (hc->rope_llama3) {
        const int half = c->cfg.rope_dim / 2;
        float *f = q35_arena_alloc(q35_ckpt_arena(c), (size_t)half * sizeof *f, err);
        if (!f) return -1;
        q35_hf_llama3_rope_factors(hc, c->cfg.rope_dim, f);
        const int64_t ne[1] = {half};
        if (q35_ckpt_push(c, "rope_freqs.weight", Q35_TYPE_F32, 1, ne, f, (size_t)half * sizeof *f, err)) return -1;
    }
    for (int i = 0; i < n; i++) {
        const q35_st_tensor *t = list[i].t;
        int64_t ne[Q35_ST_MAX_DIMS];
        for (int d = 0; d < t->n_dims; d++) ne[d] = t->shape[t->n_dims - 1 - d];
        if (t->n_dims < 1)
            return q35_fail(err, "%s: tensor '%.200s' is a scalar, expected a vector or matrix", c->path, t->name);
        int layer;
        if (sscanf(list[i].gguf, "blk.%d.", &layer) == 1 && layer >= c->cfg.n_layers)
            return q35_fail(err, "%s: tensor '%.200s' is for layer %d, but config.json says %d layers", c->path,
                            t->name, layer, c->cfg.n_layers);
        const int qk = strstr(list[i].gguf, ".attn_q.") || strstr(list[i].gguf, ".attn_k.");
        if (q35_ckpt_push(c, list[i].gguf, t->type, t->n_dims, ne, qk ? NULL : t->data, t->nbytes, err)) return -1;
        if (qk) {
            q35_tensor *q = &c->tensors[c->n_tensors - 1];
            q->src = t->data;
            q->src_head_dim = c->cfg.head_dim;
            if (t->n_dims != 2 || q->ne[1] % c->cfg.head_dim)
                return q35_fail(err, "%s: tensor '%.200s' has %lld rows, not whole heads of %d", c->path, t->name,
                                (long long)(q->ne[1] * q->ne[2] * q->ne[3]), c->cfg.head_dim);
        }
    }
    return 0;
}

int q35_ckpt_from_hf(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->format = "hf";
    char dir[4096], p[4096];
    q35_hf_config hc;
    q35_st_file *files = NULL;
    int n_files = 0, n_list = 0;
    hf_src *list = NULL;
    if (dir_of(path, dir, sizeof dir, err) || !(out->path = q35_strdup(dir, err))) goto fail;
    if (join(p, sizeof p, dir, "config.json", err)) goto fail;
    if (!file_exists(p)) {
        q35_fail(err, "%s: no config.json (not a Hugging Face checkpoint directory)", dir);
        goto fail;
    }
    if (q35_hf_config_read(p, &hc, err)) goto fail;
    to_cfg(&hc, &out->cfg);

    if (join(p, sizeof p, dir, "model.safetensors.index.json", err)) goto fail;
    if (file_exists(p)) {
        if (open_index(dir, p, &hc, &files, &n_files, &list, &n_list, err)) goto fail;
    } else {
        if (join(p, sizeof p, dir, "model.safetensors", err)) goto fail;
        if (!file_exists(p)) {
            q35_fail(err, "%s: no model.safetensors or model.safetensors.index.json", dir);
            goto fail;
        }
        if (open_single(p, &hc, &files, &n_files, &list, &n_list, err)) goto fail;
    }
    if (build(out, &hc, list, n_list, err)) goto fail;
    /* the shards' maps move into the checkpoint; names were copied into its arena */
    if (!(out->maps = q35_calloc((size_t)n_files, sizeof *out->maps, err))) goto fail;
    for (int k = 0; k < n_files; k++) {
        out->maps[k] = files[k].map;
        memset(&files[k].map, 0, sizeof files[k].map);
        out->n_maps = k + 1;
    }

    if (read_vocab(dir, tokenizer_path, &hc, &out->vocab, err)) goto fail;
    /* config.json's special ids, where it names them, are the model's */
    if (hc.bos >= 0 && hc.bos < out->vocab.n) out->vocab.bos = hc.bos;
    if (hc.eos >= 0 && hc.eos < out->vocab.n) out->vocab.eos = hc.eos;
    if (q35_ckpt_validate(out, err)) goto fail;
    for (int k = 0; k < n_files; k++) q35_st_close(&files[k]);
    free(files);
    free(list);
    return 0;
fail:
    for (int k = 0; k < n_files; k++) q35_st_close(&files[k]);
    free(files);
    free(list);
    q35_ckpt_close(out);
    return -1;
}
