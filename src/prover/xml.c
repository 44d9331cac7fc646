/* The XML reader of xml.h: a resumable framer and a recursive-descent parser over one
 * complete element, both checking every index against the buffer's length. */
#include <stdlib.h>
#include <string.h>

#include "prover/xml.h"

/* ---- a grow-only allocator: a parsed element is freed in one call ---- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct xml_doc {
    chunk *chunks;
    xml_node *root;
};

#define CHUNK_MIN ((size_t)16 << 10)

static void *d_alloc(xml_doc *d, size_t n, q35_err *err)
{
    size_t need = (n + 15) & ~(size_t)15;
    chunk *c = d->chunks;
    if (need < n) goto oom;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
        if (cap > SIZE_MAX - sizeof *c) goto oom;
        c = malloc(sizeof *c + cap);
        if (!c) goto oom;
        c->cap = cap;
        c->used = 0;
        c->next = d->chunks;
        d->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
oom:
    q35_fail(err, "xml: out of memory (%zu bytes)", n);
    return NULL;
}

void xml_doc_free(xml_doc *d)
{
    if (!d) return;
    chunk *c = d->chunks;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(d);
}

const xml_node *xml_root(const xml_doc *d) { return d ? d->root : NULL; }

/* ---- character classes ---- */

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}
static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* ---- framing ---- */

enum { F_TOP, F_OPEN, F_STAG, F_QUOTE, F_SLASH, F_TEXT, F_ETAG, F_DONE };

void xml_framer_reset(xml_framer *f) { memset(f, 0, sizeof *f); }

int xml_frame(xml_framer *f, const char *buf, size_t len, size_t max_bytes, size_t *end,
              q35_err *err)
{
    if (!max_bytes) max_bytes = XML_DEFAULT_MAX_BYTES;
    if (f->state == F_DONE) {
        *end = f->pos;
        return 1;
    }
    const unsigned char *b = (const unsigned char *)buf;
    size_t i = f->pos;
    while (i < len) {
        if (i - f->start > max_bytes)
            return q35_fail(err, "xml: element longer than %zu bytes", max_bytes);
        unsigned char c = b[i];
        switch (f->state) {
        case F_TOP:
            if (is_ws(c)) break;
            if (c != '<') return q35_fail(err, "xml: text outside an element at byte %zu", i);
            f->start = i;
            f->state = F_OPEN;
            break;
        case F_OPEN: /* just after '<' */
            if (c == '/') {
                if (f->depth == 0) return q35_fail(err, "xml: end tag without a start at byte %zu", i);
                f->state = F_ETAG;
            } else if (is_name_start(c)) {
                f->state = F_STAG;
            } else {
                return q35_fail(err, "xml: unsupported markup '<%c' at byte %zu", c, i);
            }
            break;
        case F_STAG:
            if (c == '"' || c == '\'') {
                f->quote = (char)c;
                f->state = F_QUOTE;
            } else if (c == '/') {
                f->state = F_SLASH;
            } else if (c == '>') {
                if (++f->depth > XML_MAX_DEPTH)
                    return q35_fail(err, "xml: nesting deeper than %d", XML_MAX_DEPTH);
                f->state = F_TEXT;
            } else if (c == '<') {
                return q35_fail(err, "xml: '<' inside a tag at byte %zu", i);
            }
            break;
        case F_QUOTE: {
            /* jump to the closing quote or a stray '<' */
            const unsigned char *q = b + i;
            size_t n = len - i;
            while (n && *q != (unsigned char)f->quote && *q != '<') q++, n--;
            i = (size_t)(q - b);
            if (i == len) continue;
            if (*q == '<') return q35_fail(err, "xml: '<' in an attribute value at byte %zu", i);
            f->state = F_STAG;
            break;
        }
        case F_SLASH:
            if (c != '>') return q35_fail(err, "xml: '/' not followed by '>' at byte %zu", i);
            if (f->depth == 0) goto done;
            f->state = F_TEXT;
            break;
        case F_TEXT: {
            const unsigned char *lt = memchr(b + i, '<', len - i);
            if (!lt) {
                i = len;
                continue;
            }
            i = (size_t)(lt - b);
            f->state = F_OPEN;
            break;
        }
        case F_ETAG:
            if (c == '>') {
                if (--f->depth == 0) goto done;
                f->state = F_TEXT;
            } else if (c == '<' || c == '"' || c == '\'') {
                return q35_fail(err, "xml: bad end tag at byte %zu", i);
            }
            break;
        }
        i++;
    }
    f->pos = i;
    if (i - f->start > max_bytes) return q35_fail(err, "xml: element longer than %zu bytes", max_bytes);
    return 0;
done:
    f->state = F_DONE;
    f->pos = i + 1;
    *end = f->pos;
    return 1;
}

