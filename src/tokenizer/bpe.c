/* Byte-level BPE: Hugging Face's "BPE" model behind the ByteLevel pre-tokenizer (GPT-2,
 * LLaMA-3), llama.cpp's "gpt2" vocabulary.
 *
 * Encoding, as HF tokenizers does it:
 *  1. Added tokens (CONTROL and USER_DEFINED types) are cut out of the text first, by
 *     exact match of their content, leftmost and then longest.
 *  2. Each stretch between them is split by the pre-tokenizer's regexes in turn (PCRE2 in
 *     UTF mode with Unicode properties, so \p{L} and \s mean what they mean in Rust's and
 *     Oniguruma's engines). Text a regex does not match stays a piece of its own, as HF's
 *     "Isolated" split behaviour keeps it.
 *  3. Each piece's bytes become symbols: the token of the byte's character in GPT-2's
 *     byte-to-unicode alphabet (' ' is U+0120 'Ġ', '\n' is U+010A 'Ċ').
 *  4. With ignore_merges (LLaMA-3) a piece that is itself a token is that token.
 *     Otherwise adjacent symbols merge, lowest merge rank first, leftmost first among
 *     equal ranks: a min-heap of candidate pairs, entries made stale by an earlier merge
 *     recognised on pop. Merge ranks and results come from one hash map keyed by the
 *     pair of token ids.
 * Decoding maps a token's characters back through the alphabet to bytes, so
 * decode(encode(text)) == text for any text without added-token strings in it. */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer/tokenizer_internal.h"

#define N_ALPHABET 324 /* code points 0..323 cover GPT-2's byte alphabet */

typedef struct merge_slot {
    uint64_t key;  /* left id << 32 | right id */
    int32_t rank;  /* -1: empty slot */
    int32_t id;    /* the merged token */
} merge_slot;

typedef struct special {
    const char *s;
    uint32_t len;
    int32_t id;
} special;

struct q35_bpe {
    pcre2_code **re;
    int n_re;
    char byte_str[256][2];    /* UTF-8 of each byte's alphabet character */
    uint8_t byte_len[256];
    int16_t char_byte[N_ALPHABET]; /* inverse: code point -> byte, -1 outside the alphabet */
    int32_t byte_tok[256];    /* the token of each byte's character, -1 if the vocab lacks it */
    q35_piece_map tok;        /* piece -> id over every token */
    merge_slot *merges;
    size_t merge_mask;
    special *specials;        /* longest first */
    int n_specials;
    uint8_t special_first[256]; /* some added token starts with this byte */
    int ignore_merges;
};

/* ---- the alphabet ---- */

static void build_alphabet(q35_bpe *b)
{
    int extra = 0;
    for (int i = 0; i < N_ALPHABET; i++) b->char_byte[i] = -1;
    for (int c = 0; c < 256; c++) {
        int keep = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174;
        uint32_t cp = keep ? (uint32_t)c : 256u + (uint32_t)extra++;
        b->char_byte[cp] = (int16_t)c;
        if (cp < 0x80) {
            b->byte_str[c][0] = (char)cp;
            b->byte_len[c] = 1;
        } else {
            b->byte_str[c][0] = (char)(0xC0 | (cp >> 6));
            b->byte_str[c][1] = (char)(0x80 | (cp & 0x3F));
            b->byte_len[c] = 2;
        }
    }
}

/* Writes the bytes a piece stands for into out (at most strlen(p) bytes): alphabet
 * characters become their byte, anything else is copied as it is. Returns the length. */
static size_t decode_piece(const q35_bpe *b, const char *p, char *out)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t len = strlen(p), n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t k = q35_utf8_len(s + i, len - i), cp = N_ALPHABET;
        if (k == 1 && s[i] < 0x80) cp = s[i];
        else if (k == 2 && (s[i] & 0xE0) == 0xC0) cp = ((uint32_t)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
        if (cp < N_ALPHABET && b->char_byte[cp] >= 0) {
            out[n++] = (char)b->char_byte[cp];
        } else {
            memcpy(out + n, s + i, k);
            n += k;
        }
        i += k;
    }
    return n;
}

