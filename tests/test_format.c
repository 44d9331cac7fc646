/* Tests for src/format, the 3.5-bit code and its 4.5-bit sibling: grids, plane packing
 * for every block length, sizes, the scale byte, and the row quantizer's per-pair
 * guarantees. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/grids.h"
#include "q35/format.h"
#include "q35/format45.h"
#include "q35/quant.h"
#include "q35/types.h"
#include "test_support.h"

static void test_product_code(void **state)
{
    (void)state;
    int used[Q35_GRID_SIZE] = {0};
    for (int a = -5; a <= 5; a++)
        for (int b = -5; b <= 5; b++) {
            int c = q35_product_encode(a, b), a2 = 99, b2 = 99;
            assert_true(c >= 0 && c < Q35_GRID_SIZE);
            assert_int_equal(q35_product_decode(c, &a2, &b2), 1);
            assert_int_equal(a2, a);
            assert_int_equal(b2, b);
            assert_int_equal(q35_grid_p11[c][0], a);
            assert_int_equal(q35_grid_p11[c][1], b);
            used[c]++;
        }
    assert_int_equal(q35_product_encode(0, 0), 0);
    int valid = 0;
    for (int c = 0; c < Q35_GRID_SIZE; c++) {
        int a = 99, b = 99;
        int ok = q35_product_decode(c, &a, &b);
        assert_int_equal(ok, used[c]);
        assert_true(used[c] <= 1);
        if (ok) {
            valid++;
            assert_true(a >= -5 && a <= 5 && b >= -5 && b <= 5);
        } else {
            assert_int_equal(q35_grid_p11[c][0], 0);
            assert_int_equal(q35_grid_p11[c][1], 0);
        }
    }
    assert_int_equal(valid, 121);
}

static void test_split_and_codebook_grids(void **state)
{
    (void)state;
    for (int c = 0; c < Q35_GRID_SIZE; c++) {
        assert_int_equal(q35_grid_s43[c][0], c / 8 - 8);
        assert_int_equal(q35_grid_s43[c][1], c % 8 - 4);
        assert_true(q35_grid_s43[c][0] >= -8 && q35_grid_s43[c][0] <= 7);
        assert_true(q35_grid_s43[c][1] >= -4 && q35_grid_s43[c][1] <= 3);
    }
    /* the codebook: 128 distinct points, largest |coordinate| 120, centred */
    int amax = 0;
    long sx = 0, sy = 0;
    for (int c = 0; c < Q35_GRID_SIZE; c++) {
        for (int t = 0; t < 2; t++) amax = abs(q35_grid_cb[c][t]) > amax ? abs(q35_grid_cb[c][t]) : amax;
        sx += q35_grid_cb[c][0];
        sy += q35_grid_cb[c][1];
        for (int k = 0; k < c; k++)
            assert_false(q35_grid_cb[c][0] == q35_grid_cb[k][0] && q35_grid_cb[c][1] == q35_grid_cb[k][1]);
    }
    assert_int_equal(amax, 120);
    assert_true(labs(sx) < 128 * 4 && labs(sy) < 128 * 4);
    /* the traits rows point at these grids */
    assert_ptr_equal(q35_type_by_name("q35_cb")->grid, q35_grid_cb);
    assert_ptr_equal(q35_type_by_name("q35_p11")->grid, q35_grid_p11);
    assert_ptr_equal(q35_type_by_name("q35_s43")->grid, q35_grid_s43);
}

/* format.h's plane formulas, spelled bit by bit: where does bit b of code i go? */
static void pack_by_bits(const uint8_t *codes, int m, uint8_t *planes, size_t nbytes)
{
    int h2 = (m + 1) / 2, h4 = (m + 3) / 4;
    memset(planes, 0, nbytes);
    for (int i = 0; i < m; i++)
        for (int b = 0; b < 7; b++) {
            if (!((codes[i] >> b) & 1)) continue;
            int byte, bit;
            if (b < 4) {
                byte = i < h2 ? i : i - h2;
                bit = i < h2 ? b : 4 + b;
            } else if (b < 6) {
                byte = h2 + i % h4;
                bit = 2 * (i / h4) + (b - 4);
            } else {
                byte = h2 + h4 + i / 8;
                bit = i % 8;
            }
            planes[byte] |= (uint8_t)(1u << bit);
        }
}

