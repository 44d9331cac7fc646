/* Grow-only arena: chunks of at least 64 KiB, freed together. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_ALIGN 16u

struct q35_arena {
    struct q35_arena *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *q35_arena_alloc(q35_arena **a, size_t n, q35_err *err)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) {
        q35_fail(err, "out of memory (%zu bytes)", n);
        return NULL;
    }
    q35_arena *c = *a;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK, total;
        if (q35_add_size(sizeof *c, cap, &total)) {
            q35_fail(err, "out of memory (%zu bytes)", n);
            return NULL;
        }
        c = calloc(1, total);
        if (!c) {
            q35_fail(err, "out of memory (%zu bytes)", n);
            return NULL;
        }
        c->cap = cap;
        /* A big one-off block goes behind the current chunk so the current chunk's
         * free space is still used by later small allocations. */
        if (*a && need > ARENA_CHUNK) {
            c->next = (*a)->next;
            (*a)->next = c;
        } else {
            c->next = *a;
            *a = c;
        }
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

char *q35_arena_strndup(q35_arena **a, const char *s, size_t n, q35_err *err)
{
    size_t total;
    if (q35_add_size(n, 1, &total)) {
        q35_fail(err, "out of memory");
        return NULL;
    }
    char *p = q35_arena_alloc(a, total, err);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void q35_arena_free(q35_arena *a)
{
    while (a) {
        q35_arena *next = a->next;
        free(a);
        a = next;
    }
}
