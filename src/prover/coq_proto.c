/* Calls to coqidetop and decoders of its replies (coq_proto.h). Every decoder checks the
 * element names and counts it relies on, so a reply of an unexpected shape is an error
 * (the session treats it as a broken process) rather than a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prover/coq_proto.h"

/* ---- calls ---- */

char *coq_call_add(const char *sentence, int tip, q35_err *err)
{
    static const char head[] = "<call val=\"Add\"><pair><pair><pair><pair><string>";
    static const char mid[] = "</string><int>-1</int></pair><pair><state_id val=\"%d\"/>"
                              "<bool val=\"false\"/></pair></pair><int>0</int></pair>"
                              "<pair><int>0</int><int>0</int></pair></pair></call>";
    size_t n = strlen(sentence), esc = 0;
    for (size_t i = 0; i < n; i++) {
        switch (sentence[i]) {
        case '&': esc += 4; break;             /* &amp; */
        case '<': case '>': esc += 3; break;   /* &lt; &gt; */
        case '"': case '\'': esc += 5; break;  /* &quot; &apos; */
        default: break;
        }
    }
    size_t cap;
    if (q35_add_size(n, esc, &cap) || q35_add_size(cap, sizeof head + sizeof mid + 16, &cap)) {
        q35_fail(err, "coq: sentence too long");
        return NULL;
    }
    char *s = q35_malloc(cap, err);
    if (!s) return NULL;
    char *o = s;
    memcpy(o, head, sizeof head - 1);
    o += sizeof head - 1;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (sentence[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&apos;"; break;
        default: *o++ = sentence[i]; continue;
        }
        size_t l = strlen(e);
        memcpy(o, e, l);
        o += l;
    }
    snprintf(o, cap - (size_t)(o - s), mid, tip);
    return s;
}

void coq_call_edit_at(int state, char buf[COQ_CALL_EDIT_AT_MAX])
{
    snprintf(buf, COQ_CALL_EDIT_AT_MAX, "<call val=\"Edit_at\"><state_id val=\"%d\"/></call>", state);
}

/* ---- small readers ---- */

static int parse_int(const char *s, int *out)
{
    if (!s || !*s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < -2147483647L || v > 2147483647L) return -1;
    *out = (int)v;
    return 0;
}

/* <state_id val="N"/> */
static int state_id(const xml_node *n, int *out)
{
    if (!xml_is(n, "state_id")) return -1;
    return parse_int(xml_attr_get(n, "val"), out);
}

static int good_value(const xml_node *v, q35_err *err)
{
    if (!xml_is(v, "value") || !xml_attr_get(v, "val") || strcmp(xml_attr_get(v, "val"), "good"))
        return q35_fail(err, "coq: expected a good <value>");
    return 0;
}

/* ---- text ---- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char *coq_richpp_text(const xml_node *n, q35_err *err)
{
    char *s = xml_text(n, err);
    if (!s) return NULL;
    size_t a = 0, b = strlen(s);
    while (a < b && is_space(s[a])) a++;
    while (b > a && is_space(s[b - 1])) b--;
    memmove(s, s + a, b - a);
    s[b - a] = 0;
    return s;
}

/* ---- values ---- */

int coq_decode_value(const xml_node *v, coq_value *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->loc_s = out->loc_e = -1;
    const char *val = xml_attr_get(v, "val");
    if (!xml_is(v, "value") || !val) return q35_fail(err, "coq: reply is not a <value>");
    if (!strcmp(val, "good")) {
        out->good = 1;
        return 0;
    }
    if (strcmp(val, "fail")) return q35_fail(err, "coq: <value val=\"%.40s\">", val);
    if (parse_int(xml_attr_get(v, "loc_s"), &out->loc_s)) out->loc_s = -1;
    if (parse_int(xml_attr_get(v, "loc_e"), &out->loc_e)) out->loc_e = -1;
    const xml_node *sid = xml_elem(v, 0), *msg = xml_elem(v, 1);
    if (state_id(sid, &out->fail_state)) out->fail_state = 0;
    out->msg = msg ? coq_richpp_text(msg, err) : q35_strdup("", err);
    if (!out->msg) return -1;
    if (!out->msg[0]) {
        free(out->msg);
        if (!(out->msg = q35_strdup("Coq reported a failure without a message", err))) return -1;
    }
    return 0;
}

int coq_decode_init(const xml_node *v, int *state, q35_err *err)
{
    if (good_value(v, err)) return -1;
    if (state_id(xml_elem(v, 0), state)) return q35_fail(err, "coq: Init reply without a state_id");
    return 0;
}