/* ---- entities ---- */

static size_t put_utf8(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes src[0, n) into out (which has room for n + 1 bytes: no entity decodes to more
 * bytes than it is written with) and NUL-terminates it. `at` is src's offset in the
 * input, for messages. */
static int decode(const char *src, size_t n, char *out, size_t *out_len, size_t at, q35_err *err)
{
    static const struct {
        const char *name;
        size_t len;
        char ch;
    } named[] = {{"lt", 2, '<'}, {"gt", 2, '>'}, {"amp", 3, '&'}, {"quot", 4, '"'},
                 {"apos", 4, '\''}, {"nbsp", 4, ' '}};
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (src[i] != '&') {
            out[o++] = src[i++];
            continue;
        }
        const char *semi = memchr(src + i + 1, ';', n - i - 1 < 12 ? n - i - 1 : 12);
        if (!semi) return q35_fail(err, "xml: '&' without an entity at byte %zu", at + i);
        const char *e = src + i + 1;
        size_t elen = (size_t)(semi - e);
        size_t k;
        for (k = 0; k < sizeof named / sizeof named[0]; k++)
            if (named[k].len == elen && !memcmp(named[k].name, e, elen)) break;
        if (k < sizeof named / sizeof named[0]) {
            out[o++] = named[k].ch;
        } else if (elen >= 2 && e[0] == '#') {
            int hex = e[1] == 'x' || e[1] == 'X';
            size_t d = hex ? 2 : 1;
            if (d == elen) return q35_fail(err, "xml: empty character reference at byte %zu", at + i);
            unsigned long cp = 0;
            for (; d < elen; d++) {
                unsigned char c = (unsigned char)e[d];
                unsigned v;
                if (c >= '0' && c <= '9') v = c - '0';
                else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
                else return q35_fail(err, "xml: bad character reference at byte %zu", at + i);
                cp = cp * (hex ? 16 : 10) + v;
                if (cp > 0x10FFFF) break;
            }
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return q35_fail(err, "xml: character reference out of range at byte %zu", at + i);
            o += put_utf8(cp, out + o);
        } else {
            return q35_fail(err, "xml: unknown entity '&%.*s;' at byte %zu", (int)elen, e, at + i);
        }
        i = (size_t)(semi - src) + 1;
    }
    out[o] = 0;
    *out_len = o;
    return 0;
}

/* ---- parsing ---- */

typedef struct parser {
    const char *b;
    size_t len, pos;
    xml_doc *doc;
    q35_err *err;
} parser;

static char *p_decode(parser *p, size_t a, size_t n, size_t *out_len)
{
    char *s = d_alloc(p->doc, n + 1, p->err);
    if (!s) return NULL;
    size_t l = 0;
    if (decode(p->b + a, n, s, &l, a, p->err)) return NULL;
    if (out_len) *out_len = l;
    return s;
}

