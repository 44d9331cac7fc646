/* Open-addressing hash map from piece bytes to token id (see piece_map.h). */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/piece_map.h"

static uint64_t hash_bytes(const char *s, size_t n)
{
    /* FNV-1a, then a final mix so that linear probing sees well-spread low bits */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

int q35_piece_map_init(q35_piece_map *m, size_t expected, q35_err *err)
{
    memset(m, 0, sizeof *m);
    size_t cap = 16;
    while (cap < expected * 2 + 1) cap <<= 1; /* load factor <= 1/2 */
    m->keys = q35_calloc(cap, sizeof *m->keys, err);
    m->lens = q35_calloc(cap, sizeof *m->lens, err);
    m->ids = q35_calloc(cap, sizeof *m->ids, err);
    if (!m->keys || !m->lens || !m->ids) {
        q35_piece_map_free(m);
        return -1;
    }
    m->cap = cap;
    return 0;
}

void q35_piece_map_free(q35_piece_map *m)
{
    free(m->keys);
    free(m->lens);
    free(m->ids);
    memset(m, 0, sizeof *m);
}

int q35_piece_map_put(q35_piece_map *m, const char *key, size_t len, int32_t id)
{
    /* the caller sized the map for every piece, so there is always a free slot */
    size_t mask = m->cap - 1, i = (size_t)hash_bytes(key, len) & mask;
    while (m->keys[i]) {
        if (m->lens[i] == len && !memcmp(m->keys[i], key, len)) return 0;
        i = (i + 1) & mask;
    }
    m->keys[i] = key;
    m->lens[i] = (uint32_t)len;
    m->ids[i] = id;
    m->count++;
    if (len > m->max_len) m->max_len = len;
    return 1;
}

int32_t q35_piece_map_get(const q35_piece_map *m, const char *key, size_t len)
{
    if (len == 0 || len > m->max_len || m->count == 0) return -1;
    size_t mask = m->cap - 1, i = (size_t)hash_bytes(key, len) & mask;
    while (m->keys[i]) {
        if (m->lens[i] == len && !memcmp(m->keys[i], key, len)) return m->ids[i];
        i = (i + 1) & mask;
    }
    return -1;
}