static void test_pack_unpack_every_m(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    for (int m = 1; m <= Q35_BLOCK_CODES; m++) {
        size_t np = q35_block_bytes(m) - 1;
        assert_int_equal(np, (size_t)((m + 1) / 2 + (m + 3) / 4 + (m + 7) / 8));
        for (int rep = 0; rep < 200; rep++) {
            uint8_t codes[64], back[64], planes[64], want[64];
            for (int i = 0; i < m; i++) codes[i] = (uint8_t)(t_rand_u64(&s) % 128);
            if (rep == 0) memset(codes, 127, (size_t)m); /* every bit set */
            memset(planes, 0xAA, sizeof planes);
            q35_pack_planes(codes, m, planes);
            pack_by_bits(codes, m, want, np);
            assert_memory_equal(planes, want, np);
            assert_int_equal(planes[np], 0xAA); /* nothing written past the planes */
            q35_unpack_planes(planes, m, back);
            assert_memory_equal(back, codes, (size_t)m);
        }
    }
}

static void test_every_code_decodes(void **state)
{
    (void)state;
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43"};
    for (int ti = 0; ti < 3; ti++) {
        const q35_type_traits *t = q35_type_by_name(names[ti]);
        assert_non_null(t);
        for (int m = 1; m <= Q35_BLOCK_CODES; m += 21) {
            for (int c = 0; c < Q35_GRID_SIZE; c++) {
                uint8_t codes[64], block[Q35_BLOCK_BYTES];
                for (int i = 0; i < m; i++) codes[i] = (uint8_t)((c + i) % Q35_GRID_SIZE);
                block[0] = 8 * 24; /* d = 8 * 2^-3 = 1 */
                q35_pack_planes(codes, m, block + 1);
                float out[128];
                q35_block_decode(block, m, t->grid, out);
                for (int i = 0; i < m; i++) {
                    assert_true(out[2 * i] == (float)t->grid[codes[i]][0]);
                    assert_true(out[2 * i + 1] == (float)t->grid[codes[i]][1]);
                }
            }
        }
    }
}

static void test_sizes(void **state)
{
    (void)state;
    assert_int_equal(q35_block_bytes(64), 57);
    assert_int_equal(q35_block_bytes(1), 4);
    assert_int_equal(q35_row_bytes(64), 29);
    assert_int_equal(q35_row_bytes(128), 57);
    assert_int_equal(q35_row_bytes(129), 57 + 4);
    assert_int_equal(q35_row_bytes(172), 78);
    assert_int_equal(q35_row_bytes(8192), 64 * 57);
    assert_int_equal(q35_row_bytes(1), 4);
    assert_int_equal(q35_row_blocks(172), 2);
    assert_int_equal(q35_row_blocks(128), 1);
    assert_int_equal(q35_block_codes(172, 0), 64);
    assert_int_equal(q35_block_codes(172, 1), 22);
    assert_int_equal(q35_block_codes(255, 1), 64);
    assert_int_equal(q35_block_codes(129, 1), 1);
    assert_int_equal(q35_block_codes(129, 2), 0);
    for (int64_t n = 1; n < 1000; n++) {
        size_t sum = 0;
        for (int64_t b = 0; b < q35_row_blocks(n); b++) sum += q35_block_bytes(q35_block_codes(n, b));
        assert_int_equal(sum, q35_row_bytes(n));
    }
    const q35_type_traits *t = q35_type_by_name("q35_cb");
    assert_true(fabs(q35_type_bpw(t, 4096) - 3.5625) < 1e-12);
}

