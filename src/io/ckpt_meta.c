/* Metadata for a GGUF written from a checkpoint: a GGUF source passes its keys through
 * (the writer decides alignment and file type anew); any other source gets the llama.*
 * and tokenizer.ggml.* keys llama.cpp reads, built from cfg and vocab. */
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"
#include "gguf_internal.h"
#include "vocab_internal.h"

static int copy_from_gguf(const q35_gguf *g, q35_gguf_writer *w, q35_err *err)
{
    for (uint64_t i = 0; i < g->n_kv; i++) {
        const char *k = g->kv[i].key.ptr;
        if (!strcmp(k, "general.alignment") || !strcmp(k, "general.file_type")) continue;
        if (q35_gguf_copy_kv(w, &g->kv[i], err)) return -1;
    }
    return 0;
}

/* The file name without directory and extension, as a model name. */
static int set_name(const char *path, q35_gguf_writer *w, q35_err *err)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name) *dot = 0;
    return q35_gguf_set_str(w, "general.name", name, err);
}

static int build(const q35_ckpt *c, q35_gguf_writer *w, q35_err *err)
{
    const q35_llama_config *p = &c->cfg;
    const q35_vocab *v = &c->vocab;
    if (q35_gguf_set_str(w, "general.architecture", "llama", err) || set_name(c->path, w, err) ||
        q35_gguf_set_u32(w, "llama.context_length", (uint32_t)p->ctx_len, err) ||
        q35_gguf_set_u32(w, "llama.embedding_length", (uint32_t)p->dim, err) ||
        q35_gguf_set_u32(w, "llama.feed_forward_length", (uint32_t)p->hidden_dim, err) ||
        q35_gguf_set_u32(w, "llama.block_count", (uint32_t)p->n_layers, err) ||
        q35_gguf_set_u32(w, "llama.attention.head_count", (uint32_t)p->n_heads, err) ||
        q35_gguf_set_u32(w, "llama.attention.head_count_kv", (uint32_t)p->n_kv_heads, err) ||
        q35_gguf_set_u32(w, "llama.rope.dimension_count", (uint32_t)p->rope_dim, err) ||
        q35_gguf_set_f32(w, "llama.attention.layer_norm_rms_epsilon", p->norm_eps, err) ||
        q35_gguf_set_f32(w, "llama.rope.freq_base", p->rope_base, err) ||
        q35_gguf_set_u32(w, "llama.vocab_size", (uint32_t)v->n, err))
        return -1;
    return q35_vocab_write_gguf(v, c->path, w, err);
}

int q35_ckpt_write_metadata(const q35_ckpt *c, q35_gguf_writer *w, q35_err *err)
{
    return c->gguf ? copy_from_gguf(c->gguf, w, err) : build(c, w, err);
}
