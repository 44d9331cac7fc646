/* llama2.c checkpoints (karpathy/llama2.c export.py): the legacy v0 file (7 int32
 * header, negative vocab = separate classifier) and the version-1 file ("ak42" magic,
 * 256-byte header), both float32. Tensors point into the map under their GGUF names;
 * llama2.c's RoPE rotates consecutive pairs as GGUF "llama" does, so no permutation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_internal.h"
#include "q35/types.h"

#define L2C_MAGIC 0x616b3432u
#define L2C_V1_HEADER 256

typedef struct l2c_header {
    int32_t dim, hidden, layers, heads, kv_heads, vocab, seq;
    int shared;     /* classifier tied to the embedding */
    int version;    /* 0 (legacy) or 1 */
    size_t offset;  /* first weight */
} l2c_header;

enum { T_EMBD, T_ATT_NORM, T_WQ, T_WK, T_WV, T_WO, T_FFN_NORM, T_W1, T_W2, T_W3, T_OUT_NORM, T_FREQ, T_OUTPUT, T_COUNT };

static const char *const role_name[T_COUNT] = {
    "token_embd", "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
    "ffn_gate", "ffn_down", "ffn_up", "output_norm", NULL, "output",
};

/* Per-layer roles in the order each format stores them (one whole stack per role). */
static const int v0_order[] = {T_EMBD, T_ATT_NORM, T_WQ, T_WK, T_WV, T_WO, T_FFN_NORM, T_W1, T_W2, T_W3, T_OUT_NORM,
                               T_FREQ, T_FREQ, T_OUTPUT};
static const int v1_order[] = {T_ATT_NORM, T_FFN_NORM, T_OUT_NORM, T_EMBD, T_WQ, T_WK, T_WV, T_WO, T_W1, T_W2, T_W3,
                               T_OUTPUT};

static int per_layer(int role) { return role != T_EMBD && role != T_OUT_NORM && role != T_FREQ && role != T_OUTPUT; }

/* GGUF shape (ne0 = input features) of one tensor of a role; ne[1] = 0 for vectors. */
static void role_shape(const l2c_header *h, int role, int64_t ne[2])
{
    int64_t dim = h->dim, hid = h->hidden, kv = (int64_t)h->dim / h->heads * h->kv_heads;
    int64_t head = dim / h->heads;
    ne[1] = 0;
    switch (role) {
    case T_EMBD: case T_OUTPUT: ne[0] = dim; ne[1] = h->vocab; break;
    case T_ATT_NORM: case T_FFN_NORM: case T_OUT_NORM: ne[0] = dim; break;
    case T_WQ: case T_WO: ne[0] = dim; ne[1] = dim; break;
    case T_WK: case T_WV: ne[0] = dim; ne[1] = kv; break;
    case T_W1: case T_W3: ne[0] = dim; ne[1] = hid; break;
    case T_W2: ne[0] = hid; ne[1] = dim; break;
    case T_FREQ: ne[0] = (int64_t)h->seq * (head / 2); break;
    }
}

static int64_t role_floats(const l2c_header *h, int role)
{
    int64_t ne[2];
    role_shape(h, role, ne);
    return ne[0] * (ne[1] ? ne[1] : 1);
}