static void test_scale_exhaustive(void **state)
{
    (void)state;
    assert_true(q35_scale_to_float(0) == 0.0f);
    float prev = 0.0f;
    for (int s = 1; s < 256; s++) {
        float d = q35_scale_to_float((uint8_t)s);
        assert_true(d == (float)ldexp(8 + s % 8, s / 8 - 27));
        assert_true(d > prev);
        assert_int_equal(q35_scale_from_float(d), s);
        if (s < 255) {
            float next = q35_scale_to_float((uint8_t)(s + 1));
            float mid = (d + next) / 2;
            assert_int_equal(q35_scale_from_float(mid), s + 1); /* ties to the larger byte */
            assert_int_equal(q35_scale_from_float(nextafterf(mid, 0.0f)), s);
        }
        prev = d;
    }
    assert_int_equal(q35_scale_from_float(0.0f), 0);
    assert_int_equal(q35_scale_from_float(-1.0f), 0);
    assert_int_equal(q35_scale_from_float(NAN), 0);
    assert_int_equal(q35_scale_from_float(1e-30f), 1);
    assert_int_equal(q35_scale_from_float(1e30f), 255);
    assert_int_equal(q35_scale_from_float(INFINITY), 255);
    assert_true(q35_scale_to_float(255) == 240.0f);
    /* nearest for random values */
    uint64_t seed = t_seed();
    for (int i = 0; i < 20000; i++) {
        float d = ldexpf(1.0f + t_rand_uniform(&seed), (int)(t_rand_u64(&seed) % 34) - 27);
        int s = q35_scale_from_float(d);
        double e = fabs((double)q35_scale_to_float((uint8_t)s) - d);
        for (int k = 1; k < 256; k++) assert_true(e <= fabs((double)q35_scale_to_float((uint8_t)k) - d));
    }
}

static void fill_gauss(uint64_t *s, float *w, int64_t n, float sigma)
{
    for (int64_t i = 0; i < n; i++) w[i] = sigma * t_rand_normal(s);
}

/* p11: inside the clamp range every weight is within half a step of its decoded value. */
static void test_product_rounding_error(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    const q35_type_traits *t = q35_type_by_name("q35_p11");
    static const int64_t lens[] = {1, 2, 63, 64, 65, 127, 128, 129, 172, 255, 256, 1000};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int64_t n = lens[li];
        float *w = malloc(sizeof(float) * (size_t)n), *back = malloc(sizeof(float) * (size_t)n);
        uint8_t *row = malloc(q35_row_bytes(n));
        fill_gauss(&s, w, n, 0.02f);
        q35_quantize_row(t, w, NULL, n, row);
        t->to_float(row, n, back);
        for (int64_t k = 0; k < n; k++) {
            float d = q35_scale_to_float(row[(k / 128) * Q35_BLOCK_BYTES]);
            if (fabsf(w[k]) <= 5.5f * d) assert_true(fabsf(w[k] - back[k]) <= 0.5f * d * (1 + 1e-5f));
        }
        free(w);
        free(back);
        free(row);
    }
}

/* The codes of a block of either layout. */
static void unpack_any(const q35_type_traits *t, const uint8_t *blk, int m, uint16_t *codes)
{
    if (t->grid_size == Q35_Q45_GRID_SIZE) {
        q35_q45_unpack_planes(blk + 1, m, codes);
    } else {
        uint8_t c8[64];
        q35_unpack_planes(blk + 1, m, c8);
        for (int i = 0; i < m; i++) codes[i] = c8[i];
    }
}

/* cb, s43 and q45_cb: every pair decodes to its nearest grid point at the block's scale. */
static void test_nearest_point(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    static const char *names[] = {"q35_cb", "q35_s43", "q45_cb"};
    for (int ti = 0; ti < 3; ti++) {
        const q35_type_traits *t = q35_type_by_name(names[ti]);
        const int8_t (*g)[2] = t->grid_points;
        int64_t n = 4 * 128 + 37;
        float w[4 * 128 + 38];
        uint8_t row[8 * 73];
        for (int rep = 0; rep < 20; rep++) {
            fill_gauss(&s, w, n, ldexpf(1.0f, rep - 10));
            w[n] = 0.0f;
            q35_quantize_row(t, w, NULL, n, row);
            for (int64_t b = 0; b < q35_row_blocks(n); b++) {
                const uint8_t *blk = row + t->row_bytes(b * 128);
                int m = q35_block_codes(n, b);
                uint16_t codes[64];
                unpack_any(t, blk, m, codes);
                double d = q35_scale_to_float(blk[0]);
                assert_true(d > 0);
                for (int i = 0; i < m; i++) {
                    double u = w[b * 128 + 2 * i] / d, v = w[b * 128 + 2 * i + 1] / d;
                    double hv = b * 128 + 2 * i + 1 < n ? 1.0 : 0.0; /* the odd row's pad weight counts 0 */
                    double best = INFINITY;
                    for (int c = 0; c < t->grid_size; c++) {
                        double e = pow(u - g[c][0], 2) + hv * pow(v - g[c][1], 2);
                        best = e < best ? e : best;
                    }
                    double got = pow(u - g[codes[i]][0], 2) + hv * pow(v - g[codes[i]][1], 2);
                    assert_true(got <= best * (1 + 1e-5) + 1e-4);
                }
            }
        }
    }
}

