/* Activations and KV cache of a forward pass. Everything is sized up front from the config,
 * the longest sequence and the largest batch, so the forward pass never allocates. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model_internal.h"
#include "q35/model.h"

/* count * a * b floats, checked for overflow, zeroed. */
static float *alloc_f32(size_t count, size_t a, size_t b, q35_err *err)
{
    size_t n;
    if (q35_mul_size(count, a, &n) || q35_mul_size(n, b, &n) || q35_mul_size(n, sizeof(float), &n)) {
        q35_fail(err, "state: size overflow (%zu x %zu x %zu floats)", count, a, b);
        return NULL;
    }
    return q35_calloc(n ? n : 1, 1, err);
}

/* The weight cache's default budget: a quarter of physical memory (1 GiB if unknown),
 * which leaves room for the model itself, a base model and its own cache. */
static size_t default_wcache_budget(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return (size_t)1 << 30;
    return (size_t)pages / 4 * (size_t)page;
}

int q35_state_init(q35_state *s, const q35_llama_config *cfg, int max_seq, int max_batch, q35_err *err)
{
    memset(s, 0, sizeof *s);
    if (max_seq <= 0 || max_batch <= 0 || max_batch > max_seq)
        return q35_fail(err, "state: invalid sizes (max_seq %d, max_batch %d)", max_seq, max_batch);
    s->max_seq = max_seq;
    s->max_batch = max_batch;
    s->wcache_budget = default_wcache_budget();
    size_t dim = (size_t)cfg->dim, kv_dim = (size_t)cfg->n_kv_heads * (size_t)cfg->head_dim;
    size_t hidden = (size_t)cfg->hidden_dim, B = (size_t)max_batch;
    s->key_cache = alloc_f32((size_t)cfg->n_layers, (size_t)max_seq, kv_dim, err);
    if (s->key_cache) s->value_cache = alloc_f32((size_t)cfg->n_layers, (size_t)max_seq, kv_dim, err);
    if (s->value_cache) s->x = alloc_f32(B, dim, 1, err);
    if (s->x) s->xb = alloc_f32(B, dim, 1, err);
    if (s->xb) s->xb2 = alloc_f32(B, dim, 1, err);
    if (s->xb2) s->q = alloc_f32(B, dim, 1, err);
    if (s->q) s->k = alloc_f32(B, kv_dim, 1, err);
    if (s->k) s->v = alloc_f32(B, kv_dim, 1, err);
    if (s->v) s->hb = alloc_f32(B, hidden, 1, err);
    if (s->hb) s->hb2 = alloc_f32(B, hidden, 1, err);
    if (s->hb2) s->att = alloc_f32((size_t)q35_att_rows(cfg, max_batch), (size_t)max_seq, 1, err);
    if (s->att) s->logits = alloc_f32(B, (size_t)cfg->vocab_size, 1, err);
    if (s->logits) s->rope = alloc_f32(B, (size_t)cfg->rope_dim, 1, err);
    if (!s->rope) {
        q35_state_free(s);
        return -1;
    }
    return 0;
}

void q35_state_free(q35_state *s)
{
    if (!s) return;
    float **bufs[] = {&s->key_cache, &s->value_cache, &s->x, &s->xb, &s->xb2, &s->hb,
                      &s->hb2, &s->q, &s->k, &s->v, &s->att, &s->logits, &s->rope};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(*bufs[i]);
    q35_wcache_free(s->wcache);
    memset(s, 0, sizeof *s);
}
