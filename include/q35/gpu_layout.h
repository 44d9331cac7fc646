/* q35/gpu_layout.h: the GPU tile layout of a 3.5-bit matrix, and its conversion from the
 * canonical row layout (docs/FORMAT.md, "GPU tile layout").
 *
 * The GPU kernels multiply with tensor-core mma.sync m16n8k16 instructions and decode
 * codes straight into the A fragments. So the matrix is cut into tiles of 16 rows x 128
 * columns (one q35 block of 16 rows), each tile 912 bytes, and inside a tile the codes
 * are ordered so that each of a warp's 32 lanes loads its own 32 codes with three
 * coalesced vector loads (16 + 8 + 4 bytes) and finds them in fragment order. Same bits
 * per weight as the canonical layout; rows are padded to a multiple of 16 with scale 0. */
#ifndef Q35_GPU_LAYOUT_H
#define Q35_GPU_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define Q35_TILE_ROWS 16
#define Q35_TILE_BYTES 912
#define Q35_TILE_NIB_OFF 0     /* 32 lanes x 16 bytes */
#define Q35_TILE_CRUMB_OFF 512 /* 32 lanes x 8 bytes */
#define Q35_TILE_BIT_OFF 768   /* 32 lanes x 4 bytes */
#define Q35_TILE_SCALE_OFF 896 /* 16 scale bytes, one per row */

/* Tiles: ceil(n_rows / 16) strips x ceil(k / 128) blocks, strip-major. */
int64_t q35_tiles_strips(int64_t n_rows);
size_t q35_tiles_bytes(int64_t n_rows, int64_t k);

/* Position of code (row, pair) of a tile: lane and code slot q = 4j + r (0..31), where
 * row = g + 8 (r % 2), pair = 8 j + c + 4 (r / 2), g = lane / 4, c = lane % 4: the order
 * of the A fragment of mma.m16n8k16 (registers a0..a3 of k-tile j). */
void q35_tile_slot(int row, int pair, int *lane, int *slot);

/* Canonical rows (n_rows rows of q35_row_bytes(k) bytes) -> tiles (q35_tiles_bytes). */
int q35_tiles_pack(const uint8_t *canon, int64_t n_rows, int64_t k, uint8_t *tiles, q35_err *err);
/* Tiles -> canonical rows: the inverse, for tests. */
int q35_tiles_unpack(const uint8_t *tiles, int64_t n_rows, int64_t k, uint8_t *canon, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
