/* Sizes shared by the state allocator and the forward pass. */
#ifndef Q35_MODEL_INTERNAL_H
#define Q35_MODEL_INTERNAL_H

#include "q35/ckpt.h"
#include "q35/model.h"

/* A batch attends in blocks of queries per head, this many rows of scores shared by
 * all threads (see forward.c). */
#define Q35_ATT_QUERY_BLOCK 256

/* Rows of max_seq floats in q35_state.att: one per head for single-token decoding (as
 * llama2.c), one per query of a block for batches. */
static inline int q35_att_rows(const q35_llama_config *cfg, int max_batch)
{
    int block = max_batch < Q35_ATT_QUERY_BLOCK ? max_batch : Q35_ATT_QUERY_BLOCK;
    return cfg->n_heads > block ? cfg->n_heads : block;
}

/* Batches of at least this many rows multiply by the state's prepared copy of a weight
 * matrix (wcache.c) when the backend is not exact; smaller ones are matvecs anyway. */
#define Q35_WCACHE_MIN_BATCH 8

typedef struct q35_wcache q35_wcache;

/* The backend's prepared copy of w from s->wcache, made now if it is not there yet and
 * fits s->wcache_budget; NULL if the backend prepares none or it does not fit. */
const void *q35_wcache_get(q35_state *s, const q35_backend *be, const q35_matrix *w);
void q35_wcache_free(q35_wcache *c);

#endif