static void test_block_dot_ref(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    for (int m = 1; m <= 64; m++) {
        uint8_t codes[64], block[57];
        float x[128], out[128];
        for (int i = 0; i < m; i++) codes[i] = (uint8_t)(t_rand_u64(&s) % 128);
        for (int k = 0; k < 128; k++) x[k] = t_rand_normal(&s);
        block[0] = (uint8_t)(1 + t_rand_u64(&s) % 255);
        q35_pack_planes(codes, m, block + 1);
        q35_block_decode(block, m, q35_grid_cb, out);
        for (int nw = 2 * m - 1; nw <= 2 * m; nw++) {
            double want = 0, mag = 0;
            for (int k = 0; k < nw; k++) {
                want += (double)out[k] * x[k];
                mag += fabs((double)out[k] * x[k]);
            }
            double got = q35_block_dot_ref(block, m, q35_grid_cb, x, nw);
            assert_true(fabs(got - want) <= 1e-12 * mag + 1e-300);
        }
    }
}

/* ---- q45_cb: 9-bit codes, byte plane + bit plane ---- */

static void test_q45_grid(void **state)
{
    (void)state;
    int amax = 0;
    long sx = 0, sy = 0;
    for (int c = 0; c < Q35_Q45_GRID_SIZE; c++) {
        for (int t = 0; t < 2; t++) amax = abs(q35_grid_cb512[c][t]) > amax ? abs(q35_grid_cb512[c][t]) : amax;
        sx += q35_grid_cb512[c][0];
        sy += q35_grid_cb512[c][1];
        for (int k = 0; k < c; k++)
            assert_false(q35_grid_cb512[c][0] == q35_grid_cb512[k][0] && q35_grid_cb512[c][1] == q35_grid_cb512[k][1]);
        if (c > 0) { /* ordered by radius */
            int r0 = q35_grid_cb512[c - 1][0] * q35_grid_cb512[c - 1][0] + q35_grid_cb512[c - 1][1] * q35_grid_cb512[c - 1][1];
            int r1 = q35_grid_cb512[c][0] * q35_grid_cb512[c][0] + q35_grid_cb512[c][1] * q35_grid_cb512[c][1];
            assert_true(r0 <= r1);
        }
    }
    assert_int_equal(amax, 120);
    assert_true(labs(sx) < 512 * 4 && labs(sy) < 512 * 4);
    const q35_type_traits *t = q35_type_by_name("q45_cb");
    assert_ptr_equal(t->grid_points, q35_grid_cb512);
    assert_int_equal(t->grid_size, Q35_Q45_GRID_SIZE);
}

/* format45.h's plane formulas, bit by bit: bits 0-7 of code i are byte i, bit 8 is bit
 * i % 8 of byte m + i / 8. */
static void q45_pack_by_bits(const uint16_t *codes, int m, uint8_t *planes, size_t nbytes)
{
    memset(planes, 0, nbytes);
    for (int i = 0; i < m; i++)
        for (int b = 0; b < 9; b++) {
            if (!((codes[i] >> b) & 1)) continue;
            if (b < 8) planes[i] |= (uint8_t)(1u << b);
            else planes[m + i / 8] |= (uint8_t)(1u << (i % 8));
        }
}

