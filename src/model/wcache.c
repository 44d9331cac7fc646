/* The state's prepared copies of weight matrices (q35_state.wcache, see q35/model.h).
 *
 * Why: a batched product multiplies float activations by float weights, so a matrix
 * stored as F16 or 3.5-bit has to be decoded first, and a GEMM rearranges (packs) the
 * weights for its kernel besides. Doing both for every batch cost about a quarter of a
 * perplexity run on midi23M (F16); doing them once, into the backend's own layout, costs
 * 4 bytes a weight for as long as the state lives. The budget keeps that bounded: a model
 * too big for it is cached up to the budget (the first matrices the forward pass meets)
 * and the rest take the backend's plain matmul.
 *
 * Entries are keyed by the matrix's data pointer, which is stable while the model lives,
 * and the backend's pack function; a matrix that did not fit is remembered too
 * (packed == NULL), so it is not retried. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

typedef int (*pack_fn)(const q35_backend *, const q35_matrix *, void *);

typedef struct wcache_entry {
    const uint8_t *src;
    pack_fn pack;
    void *packed; /* 64-byte aligned; NULL: over budget, or out of memory */
} wcache_entry;

struct q35_wcache {
    size_t used; /* bytes held by the copies */
    int n, cap;
    wcache_entry *e;
};

void q35_wcache_free(q35_wcache *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) free(c->e[i].packed);
    free(c->e);
    free(c);
}

static void *make(q35_state *s, const q35_backend *be, const q35_matrix *w)
{
    const size_t bytes = be->pack_bytes(be, w), budget = s->wcache_budget, used = s->wcache->used;
    if (bytes == 0 || used > budget || bytes > budget - used || bytes > SIZE_MAX - 63) return NULL;
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) return NULL;
    if (be->pack(be, w, p)) {
        free(p);
        return NULL;
    }
    s->wcache->used += bytes;
    return p;
}

const void *q35_wcache_get(q35_state *s, const q35_backend *be, const q35_matrix *w)
{
    if (!be->pack_bytes || !be->pack || !be->matmul_packed || s->wcache_budget == 0) return NULL;
    if (!s->wcache && !(s->wcache = calloc(1, sizeof *s->wcache))) return NULL;
    q35_wcache *c = s->wcache;
    for (int i = 0; i < c->n; i++)
        if (c->e[i].src == w->data && c->e[i].pack == be->pack) return c->e[i].packed;
    if (c->n == c->cap) {
        const int cap = c->cap ? 2 * c->cap : 64;
        wcache_entry *e = realloc(c->e, (size_t)cap * sizeof *e);
        if (!e) return NULL;
        c->e = e, c->cap = cap;
    }
    wcache_entry *e = &c->e[c->n++];
    *e = (wcache_entry){.src = w->data, .pack = be->pack, .packed = make(s, be, w)};
    return e->packed;
}