/* ---- the merge table ---- */

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static const merge_slot *merge_find(const q35_bpe *b, int32_t l, int32_t r)
{
    uint64_t key = (uint64_t)(uint32_t)l << 32 | (uint32_t)r;
    for (size_t i = (size_t)mix64(key) & b->merge_mask;; i = (i + 1) & b->merge_mask) {
        const merge_slot *m = &b->merges[i];
        if (m->rank < 0) return NULL;
        if (m->key == key) return m;
    }
}

/* Adds a merge unless the pair is already there (the lowest rank wins). */
static void merge_put(q35_bpe *b, int32_t l, int32_t r, int32_t rank, int32_t id)
{
    uint64_t key = (uint64_t)(uint32_t)l << 32 | (uint32_t)r;
    size_t i = (size_t)mix64(key) & b->merge_mask;
    while (b->merges[i].rank >= 0) {
        if (b->merges[i].key == key) return;
        i = (i + 1) & b->merge_mask;
    }
    b->merges[i] = (merge_slot){ key, rank, id };
}

static int tok_type(const q35_vocab *v, int i)
{
    return v->types ? v->types[i] : Q35_TOK_NORMAL;
}

static int build_merges(q35_bpe *b, const q35_vocab *v, q35_err *err)
{
    size_t cap = 16;
    while (cap < (size_t)v->n_merges * 2 + 1) cap <<= 1;
    b->merges = q35_malloc(cap * sizeof *b->merges, err);
    if (!b->merges) return -1;
    for (size_t i = 0; i < cap; i++) b->merges[i].rank = -1;
    b->merge_mask = cap - 1;
    size_t longest = 0;
    for (int r = 0; r < v->n_merges; r++) {
        size_t n = v->merges[r] ? strlen(v->merges[r]) : 0;
        if (n > longest) longest = n;
    }
    char *joined = q35_malloc(longest + 1, err);
    if (!joined) return -1;
    int rc = 0;
    for (int r = 0; r < v->n_merges && rc == 0; r++) {
        const char *m = v->merges[r] ? v->merges[r] : "";
        /* as llama.cpp: the left part is non-empty, so split at the first space after it */
        const char *sp = *m ? strchr(m + 1, ' ') : NULL;
        if (!sp || !sp[1]) {
            rc = q35_fail(err, "tokenizer: merge %d '%s' is not two tokens separated by a space", r, m);
            break;
        }
        size_t ln = (size_t)(sp - m), rn = strlen(sp + 1);
        memcpy(joined, m, ln);
        memcpy(joined + ln, sp + 1, rn);
        int32_t l = q35_piece_map_get(&b->tok, m, ln), rt = q35_piece_map_get(&b->tok, sp + 1, rn);
        int32_t id = q35_piece_map_get(&b->tok, joined, ln + rn);
        if (l < 0 || rt < 0 || id < 0)
            rc = q35_fail(err, "tokenizer: merge %d '%s' names a token not in the vocabulary ('%.*s')", r, m,
                          l < 0 ? (int)ln : rt < 0 ? (int)rn : (int)(ln + rn),
                          l < 0 ? m : rt < 0 ? sp + 1 : joined);
        else
            merge_put(b, l, rt, r, id);
    }
    free(joined);
    return rc;
}

/* ---- added tokens and regexes ---- */

