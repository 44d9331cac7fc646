/* Checkpoint front door: format detection, the shared tensor list, validation of the
 * LLaMA shapes, and closing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "ckpt_internal.h"
#include "q35/hf.h"
#include "q35/types.h"

/* 1 when path names a Hugging Face checkpoint: a directory, or one of its JSON or
 * safetensors files. */
static int is_hf(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    return !strcmp(base, "config.json") || !strcmp(base, "model.safetensors.index.json") ||
           (n > 12 && !strcmp(base + n - 12, ".safetensors"));
}

int q35_ckpt_open(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    if (is_hf(path)) return q35_ckpt_from_hf(path, tokenizer_path, out, err);
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    int is_gguf = m.size >= 4 && !memcmp(m.data, "GGUF", 4);
    q35_map_close(&m);
    if (is_gguf) return q35_ckpt_from_gguf(path, out, err);
    return q35_ckpt_from_llama2c(path, tokenizer_path, out, err);
}

void q35_ckpt_close(q35_ckpt *c)
{
    if (!c) return;
    q35_vocab_free(&c->vocab);
    if (c->gguf) {
        q35_gguf_close(c->gguf);
        free(c->gguf);
    }
    q35_map_close(&c->map);
    for (int i = 0; i < c->n_maps; i++) q35_map_close(&c->maps[i]);
    free(c->maps);
    q35_arena_free(c->owned);
    free(c->path);
    memset(c, 0, sizeof *c);
}

const q35_tensor *q35_ckpt_find(const q35_ckpt *c, const char *name)
{
    for (int i = 0; i < c->n_tensors; i++)
        if (!strcmp(c->tensors[i].name, name)) return &c->tensors[i];
    return NULL;
}

const void *q35_tensor_data(const q35_tensor *t, void **owned, q35_err *err)
{
    *owned = NULL;
    if (t->data) return t->data;
    const q35_type_traits *tr = q35_type_by_id(t->type);
    const int64_t hd = t->src_head_dim, rows = t->ne[1] * t->ne[2] * t->ne[3];
    if (!t->src || hd <= 0 || !tr) {
        q35_fail(err, "tensor '%s' has no data", t->name);
        return NULL;
    }
    const size_t rb = tr->row_bytes(t->ne[0]);
    size_t need;
    if (hd % 2 || rows % hd || q35_mul_size(rb, (size_t)rows, &need) || need != t->nbytes) {
        q35_fail(err, "tensor '%s': %lld rows of %zu bytes do not form heads of %lld rows", t->name, (long long)rows,
                 rb, (long long)hd);
        return NULL;
    }
    uint8_t *buf = q35_malloc(need ? need : 1, err);
    if (!buf) return NULL;
    const uint8_t *src = t->src;
    for (int64_t r = 0; r < rows; r++) memcpy(buf + (size_t)r * rb, src + (size_t)q35_hf_qk_row(r, hd) * rb, rb);
    *owned = buf;
    return buf;
}

int q35_ckpt_reserve(q35_ckpt *c, int n, q35_err *err)
{
    c->tensors = q35_arena_alloc(q35_ckpt_arena(c), (size_t)(n > 0 ? n : 1) * sizeof *c->tensors, err);
    c->n_tensors = 0;
    return c->tensors ? 0 : -1;
}

int q35_ckpt_push(q35_ckpt *c, const char *name, uint32_t type, int n_dims, const int64_t *ne, const void *data,
                  size_t nbytes, q35_err *err)
{
    q35_tensor *t = &c->tensors[c->n_tensors];
    t->name = q35_arena_strndup(q35_ckpt_arena(c), name, strlen(name), err);
    if (!t->name) return -1;
    t->type = type;
    t->n_dims = n_dims;
    for (int d = 0; d < 4; d++) t->ne[d] = d < n_dims ? ne[d] : 1;
    t->data = data;
    t->nbytes = nbytes;
    c->n_tensors++;
    return 0;
}

int q35_piece_is_byte(const char *p)
{
    const char *hex = "0123456789ABCDEF";
    return strlen(p) == 6 && !strncmp(p, "<0x", 3) && p[3] && p[4] && strchr(hex, p[3]) && strchr(hex, p[4]) &&
           p[5] == '>';
}

