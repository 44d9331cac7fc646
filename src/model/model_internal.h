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

/* Batches of at least this many rows multiply by the state's float copy of a weight
 * matrix (wcache.c) when the backend is not exact; smaller ones are matvecs anyway. */
#define Q35_WCACHE_MIN_BATCH 8

typedef struct q35_wcache q35_wcache;

/* If w is not F32 and has a float copy in s->wcache, or gets one now within
 * s->wcache_budget (converted on n_threads threads), *out becomes an F32 view of that copy
 * and the result is 1; else 0, and w is to be used as it is. */
int q35_wcache_view(q35_state *s, int n_threads, const q35_matrix *w, q35_matrix *out);
void q35_wcache_free(q35_wcache *c);

#endif