static int special_cmp(const void *x, const void *y)
{
    const special *a = x, *b = y;
    if (a->len != b->len) return a->len > b->len ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int build_specials(q35_bpe *b, const q35_vocab *v, q35_err *err)
{
    int n = 0;
    for (int i = 0; i < v->n; i++) {
        int type = tok_type(v, i);
        n += (type == Q35_TOK_CONTROL || type == Q35_TOK_USER) && v->pieces[i] && *v->pieces[i];
    }
    if (n == 0) return 0;
    b->specials = q35_malloc((size_t)n * sizeof *b->specials, err);
    if (!b->specials) return -1;
    for (int i = 0; i < v->n; i++) {
        int type = tok_type(v, i);
        const char *p = v->pieces[i];
        if (!((type == Q35_TOK_CONTROL || type == Q35_TOK_USER) && p && *p)) continue;
        b->specials[b->n_specials++] = (special){ p, (uint32_t)strlen(p), i };
        b->special_first[(unsigned char)p[0]] = 1;
    }
    qsort(b->specials, (size_t)b->n_specials, sizeof *b->specials, special_cmp);
    return 0;
}

static int compile_regexes(q35_bpe *b, const q35_vocab *v, q35_err *err)
{
    if (v->n_pre_regex <= 0) return 0;
    b->re = q35_calloc((size_t)v->n_pre_regex, sizeof *b->re, err);
    if (!b->re) return -1;
    for (int i = 0; i < v->n_pre_regex; i++) {
        const char *pat = v->pre_regex[i] ? v->pre_regex[i] : "";
        int code;
        PCRE2_SIZE at;
        b->re[i] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &at, NULL);
        if (!b->re[i]) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return q35_fail(err, "tokenizer: pre-tokenizer regex %d: %s at offset %zu", i, (const char *)msg,
                            (size_t)at);
        }
        b->n_re = i + 1;
        pcre2_jit_compile(b->re[i], PCRE2_JIT_COMPLETE); /* the interpreter if JIT is unavailable */
    }
    return 0;
}

/* Added (USER_DEFINED) tokens print as written, control tokens as nothing, the rest
 * through the byte alphabet. */
size_t q35_bpe_print(const q35_tokenizer *t, int id, char *dst)
{
    const char *p = t->vocab->pieces[id] ? t->vocab->pieces[id] : "";
    int type = tok_type(t->vocab, id);
    if (type == Q35_TOK_USER) {
        memcpy(dst, p, strlen(p));
        return strlen(p);
    }
    return type == Q35_TOK_CONTROL ? 0 : decode_piece(t->bpe, p, dst);
}

int q35_bpe_init(q35_tokenizer *t, q35_err *err)
{
    const q35_vocab *v = t->vocab;
    if (v->n_merges < 0 || (v->n_merges > 0 && !v->merges) || v->n_pre_regex < 0 ||
        (v->n_pre_regex > 0 && !v->pre_regex))
        return q35_fail(err, "tokenizer: inconsistent byte-level BPE vocabulary");
    q35_bpe *b = t->bpe = q35_calloc(1, sizeof *t->bpe, err);
    if (!b) return -1;
    b->ignore_merges = v->ignore_merges;
    build_alphabet(b);
    if (q35_piece_map_init(&b->tok, (size_t)v->n, err)) return -1;
    for (int i = 0; i < v->n; i++)
        if (v->pieces[i] && *v->pieces[i]) q35_piece_map_put(&b->tok, v->pieces[i], strlen(v->pieces[i]), i);
    for (int c = 0; c < 256; c++) b->byte_tok[c] = q35_piece_map_get(&b->tok, b->byte_str[c], b->byte_len[c]);
    if (build_merges(b, v, err) || build_specials(b, v, err) || compile_regexes(b, v, err))
        return -1;
    return 0;
}

void q35_bpe_free(q35_bpe *b)
{
    if (!b) return;
    for (int i = 0; i < b->n_re; i++) pcre2_code_free(b->re[i]);
    free(b->re);
    q35_piece_map_free(&b->tok);
    free(b->merges);
    free(b->specials);
    free(b);
}

/* ---- encoding ---- */

typedef struct sym {
    int32_t id;          /* -1 once merged into its left neighbour */
    int32_t prev, next;
} sym;

typedef struct cand {
    int32_t rank, left, right, lid, rid, id;
} cand;

