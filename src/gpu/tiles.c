/* Canonical q35 rows <-> the GPU tile layout (q35/gpu_layout.h). Written for clarity:
 * this runs once per matrix on the host, before upload. */
#include <string.h>

#include "q35/format.h"
#include "q35/gpu_layout.h"

int64_t q35_tiles_strips(int64_t n_rows) { return (n_rows + Q35_TILE_ROWS - 1) / Q35_TILE_ROWS; }

size_t q35_tiles_bytes(int64_t n_rows, int64_t k)
{
    return (size_t)q35_tiles_strips(n_rows) * (size_t)q35_row_blocks(k) * Q35_TILE_BYTES;
}

void q35_tile_slot(int row, int pair, int *lane, int *slot)
{
    int g = row % 8, hi_row = row / 8; /* r % 2 */
    int j = pair / 8, c = pair % 4, hi_pair = (pair % 8) / 4;
    *lane = 4 * g + c;
    *slot = 4 * j + hi_row + 2 * hi_pair;
}

/* Bit positions inside a lane's words, for slot q = 4j + r:
 *   nibble: word j/2 of the lane's 4 nibble words, bits 4 (2r + j%2) .. +3
 *   crumb:  word j/4 of the lane's 2 crumb words, bits 2 (4r + j%4) .. +1
 *   bit:    the lane's bit word, bit 8r + j
 * so that one shift and one byte mask give the 4 codes of k-tile j as bytes 0..3. */
static void put_code(uint8_t *tile, int lane, int slot, int code)
{
    int j = slot / 4, r = slot % 4;
    uint8_t *nib = tile + Q35_TILE_NIB_OFF + 16 * lane + 4 * (j / 2);
    uint8_t *crumb = tile + Q35_TILE_CRUMB_OFF + 8 * lane + 4 * (j / 4);
    uint8_t *bit = tile + Q35_TILE_BIT_OFF + 4 * lane;
    int nb = 4 * (2 * r + j % 2), cb = 2 * (4 * r + j % 4), bb = 8 * r + j;
    nib[nb / 8] |= (uint8_t)((code % 16) << (nb % 8));
    crumb[cb / 8] |= (uint8_t)(((code / 16) % 4) << (cb % 8));
    bit[bb / 8] |= (uint8_t)(((code / 64) % 2) << (bb % 8));
}

static int get_code(const uint8_t *tile, int lane, int slot)
{
    int j = slot / 4, r = slot % 4;
    const uint8_t *nib = tile + Q35_TILE_NIB_OFF + 16 * lane + 4 * (j / 2);
    const uint8_t *crumb = tile + Q35_TILE_CRUMB_OFF + 8 * lane + 4 * (j / 4);
    const uint8_t *bit = tile + Q35_TILE_BIT_OFF + 4 * lane;
    int nb = 4 * (2 * r + j % 2), cb = 2 * (4 * r + j % 4), bb = 8 * r + j;
    return ((nib[nb / 8] >> (nb % 8)) & 15) | (((crumb[cb / 8] >> (cb % 8)) & 3) << 4) |
           (((bit[bb / 8] >> (bb % 8)) & 1) << 6);
}

static int check(int64_t n_rows, int64_t k, q35_err *err)
{
    if (n_rows < 1 || k < 1) return q35_fail(err, "tile layout: bad shape %lld x %lld", (long long)n_rows, (long long)k);
    return 0;
}

int q35_tiles_pack(const uint8_t *canon, int64_t n_rows, int64_t k, uint8_t *tiles, q35_err *err)
{
    if (check(n_rows, k, err)) return -1;
    const int64_t nb = q35_row_blocks(k);
    const size_t rb = q35_row_bytes(k);
    memset(tiles, 0, q35_tiles_bytes(n_rows, k));
    for (int64_t r = 0; r < n_rows; r++) {
        const uint8_t *p = canon + (size_t)r * rb;
        for (int64_t b = 0; b < nb; b++) {
            int m = q35_block_codes(k, b);
            uint8_t codes[Q35_BLOCK_CODES];
            q35_unpack_planes(p + 1, m, codes);
            uint8_t *tile = tiles + ((size_t)(r / Q35_TILE_ROWS) * (size_t)nb + (size_t)b) * Q35_TILE_BYTES;
            tile[Q35_TILE_SCALE_OFF + r % Q35_TILE_ROWS] = p[0];
            for (int i = 0; i < m; i++) {
                int lane, slot;
                q35_tile_slot((int)(r % Q35_TILE_ROWS), i, &lane, &slot);
                put_code(tile, lane, slot, codes[i]);
            }
            p += q35_block_bytes(m);
        }
    }
    return 0;
}

int q35_tiles_unpack(const uint8_t *tiles, int64_t n_rows, int64_t k, uint8_t *canon, q35_err *err)
{
    if (check(n_rows, k, err)) return -1;
    const int64_t nb = q35_row_blocks(k);
    const size_t rb = q35_row_bytes(k);
    for (int64_t r = 0; r < n_rows; r++) {
        uint8_t *p = canon + (size_t)r * rb;
        for (int64_t b = 0; b < nb; b++) {
            int m = q35_block_codes(k, b);
            uint8_t codes[Q35_BLOCK_CODES];
            const uint8_t *tile = tiles + ((size_t)(r / Q35_TILE_ROWS) * (size_t)nb + (size_t)b) * Q35_TILE_BYTES;
            p[0] = tile[Q35_TILE_SCALE_OFF + r % Q35_TILE_ROWS];
            for (int i = 0; i < m; i++) {
                int lane, slot;
                q35_tile_slot((int)(r % Q35_TILE_ROWS), i, &lane, &slot);
                codes[i] = (uint8_t)get_code(tile, lane, slot);
            }
            q35_pack_planes(codes, m, p + 1);
            p += q35_block_bytes(m);
        }
    }
    return 0;
}
