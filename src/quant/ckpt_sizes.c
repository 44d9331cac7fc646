/* Honest bits per weight of a checkpoint (quant.h, q35_ckpt_sizes_of): sizes come from the
 * shapes and the traits table, so block scales and padded last blocks are counted. */
#include <string.h>

#include "q35/quant.h"

void q35_ckpt_sizes_of(const q35_ckpt *c, q35_ckpt_sizes *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        const q35_type_traits *tt = q35_type_by_id(t->type);
        uint64_t w = 1, bytes = tt ? q35_type_tensor_bytes(tt, t->n_dims, t->ne) : 0;
        for (int d = 0; d < t->n_dims; d++) w *= (uint64_t)(t->ne[d] > 0 ? t->ne[d] : 0);
        out->n_tensors++;
        out->weights_all += w;
        out->bytes_all += bytes;
        if (t->n_dims == 2 && !strncmp(t->name, "blk.", 4)) {
            out->n_block++;
            out->weights_block += w;
            out->bytes_block += bytes;
        }
    }
}
