/* A GGUF "llama" file as a checkpoint: llama.* hyper-parameters with llama.cpp's
 * defaults, the SentencePiece vocabulary, and every tensor pointing into the map. */
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"
#include "vocab_internal.h"

/* Reads an integer key into an int within [lo, hi]; dflt < 0 marks the key required. */
static int cfg_int(const q35_gguf *g, const char *key, int64_t lo, int64_t hi, int64_t dflt, int *out, q35_err *err)
{
    int64_t v;
    int rc = q35_gguf_get_int(g, key, &v, err);
    if (rc < 0) return -1;
    if (rc == 1) {
        if (dflt < 0) return q35_fail(err, "%s: %s missing", g->path, key);
        v = dflt;
    }
    if (v < lo || v > hi)
        return q35_fail(err, "%s: %s = %lld out of range [%lld, %lld]", g->path, key, (long long)v, (long long)lo,
                        (long long)hi);
    *out = (int)v;
    return 0;
}

static int cfg_float(const q35_gguf *g, const char *key, double dflt, float *out, q35_err *err)
{
    double v = dflt;
    if (q35_gguf_get_float(g, key, &v, err) < 0) return -1;
    *out = (float)v;
    return 0;
}

static int read_config(const q35_gguf *g, q35_llama_config *p, q35_err *err)
{
    const char *arch;
    int rc = q35_gguf_get_str(g, "general.architecture", &arch, err);
    if (rc < 0) return -1;
    if (rc == 1) return q35_fail(err, "%s: general.architecture missing", g->path);
    if (strcmp(arch, "llama"))
        return q35_fail(err, "%s: architecture '%s' is not supported (only 'llama')", g->path, arch);
    if (cfg_int(g, "llama.embedding_length", 1, 1 << 20, -1, &p->dim, err) ||
        cfg_int(g, "llama.feed_forward_length", 1, 1 << 22, -1, &p->hidden_dim, err) ||
        cfg_int(g, "llama.block_count", 1, 4096, -1, &p->n_layers, err) ||
        cfg_int(g, "llama.attention.head_count", 1, p->dim, -1, &p->n_heads, err) ||
        cfg_int(g, "llama.attention.head_count_kv", 1, p->n_heads, p->n_heads, &p->n_kv_heads, err) ||
        cfg_int(g, "llama.context_length", 1, 1 << 30, -1, &p->ctx_len, err))
        return -1;
    if (p->dim % p->n_heads)
        return q35_fail(err, "%s: llama.attention.head_count %d does not divide embedding_length %d", g->path,
                        p->n_heads, p->dim);
    if (p->n_heads % p->n_kv_heads)
        return q35_fail(err, "%s: llama.attention.head_count_kv %d does not divide head_count %d", g->path,
                        p->n_kv_heads, p->n_heads);
    p->head_dim = p->dim / p->n_heads;
    if (cfg_int(g, "llama.rope.dimension_count", 2, p->head_dim, p->head_dim, &p->rope_dim, err) ||
        cfg_float(g, "llama.rope.freq_base", 10000.0, &p->rope_base, err) ||
        cfg_float(g, "llama.attention.layer_norm_rms_epsilon", 1e-5, &p->norm_eps, err))
        return -1;
    return 0;
}

int q35_ckpt_from_gguf(const char *path, q35_ckpt *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->format = "gguf";
    if (!(out->path = q35_strdup(path, err)) || !(out->gguf = q35_calloc(1, sizeof *out->gguf, err))) goto fail;
    if (q35_gguf_open(path, out->gguf, err)) {
        free(out->gguf);
        out->gguf = NULL;
        goto fail;
    }
    const q35_gguf *g = out->gguf;
    if (read_config(g, &out->cfg, err) || q35_vocab_from_gguf(g, &out->vocab, err)) goto fail;
    out->cfg.vocab_size = out->vocab.n;
    if (g->n_tensors > (uint64_t)INT32_MAX) {
        q35_fail(err, "%s: too many tensors", path);
        goto fail;
    }
    if (q35_ckpt_reserve(out, (int)g->n_tensors, err)) goto fail;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const q35_gguf_tensor_info *t = &g->tensors[i];
        if (q35_ckpt_push(out, t->name.ptr, t->type, (int)t->n_dims, t->ne, t->data, t->nbytes, err)) goto fail;
    }
    if (q35_ckpt_validate(out, err)) goto fail;
    return 0;
fail:
    q35_ckpt_close(out);
    return -1;
}