int coq_decode_add(const xml_node *v, int *state, int *unfocus, q35_err *err)
{
    if (good_value(v, err)) return -1;
    const xml_node *p = xml_elem(v, 0);
    const xml_node *u = xml_elem(p, 1);
    const char *side = xml_attr_get(u, "val");
    if (!xml_is(p, "pair") || state_id(xml_elem(p, 0), state) || !xml_is(u, "union") || !side)
        return q35_fail(err, "coq: Add reply of an unexpected shape");
    *unfocus = -1;
    if (!strcmp(side, "in_r")) {
        if (state_id(xml_elem(u, 0), unfocus)) return q35_fail(err, "coq: Add reply: bad in_r");
    } else if (strcmp(side, "in_l")) {
        return q35_fail(err, "coq: Add reply: union '%.20s'", side);
    }
    return 0;
}

int coq_decode_edit_at(const xml_node *v, int *focus, q35_err *err)
{
    if (good_value(v, err)) return -1;
    const xml_node *u = xml_elem(v, 0);
    const char *side = xml_attr_get(u, "val");
    if (!xml_is(u, "union") || !side) return q35_fail(err, "coq: Edit_at reply of an unexpected shape");
    if (!strcmp(side, "in_l")) *focus = 0;
    else if (!strcmp(side, "in_r")) *focus = 1;
    else return q35_fail(err, "coq: Edit_at reply: union '%.20s'", side);
    return 0;
}

/* ---- goals ---- */

void coq_goals_free(coq_goals *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_fg; i++) {
        coq_goal *x = &g->fg[i];
        for (int h = 0; h < x->n_hyps; h++) free(x->hyps[h]);
        free(x->hyps);
        free(x->concl);
    }
    free(g->fg);
    memset(g, 0, sizeof *g);
}

/* <goal><string>id</string><list>richpp*</list><richpp>concl</richpp>…</goal> */
static int decode_goal(const xml_node *n, coq_goal *g, q35_err *err)
{
    const xml_node *hyps = xml_elem(n, 1), *concl = xml_elem(n, 2);
    if (!xml_is(n, "goal") || !xml_is(xml_elem(n, 0), "string") || !xml_is(hyps, "list") || !concl)
        return q35_fail(err, "coq: <goal> of an unexpected shape");
    if (hyps->n_elems) {
        g->hyps = q35_calloc((size_t)hyps->n_elems, sizeof *g->hyps, err);
        if (!g->hyps) return -1;
    }
    for (const xml_node *h = xml_elem(hyps, 0); h; h = xml_next(h)) {
        if (!(g->hyps[g->n_hyps] = coq_richpp_text(h, err))) return -1;
        g->n_hyps++;
    }
    return (g->concl = coq_richpp_text(concl, err)) ? 0 : -1;
}

/* A <list> of goals: its length, after checking each is a <goal>. */
static int count_goals(const xml_node *list, int *n, q35_err *err)
{
    if (!xml_is(list, "list")) return q35_fail(err, "coq: <goals> without its lists");
    for (const xml_node *g = xml_elem(list, 0); g; g = xml_next(g))
        if (!xml_is(g, "goal")) return q35_fail(err, "coq: goal list holds <%s>", g->name);
    *n += list->n_elems;
    return 0;
}

int coq_decode_goals(const xml_node *v, coq_goals *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    if (good_value(v, err)) return -1;
    const xml_node *opt = xml_elem(v, 0);
    const char *some = xml_attr_get(opt, "val");
    if (!xml_is(opt, "option") || !some) return q35_fail(err, "coq: Goal reply of an unexpected shape");
    if (!strcmp(some, "none")) return 0;
    const xml_node *goals = xml_elem(opt, 0);
    if (strcmp(some, "some") || !xml_is(goals, "goals"))
        return q35_fail(err, "coq: Goal reply of an unexpected shape");
    out->in_proof = 1;

    const xml_node *fg = xml_elem(goals, 0), *bg = xml_elem(goals, 1);
    int n_fg = 0;
    if (count_goals(fg, &n_fg, err)) return -1;
    if (n_fg) {
        out->fg = q35_calloc((size_t)n_fg, sizeof *out->fg, err);
        if (!out->fg) return -1;
    }
    for (const xml_node *g = xml_elem(fg, 0); g; g = xml_next(g)) {
        /* counted before decoding, so coq_goals_free sees every half-filled goal */
        out->n_fg++;
        if (decode_goal(g, &out->fg[out->n_fg - 1], err)) return -1;
    }

    /* background: a list of pairs (goals before the focus, goals after it) per level */
    if (!xml_is(bg, "list")) return q35_fail(err, "coq: <goals> without its background list");
    for (const xml_node *p = xml_elem(bg, 0); p; p = xml_next(p)) {
        if (!xml_is(p, "pair") || p->n_elems != 2)
            return q35_fail(err, "coq: background goals of an unexpected shape");
        if (count_goals(xml_elem(p, 0), &out->n_bg, err) || count_goals(xml_elem(p, 1), &out->n_bg, err))
            return -1;
    }
    if (count_goals(xml_elem(goals, 2), &out->n_shelved, err) ||
        count_goals(xml_elem(goals, 3), &out->n_given_up, err))
        return -1;
    return 0;
}
