/* Binding a checkpoint's tensors to the roles of a LLaMA model.
 *
 * The checkpoint stays the owner of the weights; the model only points into it. The one
 * exception is the norm vectors: the forward pass reads them as f32, so norms stored in
 * another type (F16, BF16, ...) are converted once into m->owned. Every shape is checked
 * against the config here, so the forward pass can trust them without checks. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/model.h"

static const q35_tensor *require(const q35_ckpt *c, const char *name, q35_err *err)
{
    const q35_tensor *t = q35_ckpt_find(c, name);
    if (!t) q35_fail(err, "%s: tensor '%s' is missing", c->path, name);
    return t;
}

static int check_shape(const q35_ckpt *c, const q35_tensor *t, int64_t ne0, int64_t ne1, q35_err *err)
{
    int ok = t->ne[0] == ne0 && t->ne[1] == ne1 && t->ne[2] == 1 && t->ne[3] == 1;
    if (ok) return 0;
    char got[96];
    if (t->ne[2] != 1 || t->ne[3] != 1)
        snprintf(got, sizeof got, "%" PRId64 "x%" PRId64 "x%" PRId64 "x%" PRId64, t->ne[0], t->ne[1], t->ne[2],
                 t->ne[3]);
    else
        snprintf(got, sizeof got, "%" PRId64 "x%" PRId64, t->ne[0], t->ne[1]);
    if (ne1 == 1)
        return q35_fail(err, "%s: tensor '%s' has shape %s, expected %" PRId64, c->path, t->name, got, ne0);
    return q35_fail(err, "%s: tensor '%s' has shape %s, expected %" PRId64 "x%" PRId64, c->path, t->name, got,
                    ne0, ne1);
}

static const q35_type_traits *traits_of(const q35_ckpt *c, const q35_tensor *t, q35_err *err)
{
    const q35_type_traits *tr = q35_type_by_id(t->type);
    if (!tr) q35_fail(err, "%s: tensor '%s' has unknown type %u", c->path, t->name, (unsigned)t->type);
    return tr;
}

/* A weight matrix of `rows` rows of `cols` weights (GGUF shape cols x rows). A matrix
 * the checkpoint stores in another row order is converted once into m->conv. */
static int bind_matrix(q35_model *m, const q35_ckpt *c, const char *name, int64_t rows, int64_t cols,
                       q35_matrix *out, q35_err *err)
{
    const q35_tensor *t = require(c, name, err);
    if (!t || check_shape(c, t, cols, rows, err)) return -1;
    const q35_type_traits *tr = traits_of(c, t, err);
    if (!tr) return -1;
    size_t rb = tr->row_bytes(cols), need;
    if (q35_mul_size(rb, (size_t)rows, &need) || t->nbytes < need || (!t->data && !t->src))
        return q35_fail(err, "%s: tensor '%s' holds %zu bytes, expected %zu", c->path, name, t->nbytes, need);
    const void *data = t->data;
    if (!data) {
        void *own;
        if (!(data = q35_tensor_data(t, &own, err))) return -1;
        m->conv[m->n_conv++] = own;
    }
    *out = (q35_matrix){.name = t->name, .traits = tr, .rows = rows, .cols = cols, .row_bytes = rb,
                        .data = data};
    return 0;
}

/* LLaMA-3.1's RoPE frequency divisors, when the checkpoint has them (rope_freqs.weight,
 * as llama.cpp writes it): rope_dim / 2 positive floats into dst. */
static int bind_rope_freqs(const q35_ckpt *c, int rope_dim, float *dst, int *found, q35_err *err)
{
    const q35_tensor *t = q35_ckpt_find(c, "rope_freqs.weight");
    *found = t != NULL;
    if (!t) return 0;
    if (check_shape(c, t, rope_dim / 2, 1, err)) return -1;
    const q35_type_traits *tr = traits_of(c, t, err);
    if (!tr) return -1;
    if (!t->data || t->nbytes < tr->row_bytes(rope_dim / 2))
        return q35_fail(err, "%s: tensor '%s' holds %zu bytes, expected %zu", c->path, t->name, t->nbytes,
                        tr->row_bytes(rope_dim / 2));
    tr->to_float(t->data, rope_dim / 2, dst);
    for (int i = 0; i < rope_dim / 2; i++)
        if (!(dst[i] > 0 && dst[i] < 1e30f))
            return q35_fail(err, "%s: tensor '%s' entry %d is %g, not a positive divisor", c->path, t->name, i,
                            (double)dst[i]);
    return 0;
}

/* A norm vector of `dim` weights, always converted into dst so that the forward pass reads
 * aligned f32 whatever the stored type. */
static int bind_norm(const q35_ckpt *c, const char *name, int dim, float *dst, q35_err *err)
{
    const q35_tensor *t = require(c, name, err);
    if (!t || check_shape(c, t, dim, 1, err)) return -1;
    const q35_type_traits *tr = traits_of(c, t, err);
    if (!tr) return -1;
    if (!t->data || t->nbytes < tr->row_bytes(dim))
        return q35_fail(err, "%s: tensor '%s' holds %zu bytes, expected %zu", c->path, name, t->nbytes,
                        tr->row_bytes(dim));
    tr->to_float(t->data, dim, dst);
    return 0;
}