static int check_shape(const q35_ckpt *c, const char *name, int64_t ne0, int64_t ne1, int required, q35_err *err)
{
    const q35_tensor *t = q35_ckpt_find(c, name);
    if (!t) return required ? q35_fail(err, "%s: missing tensor '%s'", c->path, name) : 0;
    int want_dims = ne1 ? 2 : 1;
    int64_t rows = t->ne[1] * t->ne[2] * t->ne[3];
    if (t->ne[0] != ne0 || (ne1 ? rows != ne1 : rows != 1) || t->n_dims > want_dims) {
        if (ne1)
            return q35_fail(err, "%s: tensor '%s' has shape [%lld, %lld], expected [%lld, %lld]", c->path, name,
                            (long long)t->ne[0], (long long)rows, (long long)ne0, (long long)ne1);
        return q35_fail(err, "%s: tensor '%s' has shape [%lld, %lld], expected [%lld]", c->path, name,
                        (long long)t->ne[0], (long long)rows, (long long)ne0);
    }
    if (!q35_type_by_id(t->type)) return q35_fail(err, "%s: tensor '%s' has unknown type %u", c->path, name, t->type);
    return 0;
}

int q35_ckpt_validate(const q35_ckpt *c, q35_err *err)
{
    const q35_llama_config *p = &c->cfg;
    const char *path = c->path;
    if (p->dim <= 0 || p->hidden_dim <= 0 || p->n_layers <= 0 || p->n_heads <= 0 || p->n_kv_heads <= 0 ||
        p->vocab_size <= 0 || p->ctx_len <= 0)
        return q35_fail(err, "%s: non-positive hyper-parameter (dim %d, hidden %d, layers %d, heads %d, kv heads %d, "
                             "vocab %d, context %d)", path, p->dim, p->hidden_dim, p->n_layers, p->n_heads,
                        p->n_kv_heads, p->vocab_size, p->ctx_len);
    if (p->dim % p->n_heads) return q35_fail(err, "%s: %d heads do not divide dim %d", path, p->n_heads, p->dim);
    if (p->n_heads % p->n_kv_heads)
        return q35_fail(err, "%s: %d kv heads do not divide %d heads", path, p->n_kv_heads, p->n_heads);
    if (p->head_dim != p->dim / p->n_heads) return q35_fail(err, "%s: head_dim inconsistent with dim/heads", path);
    if (p->rope_dim <= 0 || p->rope_dim > p->head_dim || p->rope_dim % 2)
        return q35_fail(err, "%s: rope dimension %d must be even and in [2, head_dim %d]", path, p->rope_dim,
                        p->head_dim);
    if (!(p->norm_eps > 0 && p->norm_eps < 1)) return q35_fail(err, "%s: RMSNorm epsilon %g out of range", path, p->norm_eps);
    if (!(p->rope_base > 1)) return q35_fail(err, "%s: RoPE base %g out of range", path, p->rope_base);
    if (c->vocab.n != p->vocab_size)
        return q35_fail(err, "%s: vocabulary has %d tokens, the model %d", path, c->vocab.n, p->vocab_size);

    int64_t dim = p->dim, hid = p->hidden_dim, kv = (int64_t)p->head_dim * p->n_kv_heads, voc = p->vocab_size;
    if (check_shape(c, "token_embd.weight", dim, voc, 1, err) || check_shape(c, "output_norm.weight", dim, 0, 1, err) ||
        check_shape(c, "output.weight", dim, voc, 0, err))
        return -1;
    static const struct { const char *suffix; int ne0, ne1; } roles[] = {
        /* 0: dim, 1: kv_dim, 2: hidden, -1: 1-D */
        {"attn_norm", 0, -1}, {"attn_q", 0, 0},   {"attn_k", 0, 1},   {"attn_v", 0, 1},   {"attn_output", 0, 0},
        {"ffn_norm", 0, -1},  {"ffn_gate", 0, 2}, {"ffn_down", 2, 0}, {"ffn_up", 0, 2},
    };
    for (int l = 0; l < p->n_layers; l++)
        for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
            const int64_t size[3] = {dim, kv, hid};
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, roles[r].suffix);
            if (check_shape(c, name, size[roles[r].ne0], roles[r].ne1 < 0 ? 0 : size[roles[r].ne1], 1, err))
                return -1;
        }
    return 0;
}
