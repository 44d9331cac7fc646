/* Sizes shared by the state allocator and the forward pass. */
#ifndef Q35_MODEL_INTERNAL_H
#define Q35_MODEL_INTERNAL_H

#include "q35/ckpt.h"

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

#endif
