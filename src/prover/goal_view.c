/* Reading a goal's text: hypotheses, identifiers and shape flags (see goal_view.h). */
#include "goal_view.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_id_start(int c) { return isalpha(c) || c == '_' || (c & 0x80); }
static int is_id_char(int c) { return isalnum(c) || c == '_' || c == '\'' || (c & 0x80); }

static char *dup_range(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static char *trim_dup(const char *s, const char *e)
{
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    return dup_range(s, (size_t)(e - s));
}

void pv_free_strings(char **s, int n)
{
    for (int i = 0; i < n; i++) free(s[i]);
    free(s);
}

/* Identifier tokens with their extent; `Z.add` is one token, `x.1` is not. */
static const char *next_ident(const char *p, const char **start)
{
    while (*p) {
        if (is_id_start((unsigned char)*p) && (p == *start || !is_id_char((unsigned char)p[-1]))) {
            const char *b = p;
            for (;;) {
                while (is_id_char((unsigned char)*p)) p++;
                if (*p == '.' && is_id_start((unsigned char)p[1])) {
                    p++;
                    continue;
                }
                break;
            }
            *start = b;
            return p;
        }
        p++;
    }
    return NULL;
}

int pv_identifiers(const char *text, char ***out)
{
    int n = 0, cap = 0;
    char **ids = NULL;
    const char *p = text, *b = text;
    const char *e;
    while ((e = next_ident(p, &b))) {
        size_t len = (size_t)(e - b);
        int seen = 0;
        for (int i = 0; i < n && !seen; i++) seen = strlen(ids[i]) == len && !memcmp(ids[i], b, len);
        if (!seen) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **t = realloc(ids, (size_t)cap * sizeof *t);
                if (!t) break;
                ids = t;
            }
            ids[n] = dup_range(b, len);
            if (!ids[n]) break;
            n++;
        }
        p = e;
        b = e;
    }
    *out = ids;
    return n;
}

static int has_word(const char *text, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = strstr(text, w); p; p = strstr(p + 1, w)) {
        int left = p == text || !is_id_char((unsigned char)p[-1]);
        int right = !is_id_char((unsigned char)p[n]) && !(p[n] == '.' && is_id_start((unsigned char)p[n + 1]));
        if (left && right) return 1;
    }
    return 0;
}

/* An operator outside every parenthesis. */
static int top_level(const char *text, const char *op)
{
    int depth = 0;
    size_t n = strlen(op);
    for (const char *p = text; *p; p++) {
        if (*p == '(' || *p == '[' || *p == '{') depth++;
        else if (*p == ')' || *p == ']' || *p == '}') depth--;
        else if (depth == 0 && !strncmp(p, op, n)) return 1;
    }
    return 0;
}

static int starts_with_word(const char *text, const char *w)
{
    while (isspace((unsigned char)*text)) text++;
    size_t n = strlen(w);
    return !strncmp(text, w, n) && !is_id_char((unsigned char)text[n]);
}

/* A '*' (or '^') whose two sides are not both numerals suggests a non-linear goal. */
static int nonlinear(const char *t)
{
    for (const char *p = t; *p; p++) {
        if (*p != '*' && *p != '^') continue;
        if (p[1] == ')' || (p > t && p[-1] == '(')) continue; /* ( * ) notation */
        const char *l = p - 1;
        while (l >= t && *l == ' ') l--;
        const char *r = p + 1;
        while (*r == ' ') r++;
        int lnum = l >= t && isdigit((unsigned char)*l);
        if (l >= t && *l == ')') lnum = 0;
        int rnum = isdigit((unsigned char)*r);
        if (*p == '^') {
            if (!rnum) return 1;
            continue;
        }
        if (!lnum && !rnum) return 1;
    }
    return 0;
}

