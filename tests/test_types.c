/* Tests for the traits table (src/types): every row is reachable by id and name, sizes
 * and bits/weight, and each type's conversions and reference dot agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/format.h"
#include "q35/types.h"
#include "test_support.h"

static void test_table(void **state)
{
    (void)state;
    static const char *names[] = {"f32", "f16", "bf16", "q8_0", "q35_cb", "q35_p11", "q35_s43", "q45_cb"};
    int n = 0;
    while (q35_type_at(n)) n++;
    assert_int_equal(n, 8);
    for (int i = 0; i < n; i++) {
        const q35_type_traits *t = q35_type_at(i);
        assert_ptr_equal(q35_type_by_id(t->id), t);
        assert_ptr_equal(q35_type_by_name(t->name), t);
        assert_non_null(t->row_bytes);
        assert_non_null(t->to_float);
        assert_non_null(t->from_float);
        assert_non_null(t->dot_ref);
        assert_non_null(t->dot);
        assert_int_equal(t->is_q35, t->grid != NULL);
        /* grid_points/grid_size describe every pair-code type; `grid` only the 3.5-bit ones */
        assert_int_equal(t->grid_points != NULL, t->grid_size > 0);
        if (t->is_q35) {
            assert_ptr_equal(t->grid_points, t->grid);
            assert_int_equal(t->grid_size, Q35_GRID_SIZE);
        }
    }
    const q35_type_traits *q45 = q35_type_by_name("q45_cb");
    assert_int_equal(q45->id, Q35_TYPE_Q45_CB);
    assert_int_equal(q45->id, 3504);
    assert_false(q45->is_q35);
    assert_null(q45->grid);
    assert_int_equal(q45->grid_size, 512);
    assert_int_equal(q45->block_weights, 128);
    assert_true(fabs(q35_type_bpw(q45, 8192) - 4.5625) < 1e-12);
    assert_int_equal(q45->row_bytes(172), 73 + 1 + 22 + 3);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) assert_non_null(q35_type_by_name(names[i]));
    assert_null(q35_type_by_name("q4_0"));
    assert_null(q35_type_by_id(2));
    assert_int_equal(q35_type_by_name("q35_cb")->id, Q35_TYPE_Q35_CB);
    assert_int_equal(q35_type_by_name("q35_p11")->id, Q35_TYPE_Q35_P11);
    assert_int_equal(q35_type_by_name("q35_s43")->id, Q35_TYPE_Q35_S43);
    assert_int_equal(q35_default_type(), Q35_TYPE_Q35_CB);
    const q35_type_traits *t = q35_type_by_id(q35_default_type());
    assert_true(t->is_q35);
    assert_int_equal(t->block_weights, 128);
    assert_true(fabs(q35_type_bpw(t, 8192) - 3.5625) < 1e-12);
    assert_true(fabs(q35_type_bpw(q35_type_by_name("q8_0"), 4096) - 8.5) < 1e-12);
    assert_int_equal(t->row_bytes(172), 78);
}

/* to_float(from_float(w)) is close, and dot_ref equals the decoded row times x. */
static void test_roundtrip_and_dot_ref(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    static const int64_t lens[] = {1, 5, 64, 129, 172, 300};
    for (int i = 0; q35_type_at(i); i++) {
        const q35_type_traits *t = q35_type_at(i);
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            int64_t n = lens[li];
            float w[300], back[300], x[300];
            for (int64_t k = 0; k < n; k++) {
                w[k] = t_rand_normal(&s);
                x[k] = t_rand_normal(&s);
            }
            uint8_t *row = malloc(t->row_bytes(n));
            t->from_float(w, n, row);
            t->to_float(row, n, back);
            double e = 0, sw = 0, want = 0, mag = 0;
            for (int64_t k = 0; k < n; k++) {
                e += (w[k] - back[k]) * (double)(w[k] - back[k]);
                sw += (double)w[k] * w[k];
                want += (double)back[k] * x[k];
                mag += fabs((double)back[k] * x[k]);
            }
            assert_true(e <= (t->grid_size ? 0.2 : 1e-3) * sw);
            assert_true(fabs(t->dot_ref(row, x, n) - want) <= 1e-6 * mag + 1e-30);
            free(row);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_roundtrip_and_dot_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