static int check_config(const q35_ckpt *c, const q35_llama_config *p, q35_err *err)
{
    if (p->dim <= 0 || p->hidden_dim <= 0 || p->n_layers <= 0 || p->n_heads <= 0 || p->n_kv_heads <= 0 ||
        p->vocab_size <= 0)
        return q35_fail(err, "%s: invalid config (dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d)",
                        c->path, p->dim, p->hidden_dim, p->n_layers, p->n_heads, p->n_kv_heads, p->vocab_size);
    if (p->n_heads % p->n_kv_heads)
        return q35_fail(err, "%s: %d heads is not a multiple of %d kv heads", c->path, p->n_heads, p->n_kv_heads);
    if (p->head_dim <= 0 || p->head_dim * p->n_heads != p->dim || p->head_dim % 2)
        return q35_fail(err, "%s: head dimension %d does not fit dim %d with %d heads", c->path, p->head_dim,
                        p->dim, p->n_heads);
    if (p->rope_dim <= 0 || p->rope_dim > p->head_dim || p->rope_dim % 2)
        return q35_fail(err, "%s: rope dimension %d does not fit head dimension %d", c->path, p->rope_dim,
                        p->head_dim);
    if (!(p->norm_eps >= 0) || !(p->rope_base > 0))
        return q35_fail(err, "%s: invalid norm epsilon %g or rope base %g", c->path, (double)p->norm_eps,
                        (double)p->rope_base);
    return 0;
}

int q35_model_load(const q35_ckpt *c, q35_model *m, q35_err *err)
{
    memset(m, 0, sizeof *m);
    const q35_llama_config *p = &c->cfg;
    if (check_config(c, p, err)) return -1;
    m->cfg = *p;
    m->ckpt = c;
    const int64_t dim = p->dim, hidden = p->hidden_dim, kv_dim = (int64_t)p->n_kv_heads * p->head_dim;

    /* the norms, then rope_dim / 2 RoPE divisors */
    size_t n_norm = (size_t)(2 * p->n_layers + 1) * (size_t)dim;
    m->layers = q35_calloc((size_t)p->n_layers, sizeof *m->layers, err);
    m->owned = m->layers ? q35_malloc((n_norm + (size_t)p->rope_dim / 2) * sizeof(float), err) : NULL;
    m->conv = m->owned ? q35_calloc((size_t)p->n_layers * 7 + 2, sizeof *m->conv, err) : NULL;
    if (!m->conv) goto fail;
    int has_freqs;
    if (bind_rope_freqs(c, p->rope_dim, m->owned + n_norm, &has_freqs, err)) goto fail;
    if (has_freqs) m->rope_freqs = m->owned + n_norm;

    if (bind_matrix(m, c, "token_embd.weight", p->vocab_size, dim, &m->tok_embd, err)) goto fail;
    if (q35_ckpt_find(c, "output.weight")) {
        if (bind_matrix(m, c, "output.weight", p->vocab_size, dim, &m->output, err)) goto fail;
    } else {
        m->output = m->tok_embd;
        m->tied_output = 1;
    }
    float *norm = m->owned;
    if (bind_norm(c, "output_norm.weight", p->dim, norm, err)) goto fail;
    m->output_norm = norm;
    norm += dim;

    for (int l = 0; l < p->n_layers; l++) {
        q35_layer *L = &m->layers[l];
        char name[96];
#define NAME(role) (snprintf(name, sizeof name, "blk.%d." role ".weight", l), name)
        if (bind_norm(c, NAME("attn_norm"), p->dim, norm, err)) goto fail;
        L->attn_norm = norm;
        norm += dim;
        if (bind_norm(c, NAME("ffn_norm"), p->dim, norm, err)) goto fail;
        L->ffn_norm = norm;
        norm += dim;
        if (bind_matrix(m, c, NAME("attn_q"), dim, dim, &L->wq, err) ||
            bind_matrix(m, c, NAME("attn_k"), kv_dim, dim, &L->wk, err) ||
            bind_matrix(m, c, NAME("attn_v"), kv_dim, dim, &L->wv, err) ||
            bind_matrix(m, c, NAME("attn_output"), dim, dim, &L->wo, err) ||
            bind_matrix(m, c, NAME("ffn_gate"), hidden, dim, &L->w_gate, err) ||
            bind_matrix(m, c, NAME("ffn_up"), hidden, dim, &L->w_up, err) ||
            bind_matrix(m, c, NAME("ffn_down"), dim, hidden, &L->w_down, err))
            goto fail;
#undef NAME
    }
    return 0;
fail:
    q35_model_free(m);
    return -1;
}

void q35_model_free(q35_model *m)
{
    if (!m) return;
    free(m->layers);
    free(m->owned);
    for (int i = 0; i < m->n_conv; i++) free(m->conv[i]);
    free(m->conv);
    memset(m, 0, sizeof *m);
}