static int p_name(parser *p, const char **out)
{
    size_t a = p->pos;
    if (a >= p->len) return 0;
    if (!is_name_start((unsigned char)p->b[a])) return q35_fail(p->err, "xml: bad name at byte %zu", a);
    while (p->pos < p->len && is_name_char((unsigned char)p->b[p->pos])) p->pos++;
    if (p->pos == p->len) return 0;
    size_t n = p->pos - a;
    char *s = d_alloc(p->doc, n + 1, p->err);
    if (!s) return -1;
    memcpy(s, p->b + a, n);
    s[n] = 0;
    *out = s;
    return 1;
}

/* Skips whitespace; 0 if the input ends there, else 1 (and whether any was skipped). */
static int p_ws(parser *p, int *skipped)
{
    size_t a = p->pos;
    while (p->pos < p->len && is_ws((unsigned char)p->b[p->pos])) p->pos++;
    if (skipped) *skipped = p->pos > a;
    return p->pos < p->len;
}

static void append(xml_node *parent, xml_node **last, xml_node *kid)
{
    if (*last) (*last)->next = kid;
    else parent->first = kid;
    *last = kid;
    if (kid->name) parent->n_elems++;
}

/* At '<' of a start tag. */
static int p_element(parser *p, int depth, xml_node **out)
{
    if (depth > XML_MAX_DEPTH) return q35_fail(p->err, "xml: nesting deeper than %d", XML_MAX_DEPTH);
    xml_node *n = d_alloc(p->doc, sizeof *n, p->err);
    if (!n) return -1;
    memset(n, 0, sizeof *n);
    p->pos++;
    int r = p_name(p, &n->name);
    if (r != 1) return r;

    xml_attr *last_attr = NULL;
    for (;;) {
        int ws;
        if (!p_ws(p, &ws)) return 0;
        char c = p->b[p->pos];
        if (c == '/') {
            if (++p->pos == p->len) return 0;
            if (p->b[p->pos] != '>') return q35_fail(p->err, "xml: '/' not followed by '>' at byte %zu", p->pos);
            p->pos++;
            *out = n;
            return 1;
        }
        if (c == '>') {
            p->pos++;
            break;
        }
        if (!ws) return q35_fail(p->err, "xml: expected whitespace before attribute at byte %zu", p->pos);
        xml_attr *a = d_alloc(p->doc, sizeof *a, p->err);
        if (!a) return -1;
        memset(a, 0, sizeof *a);
        if ((r = p_name(p, &a->name)) != 1) return r;
        if (!p_ws(p, NULL)) return 0;
        if (p->b[p->pos] != '=')
            return q35_fail(p->err, "xml: attribute '%s' without '=' at byte %zu", a->name, p->pos);
        p->pos++;
        if (!p_ws(p, NULL)) return 0;
        char q = p->b[p->pos];
        if (q != '"' && q != '\'')
            return q35_fail(p->err, "xml: attribute '%s' value not quoted at byte %zu", a->name, p->pos);
        size_t v = ++p->pos;
        while (p->pos < p->len && p->b[p->pos] != q) {
            if (p->b[p->pos] == '<') return q35_fail(p->err, "xml: '<' in an attribute value at byte %zu", p->pos);
            p->pos++;
        }
        if (p->pos == p->len) return 0;
        if (!(a->value = p_decode(p, v, p->pos - v, NULL))) return -1;
        p->pos++;
        if (last_attr) last_attr->next = a;
        else n->attrs = a;
        last_attr = a;
    }

    xml_node *last = NULL;
    for (;;) {
        if (p->pos >= p->len) return 0;
        if (p->b[p->pos] != '<') {
            const char *lt = memchr(p->b + p->pos, '<', p->len - p->pos);
            if (!lt) return 0;
            size_t a = p->pos, l;
            xml_node *t = d_alloc(p->doc, sizeof *t, p->err);
            if (!t) return -1;
            memset(t, 0, sizeof *t);
            if (!(t->text = p_decode(p, a, (size_t)(lt - p->b) - a, &l))) return -1;
            t->len = l;
            p->pos = (size_t)(lt - p->b);
            append(n, &last, t);
            continue;
        }
        if (p->pos + 1 >= p->len) return 0;
        char c = p->b[p->pos + 1];
        if (c == '/') {
            size_t at = p->pos;
            p->pos += 2;
            const char *name;
            if ((r = p_name(p, &name)) != 1) return r;
            if (strcmp(name, n->name))
                return q35_fail(p->err, "xml: </%s> closes <%s> at byte %zu", name, n->name, at);
            if (!p_ws(p, NULL)) return 0;
            if (p->b[p->pos] != '>') return q35_fail(p->err, "xml: bad end tag at byte %zu", p->pos);
            p->pos++;
            *out = n;
            return 1;
        }
        if (!is_name_start((unsigned char)c))
            return q35_fail(p->err, "xml: unsupported markup '<%c' at byte %zu", c, p->pos);
        xml_node *kid;
        if ((r = p_element(p, depth + 1, &kid)) != 1) return r;
        append(n, &last, kid);
    }
}