static int read_header(const char *path, const q35_map *m, l2c_header *h, q35_err *err)
{
    memset(h, 0, sizeof *h);
    uint32_t magic = 0;
    if (m->size >= 4) memcpy(&magic, m->data, 4);
    int32_t params[7];
    if (magic == L2C_MAGIC) {
        int32_t version = 0;
        if (m->size >= 8) memcpy(&version, m->data + 4, 4);
        if (version == 2)
            return q35_fail(err, "%s: llama2.c version 2 (int8 Q8_0) checkpoints are not supported; export with --version 1", path);
        if (version != 1) return q35_fail(err, "%s: unknown llama2.c version %d", path, version);
        if (m->size < L2C_V1_HEADER)
            return q35_fail(err, "%s: too short for a llama2.c version 1 header (%zu of %d bytes)", path, m->size,
                            L2C_V1_HEADER);
        memcpy(params, m->data + 8, sizeof params);
        h->shared = m->data[36];
        if (h->shared > 1) return q35_fail(err, "%s: llama2.c shared_classifier flag is %d, not 0 or 1", path, h->shared);
        h->version = 1;
        h->offset = L2C_V1_HEADER;
    } else {
        if (m->size < sizeof params)
            return q35_fail(err, "%s: not a GGUF file and too short for a llama2.c header (%zu bytes)", path, m->size);
        memcpy(params, m->data, sizeof params);
        /* legacy v0: a negative vocabulary size flags a separate classifier */
        h->shared = params[5] > 0;
        if (params[5] < 0 && params[5] != INT32_MIN) params[5] = -params[5];
        h->offset = sizeof params;
    }
    h->dim = params[0], h->hidden = params[1], h->layers = params[2], h->heads = params[3];
    h->kv_heads = params[4], h->vocab = params[5], h->seq = params[6];

    static const char *const names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    /* Generous limits that still keep every size computation far from overflow. */
    static const int32_t limits[7] = {1 << 16, 1 << 20, 1 << 10, 1 << 12, 1 << 12, 1 << 22, 1 << 24};
    for (int i = 0; i < 7; i++) {
        int32_t v = i == 5 ? h->vocab : params[i];
        if (v <= 0 || v > limits[i])
            return q35_fail(err, "%s: llama2.c header: %s = %d out of range [1, %d] (not a llama2.c or GGUF model?)",
                            path, names[i], v, limits[i]);
    }
    if (h->dim % h->heads)
        return q35_fail(err, "%s: llama2.c header: n_heads %d does not divide dim %d", path, h->heads, h->dim);
    if (h->heads % h->kv_heads)
        return q35_fail(err, "%s: llama2.c header: n_kv_heads %d does not divide n_heads %d", path, h->kv_heads, h->heads);
    if ((h->dim / h->heads) % 2)
        return q35_fail(err, "%s: llama2.c header: head size %d is odd (RoPE needs pairs)", path, h->dim / h->heads);

    const int *order = h->version ? v1_order : v0_order;
    int n_order = h->version ? (int)(sizeof v1_order / sizeof *v1_order) : (int)(sizeof v0_order / sizeof *v0_order);
    uint64_t floats = 0;
    for (int i = 0; i < n_order; i++) {
        if (order[i] == T_OUTPUT && h->shared) continue;
        floats += (uint64_t)role_floats(h, order[i]) * (uint64_t)(per_layer(order[i]) ? h->layers : 1);
    }
    uint64_t want = h->offset + 4 * floats;
    if (want != m->size)
        return q35_fail(err, "%s: file is %zu bytes, but a llama2.c v%d model with dim %d, hidden %d, %d layers, "
                             "%d/%d heads, vocab %d%s, seq_len %d needs %llu bytes",
                        path, m->size, h->version, h->dim, h->hidden, h->layers, h->heads, h->kv_heads, h->vocab,
                        h->shared ? " (shared classifier)" : "", h->seq, (unsigned long long)want);
    return 0;
}

static int push_role(q35_ckpt *c, const l2c_header *h, int role, int layer, const uint8_t *data, q35_err *err)
{
    char name[64];
    if (per_layer(role)) snprintf(name, sizeof name, "blk.%d.%s.weight", layer, role_name[role]);
    else snprintf(name, sizeof name, "%s.weight", role_name[role]);
    int64_t ne[2];
    role_shape(h, role, ne);
    size_t nbytes = (size_t)role_floats(h, role) * 4;
    return q35_ckpt_push(c, name, Q35_TYPE_F32, ne[1] ? 2 : 1, ne, data, nbytes, err);
}