/* Scratch space of one q35_tokenize call. */
typedef struct enc {
    const q35_tokenizer *t;
    pcre2_match_data **md;
    int32_t *ids;
    size_t n_ids, cap_ids;
    sym *s;
    size_t cap_s;
    char *word;          /* a piece in the alphabet, for ignore_merges */
    size_t cap_word;
    cand *h;
    size_t n_h, cap_h;
    q35_err *err;
} enc;

/* p grown to hold need > 0 elements (p itself if it already does), or NULL with p
 * untouched on failure. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem, q35_err *err)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(p, c * elem);
    if (!q) {
        q35_fail(err, "tokenizer: out of memory");
        return NULL;
    }
    *cap = c;
    return q;
}

static int emit(enc *e, int32_t id)
{
    if (e->n_ids == e->cap_ids) {
        int32_t *q = grow(e->ids, &e->cap_ids, e->n_ids + 1, sizeof *q, e->err);
        if (!q) return -1;
        e->ids = q;
    }
    e->ids[e->n_ids++] = id;
    return 0;
}

static int cand_before(const cand *x, const cand *y)
{
    return x->rank != y->rank ? x->rank < y->rank : x->left < y->left;
}

static int heap_push(enc *e, cand c)
{
    cand *q = grow(e->h, &e->cap_h, e->n_h + 1, sizeof *q, e->err);
    if (!q) return -1;
    e->h = q;
    size_t i = e->n_h++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!cand_before(&c, &e->h[parent])) break;
        e->h[i] = e->h[parent];
        i = parent;
    }
    e->h[i] = c;
    return 0;
}

static cand heap_pop(enc *e)
{
    cand top = e->h[0], last = e->h[--e->n_h];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= e->n_h) break;
        if (c + 1 < e->n_h && cand_before(&e->h[c + 1], &e->h[c])) c++;
        if (!cand_before(&e->h[c], &last)) break;
        e->h[i] = e->h[c];
        i = c;
    }
    if (e->n_h > 0) e->h[i] = last;
    return top;
}

static int try_pair(enc *e, int32_t l, int32_t r)
{
    if (l < 0 || r < 0) return 0;
    const merge_slot *m = merge_find(e->t->bpe, e->s[l].id, e->s[r].id);
    if (!m) return 0;
    return heap_push(e, (cand){ m->rank, l, r, e->s[l].id, e->s[r].id, m->id });
}

/* One pre-token: its bytes to symbols, the merges, the ids out. */
static int encode_word(enc *e, const unsigned char *p, size_t n)
{
    const q35_bpe *b = e->t->bpe;
    const q35_vocab *v = e->t->vocab;
    if (b->ignore_merges) {
        char *q = grow(e->word, &e->cap_word, 2 * n, 1, e->err);
        if (!q) return -1;
        e->word = q;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(e->word + k, b->byte_str[p[i]], b->byte_len[p[i]]);
            k += b->byte_len[p[i]];
        }
        int32_t id = q35_piece_map_get(&b->tok, e->word, k);
        if (id >= 0 && tok_type(v, id) == Q35_TOK_NORMAL) return emit(e, id);
    }
    sym *q = grow(e->s, &e->cap_s, n, sizeof *q, e->err);
    if (!q) return -1;
    e->s = q;
    int32_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t id = b->byte_tok[p[i]];
        if (id < 0) {
            /* a byte the vocabulary lacks: <unk> if there is one, else dropped, as HF does */
            if (e->t->unk >= 0 && emit(e, e->t->unk)) return -1;
            continue;
        }
        e->s[ns] = (sym){ id, ns - 1, ns + 1 };
        ns++;
    }
    if (ns == 0) return 0;
    e->s[ns - 1].next = -1;
    e->n_h = 0;
    for (int32_t i = 0; i + 1 < ns; i++)
        if (try_pair(e, i, i + 1)) return -1;
    while (e->n_h > 0) {
        cand c = heap_pop(e);
        sym *l = &e->s[c.left], *r = &e->s[c.right];
        if (l->id != c.lid || r->id != c.rid || l->next != c.right) continue; /* stale */
        l->id = c.id;
        r->id = -1;
        l->next = r->next;
        if (r->next >= 0) e->s[r->next].prev = c.left;
        if (try_pair(e, l->prev, c.left) || try_pair(e, c.left, l->next)) return -1;
    }
    for (int32_t i = 0; i >= 0; i = e->s[i].next)
        if (emit(e, e->s[i].id)) return -1;
    return 0;
}