int xml_parse(const char *buf, size_t len, size_t max_bytes, xml_doc **out, size_t *consumed,
              q35_err *err)
{
    if (!max_bytes) max_bytes = XML_DEFAULT_MAX_BYTES;
    *out = NULL;
    size_t i = 0;
    while (i < len && is_ws((unsigned char)buf[i])) i++;
    if (i == len) return 0;
    if (buf[i] != '<') return q35_fail(err, "xml: text outside an element at byte %zu", i);
    if (i + 1 < len && (buf[i + 1] == '!' || buf[i + 1] == '?'))
        return q35_fail(err, "xml: unsupported markup '<%c' at byte %zu", buf[i + 1], i);
    /* Never look further than max_bytes past the '<': a longer element is an error
     * however it ends. */
    size_t lim = len - i > max_bytes ? i + max_bytes : len;
    xml_doc *d = calloc(1, sizeof *d);
    if (!d) return q35_fail(err, "xml: out of memory");
    parser p = {buf, lim, i, d, err};
    int r = p_element(&p, 1, &d->root);
    if (r == 0 && lim < len) r = q35_fail(err, "xml: element longer than %zu bytes", max_bytes);
    if (r != 1) {
        xml_doc_free(d);
        return r;
    }
    *out = d;
    *consumed = p.pos;
    return 1;
}

/* ---- lookups ---- */

int xml_is(const xml_node *n, const char *name) { return n && n->name && !strcmp(n->name, name); }

const char *xml_attr_get(const xml_node *n, const char *name)
{
    if (!n) return NULL;
    for (const xml_attr *a = n->attrs; a; a = a->next)
        if (!strcmp(a->name, name)) return a->value;
    return NULL;
}

const xml_node *xml_next(const xml_node *c)
{
    for (c = c ? c->next : NULL; c; c = c->next)
        if (c->name) return c;
    return NULL;
}

const xml_node *xml_elem(const xml_node *n, int i)
{
    if (!n || i < 0) return NULL;
    const xml_node *c = n->first;
    while (c && !c->name) c = c->next;
    while (c && i-- > 0) c = xml_next(c);
    return c;
}

static size_t text_len(const xml_node *n)
{
    if (!n->name) return n->len;
    size_t s = 0;
    for (const xml_node *c = n->first; c; c = c->next) s += text_len(c);
    return s;
}

static char *text_copy(const xml_node *n, char *o)
{
    if (!n->name) {
        memcpy(o, n->text, n->len);
        return o + n->len;
    }
    for (const xml_node *c = n->first; c; c = c->next) o = text_copy(c, o);
    return o;
}

char *xml_text(const xml_node *n, q35_err *err)
{
    size_t len = n ? text_len(n) : 0;
    char *s = q35_malloc(len + 1, err);
    if (!s) return NULL;
    char *e = n ? text_copy(n, s) : s;
    *e = 0;
    return s;
}
