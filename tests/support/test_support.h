/* Test helpers: where the fixtures are, a scratch directory, and fresh random seeds.
 * Unit tests use cmocka (include <cmocka.h> after the usual headers). */
#ifndef Q35_TEST_SUPPORT_H
#define Q35_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* $Q35_FIXTURES (default ../shared/fixtures next to the repo). If it is missing, prints
 * "skipped: fixtures not found" and exits 77, which CTest reports as skipped. */
const char *t_fixtures(void);
/* Joins the fixtures dir and a relative name into a static buffer (one at a time per slot). */
const char *t_fixture(const char *rel);
/* A path for a scratch file under $Q35_TMP (or /tmp), unique per process. */
const char *t_tmp(const char *name);
/* A fresh seed (time and pid), printed so a failure can be replayed with Q35_SEED=... */
uint64_t t_seed(void);
/* xorshift64* stream for test data */
uint64_t t_rand_u64(uint64_t *s);
float t_rand_uniform(uint64_t *s);   /* [0, 1) */
float t_rand_normal(uint64_t *s);
/* Asserts two vocabularies are identical: pieces, scores, types, special ids. */
struct q35_vocab;
void t_assert_same_vocab(const struct q35_vocab *a, const struct q35_vocab *b);
/* Writes len bytes to path; returns 0 on success. */
int t_write_file(const char *path, const void *data, size_t len);

#endif