/* Splits [p, p+n) by regex `level` and its successors; the pieces go to encode_word. */
static int pre_split(enc *e, const unsigned char *p, size_t n, int level)
{
    const q35_bpe *b = e->t->bpe;
    if (n == 0) return 0;
    if (level == b->n_re) return encode_word(e, p, n);
    size_t last = 0;
    while (last < n) {
        int rc = pcre2_match(b->re[level], p, n, last, PCRE2_NOTEMPTY, e->md[level], NULL);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return q35_fail(e->err, "tokenizer: pre-tokenizer regex %d: %s", level, (const char *)msg);
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md[level]);
        if (ov[0] < last || ov[1] > n || ov[1] <= ov[0])
            return q35_fail(e->err, "tokenizer: pre-tokenizer regex %d gave a bad match", level);
        if (pre_split(e, p + last, ov[0] - last, level + 1) ||     /* text it did not match */
            pre_split(e, p + ov[0], ov[1] - ov[0], level + 1))
            return -1;
        last = ov[1];
    }
    return pre_split(e, p + last, n - last, level + 1);
}

/* A stretch of text between added tokens. */
static int encode_stretch(enc *e, const char *p, size_t n)
{
    if (n == 0) return 0;
    if (!e->t->vocab->add_space_prefix || p[0] == ' ') return pre_split(e, (const unsigned char *)p, n, 0);
    /* ByteLevel's add_prefix_space */
    char *q = q35_malloc(n + 1, e->err);
    if (!q) return -1;
    q[0] = ' ';
    memcpy(q + 1, p, n);
    int rc = pre_split(e, (const unsigned char *)q, n + 1, 0);
    free(q);
    return rc;
}

int q35_bpe_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos, int32_t **out,
                     size_t *n_out, q35_err *err)
{
    const q35_bpe *b = t->bpe;
    enc e = { .t = t, .err = err };
    int rc = -1;
    *out = NULL;
    *n_out = 0;
    if (len > INT32_MAX) return q35_fail(err, "tokenizer: text too long (%zu bytes)", len);
    if (!(e.ids = grow(NULL, &e.cap_ids, len / 3 + 16, sizeof *e.ids, err))) goto done;
    if (b->n_re > 0) {
        e.md = q35_calloc((size_t)b->n_re, sizeof *e.md, err);
        if (!e.md) goto done;
        for (int i = 0; i < b->n_re; i++)
            if (!(e.md[i] = pcre2_match_data_create_from_pattern(b->re[i], NULL))) {
                q35_fail(err, "tokenizer: out of memory");
                goto done;
            }
    }
    if (add_bos && t->bos >= 0 && emit(&e, t->bos)) goto done;
    size_t seg = 0;
    for (size_t i = 0; i < len;) {
        const special *hit = NULL;
        if (b->special_first[(unsigned char)text[i]])
            for (int k = 0; k < b->n_specials && !hit; k++)
                if (b->specials[k].len <= len - i && !memcmp(text + i, b->specials[k].s, b->specials[k].len))
                    hit = &b->specials[k];
        if (!hit) {
            i++;
            continue;
        }
        if (encode_stretch(&e, text + seg, i - seg) || emit(&e, hit->id)) goto done;
        i += hit->len;
        seg = i;
    }
    if (encode_stretch(&e, text + seg, len - seg)) goto done;
    rc = 0;
done:
    if (e.md)
        for (int i = 0; i < b->n_re; i++) pcre2_match_data_free(e.md[i]);
    free(e.md);
    free(e.s);
    free(e.word);
    free(e.h);
    if (rc == 0) {
        *out = e.ids;
        *n_out = e.n_ids;
    } else {
        free(e.ids);
    }
    return rc;
}
