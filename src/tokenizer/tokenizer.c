/* The tokenizer's tables (merge map, byte tokens, printed forms) and decoding. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_internal.h"

static const char SPACE_MARK[] = "\xE2\x96\x81"; /* U+2581, SentencePiece's space */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The byte of a "<0xNN>" piece, or -1. */
static int byte_piece_value(const char *p)
{
    if (strlen(p) != 6 || strncmp(p, "<0x", 3) != 0 || p[5] != '>') return -1;
    int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static int token_type(const q35_vocab *v, int i)
{
    /* llama2.c files carry no types: their specials are known only by id */
    if (i == v->bos || i == v->eos) return Q35_TOK_CONTROL;
    if (i == v->unk) return Q35_TOK_UNKNOWN;
    int t = v->types ? v->types[i] : Q35_TOK_NORMAL;
    if (t == Q35_TOK_NORMAL && byte_piece_value(v->pieces[i] ? v->pieces[i] : "") >= 0)
        return Q35_TOK_BYTE;
    return t;
}

/* llama2.c's decode(): a "<0xNN>" piece prints as its raw byte whatever its type, a
 * control token as nothing, and U+2581 as a space. */
static size_t spm_print(const q35_tokenizer *t, int id, char *dst)
{
    const char *p = t->vocab->pieces[id] ? t->vocab->pieces[id] : "";
    int byte = byte_piece_value(p);
    if (byte >= 0) {
        dst[0] = (char)byte;
        return 1;
    }
    if (token_type(t->vocab, id) == Q35_TOK_CONTROL) return 0;
    size_t n = 0;
    while (*p) {
        if (!strncmp(p, SPACE_MARK, 3)) {
            dst[n++] = ' ';
            p += 3;
        } else {
            dst[n++] = *p++;
        }
    }
    return n;
}

/* What every token prints as, through the algorithm's print, into one arena sized by
 * the pieces' lengths (a printed form is never longer than its piece). */
static int build_text(q35_tokenizer *t, q35_err *err)
{
    const q35_vocab *v = t->vocab;
    size_t total = 0;
    for (int i = 0; i < v->n; i++)
        if (v->pieces[i] && q35_add_size(total, strlen(v->pieces[i]), &total))
            return q35_fail(err, "tokenizer: vocabulary too large");
    t->text = q35_malloc(total + 1, err);
    t->text_off = q35_calloc((size_t)v->n, sizeof *t->text_off, err);
    t->text_len = q35_calloc((size_t)v->n, sizeof *t->text_len, err);
    if (!t->text || !t->text_off || !t->text_len) return -1;
    size_t pos = 0;
    for (int i = 0; i < v->n; i++) {
        t->text_off[i] = pos;
        pos += t->algo->print(t, i, t->text + pos);
        t->text_len[i] = (uint32_t)(pos - t->text_off[i]);
    }
    return 0;
}

static int build_inner(q35_tokenizer *t, q35_err *err)
{
    const q35_piece_map *m = &t->merge;
    size_t total = 0;
    for (size_t i = 0; i < m->cap; i++) total += m->keys[i] ? m->lens[i] : 0;
    if (q35_piece_map_init(&t->inner, total, err)) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        const unsigned char *p = (const unsigned char *)m->keys[i];
        if (!p) continue;
        size_t len = m->lens[i];
        if (q35_utf8_len(p, len) == len) continue; /* a single code point merges nothing */
        for (size_t off = 0; off < len;) {
            uint32_t n = q35_utf8_len(p + off, len - off);
            q35_piece_map_put(&t->inner, (const char *)p + off, n, 1);
            off += n;
        }
    }
    return 0;
}

static int spm_init(q35_tokenizer *t, q35_err *err)
{
    const q35_vocab *vocab = t->vocab;
    t->llama2c_print = 1;
    for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
    if (q35_piece_map_init(&t->merge, (size_t)vocab->n, err)) return -1;
    for (int i = 0; i < vocab->n; i++) {
        const char *p = vocab->pieces[i];
        if (!p || !*p) continue; /* an empty piece can never be produced */
        int type = token_type(vocab, i);
        if (type == Q35_TOK_BYTE) {
            int b = byte_piece_value(p);
            if (b >= 0 && t->byte_id[b] < 0) t->byte_id[b] = i;
        } else if (type == Q35_TOK_NORMAL || type == Q35_TOK_USER || type == Q35_TOK_UNUSED) {
            q35_piece_map_put(&t->merge, p, strlen(p), i);
        }
    }
    return build_inner(t, err);
}

/* The algorithms, one row per q35_vocab kind. */
static const q35_tok_algo ALGOS[Q35_VOCAB_N_KINDS] = {
    [Q35_VOCAB_SPM] = { "SentencePiece BPE", spm_init, spm_print, q35_spm_tokenize },
    [Q35_VOCAB_BPE] = { "byte-level BPE", q35_bpe_init, q35_bpe_print, q35_bpe_tokenize },
};

q35_tokenizer *q35_tokenizer_new(const q35_vocab *vocab, q35_err *err)
{
    if (!vocab || vocab->n <= 0 || !vocab->pieces) {
        q35_fail(err, "tokenizer: empty vocabulary");
        return NULL;
    }
    if (vocab->kind < 0 || vocab->kind >= Q35_VOCAB_N_KINDS) {
        q35_fail(err, "tokenizer: unknown vocabulary kind %d", vocab->kind);
        return NULL;
    }
    q35_tokenizer *t = q35_calloc(1, sizeof *t, err);
    if (!t) return NULL;
    t->vocab = vocab;
    t->algo = &ALGOS[vocab->kind];
    t->bos = vocab->bos < vocab->n ? vocab->bos : -1;
    t->unk = vocab->unk < vocab->n ? vocab->unk : -1;
    if (t->algo->init(t, err) || build_text(t, err)) {
        q35_tokenizer_free(t);
        return NULL;
    }
    return t;
}

int q35_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos,
                 int32_t **out, size_t *n_out, q35_err *err)
{
    return t->algo->tokenize(t, text, len, add_bos, out, n_out, err);
}

void q35_tokenizer_free(q35_tokenizer *t)
{
    if (!t) return;
    q35_bpe_free(t->bpe);
    q35_piece_map_free(&t->merge);
    q35_piece_map_free(&t->inner);
    free(t->text);
    free(t->text_off);
    free(t->text_len);
    free(t);
}

const char *q35_token_text(const q35_tokenizer *t, int prev, int tok, size_t *len)
{
    if (tok < 0 || tok >= t->vocab->n) {
        *len = 0;
        return "";
    }
    const char *s = t->text + t->text_off[tok];
    size_t n = t->text_len[tok];
    /* SentencePiece's decoder drops the dummy-prefix space of the first piece */
    const char *piece = t->vocab->pieces[tok];
    if (t->llama2c_print && prev >= 0 && prev == t->bos && n > 0 && s[0] == ' ' && piece &&
        !strncmp(piece, SPACE_MARK, 3)) {
        s++;
        n--;
    }
    *len = n;
    return s;
}

int q35_token_printable(const q35_tokenizer *t, int prev, int tok, const char **text, size_t *len)
{
    *text = q35_token_text(t, prev, tok, len);
    if (*len == 1) {
        unsigned char c = (unsigned char)(*text)[0];
        /* raw control bytes, as safe_printf; byte-level BPE keeps the bytes >= 0x80 that
         * build up UTF-8 characters token by token */
        if (!(isprint(c) || isspace(c)) && (t->llama2c_print || c < 0x80)) *len = 0;
    }
    return 0;
}
