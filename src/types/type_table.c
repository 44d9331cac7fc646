/* The one table of tensor types. Adding a type = one row here + its traits. */
#include <string.h>

#include "types_internal.h"

static const q35_type_traits *const table[] = {
    &q35_traits_f32,    &q35_traits_f16,     &q35_traits_bf16,    &q35_traits_q8_0,
    &q35_traits_q35_cb, &q35_traits_q35_p11, &q35_traits_q35_s43, &q35_traits_q45_cb,
};
#define N_TYPES ((int)(sizeof table / sizeof table[0]))

const q35_type_traits *q35_type_at(int i) { return i >= 0 && i < N_TYPES ? table[i] : NULL; }

const q35_type_traits *q35_type_by_id(uint32_t id)
{
    for (int i = 0; i < N_TYPES; i++)
        if (table[i]->id == id) return table[i];
    return NULL;
}

const q35_type_traits *q35_type_by_name(const char *name)
{
    for (int i = 0; i < N_TYPES; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

double q35_type_bpw(const q35_type_traits *t, int64_t n)
{
    return n > 0 ? (double)t->row_bytes(n) * 8.0 / (double)n : 0.0;
}

uint64_t q35_type_tensor_bytes(const q35_type_traits *t, int n_dims, const int64_t *ne)
{
    if (n_dims < 1 || ne[0] < 1) return 0;
    uint64_t rows = 1;
    for (int d = 1; d < n_dims; d++) rows *= (uint64_t)(ne[d] > 0 ? ne[d] : 0);
    return rows * (uint64_t)t->row_bytes(ne[0]);
}

/* The codebook grid: ~30% lower weight MSE than the product code on Gaussian data and in
 * the lead's study of real weights; the KLD study in docs/FORMAT.md confirms or changes it. */
uint32_t q35_default_type(void) { return Q35_TYPE_Q35_CB; }

int q35_type_is_float(const q35_type_traits *t) { return t && t->block_weights == 1 && !t->grid_points; }
