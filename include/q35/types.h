/* q35/types.h: the one table of tensor-type traits. A tensor type is a row of this table:
 * block size, bytes per row, conversion to and from float, and dot products (a plain
 * reference and the fastest SIMD path, which tests compare). No other code switches on
 * type ids. The ids are GGUF's (ggml's) for standard types; the q35 family uses ids
 * from 3501 up, documented in docs/FORMAT.md. */
#ifndef Q35_TYPES_H
#define Q35_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    Q35_TYPE_F32 = 0,
    Q35_TYPE_F16 = 1,
    Q35_TYPE_Q8_0 = 8,
    Q35_TYPE_BF16 = 30,
    Q35_TYPE_Q35_CB = 3501,  /* 3.5-bit, 128-point 2-D codebook grid */
    Q35_TYPE_Q35_P11 = 3502, /* 3.5-bit, product code 11 x 11 levels */
    Q35_TYPE_Q35_S43 = 3503, /* 3.5-bit, the seed's split code: 4-bit + 3-bit */
    Q35_TYPE_Q45_CB = 3504,  /* 4.5-bit sibling: 9-bit codes, 512-point 2-D codebook */
};

typedef struct q35_type_traits {
    uint32_t id;
    const char *name;          /* "f32", "f16", "bf16", "q8_0", "q35_cb", ... */
    int64_t block_weights;     /* weights per block (1 for float types) */
    int is_q35;                /* 1 for the 3.5-bit family (not for the 4.5-bit q45_cb) */
    const int8_t (*grid)[2];   /* q35 family: the 128 code pairs; NULL otherwise */
    /* Bytes of one row of n weights, padding of the last block included. */
    size_t (*row_bytes)(int64_t n);
    void (*to_float)(const void *row, int64_t n, float *out);
    /* Plain conversion; for q35 types, round-to-nearest with the default scale search. */
    void (*from_float)(const float *w, int64_t n, void *row);
    /* Dot product of a row with x[0..n): reference (double accumulation) and fast. */
    float (*dot_ref)(const void *row, const float *x, int64_t n);
    float (*dot)(const void *row, const float *x, int64_t n);
    /* Pair-code types (the 3.5-bit family and the 4.5-bit q45_cb, format45.h): the number
     * of grid points (128 or 512) and the grid with all of them; 0 and NULL otherwise.
     * For a 3.5-bit type grid_points == grid. q45_cb has is_q35 = 0 and grid = NULL, so
     * code that reads `grid` as a 128-entry table never sees its 512 entries. */
    int grid_size;
    const int8_t (*grid_points)[2];
} q35_type_traits;

/* NULL for an unknown id or name. */
const q35_type_traits *q35_type_by_id(uint32_t id);
const q35_type_traits *q35_type_by_name(const char *name);
/* All rows of the table, for listings. */
const q35_type_traits *q35_type_at(int i); /* NULL past the end */

/* All-in bits per weight of a row of n weights: row_bytes(n) * 8 / n. */
double q35_type_bpw(const q35_type_traits *t, int64_t n);
/* Bytes of a tensor of shape ne[0..n_dims) (ne[0] the row length) in type t: rows times
 * row_bytes(ne[0]), the all-in size that bit budgets count. */
uint64_t q35_type_tensor_bytes(const q35_type_traits *t, int n_dims, const int64_t *ne);

/* The default 3.5-bit type, chosen by the study in docs/FORMAT.md. */
uint32_t q35_default_type(void);
/* 1 for the plain float types (f32, f16, bf16: one weight per block, no grid), which
 * q35 quantize can write as a pass-through. */
int q35_type_is_float(const q35_type_traits *t);

#ifdef __cplusplus
}
#endif
#endif