unsigned pv_prop_flags(const char *t)
{
    unsigned f = 0;
    if (starts_with_word(t, "forall") || top_level(t, "->")) f |= PV_FORALL;
    if (starts_with_word(t, "exists")) f |= PV_EXISTS;
    if (top_level(t, "/\\")) f |= PV_AND;
    if (top_level(t, "\\/")) f |= PV_OR;
    if (top_level(t, "<->")) f |= PV_IFF;
    if (top_level(t, " = ")) f |= PV_EQ;
    if (strstr(t, "<=") || strstr(t, " < ") || strstr(t, ">=") || strstr(t, " > ") || strstr(t, "<>")) f |= PV_CMP;
    if (strstr(t, " + ") || strstr(t, " - ") || strstr(t, " * ") || strstr(t, " / ") || has_word(t, "mod") ||
        strstr(t, "Z.") || strstr(t, "Nat.") || strstr(t, "N.") || strstr(t, "S ") || has_word(t, "Z") ||
        has_word(t, "nat"))
        f |= PV_ARITH;
    for (const char *p = t; *p; p++)
        if (isdigit((unsigned char)*p) && (p == t || !is_id_char((unsigned char)p[-1]))) {
            f |= PV_ARITH;
            break;
        }
    if (nonlinear(t)) f |= PV_NONLIN;
    static const char *const reals[] = {"R", "Rabs", "IZR", "INR", "Rle", "Rlt", "Rmult", "Rplus", "Rdiv",
                                        "Rinv", "sqrt", "Rmax", "Rmin", "Rsqr", "Rpower", "exp", "ln", "PI"};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        if (has_word(t, reals[i])) f |= PV_REAL;
    if (strstr(t, "%R")) f |= PV_REAL;
    if (has_word(t, "if")) f |= PV_IF;
    if (has_word(t, "match")) f |= PV_MATCH;
    if (!strcmp(t, "True")) f |= PV_TRUE;
    if (has_word(t, "False")) f |= PV_FALSE;
    if (strchr(t, '~') || top_level(t, "<>")) f |= PV_NOT;
    static const char *const lists[] = {"length", "map", "app", "fold_left", "fold_right", "nth", "rev", "firstn",
                                        "skipn", "seq", "repeat", "combine", "list", "In", "Forall", "sum_list",
                                        "list_sum", "concat", "nil", "cons"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (has_word(t, lists[i])) f |= PV_LIST;
    if (strstr(t, "++") || strstr(t, "::") || strstr(t, "[]")) f |= PV_LIST;
    static const char *const bits[] = {"Z.land", "Z.lor", "Z.lxor", "Z.shiftl", "Z.shiftr", "Z.testbit",
                                       "Z.ones", "Z.ldiff", "Nat.land", "Nat.lor", "Nat.shiftl", "Nat.shiftr"};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (has_word(t, bits[i])) f |= PV_BITS;
    if (strstr(t, " / ") || has_word(t, "mod") || has_word(t, "Z.div") || has_word(t, "Z.modulo") ||
        has_word(t, "Nat.div") || has_word(t, "Z.quot") || has_word(t, "Z.rem"))
        f |= PV_DIVMOD;
    if (strstr(t, "&&") || strstr(t, "||") || has_word(t, "negb") || strstr(t, "=?") || strstr(t, "<=?") ||
        strstr(t, "<?") || has_word(t, "true") || has_word(t, "false") || has_word(t, "bool"))
        f |= PV_BOOL;
    if (has_word(t, "Z.abs") || has_word(t, "Rabs") || has_word(t, "Nat.abs")) f |= PV_ABS;
    if (has_word(t, "Z.max") || has_word(t, "Z.min") || has_word(t, "Nat.max") || has_word(t, "Nat.min") ||
        has_word(t, "max") || has_word(t, "min") || has_word(t, "Rmax") || has_word(t, "Rmin"))
        f |= PV_MINMAX;
    return f;
}

int pv_type_kind(const char *type)
{
    while (isspace((unsigned char)*type)) type++;
    if (!strcmp(type, "nat")) return 1;
    if (!strncmp(type, "list", 4) && !is_id_char((unsigned char)type[4])) return 2;
    if (!strcmp(type, "bool")) return 3;
    if (!strcmp(type, "Z")) return 4;
    if (!strcmp(type, "positive") || !strcmp(type, "N")) return 5;
    if (!strncmp(type, "option", 6) || strstr(type, " * ") || !strcmp(type, "comparison")) return 6;
    return 0;
}

/* "n, m : nat" → two entries; "x := 3 : Z" → x with type Z; "H : a = b" → H. */
static int add_hyp_line(pv_goal_view *v, const char *line, int *cap)
{
    const char *colon = NULL;
    int depth = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '(') depth++;
        else if (*p == ')') depth--;
        else if (depth == 0 && *p == ':' && p[1] != '=' && (p == line || p[-1] != ':') && p[1] != ':') {
            colon = p;
            break;
        }
    }
    if (!colon) return 0;
    const char *names_end = colon;
    const char *assign = strstr(line, ":=");
    if (assign && assign < colon) names_end = assign;
    const char *type = colon + 1;
    if (assign && assign < colon) {
        /* let-bound: the type is after the last top-level " : " */
        const char *last = NULL;
        depth = 0;
        for (const char *p = assign + 2; *p; p++) {
            if (*p == '(') depth++;
            else if (*p == ')') depth--;
            else if (depth == 0 && *p == ':' && p[1] == ' ' && p[-1] == ' ') last = p;
        }
        if (last) type = last + 1;
    }
    const char *p = line;
    while (p < names_end) {
        const char *comma = memchr(p, ',', (size_t)(names_end - p));
        const char *e = comma ? comma : names_end;
        char *name = trim_dup(p, e);
        if (!name) return -1;
        if (!*name) {
            free(name);
        } else {
            if (v->n_hyps == *cap) {
                *cap = *cap ? *cap * 2 : 8;
                pv_hyp *h = realloc(v->hyps, (size_t)*cap * sizeof *h);
                unsigned *fl = realloc(v->hyp_flags, (size_t)*cap * sizeof *fl);
                if (h) v->hyps = h;
                if (fl) v->hyp_flags = fl;
                if (!h || !fl) {
                    free(name);
                    return -1;
                }
            }
            char *ty = trim_dup(type, type + strlen(type));
            if (!ty) {
                free(name);
                return -1;
            }
            v->hyps[v->n_hyps].name = name;
            v->hyps[v->n_hyps].type = ty;
            v->hyp_flags[v->n_hyps] = pv_prop_flags(ty);
            v->n_hyps++;
        }
        p = comma ? comma + 1 : names_end;
    }
    return 0;
}

