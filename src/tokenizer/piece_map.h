/* piece_map.h: a string -> token id hash map over the vocabulary's pieces.
 *
 * The BPE loop looks up every candidate pair of adjacent symbols, so lookups take a
 * (pointer, length) span of the text being encoded and never allocate. Keys point into
 * the q35_vocab, which outlives the map. Open addressing with linear probing. */
#ifndef Q35_TOKENIZER_PIECE_MAP_H
#define Q35_TOKENIZER_PIECE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"

typedef struct q35_piece_map {
    const char **keys;  /* NULL: empty slot */
    uint32_t *lens;
    int32_t *ids;
    size_t cap;         /* power of two */
    size_t count;
    size_t max_len;     /* longest key, so longer spans are rejected without hashing */
} q35_piece_map;

int q35_piece_map_init(q35_piece_map *m, size_t expected, q35_err *err);
void q35_piece_map_free(q35_piece_map *m);
/* Inserts key -> id unless the key is already present (the first id wins, as the
 * lowest id is SentencePiece's canonical one). Returns 1 inserted, 0 present. */
int q35_piece_map_put(q35_piece_map *m, const char *key, size_t len, int32_t id);
/* The id of the span, or -1. */
int32_t q35_piece_map_get(const q35_piece_map *m, const char *key, size_t len);

#endif
