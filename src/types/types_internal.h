/* The rows of the traits table, each defined beside its type's code. */
#ifndef Q35_TYPES_INTERNAL_H
#define Q35_TYPES_INTERNAL_H

#include <stdint.h>

#include "q35/types.h"

/* What the pair-code types' row walk (pair_rows.c) needs to know about a block: its bytes
 * for m codes, its decode and its reference dot, with the grid passed through. */
typedef struct q35_pair_layout {
    size_t (*block_bytes)(int m);
    void (*decode)(const uint8_t *block, int m, const void *grid, float *out);
    double (*dot_ref)(const uint8_t *block, int m, const void *grid, const float *x, int nw);
} q35_pair_layout;

void q35_pair_to_float(const q35_pair_layout *L, const void *grid, const void *row, int64_t n, float *out);
float q35_pair_dot_ref(const q35_pair_layout *L, const void *grid, const void *row, const float *x, int64_t n);

extern const q35_type_traits q35_traits_f32;
extern const q35_type_traits q35_traits_f16;
extern const q35_type_traits q35_traits_bf16;
extern const q35_type_traits q35_traits_q8_0;
extern const q35_type_traits q35_traits_q35_cb;
extern const q35_type_traits q35_traits_q35_p11;
extern const q35_type_traits q35_traits_q35_s43;
extern const q35_type_traits q35_traits_q45_cb;

#endif
