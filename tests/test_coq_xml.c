/* Tests for the coqidetop XML reader and the protocol decoders (src/prover/xml.c,
 * coq_proto.c), no Coq needed: the replies below were recorded from coqidetop.opt 8.16.1.
 * Well-formed replies decode to the right goals and messages; a stream of feedback then
 * a value is framed correctly whatever byte it is cut at; malformed, truncated and
 * hostile input gives 0 or -1 with a one-line message, never a crash (run under
 * ASan/UBSan too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prover/coq_proto.h"
#include "prover/xml.h"
#include "test_support.h"

static const char R_INIT[] = "<value val=\"good\"><state_id val=\"1\"/></value>";
static const char R_ADD[] =
    "<value val=\"good\"><pair><state_id val=\"3\"/><union val=\"in_l\"><unit/></union></pair></value>";
static const char R_ADD_R[] = "<value val=\"good\"><pair><state_id val=\"9\"/><union val=\"in_r\">"
                              "<state_id val=\"5\"/></union></pair></value>";
static const char R_EDIT[] = "<value val=\"good\"><union val=\"in_l\"><unit/></union></value>";
static const char R_NONE[] = "<value val=\"good\"><option val=\"none\"/></value>";
static const char R_GOAL[] =
    "<value val=\"good\"><option val=\"some\"><goals><list><goal><string>6</string><list>"
    "<richpp><_><pp>n,&nbsp;m&nbsp;:&nbsp;<constr.variable>nat</constr.variable></pp></_></richpp>"
    "<richpp><_><pp>H&nbsp;:&nbsp;<constr.variable>n</constr.variable><constr.notation>&nbsp;=</constr.notation>"
    "&nbsp;<constr.variable>m</constr.variable></pp></_></richpp></list>"
    "<richpp><_><pp><constr.variable>n</constr.variable><constr.notation>&nbsp;+</constr.notation>&nbsp;0"
    "<constr.notation>&nbsp;=</constr.notation>&nbsp;<constr.variable>m</constr.variable></pp></_></richpp>"
    "<option val=\"none\"/></goal></list><list/><list/><list/></goals></option></value>";
/* after `split. -` on True /\ True: one focused goal, one in the background */
static const char R_GOAL_BG[] =
    "<value val=\"good\"><option val=\"some\"><goals><list><goal><string>3</string><list/><richpp><_><pp>"
    "<constr.variable>True</constr.variable></pp></_></richpp><option val=\"none\"/></goal></list><list><pair>"
    "<list/><list><goal><string>4</string><list/><richpp><_><pp><constr.variable>True</constr.variable></pp>"
    "</_></richpp><option val=\"none\"/></goal></list></pair></list><list/><list/></goals></option></value>";
/* proof complete, still open (before Qed) */
static const char R_GOAL_DONE[] =
    "<value val=\"good\"><option val=\"some\"><goals><list/><list><pair><list/><list/></pair></list><list/>"
    "<list/></goals></option></value>";
static const char R_FAIL[] =
    "<value val=\"fail\" loc_s=\"8\" loc_e=\"11\"><state_id val=\"3\"/><richpp><_><pp>The&nbsp;reference"
    "&nbsp;foo&nbsp;was&nbsp;not&nbsp;found&nbsp;in&nbsp;the&nbsp;current&nbsp;environment.</pp></_></richpp></value>";
static const char R_FAIL_NL[] =
    "<value val=\"fail\" loc_s=\"0\" loc_e=\"5\"><state_id val=\"0\"/><richpp><_><pp>Stm.add&nbsp;called"
    "&nbsp;for&nbsp;a&nbsp;different&nbsp;state&nbsp;(3)&nbsp;than&nbsp;the&nbsp;tip:&nbsp;4.\nThis&nbsp;is"
    "&nbsp;not&nbsp;supported&nbsp;yet,&nbsp;sorry.</pp></_></richpp></value>";
