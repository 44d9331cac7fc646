/* Tests for the Coq sentence splitter (src/prover/coq_split.c): the rules one by one
 * (comments, strings, qualified names, "..", bullets, braces, goal selectors), partial
 * text, and every .v file of the installed Coq standard library, where each sentence
 * must end with '.' (or be a bullet or brace) and sentences plus the skipped whitespace
 * and comments must give back the file byte for byte; for a few files, the sentences
 * must be exactly the ones coqc itself reports with -time. The stdlib parts are skipped
 * when /usr/lib/ocaml/coq/theories (or $Q35_COQ_THEORIES) or coqc is absent. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prover/coq_split.h"
#include <sys/stat.h>

#include "test_support.h"

/* Splits src (as a whole file) and compares the sentences with want[] (NULL-ended). */
static void expect_split(const char *src, const char *const *want)
{
    coq_span *sp;
    int n;
    q35_err err = {{0}};
    if (coq_split(src, strlen(src), &sp, &n, &err)) fail_msg("'%s': %s", src, err.msg);
    int k = 0;
    while (want[k]) k++;
    for (int i = 0; i < n && i < k; i++) {
        size_t l = sp[i].end - sp[i].start;
        if (strlen(want[i]) != l || memcmp(src + sp[i].start, want[i], l))
            fail_msg("'%s': sentence %d is '%.*s', expected '%s'", src, i, (int)l, src + sp[i].start, want[i]);
    }
    if (n != k) fail_msg("'%s': %d sentences, expected %d", src, n, k);
    free(sp);
}

#define SPLIT(src, ...)                                  \
    do {                                                 \
        static const char *const w_[] = {__VA_ARGS__, NULL}; \
        expect_split(src, w_);                           \
    } while (0)

static void test_rules(void **state)
{
    (void)state;
    SPLIT("Lemma x : True.\nProof.\n  exact I.\nQed.", "Lemma x : True.", "Proof.", "exact I.", "Qed.");
    /* qualified names, projections, numbers: not ends */
    SPLIT("Check Nat.add. Check (x.(f)).\tCheck 1.5.", "Check Nat.add.", "Check (x.(f)).", "Check 1.5.");
    /* comments before a sentence are dropped, inside it kept; nesting, strings in comments */
    SPLIT("(* a. (* b. *) \"*)\" *) intros. (* c *) auto (* d. *).", "intros.", "auto (* d. *).");
    /* as in CoqIDE (and Coq), a '.' must be followed by a space: ".(" is a projection */
    SPLIT("intros.(* c *)auto. x.\n", "intros.(* c *)auto.", "x.");
    /* strings with "" */
    SPLIT("Check \"a. \"\" b. \". Check 2.", "Check \"a. \"\" b. \".", "Check 2.");
    /* ".." never ends a sentence; the third dot of "..." can */
    SPLIT("Notation \"[ x ; .. ; y ]\" := (cons x .. (cons y nil) ..). Check 1.",
          "Notation \"[ x ; .. ; y ]\" := (cons x .. (cons y nil) ..).", "Check 1.");
    SPLIT("Check f x .. y. Check 2.", "Check f x .. y.", "Check 2.");
    SPLIT("apply H... auto.", "apply H...", "auto.");
    /* bullets and braces, only at the start of a sentence */
    SPLIT("split. - intros. + auto. ** reflexivity. -- idtac. -+ x.", "split.", "-", "intros.", "+", "auto.", "**",
          "reflexivity.", "--", "idtac.", "-", "+", "x.");
    SPLIT("Check x - y * z + w. Check {x}.", "Check x - y * z + w.", "Check {x}.");
    SPLIT("{ auto. } 2: { auto. }}{ [G1]:{ x. }", "{", "auto.", "}", "2: {", "auto.", "}", "}", "{", "[G1]:{", "x.",
          "}");
    SPLIT("2: exact I. all: auto.", "2: exact I.", "all: auto.");
    /* end of input right after the dot; CRLF; form feed */
    SPLIT("Qed.", "Qed.");
    SPLIT("A.\r\nB.\fC.\n", "A.", "B.", "C.");
    /* a quotation x:{{ ... }} may hold ". " */
    SPLIT("Check x:{{ a. b }}. Check 3.", "Check x:{{ a. b }}.", "Check 3.");
    /* nothing but comments and spaces */
    SPLIT("  (* only *) \n", NULL);
    SPLIT("", NULL);
}

