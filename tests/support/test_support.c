#include "test_support.h"

#include "q35/ckpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *t_fixtures(void)
{
    static char dir[4096];
    const char *env = getenv("Q35_FIXTURES");
    snprintf(dir, sizeof dir, "%s", env && *env ? env : "../shared/fixtures");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("skipped: fixtures not found (%s)\n", dir);
        exit(77);
    }
    return dir;
}

const char *t_fixture(const char *rel)
{
    static char buf[8][4096];
    static int slot;
    char *b = buf[slot++ & 7];
    snprintf(b, 4096, "%s/%s", t_fixtures(), rel);
    return b;
}

const char *t_tmp(const char *name)
{
    static char buf[8][4096];
    static int slot;
    char *b = buf[slot++ & 7];
    const char *env = getenv("Q35_TMP");
    snprintf(b, 4096, "%s/%d_%s", env && *env ? env : "/tmp", (int)getpid(), name);
    return b;
}

uint64_t t_seed(void)
{
    const char *env = getenv("Q35_SEED");
    uint64_t s;
    if (env && *env) s = strtoull(env, NULL, 10);
    else s = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
    if (!s) s = 1;
    printf("seed: Q35_SEED=%llu\n", (unsigned long long)s);
    return s;
}

uint64_t t_rand_u64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

float t_rand_uniform(uint64_t *s) { return (float)(t_rand_u64(s) >> 40) / 16777216.0f; }

float t_rand_normal(uint64_t *s)
{
    float u1 = t_rand_uniform(s), u2 = t_rand_uniform(s);
    if (u1 < 1e-7f) u1 = 1e-7f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

int t_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

void t_assert_same_vocab(const q35_vocab *a, const q35_vocab *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_string_equal(a->pieces[i], b->pieces[i]);
        assert_true(a->scores[i] == b->scores[i]);
        assert_int_equal(a->types[i], b->types[i]);
    }
    assert_int_equal(a->bos, b->bos);
    assert_int_equal(a->eos, b->eos);
    assert_int_equal(a->unk, b->unk);
    assert_int_equal(a->add_bos, b->add_bos);
    assert_int_equal(a->add_space_prefix, b->add_space_prefix);
}