static const char FEEDBACK[] =
    "<feedback object=\"state\" route=\"0\"><state_id val=\"4\"/><feedback_content val=\"message\"><message>"
    "<message_level val=\"error\"/><option val=\"some\"><loc start=\"8\" stop=\"11\"/></option><richpp><_><pp>"
    "The&nbsp;reference&nbsp;foo&nbsp;was&nbsp;not&nbsp;found.</pp></_></richpp></message></feedback_content>"
    "</feedback>";
static const char FEEDBACK2[] =
    "<feedback object=\"state\" route=\"0\"><state_id val=\"3\"/><feedback_content val=\"processed\"/></feedback>";

/* Parses a complete element; fails the test if it is not. */
static xml_doc *parse_ok(const char *s)
{
    xml_doc *d = NULL;
    size_t used = 0;
    q35_err err = {{0}};
    int r = xml_parse(s, strlen(s), 0, &d, &used, &err);
    if (r != 1) fail_msg("parse of %.60s... gave %d: %s", s, r, err.msg);
    assert_int_equal(used, strlen(s));
    return d;
}

/* ---- well-formed replies ---- */

static void test_replies(void **state)
{
    (void)state;
    q35_err err = {{0}};
    int sid = 0, un = 0, focus = 7;
    coq_value v;

    xml_doc *d = parse_ok(R_INIT);
    assert_int_equal(coq_decode_value(xml_root(d), &v, &err), 0);
    assert_true(v.good);
    assert_int_equal(coq_decode_init(xml_root(d), &sid, &err), 0);
    assert_int_equal(sid, 1);
    xml_doc_free(d);

    d = parse_ok(R_ADD);
    assert_int_equal(coq_decode_add(xml_root(d), &sid, &un, &err), 0);
    assert_int_equal(sid, 3);
    assert_int_equal(un, -1);
    xml_doc_free(d);

    d = parse_ok(R_ADD_R);
    assert_int_equal(coq_decode_add(xml_root(d), &sid, &un, &err), 0);
    assert_int_equal(sid, 9);
    assert_int_equal(un, 5);
    xml_doc_free(d);

    d = parse_ok(R_EDIT);
    assert_int_equal(coq_decode_edit_at(xml_root(d), &focus, &err), 0);
    assert_int_equal(focus, 0);
    /* an Edit_at reply is not an Add reply */
    assert_int_equal(coq_decode_add(xml_root(d), &sid, &un, &err), -1);
    xml_doc_free(d);

    coq_goals g;
    d = parse_ok(R_NONE);
    assert_int_equal(coq_decode_goals(xml_root(d), &g, &err), 0);
    assert_int_equal(g.in_proof, 0);
    coq_goals_free(&g);
    xml_doc_free(d);

    d = parse_ok(R_GOAL);
    assert_int_equal(coq_decode_goals(xml_root(d), &g, &err), 0);
    assert_int_equal(g.in_proof, 1);
    assert_int_equal(g.n_fg, 1);
    assert_int_equal(g.fg[0].n_hyps, 2);
    assert_string_equal(g.fg[0].hyps[0], "n, m : nat");
    assert_string_equal(g.fg[0].hyps[1], "H : n = m");
    assert_string_equal(g.fg[0].concl, "n + 0 = m");
    assert_int_equal(g.n_bg + g.n_shelved + g.n_given_up, 0);
    coq_goals_free(&g);
    xml_doc_free(d);

    d = parse_ok(R_GOAL_BG);
    assert_int_equal(coq_decode_goals(xml_root(d), &g, &err), 0);
    assert_int_equal(g.n_fg, 1);
    assert_int_equal(g.fg[0].n_hyps, 0);
    assert_string_equal(g.fg[0].concl, "True");
    assert_int_equal(g.n_bg, 1);
    coq_goals_free(&g);
    xml_doc_free(d);

    d = parse_ok(R_GOAL_DONE);
    assert_int_equal(coq_decode_goals(xml_root(d), &g, &err), 0);
    assert_int_equal(g.in_proof, 1);
    assert_int_equal(g.n_fg + g.n_bg + g.n_shelved + g.n_given_up, 0);
    coq_goals_free(&g);
    xml_doc_free(d);

    d = parse_ok(R_FAIL);
    assert_int_equal(coq_decode_value(xml_root(d), &v, &err), 0);
    assert_false(v.good);
    assert_int_equal(v.fail_state, 3);
    assert_int_equal(v.loc_s, 8);
    assert_int_equal(v.loc_e, 11);
    assert_string_equal(v.msg, "The reference foo was not found in the current environment.");
    free(v.msg);
    /* a fail value is not a good one */
    assert_int_equal(coq_decode_goals(xml_root(d), &g, &err), -1);
    coq_goals_free(&g);
    xml_doc_free(d);

    d = parse_ok(R_FAIL_NL);
    assert_int_equal(coq_decode_value(xml_root(d), &v, &err), 0);
    assert_int_equal(v.fail_state, 0);
    assert_non_null(strstr(v.msg, "tip: 4.\nThis is not supported yet, sorry."));
    free(v.msg);
    xml_doc_free(d);
}

