/* Sentence splitting as in CoqIDE's coq_lex.mll (coq_split.h): a hand-written scanner
 * with the same rules, so the sentences sent to coqidetop are the ones CoqIDE would send. */
#include <stdlib.h>
#include <string.h>

#include "prover/coq_split.h"

static int is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Past the string whose opening '"' is at s[i]; 0 when it is not closed. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] != '"') continue;
        if (i + 1 < len && s[i + 1] == '"') i++; /* "" is a quote inside the string */
        else return i + 1;
    }
    return 0;
}

/* Past the comment whose "(*" is at s[i], nested comments and strings included;
 * 0 when it is not closed (no comment ends at offset 0). Iterative: a hostile text of a
 * million "(*" must not exhaust the stack. */
static size_t skip_comment(const char *s, size_t len, size_t i)
{
    size_t depth = 0;
    while (i < len) {
        if (s[i] == '(' && i + 1 < len && s[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (s[i] == '*' && i + 1 < len && s[i + 1] == ')') {
            i += 2;
            if (--depth == 0) return i;
        } else if (s[i] == '"') {
            if (!(i = skip_string(s, len, i))) return 0; /* an open string leaves it open */
        } else {
            i++;
        }
    }
    return 0;
}

/* A goal selector and brace at s[i]: `N: {` or `[ident]: {` (spaces allowed around the
 * ':'). Returns the offset after the '{', or 0. */
static size_t selector_brace(const char *s, size_t len, size_t i)
{
    if (is_digit((unsigned char)s[i])) {
        while (i < len && is_digit((unsigned char)s[i])) i++;
    } else if (s[i] == '[') {
        i++;
        if (i >= len || !is_alpha((unsigned char)s[i])) return 0;
        while (i < len && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '_' ||
                           s[i] == '\''))
            i++;
        if (i >= len || s[i] != ']') return 0;
        i++;
    } else {
        return 0;
    }
    while (i < len && is_space((unsigned char)s[i])) i++;
    if (i >= len || s[i] != ':') return 0;
    i++;
    while (i < len && is_space((unsigned char)s[i])) i++;
    if (i >= len || s[i] != '{') return 0;
    return i + 1;
}

/* An Ltac2-style quotation `x:{{ … }}` (n >= 2 braces): s[i] is the first '{'. Returns the
 * offset after the closing braces, or 0 when it is not closed. */
static size_t skip_quotation(const char *s, size_t len, size_t i)
{
    size_t n = 0;
    while (i < len && s[i] == '{') n++, i++;
    size_t level = 1;
    while (i < len) {
        size_t run = 0;
        char c = s[i];
        if (c != '{' && c != '}') {
            i++;
            continue;
        }
        while (i < len && s[i] == c && run < n) run++, i++;
        if (run < n) continue;
        if (c == '{') {
            level++;
        } else if (--level == 0) {
            return i;
        }
    }
    return 0;
}

typedef struct lines {
    const char *s;
    size_t pos;
    int line;
} lines;

/* The 1-based line of offset `to`; linear overall when the offsets asked for grow. */
static int line_at(lines *l, size_t to)
{
    if (to < l->pos) { /* never happens in coq_split's order, but stay correct */
        l->pos = 0;
        l->line = 1;
    }
    while (l->pos < to) {
        const char *nl = memchr(l->s + l->pos, '\n', to - l->pos);
        if (!nl) {
            l->pos = to;
            break;
        }
        l->line++;
        l->pos = (size_t)(nl - l->s) + 1;
    }
    return l->line;
}

static int push(coq_sentences *out, int *cap, size_t a, size_t b, int line, coq_sent_kind kind, q35_err *err)
{
    if (out->n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        coq_span *v = realloc(out->v, (size_t)nc * sizeof *v);
        if (!v) return q35_fail(err, "coq_split: out of memory");
        out->v = v;
        *cap = nc;
    }
    out->v[out->n++] = (coq_span){a, b, line, kind};
    return 0;
}

int coq_split_prefix(const char *src, size_t len, coq_sentences *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    lines ln = {src, 0, 1};
    int cap = 0;
    size_t i = 0;
    for (;;) {
        /* between sentences: whitespace and comments */
        while (i < len) {
            if (is_space((unsigned char)src[i])) {
                i++;
            } else if (src[i] == '(' && i + 1 < len && src[i + 1] == '*') {
                size_t e = skip_comment(src, len, i);
                if (!e) goto unterminated;
                i = e;
            } else {
                break;
            }
        }
        if (i == len) {
            out->rest = len;
            out->rest_line = line_at(&ln, len);
            return 0;
        }
        size_t a = i;
        int line = line_at(&ln, a);
        unsigned char c = (unsigned char)src[i];

        /* bullets and braces: only at the start of a sentence */
        if (c == '-' || c == '+' || c == '*') {
            while (i < len && (unsigned char)src[i] == c) i++;
            if (push(out, &cap, a, i, line, COQ_SENT_BULLET, err)) goto fail;
            continue;
        }
        if (c == '{' || c == '}') {
            if (push(out, &cap, a, i + 1, line, COQ_SENT_BRACE, err)) goto fail;
            i++;
            continue;
        }
        size_t e = selector_brace(src, len, i);
        if (e) {
            if (push(out, &cap, a, e, line, COQ_SENT_BRACE, err)) goto fail;
            i = e;
            continue;
        }

        /* an ordinary sentence: up to a '.' followed by whitespace or the end */
        for (;;) {
            if (i >= len) goto unterminated;
            c = (unsigned char)src[i];
            if (c == '(' && i + 1 < len && src[i + 1] == '*') {
                if (!(e = skip_comment(src, len, i))) goto unterminated;
                i = e;
            } else if (c == '"') {
                if (!(e = skip_string(src, len, i))) goto unterminated;
                i = e;
            } else if (c == '.') {
                if (i + 1 < len && src[i + 1] == '.') {
                    i += 2; /* ".." never ends a sentence; in "...", the third dot can */
                } else if (i + 1 == len || is_space((unsigned char)src[i + 1])) {
                    i++;
                    break;
                } else {
                    i++;
                }
            } else if (is_alpha(c) && i + 3 < len && src[i + 1] == ':' && src[i + 2] == '{' &&
                       src[i + 3] == '{') {
                if (!(e = skip_quotation(src, len, i + 2))) goto unterminated;
                i = e;
            } else {
                i++;
            }
        }
        if (push(out, &cap, a, i, line, COQ_SENT_DOT, err)) goto fail;
    }

unterminated:
    /* the text from the last complete sentence on is left for the caller */
    {
        size_t r = out->n ? out->v[out->n - 1].end : 0;
        /* skip the whitespace and complete comments after the last sentence */
        while (r < len) {
            if (is_space((unsigned char)src[r])) {
                r++;
            } else if (src[r] == '(' && r + 1 < len && src[r + 1] == '*') {
                size_t e = skip_comment(src, len, r);
                if (!e) break;
                r = e;
            } else {
                break;
            }
        }
        out->rest = r;
        out->rest_line = line_at(&ln, r);
    }
    return 0;
fail:
    coq_sentences_free(out);
    return -1;
}

int coq_split(const char *src, size_t len, coq_span **out, int *n, q35_err *err)
{
    coq_sentences ss;
    *out = NULL;
    *n = 0;
    if (coq_split_prefix(src, len, &ss, err)) return -1;
    if (ss.rest < len) {
        /* say why the rest is not a sentence */
        const char *what = "sentence without its final '.'";
        if (src[ss.rest] == '(' && ss.rest + 1 < len && src[ss.rest + 1] == '*') {
            what = "unclosed comment";
        } else {
            for (size_t i = ss.rest; i < len;) {
                if (src[i] == '"') {
                    size_t e = skip_string(src, len, i);
                    if (!e) {
                        what = "unclosed string";
                        break;
                    }
                    i = e;
                } else if (src[i] == '(' && i + 1 < len && src[i + 1] == '*') {
                    size_t e = skip_comment(src, len, i);
                    if (!e) {
                        what = "unclosed comment";
                        break;
                    }
                    i = e;
                } else {
                    i++;
                }
            }
        }
        q35_fail(err, "line %d: %s", ss.rest_line, what);
        coq_sentences_free(&ss);
        return -1;
    }
    *out = ss.v;
    *n = ss.n;
    return 0;
}

size_t coq_skip_blank(const char *src, size_t len, size_t i)
{
    for (;;) {
        while (i < len && is_space((unsigned char)src[i])) i++;
        if (i + 1 < len && src[i] == '(' && src[i + 1] == '*') {
            size_t e = skip_comment(src, len, i);
            if (!e) return len;
            i = e;
            continue;
        }
        return i;
    }
}

void coq_sentences_free(coq_sentences *s)
{
    if (!s) return;
    free(s->v);
    memset(s, 0, sizeof *s);
}

int coq_is_one_sentence(const char *src, size_t len)
{
    coq_sentences ss;
    if (coq_split_prefix(src, len, &ss, NULL)) return 0;
    int one = ss.n == 1 && ss.rest == len;
    coq_sentences_free(&ss);
    return one;
}
