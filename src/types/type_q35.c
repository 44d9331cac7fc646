/* Rows of the traits table for the 3.5-bit family (format.h). The three types share the
 * packing and differ only in their grid, so one set of functions serves them all, bound
 * to each grid by a thin wrapper. */
#include <string.h>

#include "cpu/q35_dot.h"
#include "format/grids.h"
#include "q35/format.h"
#include "q35/quant.h"
#include "types_internal.h"

static size_t q35_rb(int64_t n) { return q35_row_bytes(n); }

static void q35_to_float_grid(const int8_t grid[Q35_GRID_SIZE][2], const void *row, int64_t n, float *out)
{
    const uint8_t *p = row;
    int64_t nb = q35_row_blocks(n);
    for (int64_t b = 0; b < nb; b++) {
        int m = q35_block_codes(n, b);
        int64_t k0 = b * Q35_BLOCK_WEIGHTS;
        if (k0 + 2 * m <= n) {
            q35_block_decode(p, m, grid, out + k0);
        } else { /* the odd row's padding weight has no place in out */
            float tmp[Q35_BLOCK_WEIGHTS];
            q35_block_decode(p, m, grid, tmp);
            memcpy(out + k0, tmp, (size_t)(n - k0) * sizeof(float));
        }
        p += q35_block_bytes(m);
    }
}

static float q35_dot_ref_grid(const int8_t grid[Q35_GRID_SIZE][2], const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    int64_t nb = q35_row_blocks(n);
    double s = 0.0;
    for (int64_t b = 0; b < nb; b++) {
        int m = q35_block_codes(n, b);
        int64_t k0 = b * Q35_BLOCK_WEIGHTS;
        int nw = (int)(n - k0 < Q35_BLOCK_WEIGHTS ? n - k0 : Q35_BLOCK_WEIGHTS);
        s += q35_block_dot_ref(p, m, grid, x + k0, nw);
        p += q35_block_bytes(m);
    }
    return (float)s;
}

#define Q35_ROW(NAME, ID, GRID)                                                                          \
    static void NAME##_to_float(const void *row, int64_t n, float *out) { q35_to_float_grid(GRID, row, n, out); } \
    static void NAME##_from_float(const float *w, int64_t n, void *row)                                  \
    {                                                                                                    \
        q35_quantize_row(&q35_traits_##NAME, w, NULL, n, row);                                           \
    }                                                                                                    \
    static float NAME##_dot_ref(const void *row, const float *x, int64_t n) { return q35_dot_ref_grid(GRID, row, x, n); } \
    static float NAME##_dot(const void *row, const float *x, int64_t n) { return q35_dot_q35(GRID, row, x, n); } \
    const q35_type_traits q35_traits_##NAME = {ID, #NAME, Q35_BLOCK_WEIGHTS, 1, GRID, q35_rb,            \
                                               NAME##_to_float, NAME##_from_float, NAME##_dot_ref, NAME##_dot};

Q35_ROW(q35_cb, Q35_TYPE_Q35_CB, q35_grid_cb)
Q35_ROW(q35_p11, Q35_TYPE_Q35_P11, q35_grid_p11)
Q35_ROW(q35_s43, Q35_TYPE_Q35_S43, q35_grid_s43)
