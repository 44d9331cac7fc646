/* SentencePiece BPE encoding in O(n log n).
 *
 * The text (with the dummy-prefix space, spaces written as U+2581) is split into one
 * symbol per UTF-8 code point. Every adjacent pair whose concatenation is a mergeable
 * piece goes into a max-heap keyed by (score, -left position). The heap top is always
 * the pair llama2.c's O(n^2) loop would pick (highest score, leftmost on ties), because
 * a merged symbol keeps its left position, so positions stay in text order. Entries
 * made stale by an earlier merge are recognised on pop (a side died or grew) and
 * skipped. A code point that occurs in no multi-code-point piece (such as "\n") can
 * never merge, so it cuts the text into stretches merged one after another: the heap
 * stays small and the result is the same as for the whole text at once. Symbols left
 * whole that are not pieces fall back to <0xNN> byte tokens. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_internal.h"

typedef struct sym {
    size_t off;      /* into the escaped text */
    uint32_t n;      /* bytes; 0 once merged into its left neighbour */
    int32_t prev, next;
} sym;

typedef struct pair {
    float score;
    int32_t left, right;
    uint32_t size;   /* n of left + right when pushed, to detect staleness */
} pair;

typedef struct heap {
    pair *a;
    size_t n, cap;
} heap;

static int before(const pair *x, const pair *y)
{
    if (x->score != y->score) return x->score > y->score;
    return x->left < y->left;
}

static int heap_push(heap *h, pair p, q35_err *err)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        pair *a = realloc(h->a, cap * sizeof *a);
        if (!a) return q35_fail(err, "tokenizer: out of memory");
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&p, &h->a[parent])) break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i] = p;
    return 0;
}

static pair heap_pop(heap *h)
{
    pair top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && before(&h->a[c + 1], &h->a[c])) c++;
        if (!before(&h->a[c], &last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0) h->a[i] = last;
    return top;
}

static int try_pair(const q35_tokenizer *t, const char *buf, const sym *s, int32_t l, int32_t r,
                    heap *h, q35_err *err)
{
    if (l < 0 || r < 0) return 0;
    uint32_t size = s[l].n + s[r].n;
    int32_t id = q35_piece_map_get(&t->merge, buf + s[l].off, size);
    if (id < 0) return 0;
    pair p = { t->vocab->scores ? t->vocab->scores[id] : 0.0f, l, r, size };
    return heap_push(h, p, err);
}

/* Runs the BPE merges over symbols [a, b); the heap is left empty. */
static int merge_stretch(const q35_tokenizer *t, const char *buf, sym *s, int32_t a, int32_t b,
                         heap *h, q35_err *err)
{
    for (int32_t i = a; i + 1 < b; i++)
        if (try_pair(t, buf, s, i, i + 1, h, err)) return -1;
    while (h->n > 0) {
        pair p = heap_pop(h);
        sym *l = &s[p.left], *r = &s[p.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != p.size) continue; /* stale */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) s[r->next].prev = p.left;
        if (try_pair(t, buf, s, l->prev, p.left, h, err)) return -1;
        if (try_pair(t, buf, s, p.left, l->next, h, err)) return -1;
    }
    return 0;
}

/* Copies text with the dummy prefix, every ' ' written as U+2581. */
static char *escape_text(const char *text, size_t len, int prefix, size_t *out_len, q35_err *err)
{
    size_t cap;
    if (q35_mul_size(len + 1, 3, &cap)) {
        q35_fail(err, "tokenizer: text too long");
        return NULL;
    }
    char *buf = q35_malloc(cap, err);
    if (!buf) return NULL;
    size_t n = 0;
    if (prefix) {
        memcpy(buf, "\xE2\x96\x81", 3);
        n = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(buf + n, "\xE2\x96\x81", 3);
            n += 3;
        } else {
            buf[n++] = text[i];
        }
    }
    *out_len = n;
    return buf;
}

static void emit_symbol(const q35_tokenizer *t, const char *p, uint32_t n, int32_t *out, size_t *n_out)
{
    int32_t id = q35_piece_map_get(&t->merge, p, n);
    if (id >= 0) {
        out[(*n_out)++] = id;
        return;
    }
    int all_bytes = 1;
    for (uint32_t k = 0; k < n; k++)
        if (t->byte_id[(unsigned char)p[k]] < 0) all_bytes = 0;
    if (all_bytes) {
        for (uint32_t k = 0; k < n; k++) out[(*n_out)++] = t->byte_id[(unsigned char)p[k]];
    } else if (t->unk >= 0) {
        out[(*n_out)++] = t->unk; /* no byte fallback in this vocab: SentencePiece's <unk> */
    }
}

int q35_spm_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos,
                     int32_t **out, size_t *n_out, q35_err *err)
{
    *out = NULL;
    *n_out = 0;
    size_t blen = 0;
    char *buf = NULL;
    sym *s = NULL;
    heap h = { 0 };
    int32_t *ids = NULL;
    size_t n_ids = 0;
    int32_t n_sym = 0;
    int rc = -1;

    if (len > 0) {
        buf = escape_text(text, len, t->vocab->add_space_prefix, &blen, err);
        if (!buf) goto done;
    }
    /* every token covers at least one byte of buf */
    ids = q35_malloc((blen + 1) * sizeof *ids, err);
    if (!ids) goto done;
    if (add_bos && t->bos >= 0) ids[n_ids++] = t->bos;
    if (blen == 0) {
        rc = 0;
        goto done;
    }

    if (blen > INT32_MAX) {
        q35_fail(err, "tokenizer: text too long (%zu bytes)", len);
        goto done;
    }
    s = q35_malloc(blen * sizeof *s, err);
    if (!s) goto done;
    for (size_t off = 0; off < blen;) {
        uint32_t n = q35_utf8_len((const unsigned char *)buf + off, blen - off);
        s[n_sym] = (sym){ off, n, n_sym - 1, n_sym + 1 };
        n_sym++;
        off += n;
    }
    s[n_sym - 1].next = -1;

    for (int32_t seg = 0, i = 0; i <= n_sym; i++) {
        if (i < n_sym && q35_piece_map_get(&t->inner, buf + s[i].off, s[i].n) >= 0) continue;
        /* symbols [seg, i) merge among themselves only; symbol i never merges */
        if (merge_stretch(t, buf, s, seg, i, &h, err)) goto done;
        seg = i + 1;
    }

    for (int32_t i = 0; i >= 0; i = s[i].next) emit_symbol(t, buf + s[i].off, s[i].n, ids, &n_ids);
    rc = 0;
done:
    if (rc == 0) {
        *out = ids;
        *n_out = n_ids;
    } else {
        free(ids);
    }
    free(buf);
    free(s);
    free(h.a);
    return rc;
}