static void test_lines(void **state)
{
    (void)state;
    const char *src = "A.\n\n(* x\ny *) B.\n  - C.\n";
    coq_span *sp;
    int n;
    q35_err err = {{0}};
    assert_int_equal(coq_split(src, strlen(src), &sp, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(sp[0].line, 1);
    assert_int_equal(sp[1].line, 4);
    assert_int_equal(sp[2].line, 5);
    assert_int_equal(sp[3].line, 5);
    assert_int_equal(sp[0].kind, COQ_SENT_DOT);
    assert_int_equal(sp[2].kind, COQ_SENT_BULLET);
    free(sp);
}

static void test_partial(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        const char *what; /* coq_split's message, NULL: accepted */
        int n;            /* complete sentences */
        size_t rest;
    } cases[] = {
        {"Check 1", "line 1: sentence without its final '.'", 0, 0},
        {"Check 1.\n  Check", "line 2: sentence without its final '.'", 1, 11},
        {"Check 1. (* open", "line 1: unclosed comment", 1, 9},
        {"Check 1. (* x \" *) \" *) (* y", "line 1: unclosed comment", 1, 24},
        {"Check \"abc. ", "line 1: unclosed string", 0, 0},
        {"Check (* a *) x", "line 1: sentence without its final '.'", 0, 0},
        {"Check 1.x", "line 1: sentence without its final '.'", 0, 0},
        {"- {", NULL, 2, 3},
        {"Check 1. (* c *)  ", NULL, 1, 18},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *src = cases[i].src;
        size_t len = strlen(src);
        coq_sentences ss;
        q35_err err = {{0}};
        assert_int_equal(coq_split_prefix(src, len, &ss, &err), 0);
        if (ss.n != cases[i].n || ss.rest != cases[i].rest)
            fail_msg("'%s': %d sentences, rest %zu; expected %d, %zu", src, ss.n, ss.rest, cases[i].n, cases[i].rest);
        coq_sentences_free(&ss);
        coq_span *sp;
        int n;
        int r = coq_split(src, len, &sp, &n, &err);
        if (cases[i].what) {
            assert_int_equal(r, -1);
            assert_null(sp);
            assert_string_equal(err.msg, cases[i].what);
        } else {
            assert_int_equal(r, 0);
            free(sp);
        }
    }

    assert_true(coq_is_one_sentence("intros.", 7));
    assert_true(coq_is_one_sentence(" (* c *) intros x. (* d *) ", 27));
    assert_true(coq_is_one_sentence("-", 1));
    assert_true(coq_is_one_sentence("  ** ", 5));
    assert_true(coq_is_one_sentence("2: {", 4));
    assert_true(coq_is_one_sentence("exact (f x.(p)).", 16));
    assert_false(coq_is_one_sentence("intros. auto.", 13));
    assert_false(coq_is_one_sentence("- auto.", 7));
    assert_false(coq_is_one_sentence("intros", 6));
    assert_false(coq_is_one_sentence("", 0));
    assert_false(coq_is_one_sentence("(* c *)", 7));
    assert_false(coq_is_one_sentence("intros. (*", 10));
}

/* ---- the standard library ---- */

/* An independent reading of what may lie between sentences: whitespace and complete
 * comments (nested, with strings inside) only. */
static int gap_ok(const char *s, size_t a, size_t b)
{
    size_t i = a;
    while (i < b) {
        if (strchr(" \t\r\n\f", s[i])) {
            i++;
            continue;
        }
        if (i + 1 < b && s[i] == '(' && s[i + 1] == '*') {
            int depth = 0;
            do {
                if (i + 1 < b && s[i] == '(' && s[i + 1] == '*') depth++, i += 2;
                else if (i + 1 < b && s[i] == '*' && s[i + 1] == ')') depth--, i += 2;
                else if (s[i] == '"') {
                    for (i++; i < b && !(s[i] == '"' && (i + 1 >= b || s[i + 1] != '"')); i += s[i] == '"' ? 2 : 1) {
                    }
                    if (i >= b) return 0;
                    i++;
                } else i++;
            } while (depth > 0 && i < b);
            if (depth) return 0;
            continue;
        }
        return 0;
    }
    return 1;
}

typedef struct walk {
    int files, bad;
    long sentences, bullets, braces;
    size_t bytes;
} walk;

static void check_file(walk *w, const char *path)
{
    q35_map m;
    q35_err err = {{0}};
    if (q35_map_open(path, &m, &err)) fail_msg("%s", err.msg);
    const char *src = (const char *)m.data;
    size_t len = m.size;
    coq_span *sp;
    int n;
    if (coq_split(src, len, &sp, &n, &err)) {
        printf("%s: %s\n", path, err.msg);
        w->bad++;
        q35_map_close(&m);
        return;
    }
    char *re = malloc(len + 1);
    assert_non_null(re);
    size_t at = 0, o = 0;
    int line = 1;
    for (int i = 0; i < n; i++) {
        const coq_span *s = &sp[i];
        if (s->start < at || s->end <= s->start || s->end > len) fail_msg("%s: span %d out of order", path, i);
        if (!gap_ok(src, at, s->start))
            fail_msg("%s:%d: text before sentence %d is not whitespace and comments", path, s->line, i);
        for (size_t k = at; k < s->start; k++) line += src[k] == '\n';
        if (line != s->line) fail_msg("%s: sentence %d on line %d, reported %d", path, i, line, s->line);
        const char *t = src + s->start;
        size_t l = s->end - s->start;
        switch (s->kind) {
        case COQ_SENT_DOT:
            if (t[l - 1] != '.' || (s->end < len && !strchr(" \t\r\n\f", src[s->end])))
                fail_msg("%s:%d: sentence does not end with '.' and a space: %.60s", path, s->line, t);
            break;
        case COQ_SENT_BULLET:
            for (size_t k = 0; k < l; k++)
                if (t[k] != t[0] || !strchr("-+*", t[k])) fail_msg("%s:%d: bad bullet", path, s->line);
            w->bullets++;
            break;
        case COQ_SENT_BRACE:
            if (t[l - 1] != '{' && !(l == 1 && t[0] == '}')) fail_msg("%s:%d: bad brace", path, s->line);
            w->braces++;
            break;
        }
        /* rebuild: the gap, then the sentence */
        memcpy(re + o, src + at, s->end - at);
        o += s->end - at;
        for (size_t k = s->start; k < s->end; k++) line += src[k] == '\n';
        at = s->end;
    }
    if (!gap_ok(src, at, len)) fail_msg("%s: text after the last sentence", path);
    memcpy(re + o, src + at, len - at);
    o += len - at;
    if (o != len || memcmp(re, src, len)) fail_msg("%s: sentences and gaps do not rebuild the file", path);
    free(re);
    free(sp);
    w->files++;
    w->sentences += n;
    w->bytes += len;
    q35_map_close(&m);
}

/* Every *.v under dir (symbolic links not followed). */
static void walk_dir(walk *w, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("%s: cannot open", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st)) continue;
        size_t l = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) walk_dir(w, path);
        else if (S_ISREG(st.st_mode) && l > 2 && !strcmp(e->d_name + l - 2, ".v")) check_file(w, path);
    }
    closedir(d);
}

