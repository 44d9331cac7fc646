/* Tests for src/common: half conversions, checked sizes, atomic outputs. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "q35/common.h"
#include "test_support.h"

static void test_f16_roundtrip(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        uint16_t x = (uint16_t)h;
        if ((x & 0x7c00u) == 0x7c00u && (x & 0x3ffu)) continue; /* NaN payloads */
        assert_int_equal(q35_f32_to_f16(q35_f16_to_f32(x)), x);
    }
    assert_true(q35_f16_to_f32(0x3c00) == 1.0f);
    assert_int_equal(q35_f32_to_f16(65520.0f), 0x7c00);
    assert_int_equal(q35_f32_to_f16(65504.0f), 0x7bff);
    /* ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 */
    assert_int_equal(q35_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
    assert_int_equal(q35_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);
}

static void test_f16_against_double(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    for (int i = 0; i < 200000; i++) {
        float f = (t_rand_uniform(&s) - 0.5f) * ldexpf(1.0f, (int)(t_rand_u64(&s) % 40) - 26);
        uint16_t h = q35_f32_to_f16(f);
        double back = q35_f16_to_f32(h);
        /* no other half is nearer */
        double err = fabs(back - f);
        uint16_t up = (uint16_t)(h + 1), dn = (uint16_t)(h - 1);
        if ((up & 0x7c00u) != 0x7c00u) assert_true(err <= fabs((double)q35_f16_to_f32(up) - f));
        if ((h & 0x7fffu) != 0) assert_true(err <= fabs((double)q35_f16_to_f32(dn) - f));
    }
}

static void test_sizes(void **state)
{
    (void)state;
    size_t r;
    assert_int_equal(q35_mul_size(SIZE_MAX / 2, 3, &r), -1);
    assert_int_equal(q35_add_size(SIZE_MAX, 1, &r), -1);
    assert_int_equal(q35_mul_size(1000, 1000, &r), 0);
    assert_int_equal(r, 1000000);
}

static void test_out_atomic(void **state)
{
    (void)state;
    q35_err err;
    const char *path = t_tmp("atomic.bin");
    unlink(path);
    q35_out o;
    assert_int_equal(q35_out_open(&o, path, &err), 0);
    assert_int_equal(q35_out_write(&o, "abc", 3, &err), 0);
    assert_int_equal(access(path, F_OK), -1); /* nothing visible before commit */
    q35_out_abort(&o);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(q35_out_open(&o, path, &err), 0);
    assert_int_equal(q35_out_write(&o, "abc", 3, &err), 0);
    assert_int_equal(q35_out_pad(&o, 8, &err), 0);
    assert_int_equal(q35_out_commit(&o, &err), 0);
    q35_map m;
    assert_int_equal(q35_map_open(path, &m, &err), 0);
    assert_int_equal(m.size, 8);
    assert_memory_equal(m.data, "abc\0\0\0\0\0", 8);
    q35_map_close(&m);
    unlink(path);
    assert_int_equal(q35_map_open("/nonexistent/x.gguf", &m, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.gguf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_roundtrip),
        cmocka_unit_test(test_f16_against_double),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_out_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
