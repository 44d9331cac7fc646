/* Allocation and size arithmetic that report failure instead of overflowing. */
#include <stdlib.h>
#include <string.h>

#include "q35/common.h"

int q35_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

int q35_add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) return -1;
    *out = a + b;
    return 0;
}

void *q35_malloc(size_t n, q35_err *err)
{
    void *p = malloc(n ? n : 1);
    if (!p) q35_fail(err, "out of memory (%zu bytes)", n);
    return p;
}

void *q35_calloc(size_t count, size_t size, q35_err *err)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) q35_fail(err, "out of memory (%zu x %zu bytes)", count, size);
    return p;
}

char *q35_strdup(const char *s, q35_err *err)
{
    size_t n = strlen(s) + 1;
    char *p = q35_malloc(n, err);
    if (p) memcpy(p, s, n);
    return p;
}
