/* arena.h (internal to src/io): a grow-only allocator for the many small strings and
 * arrays a parsed file owns (GGUF keys, token pieces, tensor names), so that closing the
 * file is one call and a parse that fails half-way leaks nothing. */
#ifndef Q35_IO_ARENA_H
#define Q35_IO_ARENA_H

#include <stddef.h>

#include "q35/common.h"

typedef struct q35_arena q35_arena; /* a chain of chunks; NULL is an empty arena */

/* 16-byte aligned, zero-filled memory that lives until q35_arena_free. */
void *q35_arena_alloc(q35_arena **a, size_t n, q35_err *err);
/* Copies n bytes and appends a NUL. */
char *q35_arena_strndup(q35_arena **a, const char *s, size_t n, q35_err *err);
void q35_arena_free(q35_arena *a);

#endif
