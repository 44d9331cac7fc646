/* Rows of the traits table for the 3.5-bit family (format.h). The three types share the
 * packing and differ only in their grid, so one set of functions serves them all, bound
 * to each grid by a thin wrapper. */
#include "cpu/q35_dot.h"
#include "format/grids.h"
#include "q35/format.h"
#include "q35/quant.h"
#include "types_internal.h"

static size_t q35_rb(int64_t n) { return q35_row_bytes(n); }

static void decode(const uint8_t *block, int m, const void *grid, float *out) { q35_block_decode(block, m, grid, out); }
static double dot_ref(const uint8_t *block, int m, const void *grid, const float *x, int nw)
{
    return q35_block_dot_ref(block, m, grid, x, nw);
}
static const q35_pair_layout layout = {q35_block_bytes, decode, dot_ref};

#define Q35_ROW(NAME, ID, GRID)                                                                          \
    static void NAME##_to_float(const void *row, int64_t n, float *out) { q35_pair_to_float(&layout, GRID, row, n, out); } \
    static void NAME##_from_float(const float *w, int64_t n, void *row)                                  \
    {                                                                                                    \
        q35_quantize_row(&q35_traits_##NAME, w, NULL, n, row);                                           \
    }                                                                                                    \
    static float NAME##_dot_ref(const void *row, const float *x, int64_t n) { return q35_pair_dot_ref(&layout, GRID, row, x, n); } \
    static float NAME##_dot(const void *row, const float *x, int64_t n) { return q35_dot_q35(GRID, row, x, n); } \
    const q35_type_traits q35_traits_##NAME = {ID, #NAME, Q35_BLOCK_WEIGHTS, 1, GRID, q35_rb,            \
                                               NAME##_to_float, NAME##_from_float, NAME##_dot_ref, NAME##_dot,   \
                                               Q35_GRID_SIZE, GRID};

Q35_ROW(q35_cb, Q35_TYPE_Q35_CB, q35_grid_cb)
Q35_ROW(q35_p11, Q35_TYPE_Q35_P11, q35_grid_p11)
Q35_ROW(q35_s43, Q35_TYPE_Q35_S43, q35_grid_s43)