static void test_q45_pack_unpack_every_m(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    for (int m = 1; m <= Q35_BLOCK_CODES; m++) {
        size_t np = q35_q45_block_bytes(m) - 1;
        assert_int_equal(np, (size_t)(m + (m + 7) / 8));
        for (int rep = 0; rep < 200; rep++) {
            uint16_t codes[64], back[64];
            uint8_t planes[80], want[80];
            for (int i = 0; i < m; i++) codes[i] = (uint16_t)(t_rand_u64(&s) % 512);
            if (rep == 0)
                for (int i = 0; i < m; i++) codes[i] = 511; /* every bit set */
            memset(planes, 0xAA, sizeof planes);
            q35_q45_pack_planes(codes, m, planes);
            q45_pack_by_bits(codes, m, want, np);
            assert_memory_equal(planes, want, np);
            assert_int_equal(planes[np], 0xAA); /* nothing written past the planes */
            q35_q45_unpack_planes(planes, m, back);
            assert_memory_equal(back, codes, sizeof codes[0] * (size_t)m);
        }
    }
}

static void test_q45_sizes(void **state)
{
    (void)state;
    assert_int_equal(q35_q45_block_bytes(64), Q35_Q45_BLOCK_BYTES);
    assert_int_equal(q35_q45_block_bytes(64), 73);
    assert_int_equal(q35_q45_block_bytes(1), 3);
    assert_int_equal(q35_q45_block_bytes(0), 0);
    assert_int_equal(q35_q45_row_bytes(64), 1 + 32 + 4);
    assert_int_equal(q35_q45_row_bytes(128), 73);
    assert_int_equal(q35_q45_row_bytes(129), 73 + 3);
    assert_int_equal(q35_q45_row_bytes(172), 73 + 1 + 22 + 3);
    assert_int_equal(q35_q45_row_bytes(8192), 64 * 73);
    assert_int_equal(q35_q45_row_bytes(0), 0);
    for (int64_t n = 1; n < 1000; n++) {
        size_t sum = 0;
        for (int64_t b = 0; b < q35_row_blocks(n); b++) sum += q35_q45_block_bytes(q35_block_codes(n, b));
        assert_int_equal(sum, q35_q45_row_bytes(n));
        assert_int_equal(q35_type_by_name("q45_cb")->row_bytes(n), sum);
    }
    assert_true(fabs(q35_type_bpw(q35_type_by_name("q45_cb"), 4096) - 4.5625) < 1e-12);
}

static void test_q45_decode_and_dot_ref(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    for (int m = 1; m <= 64; m++) {
        uint16_t codes[64];
        uint8_t block[73];
        float x[128], out[128];
        for (int i = 0; i < m; i++) codes[i] = (uint16_t)(t_rand_u64(&s) % 512);
        for (int k = 0; k < 128; k++) x[k] = t_rand_normal(&s);
        block[0] = (uint8_t)(1 + t_rand_u64(&s) % 255);
        q35_q45_pack_planes(codes, m, block + 1);
        q35_q45_block_decode(block, m, q35_grid_cb512, out);
        float d = q35_scale_to_float(block[0]);
        for (int i = 0; i < m; i++) {
            assert_true(out[2 * i] == d * (float)q35_grid_cb512[codes[i]][0]);
            assert_true(out[2 * i + 1] == d * (float)q35_grid_cb512[codes[i]][1]);
        }
        for (int nw = 2 * m - 1; nw <= 2 * m; nw++) {
            double want = 0, mag = 0;
            for (int k = 0; k < nw; k++) {
                want += (double)out[k] * x[k];
                mag += fabs((double)out[k] * x[k]);
            }
            double got = q35_q45_block_dot_ref(block, m, q35_grid_cb512, x, nw);
            assert_true(fabs(got - want) <= 1e-12 * mag + 1e-300);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_code),
        cmocka_unit_test(test_split_and_codebook_grids),
        cmocka_unit_test(test_pack_unpack_every_m),
        cmocka_unit_test(test_every_code_decodes),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_scale_exhaustive),
        cmocka_unit_test(test_product_rounding_error),
        cmocka_unit_test(test_nearest_point),
        cmocka_unit_test(test_block_dot_ref),
        cmocka_unit_test(test_q45_grid),
        cmocka_unit_test(test_q45_pack_unpack_every_m),
        cmocka_unit_test(test_q45_sizes),
        cmocka_unit_test(test_q45_decode_and_dot_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
