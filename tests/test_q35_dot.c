/* The fast dot products (src/cpu/q35_dot*.c) against the reference dots of the traits
 * table, for every type with a fast path, every ISA variant this CPU can run, and row
 * lengths around the block edges. Rows and x are allocated at their exact sizes, so the
 * sanitizer build catches any read past them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/q35_dot.h"
#include "q35/format.h"
#include "q35/format45.h"
#include "q35/types.h"
#include "test_support.h"

static const int64_t lens[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128,
                               129, 172, 255, 256, 257, 1000, 4097};
#define N_LENS ((int)(sizeof lens / sizeof lens[0]))

static float dot_isa(const q35_type_traits *t, int isa, const void *row, const float *x, int64_t n)
{
    if (t->is_q35) return q35_dot_q35_isa(isa, t->grid, row, x, n);
    if (t->id == Q35_TYPE_Q45_CB) return q35_dot_q45_isa(isa, t->grid_points, row, x, n);
    if (t->id == Q35_TYPE_F32) return q35_dot_f32_isa(isa, row, x, n);
    if (t->id == Q35_TYPE_F16) return q35_dot_f16_isa(isa, row, x, n);
    return q35_dot_q8_0_isa(isa, row, x, n);
}

static void check_type(const char *name, uint64_t *s)
{
    const q35_type_traits *t = q35_type_by_name(name);
    assert_non_null(t);
    for (int li = 0; li < N_LENS; li++) {
        int64_t n = lens[li];
        for (int rep = 0; rep < 4; rep++) {
            float *w = malloc(sizeof(float) * (size_t)n), *x = malloc(sizeof(float) * (size_t)n);
            float *back = malloc(sizeof(float) * (size_t)n);
            size_t rb = t->row_bytes(n);
            uint8_t *row = malloc(rb);
            assert_true(w && x && back && row);
            /* blocks of very different magnitudes exercise the scale bytes */
            for (int64_t k = 0; k < n; k++) {
                float mag = ldexpf(1.0f, (int)((k / 128 + (int64_t)rep * 7) % 9) - 6);
                w[k] = mag * t_rand_normal(s);
                x[k] = t_rand_normal(s);
            }
            t->from_float(w, n, row);
            t->to_float(row, n, back);
            double mag = 0;
            for (int64_t k = 0; k < n; k++) mag += fabs((double)back[k] * x[k]);
            double ref = t->dot_ref(row, x, n);
            double tol = 1e-5 * mag + 1e-30;
            for (int isa = Q35_ISA_SCALAR; isa <= Q35_ISA_AVX512; isa++) {
                if (!q35_cpu_has_isa(isa)) continue;
                double got = dot_isa(t, isa, row, x, n);
                if (!(fabs(got - ref) <= tol))
                    print_error("%s n=%lld isa=%s: fast %.9g ref %.9g (tol %.3g)\n", name, (long long)n,
                                q35_isa_name(isa), got, ref, tol);
                assert_true(fabs(got - ref) <= tol);
            }
            assert_true(fabs((double)t->dot(row, x, n) - ref) <= tol);
            free(w);
            free(x);
            free(back);
            free(row);
        }
    }
}

static void test_isas(void **state)
{
    (void)state;
    printf("ISAs:");
    for (int isa = Q35_ISA_SCALAR; isa <= Q35_ISA_AVX512; isa++)
        if (q35_cpu_has_isa(isa)) printf(" %s", q35_isa_name(isa));
    printf(" (dispatch uses %s)\n", q35_isa_name(q35_cpu_best_isa()));
    assert_true(q35_cpu_has_isa(Q35_ISA_SCALAR));
    assert_true(q35_cpu_has_isa(q35_cpu_best_isa()));
    for (int b = 0; b < 256; b++) assert_true(q35_scale_bits((uint8_t)b) == q35_scale_to_float((uint8_t)b));
}

static void test_q35_cb(void **state) { (void)state; uint64_t s = t_seed(); check_type("q35_cb", &s); }
static void test_q35_p11(void **state) { (void)state; uint64_t s = t_seed(); check_type("q35_p11", &s); }
static void test_q35_s43(void **state) { (void)state; uint64_t s = t_seed(); check_type("q35_s43", &s); }
static void test_q45_cb(void **state) { (void)state; uint64_t s = t_seed(); check_type("q45_cb", &s); }
static void test_f32(void **state) { (void)state; uint64_t s = t_seed(); check_type("f32", &s); }
static void test_f16(void **state) { (void)state; uint64_t s = t_seed(); check_type("f16", &s); }
static void test_q8_0(void **state) { (void)state; uint64_t s = t_seed(); check_type("q8_0", &s); }

/* Every code in every position: a row whose blocks cycle through all the grid's codes,
 * so a wrong plane offset or table part shows up whatever the quantizer would pick. */
static void test_all_codes(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    static const char *names[] = {"q35_cb", "q35_p11", "q35_s43", "q45_cb"};
    const int64_t n = 128 * 10 + 50;
    for (int ti = 0; ti < 4; ti++) {
        const q35_type_traits *t = q35_type_by_name(names[ti]);
        const int q45 = t->grid_size == Q35_Q45_GRID_SIZE;
        uint8_t *row = malloc(t->row_bytes(n));
        float *x = malloc(sizeof(float) * (size_t)n);
        for (int64_t k = 0; k < n; k++) x[k] = t_rand_normal(&s);
        uint8_t *p = row;
        for (int64_t b = 0; b < q35_row_blocks(n); b++) {
            int m = q35_block_codes(n, b);
            uint16_t codes[64];
            uint8_t c8[64];
            for (int i = 0; i < m; i++) codes[i] = (uint16_t)((b * 64 + i * 37) % t->grid_size);
            p[0] = (uint8_t)(150 + b);
            if (q45) {
                q35_q45_pack_planes(codes, m, p + 1);
                p += q35_q45_block_bytes(m);
            } else {
                for (int i = 0; i < m; i++) c8[i] = (uint8_t)codes[i];
                q35_pack_planes(c8, m, p + 1);
                p += q35_block_bytes(m);
            }
        }
        assert_int_equal((size_t)(p - row), t->row_bytes(n));
        double ref = t->dot_ref(row, x, n);
        float *back = malloc(sizeof(float) * (size_t)n);
        t->to_float(row, n, back);
        double mag = 0;
        for (int64_t k = 0; k < n; k++) mag += fabs((double)back[k] * x[k]);
        for (int isa = Q35_ISA_SCALAR; isa <= Q35_ISA_AVX512; isa++)
            if (q35_cpu_has_isa(isa)) assert_true(fabs(dot_isa(t, isa, row, x, n) - ref) <= 1e-5 * mag);
        free(back);
        free(row);
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isas),  cmocka_unit_test(test_q35_cb), cmocka_unit_test(test_q35_p11),
        cmocka_unit_test(test_q35_s43), cmocka_unit_test(test_f32), cmocka_unit_test(test_f16),
        cmocka_unit_test(test_q8_0),  cmocka_unit_test(test_q45_cb), cmocka_unit_test(test_all_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