/* ---- entities, attributes, text ---- */

static void test_entities(void **state)
{
    (void)state;
    q35_err err = {{0}};
    xml_doc *d = parse_ok("<a x=\"&lt;&amp;&quot;&apos;&gt;\" y='say \"hi\"'>&#65;&#x42;&#x20AC;&#128512;&nbsp;z"
                          "<b/>tail<c k = \"v\" ></c ></a>");
    const xml_node *a = xml_root(d);
    assert_true(xml_is(a, "a"));
    assert_string_equal(xml_attr_get(a, "x"), "<&\"'>");
    assert_string_equal(xml_attr_get(a, "y"), "say \"hi\"");
    assert_null(xml_attr_get(a, "z"));
    assert_int_equal(a->n_elems, 2);
    assert_true(xml_is(xml_elem(a, 0), "b"));
    assert_true(xml_is(xml_elem(a, 1), "c"));
    assert_null(xml_elem(a, 2));
    assert_null(xml_next(xml_elem(a, 1)));
    assert_string_equal(xml_attr_get(xml_elem(a, 1), "k"), "v");
    char *t = xml_text(a, &err);
    assert_string_equal(t, "AB\xE2\x82\xAC\xF0\x9F\x98\x80 ztail");
    free(t);
    xml_doc_free(d);

    /* nested richpp: tags dropped, text in order, newlines kept, ends trimmed */
    d = parse_ok("<richpp><_><pp>  <a>x<b>&nbsp;y<c>z</c></b></a>\n<d/>w&nbsp;&nbsp;</pp></_></richpp>");
    t = coq_richpp_text(xml_root(d), &err);
    assert_string_equal(t, "x yz\nw");
    free(t);
    xml_doc_free(d);
}

/* ---- framing: feedback, feedback, value, cut at every byte ---- */

static void test_framing(void **state)
{
    (void)state;
    char stream[8192];
    snprintf(stream, sizeof stream, "%s\n%s%s  %s", FEEDBACK, FEEDBACK2, R_GOAL, R_FAIL);
    size_t len = strlen(stream);
    size_t ends[4];
    ends[0] = strlen(FEEDBACK);
    ends[1] = ends[0] + 1 + strlen(FEEDBACK2);
    ends[2] = ends[1] + strlen(R_GOAL);
    ends[3] = len;
    q35_err err = {{0}};

    /* from every element start, every prefix: 0 until the element is complete */
    size_t from = 0;
    for (int e = 0; e < 4; e++) {
        for (size_t k = from; k <= len; k++) {
            xml_doc *d = NULL;
            size_t used = 0;
            int r = xml_parse(stream + from, k - from, 0, &d, &used, &err);
            if (k < ends[e]) {
                if (r != 0) fail_msg("element %d, prefix %zu: %d (%s)", e, k - from, r, err.msg);
            } else {
                if (r != 1) fail_msg("element %d, prefix %zu: %d (%s)", e, k - from, r, err.msg);
                assert_int_equal(from + used, ends[e]);
            }
            xml_doc_free(d);
            xml_framer f;
            xml_framer_reset(&f);
            size_t end = 0;
            r = xml_frame(&f, stream + from, k - from, 0, &end, &err);
            assert_int_equal(r, k < ends[e] ? 0 : 1);
            if (r == 1) assert_int_equal(from + end, ends[e]);
        }
        from = ends[e];
    }

    /* the resumable framer fed one byte more at a time, as a pipe might */
    from = 0;
    for (int e = 0; e < 4; e++) {
        xml_framer f;
        xml_framer_reset(&f);
        size_t end = 0, k;
        int r = 0;
        for (k = from; k <= len && r == 0; k++) r = xml_frame(&f, stream + from, k - from, 0, &end, &err);
        assert_int_equal(r, 1);
        assert_int_equal(from + end, ends[e]);
        /* where the element itself starts (after whitespace) */
        assert_int_equal(stream[from + f.start], '<');
        from = ends[e];
    }
}

