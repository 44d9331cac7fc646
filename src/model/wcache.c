/* The state's float copies of weight matrices (q35_state.wcache, see q35/model.h).
 *
 * Why: a batched product multiplies float activations by float weights (sgemm), so a
 * matrix stored as F16 or 3.5-bit has to be decoded first. Decoding every matrix for every
 * batch cost about a fifth of a perplexity run on midi23M (F16), more than the attention;
 * decoding it once and keeping the floats costs 4 bytes a weight for as long as the state
 * lives. The budget keeps that bounded: a model too big for it is cached up to the budget
 * (the first matrices the forward pass meets) and the rest take the backend's panel path.
 *
 * Entries are keyed by the matrix's data pointer, which is stable while the model lives;
 * a matrix that did not fit is remembered too (w == NULL), so it is not retried. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

typedef struct wcache_entry {
    const uint8_t *src;
    float *w; /* rows x cols floats, 64-byte aligned; NULL: over budget or out of memory */
} wcache_entry;

struct q35_wcache {
    size_t used; /* bytes held by the copies */
    int n, cap;
    wcache_entry *e;
};

void q35_wcache_free(q35_wcache *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) free(c->e[i].w);
    free(c->e);
    free(c);
}

/* Rows converted in parallel: a one-time cost, but for big models not a small one. */
static float *convert(const q35_matrix *w, size_t bytes, int n_threads)
{
    float *f = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!f) return NULL;
#pragma omp parallel for schedule(static) num_threads(n_threads) if (n_threads > 1 && w->rows >= 64)
    for (int64_t r = 0; r < w->rows; r++)
        w->traits->to_float(w->data + (size_t)r * w->row_bytes, w->cols, f + (size_t)r * (size_t)w->cols);
    return f;
}

int q35_wcache_view(q35_state *s, int n_threads, const q35_matrix *w, q35_matrix *out)
{
    if (w->traits->id == Q35_TYPE_F32 || s->wcache_budget == 0) return 0;
    if (!s->wcache && !(s->wcache = calloc(1, sizeof *s->wcache))) return 0;
    q35_wcache *c = s->wcache;
    wcache_entry *hit = NULL;
    for (int i = 0; i < c->n && !hit; i++)
        if (c->e[i].src == w->data) hit = &c->e[i];
    if (!hit) {
        if (c->n == c->cap) {
            const int cap = c->cap ? 2 * c->cap : 64;
            wcache_entry *e = realloc(c->e, (size_t)cap * sizeof *e);
            if (!e) return 0;
            c->e = e, c->cap = cap;
        }
        hit = &c->e[c->n++];
        *hit = (wcache_entry){.src = w->data, .w = NULL};
        size_t bytes;
        if (!q35_mul_size((size_t)w->rows, (size_t)w->cols, &bytes) &&
            !q35_mul_size(bytes, sizeof(float), &bytes) && c->used <= s->wcache_budget &&
            bytes <= s->wcache_budget - c->used &&
            (hit->w = convert(w, bytes, n_threads)))
            c->used += bytes;
    }
    if (!hit->w) return 0;
    *out = (q35_matrix){.name = w->name, .traits = q35_type_by_id(Q35_TYPE_F32), .rows = w->rows, .cols = w->cols,
                        .row_bytes = (size_t)w->cols * sizeof(float), .data = (const uint8_t *)hit->w};
    return 1;
}
