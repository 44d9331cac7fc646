/* The synthetic LLaMA writer: validated options, deterministic weights, streamed into
 * a GGUF one tensor at a time through the checkpoint metadata builder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q35/ckpt.h"
#include "q35/gguf.h"
#include "q35/synth.h"
#include "q35/types.h"

void q35_synth_defaults(q35_synth_opts *o)
{
    *o = (q35_synth_opts){.dim = 64, .hidden_dim = 176, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
                          .ctx_len = 256, .seed = 1};
}

/* splitmix64: tiny, seedable with any value, and identical on every platform. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return ((double)(next_u64(s) >> 11) + 0.5) * 0x1p-53; }

static void fill(float *w, int64_t n, int is_norm, uint64_t *s)
{
    for (int64_t i = 0; i < n; i++) {
        if (is_norm) {
            w[i] = 1.0f;
        } else {
            double r = sqrt(-2.0 * log(uniform(s))), th = 6.283185307179586 * uniform(s);
            w[i] = (float)(0.02 * r * cos(th));
        }
    }
}

/* F16 in place (element i moves from byte 4i to 2i, so a forward pass never overwrites
 * what it has yet to read); the weights are drawn as F32 first so that a seed gives the
 * same values either way. */
static const void *narrow(float *w, int64_t n, int f16)
{
    if (!f16) return w;
    uint16_t *h = (uint16_t *)(void *)w;
    for (int64_t i = 0; i < n; i++) h[i] = q35_f32_to_f16(w[i]);
    return w;
}

static int check_opts(const char *path, const q35_synth_opts *o, q35_err *err)
{
    if (o->dim < 2 || o->dim > 8192 || o->hidden_dim < 1 || o->hidden_dim > 32768 || o->n_layers < 1 ||
        o->n_layers > 256 || o->n_heads < 1 || o->n_kv_heads < 1 || o->ctx_len < 1 || o->ctx_len > (1 << 20))
        return q35_fail(err, "%s: synthetic model options out of range (dim 2..8192, hidden 1..32768, layers 1..256, "
                             "ctx 1..1048576, heads >= 1)", path);
    if (o->dim % o->n_heads) return q35_fail(err, "%s: %d heads do not divide dim %d", path, o->n_heads, o->dim);
    if (o->n_heads % o->n_kv_heads)
        return q35_fail(err, "%s: %d kv heads do not divide %d heads", path, o->n_kv_heads, o->n_heads);
    if ((o->dim / o->n_heads) % 2) return q35_fail(err, "%s: head size %d must be even", path, o->dim / o->n_heads);
    return 0;
}

int q35_synth_write(const char *path, const q35_synth_opts *o, q35_err *err)
{
    if (check_opts(path, o, err)) return -1;
    q35_ckpt c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.format = "synth";
    q35_llama_config *p = &c.cfg;
    p->dim = o->dim, p->hidden_dim = o->hidden_dim, p->n_layers = o->n_layers, p->n_heads = o->n_heads;
    p->n_kv_heads = o->n_kv_heads, p->head_dim = o->dim / o->n_heads, p->rope_dim = p->head_dim;
    p->ctx_len = o->ctx_len, p->norm_eps = 1e-5f, p->rope_base = 10000.0f;
    if (q35_synth_vocab(&c.vocab, err)) return -1;
    p->vocab_size = c.vocab.n;

    int rc = -1;
    float *buf = NULL;
    q35_gguf_writer *w = q35_gguf_writer_new(err);
    if (!w || q35_ckpt_write_metadata(&c, w, err) || q35_gguf_set_str(w, "general.name", "q35-synth", err) ||
        q35_gguf_set_u32(w, "general.file_type", 0, err))
        goto done;

    int64_t dim = p->dim, hid = p->hidden_dim, kv = (int64_t)p->head_dim * p->n_kv_heads, voc = p->vocab_size;
    static const struct { const char *name; int ne0, ne1; } roles[] = {
        /* sizes: 0 dim, 1 kv_dim, 2 hidden, 3 vocab, -1 none (a norm vector) */
        {"attn_q", 0, 0}, {"attn_k", 0, 1}, {"attn_v", 0, 1}, {"attn_output", 0, 0}, {"attn_norm", 0, -1},
        {"ffn_gate", 0, 2}, {"ffn_down", 2, 0}, {"ffn_up", 0, 2}, {"ffn_norm", 0, -1},
    };
    const int64_t size[4] = {dim, kv, hid, voc};
    int64_t e_embd[2] = {dim, voc}, e_norm[1] = {dim};
    const uint32_t mt = o->f16 ? Q35_TYPE_F16 : Q35_TYPE_F32;
    const size_t mw = o->f16 ? 2 : 4;
    int64_t widest = voc > hid ? voc : hid;
    if (dim > widest) widest = dim;
    size_t largest = (size_t)(dim * widest * 4);
    if (q35_gguf_add_tensor(w, "token_embd.weight", mt, 2, e_embd, err) < 0 ||
        q35_gguf_add_tensor(w, "output_norm.weight", Q35_TYPE_F32, 1, e_norm, err) < 0 ||
        q35_gguf_add_tensor(w, "output.weight", mt, 2, e_embd, err) < 0)
        goto done;
    for (int l = 0; l < p->n_layers; l++)
        for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, roles[r].name);
            int64_t ne[2] = {size[roles[r].ne0], roles[r].ne1 >= 0 ? size[roles[r].ne1] : 1};
            if (q35_gguf_add_tensor(w, name, roles[r].ne1 >= 0 ? mt : Q35_TYPE_F32, roles[r].ne1 >= 0 ? 2 : 1, ne,
                                    err) < 0)
                goto done;
        }
    if (!(buf = q35_malloc(largest, err)) || q35_gguf_write_begin(w, path, err)) goto done;

    uint64_t s = o->seed;
    int64_t n_mat = dim * voc;
    fill(buf, n_mat, 0, &s);
    if (q35_gguf_write_tensor(w, narrow(buf, n_mat, o->f16), (size_t)n_mat * mw, err)) goto done;
    fill(buf, dim, 1, &s);
    if (q35_gguf_write_tensor(w, buf, (size_t)dim * 4, err)) goto done;
    fill(buf, n_mat, 0, &s);
    if (q35_gguf_write_tensor(w, narrow(buf, n_mat, o->f16), (size_t)n_mat * mw, err)) goto done;
    for (int l = 0; l < p->n_layers; l++)
        for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
            int is_norm = roles[r].ne1 < 0;
            int64_t n = size[roles[r].ne0] * (is_norm ? 1 : size[roles[r].ne1]);
            fill(buf, n, is_norm, &s);
            const int half = o->f16 && !is_norm;
            if (q35_gguf_write_tensor(w, narrow(buf, n, half), (size_t)n * (half ? 2 : 4), err)) goto done;
        }
    rc = q35_gguf_write_end(w, err);
done:
    free(buf);
    q35_gguf_writer_free(w);
    q35_vocab_free(&c.vocab);
    return rc;
}
