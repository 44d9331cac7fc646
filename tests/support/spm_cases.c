/* Text cases against SentencePiece (spm_cases.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spm_cases.h"
#include "test_support.h"

char *t_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

int t_spm_ref(const char *args)
{
    char cmd[16384];
    const char *src = getenv("Q35_SRC");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/tools/spm_ref.py' %s", src && *src ? src : ".", args);
    return system(cmd);
}

void t_need_sentencepiece(void)
{
    if (t_spm_ref("check") != 0) {
        printf("skipped: python3-sentencepiece not found\n");
        exit(77);
    }
}

void t_cases_add(t_cases *c, const char *text, size_t len)
{
    c->text = realloc(c->text, (size_t)(c->n + 1) * sizeof *c->text);
    c->len = realloc(c->len, (size_t)(c->n + 1) * sizeof *c->len);
    assert_true(c->text && c->len);
    c->text[c->n] = text;
    c->len[c->n] = len;
    c->n++;
}

void t_cases_add_lines(t_cases *c, const char *buf, size_t len, int max, int skip_empty)
{
    size_t i = 0;
    while (i < len && c->n < max) {
        const char *e = memchr(buf + i, '\n', len - i);
        size_t l = e ? (size_t)(e - (buf + i)) : len - i;
        if (l || !skip_empty) t_cases_add(c, buf + i, l);
        i += l + 1;
    }
}

void t_cases_free(t_cases *c)
{
    for (int i = 0; c->ref && i < c->n; i++) free(c->ref[i]);
    free(c->ref);
    free(c->n_ref);
    free(c->roundtrip);
    free(c->text);
    free(c->len);
    memset(c, 0, sizeof *c);
}

void t_spm_encode(const char *model, t_cases *c, int with_roundtrip)
{
    const char *in = t_tmp("spm_cases_in.bin"), *out = t_tmp("spm_cases_out.txt");
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    for (int i = 0; i < c->n; i++) {
        if (i) fputc(0, f);
        fwrite(c->text[i], 1, c->len[i], f);
    }
    fclose(f);
    char args[12288];
    snprintf(args, sizeof args, "%s '%s' '%s' '%s'", with_roundtrip ? "encode-rt" : "encode", model, in, out);
    assert_int_equal(t_spm_ref(args), 0);
    size_t olen;
    char *o = t_slurp(out, &olen);
    c->ref = calloc((size_t)c->n, sizeof *c->ref);
    c->n_ref = calloc((size_t)c->n, sizeof *c->n_ref);
    c->roundtrip = calloc((size_t)c->n, sizeof *c->roundtrip);
    assert_true(c->ref && c->n_ref && c->roundtrip);
    char *p = o;
    for (int i = 0; i < c->n; i++) {
        char *eol = strchr(p, '\n');
        assert_non_null(eol);
        *eol = 0;
        if (with_roundtrip) { /* "ids | flag" */
            char *bar = strstr(p, "| ");
            assert_non_null(bar);
            c->roundtrip[i] = bar[2] == '1';
            *bar = 0;
        }
        size_t cap = 16, n = 0;
        int32_t *ids = malloc(cap * sizeof *ids);
        for (char *q = p; *q;) {
            char *end;
            long v = strtol(q, &end, 10);
            if (end == q) break;
            if (n == cap) ids = realloc(ids, (cap *= 2) * sizeof *ids);
            ids[n++] = (int32_t)v;
            q = end;
        }
        c->ref[i] = ids;
        c->n_ref[i] = n;
        p = eol + 1;
    }
    free(o);
    remove(in);
    remove(out);
}

void t_print_case(const t_cases *c, int i, const int32_t *got, size_t n_got)
{
    fprintf(stderr, "case %d (%zu bytes): \"%.*s\"\n", i, c->len[i], (int)(c->len[i] < 200 ? c->len[i] : 200),
            c->text[i]);
    size_t k = 0;
    while (k < n_got && k < c->n_ref[i] && got[k] == c->ref[i][k]) k++;
    fprintf(stderr, "first difference at token %zu of %zu (ours) / %zu (sentencepiece)\n", k, n_got, c->n_ref[i]);
    for (size_t j = k >= 3 ? k - 3 : 0; j < k + 4; j++)
        fprintf(stderr, "  [%zu] ours %d  spm %d\n", j, j < n_got ? got[j] : -1, j < c->n_ref[i] ? c->ref[i][j] : -1);
}