/* ---- malformed and hostile input ---- */

typedef struct bad_case {
    const char *xml;
    int want; /* -1 malformed, 0 incomplete */
    const char *what;
} bad_case;

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"<a>", 0, NULL},
        {"<a", 0, NULL},
        {"<a x=\"1", 0, NULL},
        {"<a><b></b>", 0, NULL},
        {"<a>text", 0, NULL},
        {"<a>&lt", 0, NULL},
        {"", 0, NULL},
        {"   ", 0, NULL},
        {"<a></b>", -1, "closes"},
        {"<a><b></a></b>", -1, "closes"},
        {"<a x=1/>", -1, "not quoted"},
        {"<a x/>", -1, "without '='"},
        {"<a x=\"1\"y=\"2\"/>", -1, "whitespace"},
        {"<a>&bogus;</a>", -1, "unknown entity"},
        {"<a>& b</a>", -1, "entity"},
        {"<a>&#xD800;</a>", -1, "out of range"},
        {"<a>&#0;</a>", -1, "out of range"},
        {"<a>&#x110000;</a>", -1, "out of range"},
        {"<a>&#99999999999999999999;</a>", -1, NULL},
        {"<a>&#x;</a>", -1, "empty"},
        {"<a>&#12a;</a>", -1, "bad character"},
        {"<a x='&zz;'/>", -1, "unknown entity"},
        {"text<a/>", -1, "outside"},
        {"</a>", -1, NULL},
        {"<!-- c --><a/>", -1, "unsupported"},
        {"<a><!-- c --></a>", -1, "unsupported"},
        {"<a><![CDATA[x]]></a>", -1, "unsupported"},
        {"<?xml version=\"1.0\"?><a/>", -1, "unsupported"},
        {"<a b='<'/>", -1, "'<'"},
        {"< a/>", -1, NULL},
        {"<a/ >", -1, "'/'"},
        {"<1a/>", -1, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        q35_err err = {{0}};
        xml_doc *d = (xml_doc *)1;
        size_t used = 0;
        int r = xml_parse(c->xml, strlen(c->xml), 0, &d, &used, &err);
        if (r != c->want) fail_msg("'%s': %d, expected %d (%s)", c->xml, r, c->want, err.msg);
        assert_null(d);
        if (r < 0) {
            assert_non_null(strstr(err.msg, "xml: "));
            assert_null(strchr(err.msg, '\n'));
            if (c->what && !strstr(err.msg, c->what))
                fail_msg("'%s': message lacks '%s': %s", c->xml, c->what, err.msg);
        }
        /* the framer never claims more than the parser: incomplete stays incomplete, and
         * whatever it says, it does not crash */
        xml_framer f;
        xml_framer_reset(&f);
        size_t end;
        int fr = xml_frame(&f, c->xml, strlen(c->xml), 0, &end, &err);
        if (c->want == 0) assert_int_equal(fr, 0);
    }
}

