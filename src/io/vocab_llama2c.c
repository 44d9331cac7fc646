/* llama2.c tokenizer.bin: int32 max_token_length, then per token a float score, an
 * int32 length and the bytes. Pieces are stored with plain spaces and BOS/EOS as
 * "\n<s>\n" / "\n</s>\n"; we convert them to the SentencePiece form GGUF uses, so a
 * llama2.c vocabulary and a GGUF one compare equal piece by piece. */
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"

#define MAX_PIECE_LEN (1 << 16)

void q35_vocab_free(q35_vocab *v)
{
    if (!v) return;
    if (v->pieces)
        for (int i = 0; i < v->n; i++) free(v->pieces[i]);
    free(v->pieces);
    free(v->scores);
    free(v->types);
    if (v->merges)
        for (int i = 0; i < v->n_merges; i++) free(v->merges[i]);
    free(v->merges);
    if (v->pre_regex)
        for (int i = 0; i < v->n_pre_regex; i++) free(v->pre_regex[i]);
    free(v->pre_regex);
    free(v->pre);
    memset(v, 0, sizeof *v);
}

/* Spaces become U+2581 (3 bytes in UTF-8). */
static char *to_spm(const uint8_t *s, size_t len, q35_err *err)
{
    size_t spaces = 0;
    for (size_t i = 0; i < len; i++) spaces += s[i] == ' ';
    char *out = q35_malloc(len + 2 * spaces + 1, err), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            memcpy(o, "\xe2\x96\x81", 3);
            o += 3;
        } else {
            *o++ = (char)s[i];
        }
    }
    *o = 0;
    return out;
}

int q35_vocab_from_llama2c(const char *path, int n, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    if (n <= 0) return q35_fail(err, "%s: expected token count %d is not positive", path, n);
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    int rc = -1;
    int32_t max_len;
    if (m.size < 4) {
        q35_fail(err, "%s: too short for a llama2.c tokenizer (%zu bytes)", path, m.size);
        goto done;
    }
    memcpy(&max_len, m.data, 4);
    if (max_len <= 0 || max_len > MAX_PIECE_LEN) {
        q35_fail(err, "%s: max_token_length %d out of range [1, %d]", path, max_len, MAX_PIECE_LEN);
        goto done;
    }
    /* First pass: count and bound-check every record without allocating per token. */
    size_t off = 4;
    int count = 0;
    while (off < m.size) {
        if (m.size - off < 8) {
            q35_fail(err, "%s: truncated in token %d (offset %zu)", path, count, off);
            goto done;
        }
        int32_t len;
        memcpy(&len, m.data + off + 4, 4);
        if (len < 0 || len > max_len) {
            q35_fail(err, "%s: token %d has length %d, outside [0, max_token_length %d]", path, count, len, max_len);
            goto done;
        }
        if ((size_t)len > m.size - off - 8) {
            q35_fail(err, "%s: token %d (%d bytes at offset %zu) runs past end of file", path, count, len, off + 8);
            goto done;
        }
        off += 8 + (size_t)len;
        if (++count > n) break;
    }
    if (count != n) {
        q35_fail(err, "%s: tokenizer has %s%d tokens, the model has %d", path, count > n ? "more than " : "",
                 count > n ? n : count, n);
        goto done;
    }
    v->n = n;
    v->pieces = q35_calloc((size_t)n, sizeof *v->pieces, err);
    v->scores = q35_calloc((size_t)n, sizeof *v->scores, err);
    v->types = q35_calloc((size_t)n, sizeof *v->types, err);
    if (!v->pieces || !v->scores || !v->types) goto done;
    off = 4;
    for (int i = 0; i < n; i++) {
        int32_t len;
        memcpy(&v->scores[i], m.data + off, 4);
        memcpy(&len, m.data + off + 4, 4);
        const uint8_t *s = m.data + off + 8;
        off += 8 + (size_t)len;
        if (memchr(s, 0, (size_t)len)) {
            q35_fail(err, "%s: token %d contains a NUL byte", path, i);
            goto done;
        }
        if (i == 1 && len == 5 && !memcmp(s, "\n<s>\n", 5)) s++, len -= 2;
        if (i == 2 && len == 6 && !memcmp(s, "\n</s>\n", 6)) s++, len -= 2;
        if (!(v->pieces[i] = to_spm(s, (size_t)len, err))) goto done;
        if (q35_piece_is_byte(v->pieces[i])) v->types[i] = Q35_TOK_BYTE;
        else if (!strcmp(v->pieces[i], "<unk>")) v->types[i] = Q35_TOK_UNKNOWN;
        else if (i == 1 || i == 2) v->types[i] = Q35_TOK_CONTROL;
        else v->types[i] = Q35_TOK_NORMAL;
    }
    /* llama2.c hard-codes these ids (run.c: BOS 1, EOS 2) */
    v->unk = 0;
    v->bos = n > 1 ? 1 : -1;
    v->eos = n > 2 ? 2 : -1;
    v->add_bos = 1;
    v->add_space_prefix = 1;
    rc = 0;
done:
    if (rc) q35_vocab_free(v);
    q35_map_close(&m);
    return rc;
}
