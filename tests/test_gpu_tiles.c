/* The GPU tile layout: canonical -> tiles -> canonical is the identity on fresh random
 * matrices of many shapes (odd rows, rows not a multiple of 16, partial last blocks),
 * and the kernels' byte-parallel decode (one shift and one mask per plane) finds every
 * code in mma fragment order. */
#include <stdlib.h>
#include <string.h>

#include "q35/format.h"
#include "q35/gpu_layout.h"
#include "test_support.h"

static uint8_t *random_canon(uint64_t *s, int64_t n_rows, int64_t k)
{
    size_t rb = q35_row_bytes(k);
    uint8_t *c = malloc(rb * (size_t)n_rows);
    for (int64_t r = 0; r < n_rows; r++) {
        uint8_t *p = c + (size_t)r * rb;
        for (int64_t b = 0; b < q35_row_blocks(k); b++) {
            int m = q35_block_codes(k, b);
            uint8_t codes[Q35_BLOCK_CODES];
            for (int i = 0; i < m; i++) codes[i] = (uint8_t)(t_rand_u64(s) % 128);
            p[0] = (uint8_t)(t_rand_u64(s) % 256);
            q35_pack_planes(codes, m, p + 1);
            p += q35_block_bytes(m);
        }
    }
    return c;
}

static uint32_t word(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* What a kernel lane does for k-tile j: the 4 codes of the A registers as bytes. */
static uint32_t lane_codes(const uint8_t *tile, int lane, int j)
{
    uint32_t W = word(tile + Q35_TILE_NIB_OFF + 16 * lane + 4 * (j / 2));
    uint32_t C = word(tile + Q35_TILE_CRUMB_OFF + 8 * lane + 4 * (j / 4));
    uint32_t B = word(tile + Q35_TILE_BIT_OFF + 4 * lane);
    return ((W >> (4 * (j % 2))) & 0x0F0F0F0Fu) | (((C >> (2 * (j % 4))) & 0x03030303u) << 4) |
           (((B >> j) & 0x01010101u) << 6);
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    const int64_t shapes[][2] = {{1, 1}, {1, 2}, {16, 128}, {17, 129}, {5, 64}, {64, 172}, {33, 255},
                                 {48, 384}, {31, 1000}, {16, 8192}, {100, 77}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int64_t n = shapes[i][0], k = shapes[i][1];
        uint8_t *canon = random_canon(&s, n, k);
        size_t tb = q35_tiles_bytes(n, k), cb = q35_row_bytes(k) * (size_t)n;
        assert_int_equal(tb, (size_t)q35_tiles_strips(n) * (size_t)q35_row_blocks(k) * Q35_TILE_BYTES);
        uint8_t *tiles = malloc(tb), *back = malloc(cb);
        q35_err err;
        assert_int_equal(q35_tiles_pack(canon, n, k, tiles, &err), 0);
        memset(back, 0xAB, cb);
        assert_int_equal(q35_tiles_unpack(tiles, n, k, back, &err), 0);
        assert_memory_equal(canon, back, cb);
        /* the fragment decode: lane/slot of (row, pair) holds that code */
        const int64_t nb = q35_row_blocks(k);
        size_t rb = q35_row_bytes(k);
        for (int64_t r = 0; r < n; r++) {
            const uint8_t *p = canon + (size_t)r * rb;
            for (int64_t b = 0; b < nb; b++) {
                int m = q35_block_codes(k, b);
                uint8_t codes[Q35_BLOCK_CODES];
                q35_unpack_planes(p + 1, m, codes);
                const uint8_t *tile = tiles + ((size_t)(r / 16) * (size_t)nb + (size_t)b) * Q35_TILE_BYTES;
                assert_int_equal(tile[Q35_TILE_SCALE_OFF + r % 16], p[0]);
                for (int pi = 0; pi < m; pi++) {
                    int lane, slot;
                    q35_tile_slot((int)(r % 16), pi, &lane, &slot);
                    uint32_t w = lane_codes(tile, lane, slot / 4);
                    assert_int_equal((w >> (8 * (slot % 4))) & 0xFF, codes[pi]);
                }
                p += q35_block_bytes(m);
            }
        }
        free(canon);
        free(tiles);
        free(back);
    }
}

static void test_slots_bijective(void **state)
{
    (void)state;
    int seen[32][32];
    memset(seen, 0, sizeof seen);
    for (int row = 0; row < 16; row++)
        for (int pair = 0; pair < 64; pair++) {
            int lane, slot;
            q35_tile_slot(row, pair, &lane, &slot);
            assert_true(lane >= 0 && lane < 32 && slot >= 0 && slot < 32);
            assert_int_equal(seen[lane][slot]++, 0);
            /* mma m16n8k16 A fragment: register r of k-tile j holds row g + 8 (r%2), pair c + 4 (r/2) */
            int g = lane / 4, c = lane % 4, j = slot / 4, rr = slot % 4;
            assert_int_equal(row, g + 8 * (rr % 2));
            assert_int_equal(pair, 8 * j + c + 4 * (rr / 2));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_slots_bijective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
