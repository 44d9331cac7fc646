/* The traits row of q45_cb, the 4.5-bit sibling of the 3.5-bit family (format45.h): 9-bit
 * codes into the 512-point codebook. It has is_q35 = 0 and no 128-entry `grid`; its grid
 * is in grid_points, with grid_size 512. */
#include "cpu/q35_dot.h"
#include "format/grids.h"
#include "q35/format45.h"
#include "q35/quant.h"
#include "types_internal.h"

static size_t q45_rb(int64_t n) { return q35_q45_row_bytes(n); }

static void decode(const uint8_t *block, int m, const void *grid, float *out) { q35_q45_block_decode(block, m, grid, out); }
static double dot_ref(const uint8_t *block, int m, const void *grid, const float *x, int nw)
{
    return q35_q45_block_dot_ref(block, m, grid, x, nw);
}
static const q35_pair_layout layout = {q35_q45_block_bytes, decode, dot_ref};

static void q45_to_float(const void *row, int64_t n, float *out) { q35_pair_to_float(&layout, q35_grid_cb512, row, n, out); }
static void q45_from_float(const float *w, int64_t n, void *row) { q35_quantize_row(&q35_traits_q45_cb, w, NULL, n, row); }
static float q45_dot_ref(const void *row, const float *x, int64_t n) { return q35_pair_dot_ref(&layout, q35_grid_cb512, row, x, n); }
static float q45_dot(const void *row, const float *x, int64_t n) { return q35_dot_q45(q35_grid_cb512, row, x, n); }

const q35_type_traits q35_traits_q45_cb = {Q35_TYPE_Q45_CB, "q45_cb", Q35_BLOCK_WEIGHTS, 0, NULL, q45_rb,
                                           q45_to_float, q45_from_float, q45_dot_ref, q45_dot,
                                           Q35_Q45_GRID_SIZE, q35_grid_cb512};