int pv_goal_view_make(const coq_goals *g, pv_goal_view *v)
{
    memset(v, 0, sizeof *v);
    if (!g || g->n_fg < 1) return -1;
    const coq_goal *goal = &g->fg[0];
    int cap = 0;
    v->n_goals = g->n_fg + g->n_bg;
    for (int i = 0; i < goal->n_hyps; i++) {
        if (add_hyp_line(v, goal->hyps[i], &cap)) {
            pv_goal_view_free(v);
            return -1;
        }
        v->size += (int)strlen(goal->hyps[i]);
    }
    v->concl = strdup(goal->concl ? goal->concl : "");
    if (!v->concl) {
        pv_goal_view_free(v);
        return -1;
    }
    v->size += (int)strlen(v->concl);
    v->concl_flags = pv_prop_flags(v->concl);
    v->n_idents = pv_identifiers(v->concl, &v->idents);
    /* the arithmetic of a goal over real variables is real, though nothing says R in it */
    for (int i = 0; i < v->n_hyps; i++)
        if (!strcmp(v->hyps[i].type, "R")) v->concl_flags |= PV_REAL;
    /* likewise a goal about list variables is about lists */
    for (int i = 0; i < v->n_hyps; i++)
        if (pv_type_kind(v->hyps[i].type) == 2)
            for (int j = 0; j < v->n_idents; j++)
                if (!strcmp(v->idents[j], v->hyps[i].name)) v->concl_flags |= PV_LIST;
    return 0;
}

void pv_goal_view_free(pv_goal_view *v)
{
    for (int i = 0; i < v->n_hyps; i++) {
        free(v->hyps[i].name);
        free(v->hyps[i].type);
    }
    free(v->hyps);
    free(v->hyp_flags);
    free(v->concl);
    pv_free_strings(v->idents, v->n_idents);
    memset(v, 0, sizeof *v);
}

int pv_is_predicate_app(const char *t)
{
    while (isspace((unsigned char)*t)) t++;
    if (!is_id_start((unsigned char)*t) || starts_with_word(t, "forall") || starts_with_word(t, "exists") ||
        starts_with_word(t, "fun") || starts_with_word(t, "if") || starts_with_word(t, "match"))
        return 0;
    static const char *const ops[] = {"=", "<", ">", "/\\", "\\/", "->", "~", "+", "*", "-"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (top_level(t, ops[i])) return 0;
    return strchr(t, ' ') != NULL;
}