static void test_hostile(void **state)
{
    (void)state;
    q35_err err = {{0}};
    size_t used;
    xml_doc *d;

    /* depth bomb: closed, and open-ended */
    size_t n = 100000;
    char *b = malloc(n * 4 + 1);
    assert_non_null(b);
    b[0] = 0;
    for (size_t i = 0; i < 300; i++) strcat(b, "<a>");
    for (size_t i = 0; i < 300; i++) strcat(b, "</a>");
    assert_int_equal(xml_parse(b, strlen(b), 0, &d, &used, &err), -1);
    assert_non_null(strstr(err.msg, "nesting"));
    xml_framer f;
    size_t end;
    xml_framer_reset(&f);
    assert_int_equal(xml_frame(&f, b, strlen(b), 0, &end, &err), -1);
    for (size_t i = 0; i < n; i++) memcpy(b + 3 * i, "<a>", 3);
    b[3 * n] = 0;
    assert_int_equal(xml_parse(b, 3 * n, 0, &d, &used, &err), -1);
    xml_framer_reset(&f);
    assert_int_equal(xml_frame(&f, b, 3 * n, 0, &end, &err), -1);
    /* exactly at the limit is fine */
    b[0] = 0;
    for (size_t i = 0; i < XML_MAX_DEPTH; i++) strcat(b, "<a>");
    for (size_t i = 0; i < XML_MAX_DEPTH; i++) strcat(b, "</a>");
    assert_int_equal(xml_parse(b, strlen(b), 0, &d, &used, &err), 1);
    xml_doc_free(d);
    free(b);

    /* huge text against a 1 MiB limit: complete or not, it is refused */
    size_t big = (size_t)3 << 20;
    b = malloc(big + 16);
    assert_non_null(b);
    memcpy(b, "<a>", 3);
    memset(b + 3, 'x', big);
    memcpy(b + 3 + big, "</a>", 5);
    assert_int_equal(xml_parse(b, big + 7, (size_t)1 << 20, &d, &used, &err), -1);
    assert_non_null(strstr(err.msg, "longer than"));
    assert_int_equal(xml_parse(b, big / 2, (size_t)1 << 20, &d, &used, &err), -1);
    xml_framer_reset(&f);
    assert_int_equal(xml_frame(&f, b, big + 7, (size_t)1 << 20, &end, &err), -1);
    /* and within the default limit it parses */
    assert_int_equal(xml_parse(b, big + 7, 0, &d, &used, &err), 1);
    assert_int_equal(xml_root(d)->first->len, big);
    xml_doc_free(d);
    free(b);

    /* random damage to a real reply: any answer, never a crash; decoders cope with
     * whatever tree comes out */
    uint64_t seed = t_seed();
    size_t len = strlen(R_GOAL);
    char *m = malloc(len + 1);
    assert_non_null(m);
    int counts[3] = {0, 0, 0};
    for (int it = 0; it < 20000; it++) {
        memcpy(m, R_GOAL, len + 1);
        int k = 1 + (int)(t_rand_u64(&seed) % 4);
        for (int j = 0; j < k; j++) {
            size_t at = t_rand_u64(&seed) % len;
            static const char pool[] = "<>/=\"'&;# ax";
            m[at] = pool[t_rand_u64(&seed) % (sizeof pool - 1)];
        }
        size_t cut = (it & 1) ? len : t_rand_u64(&seed) % (len + 1);
        int r = xml_parse(m, cut, 0, &d, &used, &err);
        assert_true(r >= -1 && r <= 1);
        counts[r + 1]++;
        if (r == 1) {
            coq_goals g;
            coq_value v;
            coq_decode_goals(xml_root(d), &g, &err);
            coq_goals_free(&g);
            if (coq_decode_value(xml_root(d), &v, &err) == 0) free(v.msg);
            int x, y;
            coq_decode_add(xml_root(d), &x, &y, &err);
            coq_decode_edit_at(xml_root(d), &x, &err);
            xml_doc_free(d);
        }
        xml_framer_reset(&f);
        r = xml_frame(&f, m, cut, 0, &end, &err);
        assert_true(r >= -1 && r <= 1);
    }
    printf("damaged replies: %d malformed, %d incomplete, %d parsed\n", counts[0], counts[1], counts[2]);
    free(m);
}

