/* Tests for src/sample: greedy choice, llama2.c's random stream, and the top-p cut.
 * (tests/cli/sampled_fixture.sh checks the whole sampler against 300 llama2.c stories.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/sampler.h"
#include "test_support.h"

/* llama2.c's coin, written out again: xorshift64*, top 32 bits, top 24 of those. */
static float coin(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    uint32_t u = (uint32_t)((*s * 0x2545F4914F6CDD1Dull) >> 32);
    return (float)(u >> 8) / 16777216.0f;
}

static void test_greedy(void **state)
{
    (void)state;
    q35_sampler s;
    q35_err err;
    assert_int_equal(q35_sampler_init(&s, 5, 0.0f, 0.9f, 42, &err), 0);
    float logits[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.9f};
    assert_int_equal(q35_sample(&s, logits), 1); /* the first of two maxima */
    assert_true(logits[1] == 2.0f);              /* untouched */
    assert_true(s.rng_state == 42);              /* no randomness drawn */
    q35_sampler_free(&s);
}

/* With equal logits the probabilities are exactly 1/4, so the sample is floor(4 * coin):
 * the stream must be llama2.c's, draw for draw. */
static void test_random_stream(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        q35_sampler s;
        q35_err err;
        assert_int_equal(q35_sampler_init(&s, 4, 1.0f, 1.0f, seed, &err), 0);
        uint64_t r = seed;
        for (int i = 0; i < 200; i++) {
            float logits[4] = {3.0f, 3.0f, 3.0f, 3.0f};
            int want = (int)(coin(&r) * 4.0f);
            assert_int_equal(q35_sample(&s, logits), want);
        }
        q35_sampler_free(&s);
    }
}

/* top-p 0.7 over probabilities {0.5, 0.3, 0.15, 0.05}: the nucleus is {0, 1}, sampled
 * in proportion 5:3. */
static void test_top_p(void **state)
{
    (void)state;
    const float p[4] = {0.05f, 0.3f, 0.5f, 0.15f};
    q35_sampler s;
    q35_err err;
    assert_int_equal(q35_sampler_init(&s, 4, 1.0f, 0.7f, t_seed(), &err), 0);
    int count[4] = {0};
    for (int i = 0; i < 4000; i++) {
        float logits[4];
        for (int k = 0; k < 4; k++) logits[k] = logf(p[k]);
        count[q35_sample(&s, logits)]++;
    }
    assert_int_equal(count[0], 0);
    assert_int_equal(count[3], 0);
    double frac = count[2] / 4000.0;
    assert_true(fabs(frac - 0.625) < 0.04);
    q35_sampler_free(&s);
}

/* Temperature sharpens: at 0.1 the largest logit nearly always wins. */
static void test_temperature(void **state)
{
    (void)state;
    q35_sampler s;
    q35_err err;
    assert_int_equal(q35_sampler_init(&s, 3, 0.1f, 0.0f, 7, &err), 0);
    int top = 0;
    for (int i = 0; i < 1000; i++) {
        float logits[3] = {1.0f, 0.0f, 0.5f};
        top += q35_sample(&s, logits) == 0;
    }
    assert_true(top > 990);
    q35_sampler_free(&s);
    assert_int_equal(q35_sampler_init(&s, 3, -1.0f, 0.9f, 7, &err), -1);
    assert_non_null(strstr(err.msg, "temperature"));
    assert_int_equal(q35_sampler_init(&s, 0, 1.0f, 0.9f, 7, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_random_stream),
        cmocka_unit_test(test_top_p),
        cmocka_unit_test(test_temperature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