/* The tokenizer beside the model: tokenizer.bin, as llama2.c's run looks for it in its
 * directory, else a SentencePiece tokenizer.model. NULL (and no error) if neither. */
static char *default_tokenizer(const char *path, q35_err *err)
{
    static const char *const names[] = {"tokenizer.bin", "tokenizer.model"};
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0;
    for (int i = 0; i < 2; i++) {
        size_t len = strlen(names[i]);
        char *p = q35_malloc(dir + len + 1, err);
        if (!p) return NULL;
        memcpy(p, path, dir);
        memcpy(p + dir, names[i], len + 1);
        if (access(p, R_OK) == 0) return p;
        free(p);
    }
    return NULL;
}

int q35_ckpt_from_llama2c(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->format = "llama2c";
    char *tok_default = NULL;
    l2c_header h;
    if (!(out->path = q35_strdup(path, err)) || q35_map_open(path, &out->map, err) ||
        read_header(path, &out->map, &h, err))
        goto fail;

    q35_llama_config *p = &out->cfg;
    p->dim = h.dim, p->hidden_dim = h.hidden, p->n_layers = h.layers, p->n_heads = h.heads;
    p->n_kv_heads = h.kv_heads, p->head_dim = h.dim / h.heads, p->rope_dim = p->head_dim;
    p->vocab_size = h.vocab, p->ctx_len = h.seq, p->norm_eps = 1e-5f, p->rope_base = 10000.0f;

    if (!tokenizer_path) {
        if (!(tok_default = default_tokenizer(path, err))) {
            const char *slash = strrchr(path, '/');
            q35_fail(err, "%s: a llama2.c model needs a tokenizer (none given; no tokenizer.bin or tokenizer.model "
                          "in %.*s)", path, slash ? (int)(slash - path + 1) : 2, slash ? path : "./");
            goto fail;
        }
        tokenizer_path = tok_default;
    }
    /* llama2.c's tokenizer.bin or a SentencePiece tokenizer.model */
    if (q35_vocab_from_file(tokenizer_path, h.vocab, &out->vocab, err)) goto fail;

    /* Walk the file in storage order, remembering where each stack starts. */
    const uint8_t *start[T_COUNT] = {0};
    const int *order = h.version ? v1_order : v0_order;
    int n_order = h.version ? (int)(sizeof v1_order / sizeof *v1_order) : (int)(sizeof v0_order / sizeof *v0_order);
    const uint8_t *cur = out->map.data + h.offset;
    for (int i = 0; i < n_order; i++) {
        if (order[i] == T_OUTPUT && h.shared) continue;
        if (!start[order[i]]) start[order[i]] = cur;
        cur += (size_t)role_floats(&h, order[i]) * 4 * (size_t)(per_layer(order[i]) ? h.layers : 1);
    }

    if (q35_ckpt_reserve(out, 3 + 9 * h.layers, err) || push_role(out, &h, T_EMBD, 0, start[T_EMBD], err) ||
        push_role(out, &h, T_OUT_NORM, 0, start[T_OUT_NORM], err) ||
        (!h.shared && push_role(out, &h, T_OUTPUT, 0, start[T_OUTPUT], err)))
        goto fail;
    static const int layer_roles[] = {T_WQ, T_WK, T_WV, T_WO, T_ATT_NORM, T_W1, T_W2, T_W3, T_FFN_NORM};
    for (int l = 0; l < h.layers; l++)
        for (size_t r = 0; r < sizeof layer_roles / sizeof *layer_roles; r++) {
            int role = layer_roles[r];
            size_t each = (size_t)role_floats(&h, role) * 4;
            if (push_role(out, &h, role, l, start[role] + each * (size_t)l, err)) goto fail;
        }
    if (q35_ckpt_validate(out, err)) goto fail;
    free(tok_default);
    return 0;
fail:
    free(tok_default);
    q35_ckpt_close(out);
    return -1;
}