/* ---- calls ---- */

static void test_calls(void **state)
{
    (void)state;
    q35_err err = {{0}};
    const char *sentence = "assert (x < y /\\ \"a\" <> 'b' && z > 0).";
    char *c = coq_call_add(sentence, 42, &err);
    assert_non_null(c);
    assert_non_null(strstr(c, "<state_id val=\"42\"/>"));
    assert_null(strstr(c, "x < y"));
    /* the call is itself XML that gives the sentence back */
    xml_doc *d = parse_ok(c);
    const xml_node *s = xml_root(d);
    for (int i = 0; i < 4; i++) s = xml_elem(s, 0);
    s = xml_elem(s, 0);
    assert_true(xml_is(s, "string"));
    char *t = xml_text(s, &err);
    assert_string_equal(t, sentence);
    free(t);
    xml_doc_free(d);
    free(c);

    char e[COQ_CALL_EDIT_AT_MAX];
    coq_call_edit_at(2147483647, e);
    assert_string_equal(e, "<call val=\"Edit_at\"><state_id val=\"2147483647\"/></call>");
    d = parse_ok(COQ_CALL_INIT);
    xml_doc_free(d);
    d = parse_ok(COQ_CALL_GOAL);
    xml_doc_free(d);
    d = parse_ok(COQ_CALL_QUIT);
    xml_doc_free(d);
}

/* ---- replies of the wrong shape ---- */

static void test_bad_shapes(void **state)
{
    (void)state;
#define SOME(goals) "<value val=\"good\"><option val=\"some\"><goals>" goals "</goals></option></value>"
    static const char *const goals_bad[] = {
        "<value val=\"good\"><option val=\"some\"/></value>",
        "<value val=\"good\"><option val=\"maybe\"><goals/></option></value>",
        SOME("<list><goal/></list><list/><list/><list/>"),
        SOME("<list><goal><string>1</string><list/></goal></list><list/><list/><list/>"),
        SOME("<list/><list><pair><list/></pair></list><list/><list/>"),
        SOME("<list/><list/><list/>"),
        SOME("<list><unit/></list><list/><list/><list/>"),
        "<value val=\"good\"/>",
        "<value/>",
        "<notvalue val=\"good\"/>",
    };
    q35_err err = {{0}};
    for (size_t i = 0; i < sizeof goals_bad / sizeof goals_bad[0]; i++) {
        xml_doc *d = parse_ok(goals_bad[i]);
        coq_goals g;
        if (coq_decode_goals(xml_root(d), &g, &err) != -1) fail_msg("accepted: %s", goals_bad[i]);
        coq_goals_free(&g);
        int x, y;
        assert_int_equal(coq_decode_add(xml_root(d), &x, &y, &err), -1);
        assert_int_equal(coq_decode_init(xml_root(d), &x, &err), -1);
        assert_int_equal(coq_decode_edit_at(xml_root(d), &x, &err), -1);
        xml_doc_free(d);
    }
    xml_doc *d = parse_ok("<value val=\"maybe\"/>");
    coq_value v;
    assert_int_equal(coq_decode_value(xml_root(d), &v, &err), -1);
    xml_doc_free(d);
    /* a fail without a message still has one */
    d = parse_ok("<value val=\"fail\"><state_id val=\"x\"/></value>");
    assert_int_equal(coq_decode_value(xml_root(d), &v, &err), 0);
    assert_false(v.good);
    assert_int_equal(v.fail_state, 0);
    assert_int_equal(v.loc_s, -1);
    assert_true(strlen(v.msg) > 0);
    free(v.msg);
    xml_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replies),   cmocka_unit_test(test_entities), cmocka_unit_test(test_framing),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_hostile),  cmocka_unit_test(test_calls),
        cmocka_unit_test(test_bad_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