static void test_stdlib(void **state)
{
    (void)state;
    const char *dir = getenv("Q35_COQ_THEORIES");
    if (!dir) dir = "/usr/lib/ocaml/coq/theories";
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        printf("skipped: %s not found\n", dir);
        skip();
        return;
    }
    walk w = {0};
    double t0 = q35_now();
    walk_dir(&w, dir);
    printf("%s: %d files, %.1f MB, %ld sentences (%ld bullets, %ld braces) in %.2f s\n", dir, w.files,
           w.bytes / 1e6, w.sentences, w.bullets, w.braces, q35_now() - t0);
    assert_int_equal(w.bad, 0);
    assert_true(w.files > 100);
}

/* `coqc -time` prints "Chars A - B [...]" for every sentence it runs: Coq's own parser
 * as the reference for a few stdlib files with bullets, braces, strings and notations. */
static void test_vs_coqc(void **state)
{
    (void)state;
    static const char *const files[] = {"Bool/Bool.v", "Strings/String.v", "Logic/Hurkens.v", "Arith/PeanoNat.v"};
    const char *dir = getenv("Q35_COQ_THEORIES");
    if (!dir) dir = "/usr/lib/ocaml/coq/theories";
    if (system("coqc --version >/dev/null 2>&1") != 0) {
        printf("skipped: coqc not found\n");
        skip();
        return;
    }
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char src_path[4096], cmd[8192];
        snprintf(src_path, sizeof src_path, "%s/%s", dir, files[f]);
        q35_map m;
        q35_err err = {{0}};
        if (q35_map_open(src_path, &m, &err)) {
            printf("skipped: %s\n", err.msg);
            skip();
            return;
        }
        /* a copy under a plain module name in a scratch dir, compiled there */
        char work[4096], copy[4200];
        snprintf(work, sizeof work, "%s", t_tmp("split_oracle"));
        snprintf(copy, sizeof copy, "%s/Oracle.v", work);
        mkdir(work, 0700);
        assert_int_equal(t_write_file(copy, m.data, m.size), 0);
        snprintf(cmd, sizeof cmd, "cd '%s' && coqc -q -time -no-glob Oracle.v 2>&1", work);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        coq_span *sp;
        int n, k = 0;
        assert_int_equal(coq_split((const char *)m.data, m.size, &sp, &n, &err), 0);
        char line[65536];
        while (fgets(line, sizeof line, p)) {
            size_t a, b;
            if (sscanf(line, "Chars %zu - %zu", &a, &b) != 2) continue;
            /* commands with effects inside a proof (Open Scope) are run, and timed, again
             * at its Qed: one report per sentence is enough */
            if (k > 0 && a < sp[k - 1].end) continue;
            if (k >= n) fail_msg("%s: coqc reports more than our %d sentences (chars %zu - %zu)", files[f], n, a, b);
            if (sp[k].start != a || sp[k].end != b)
                fail_msg("%s: sentence %d: coqc says chars %zu - %zu, we say %zu - %zu (line %d)", files[f], k, a, b,
                         sp[k].start, sp[k].end, sp[k].line);
            k++;
        }
        int rc = pclose(p);
        if (rc != 0) fail_msg("%s: coqc failed (%d)", files[f], rc);
        if (k != n) fail_msg("%s: coqc ran %d sentences, we split %d", files[f], k, n);
        printf("%s: %d sentences, as coqc\n", files[f], n);
        free(sp);
        q35_map_close(&m);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_stdlib),
        cmocka_unit_test(test_vs_coqc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
