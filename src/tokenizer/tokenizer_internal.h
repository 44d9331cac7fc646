/* tokenizer_internal.h: the q35_tokenizer shared by the encoders (encode.c for
 * SentencePiece, bpe.c for byte-level BPE) and the decoder (tokenizer.c). Everything here
 * is derived once from the q35_vocab. The vocabulary's kind picks one row of the algorithm
 * table in tokenizer.c, once, in q35_tokenizer_new. */
#ifndef Q35_TOKENIZER_INTERNAL_H
#define Q35_TOKENIZER_INTERNAL_H

#include <stdint.h>

#include "q35/tokenizer.h"
#include "tokenizer/piece_map.h"

typedef struct q35_bpe q35_bpe; /* bpe.c */

/* One tokenizer algorithm: init builds its tables; print writes what token id prints
 * as to dst, at most strlen(its piece) bytes, and returns the count (q35_tokenizer_new
 * builds text, text_off and text_len from it); tokenize is q35_tokenize for it. */
typedef struct q35_tok_algo {
    const char *name;
    int (*init)(q35_tokenizer *t, q35_err *err);
    size_t (*print)(const q35_tokenizer *t, int id, char *dst);
    int (*tokenize)(const q35_tokenizer *t, const char *text, size_t len, int add_bos, int32_t **out,
                    size_t *n_out, q35_err *err);
} q35_tok_algo;

struct q35_tokenizer {
    const q35_vocab *vocab;
    const q35_tok_algo *algo;
    /* llama2.c's printing rules (SentencePiece): the space after BOS is dropped and a lone
     * non-printable byte prints as nothing. */
    int llama2c_print;
    q35_bpe *bpe;          /* byte-level BPE tables; NULL for SentencePiece */
    /* Pieces BPE may merge into: NORMAL, USER_DEFINED and UNUSED ones, as SentencePiece's
     * pieces_ map. Control, unknown and byte tokens are left out, so "<s>" or "<0x0A>"
     * written literally in a text stay ordinary characters. */
    q35_piece_map merge;
    /* Code points found inside some mergeable piece of two or more code points. Any
     * other code point can never take part in a merge, so it splits the text into
     * stretches that are merged independently: long texts then work on small heaps
     * that stay in cache, with exactly the same result. */
    q35_piece_map inner;
    int32_t byte_id[256];  /* the <0xNN> token of each byte, -1 if the vocab lacks it */
    int bos, unk;
    /* What each token prints as (llama2.c's decode()): spans into one arena. */
    char *text;
    size_t *text_off;
    uint32_t *text_len;
};

int q35_spm_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos, int32_t **out,
                     size_t *n_out, q35_err *err);
int q35_bpe_init(q35_tokenizer *t, q35_err *err);
size_t q35_bpe_print(const q35_tokenizer *t, int id, char *dst);
int q35_bpe_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos, int32_t **out,
                     size_t *n_out, q35_err *err);
void q35_bpe_free(q35_bpe *b);

/* Bytes of the code point starting at p (at most `left` > 0); a malformed sequence
 * ends at the first byte that is not a continuation byte. */
static inline uint32_t q35_utf8_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    uint32_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
    if (n > left) n = (uint32_t)left;
    for (uint32_t k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80) return k;
    return n;
}

#endif
