/* The tactic templates and their instantiation from a goal (see tactics.h). */
#include "tactics.h"

#include "coq_split.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IFS_SPLIT "repeat match goal with | |- context [if ?b then _ else _] => destruct b eqn:? end"

const pv_template pv_templates[] = {
    /* closers */
    {"reflexivity", "reflexivity.", PV_ARG_NONE, 1},
    {"lia", "lia.", PV_ARG_NONE, 1},
    {"nia", "nia.", PV_ARG_NONE, 1},
    {"lra", "lra.", PV_ARG_NONE, 1},
    {"nra", "nra.", PV_ARG_NONE, 1},
    {"ring", "ring.", PV_ARG_NONE, 1},
    {"field", "field.", PV_ARG_NONE, 1},
    {"auto", "auto.", PV_ARG_NONE, 1},
    {"eauto", "eauto.", PV_ARG_NONE, 1},
    {"tauto", "tauto.", PV_ARG_NONE, 1},
    {"congruence", "congruence.", PV_ARG_NONE, 1},
    {"discriminate", "discriminate.", PV_ARG_NONE, 1},
    {"assumption", "assumption.", PV_ARG_NONE, 1},
    {"easy", "easy.", PV_ARG_NONE, 1},
    {"intuition", "intuition.", PV_ARG_NONE, 1},
    {"contradiction", "contradiction.", PV_ARG_NONE, 1},
    {"intros_lia", "intros; lia.", PV_ARG_NONE, 1},
    {"intros_nia", "intros; nia.", PV_ARG_NONE, 1},
    {"intros_subst_lia", "intros; subst; lia.", PV_ARG_NONE, 1},
    {"intros_lra", "intros; lra.", PV_ARG_NONE, 1},
    {"intros_nra", "intros; nra.", PV_ARG_NONE, 1},
    {"simpl_lia", "simpl; lia.", PV_ARG_NONE, 1},
    {"simpl_ring", "simpl; ring.", PV_ARG_NONE, 1},
    {"vm_compute_reflexivity", "vm_compute; reflexivity.", PV_ARG_NONE, 1},
    {"split_Rabs_lra", "split_Rabs; lra.", PV_ARG_NONE, 1},
    {"intros_split_Rabs_lra", "intros; split_Rabs; lra.", PV_ARG_NONE, 1},
    {"auto_with_arith", "auto with arith.", PV_ARG_NONE, 1},
    {"auto_with_zarith", "auto with zarith.", PV_ARG_NONE, 1},
    {"intros_field", "intros; field.", PV_ARG_NONE, 1},
    {"div_mod_lia", "Z.div_mod_to_equations; lia.", PV_ARG_NONE, 1},
    {"intros_div_mod_lia", "intros; Z.div_mod_to_equations; lia.", PV_ARG_NONE, 1},
    {"intros_div_mod_nia", "intros; Z.div_mod_to_equations; nia.", PV_ARG_NONE, 1},
    {"intros_zify_div_mod_lia", "intros; zify; Z.div_mod_to_equations; lia.", PV_ARG_NONE, 1},
    {"induction_X_hyp_simpl_lia", "induction %s; simpl; lia.", PV_ARG_HYP_IND, 1},
    {"enum_reflexivity", "%s; reflexivity.", PV_ARG_ENUM, 1},
    {"enum_lia", "%s; lia.", PV_ARG_ENUM, 1},
    {"enum_vm_split", "%s; vm_compute; repeat split.", PV_ARG_ENUM, 1},
    {"rewrite_X_by_lia", "rewrite %s by lia.", PV_ARG_HYP_EQ, 0},
    {"apply_Rmult_le_compat_l", "apply Rmult_le_compat_l.", PV_ARG_NONE, 0},
    {"apply_IZR_le", "apply IZR_le.", PV_ARG_NONE, 0},
    {"apply_Rabs_le", "apply Rabs_le.", PV_ARG_NONE, 0},
    {"rewrite_Rabs_mult", "rewrite Rabs_mult.", PV_ARG_NONE, 0},
    {"intros_ifs_div_mod_lia", "intros; " IFS_SPLIT "; Z.div_mod_to_equations; lia.", PV_ARG_NONE, 1},
    {"intros_unfold_X_ifs_div_mod_lia", "intros; unfold %s in *; " IFS_SPLIT "; Z.div_mod_to_equations; lia.", PV_ARG_DEF, 1},
    {"rewrite_X_ring", "rewrite %s; ring.", PV_ARG_HYP_EQ, 1},
    {"intros_rewrite_X_by_lia_ring", "intros; rewrite %s by lia; ring.", PV_ARG_HYP_EQ, 1},
    {"intros_rewrite_X_by_lia_lia", "intros; rewrite %s by lia; lia.", PV_ARG_HYP_EQ, 1},
    {"rewrite_hint", "rewrite %s.", PV_ARG_HINT, 0},
    {"rewrite_hint_by_lia", "rewrite %s by lia.", PV_ARG_HINT, 0},
    {"rewrite_rev_hint", "rewrite <- %s.", PV_ARG_HINT, 0},
    {"apply_hint", "apply %s.", PV_ARG_HINT, 0},
    {"specialize_ih", "specialize (%1$s %2$s).", PV_ARG_IH_VAR, 0},
    {"sweep", "all: try solve [reflexivity | lia | ring | discriminate | easy | (Z.div_mod_to_equations; lia)].", PV_ARG_NONE, 1},
    {"intros_ifs_lia", "intros; " IFS_SPLIT "; lia.", PV_ARG_NONE, 1},
    {"unfold_X_lia", "unfold %s; lia.", PV_ARG_DEF, 1},
    {"intros_unfold_X_in_lia", "intros; unfold %s in *; lia.", PV_ARG_DEF, 1},
    {"intros_unfold_X_in_nia", "intros; unfold %s in *; nia.", PV_ARG_DEF, 1},
    {"apply_X_lia_lemma", "apply %s; lia.", PV_ARG_LEMMA, 1},
    {"now_rewrite_X_lemma", "now rewrite %s.", PV_ARG_LEMMA, 1},
    {"induction_X_simpl_lia", "induction %s; simpl; lia.", PV_ARG_VAR_IND, 1},
    {"induction_X_simpl_auto", "induction %s; simpl; auto.", PV_ARG_VAR_IND, 1},
    /* steps */
    {"intros", "intros.", PV_ARG_NONE, 0},
    {"split", "split.", PV_ARG_NONE, 0},
    {"left", "left.", PV_ARG_NONE, 0},
    {"right", "right.", PV_ARG_NONE, 0},
    {"eexists", "eexists.", PV_ARG_NONE, 0},
    {"exists_X", "exists %s.", PV_ARG_WITNESS, 0},
    {"f_equal", "f_equal.", PV_ARG_NONE, 0},
    {"constructor", "constructor.", PV_ARG_NONE, 0},
    {"simpl", "simpl.", PV_ARG_NONE, 0},
    {"simpl_in", "simpl in *.", PV_ARG_NONE, 0},
    {"cbn", "cbn.", PV_ARG_NONE, 0},
    {"subst", "subst.", PV_ARG_NONE, 0},
    {"ifs_split", IFS_SPLIT ".", PV_ARG_NONE, 0},
    {"unfold_X", "unfold %s.", PV_ARG_DEF, 0},
    {"unfold_X_in", "unfold %s in *.", PV_ARG_DEF_HYPS, 0},
    {"destruct_X", "destruct %s.", PV_ARG_VAR_CASE, 0},
    {"destruct_X_hyp", "destruct %s.", PV_ARG_HYP_SPLIT, 0},
    {"induction_X", "induction %s.", PV_ARG_VAR_IND, 0},
    {"induction_pair_destruct", "revert %2$s; induction %1$s; intros %2$s; destruct %2$s; simpl in *.", PV_ARG_VAR_PAIR, 0},
    {"induction_pair", "revert %2$s; induction %1$s; intros %2$s; simpl in *.", PV_ARG_VAR_PAIR, 0},
    {"induction_X_hyp", "induction %s.", PV_ARG_HYP_IND, 0},
    {"inversion_X_hyp", "inversion %s.", PV_ARG_HYP_IND, 0},
    {"rewrite_X", "rewrite %s.", PV_ARG_HYP_EQ, 0},
    {"rewrite_rev_X", "rewrite <- %s.", PV_ARG_HYP_EQ, 0},
    {"apply_X_hyp", "apply %s.", PV_ARG_HYP, 0},
    {"apply_X_lemma", "apply %s.", PV_ARG_LEMMA, 0},
    {"eapply_X_lemma", "eapply %s.", PV_ARG_LEMMA, 0},
    {"rewrite_X_lemma", "rewrite %s.", PV_ARG_LEMMA, 0},
    {"rewrite_rev_X_lemma", "rewrite <- %s.", PV_ARG_LEMMA, 0},
    {"rewrite_shiftl", "rewrite Z.shiftl_mul_pow2 by lia.", PV_ARG_NONE, 0},
    {"rewrite_shiftr", "rewrite Z.shiftr_div_pow2 by lia.", PV_ARG_NONE, 0},
    {"rewrite_land_ones", "rewrite Z.land_ones by lia.", PV_ARG_NONE, 0},
    {"rewrite_app_length", "rewrite app_length.", PV_ARG_NONE, 0},
    {"rewrite_map_length", "rewrite map_length.", PV_ARG_NONE, 0},
    {"ring_simplify", "ring_simplify.", PV_ARG_NONE, 0},
};
const int pv_n_templates = (int)(sizeof pv_templates / sizeof pv_templates[0]);

/* Standard-library lemmas worth a rewrite or an apply when the goal shows the symbol:
 * the retrieval step for what is in scope but not in the file. */
typedef struct hint {
    const char *trigger; /* text that must occur in the goal or its hypotheses */
    const char *lemma;
} hint;

static const hint hints[] = {
    {"^", "Z.pow_add_r"}, {"^", "Z.pow_succ_r"}, {"^", "Z.pow_1_r"}, {"^", "Z.pow_0_r"}, {"^", "Z.pow_mul_r"},
    {"Z.abs", "Z.abs_mul"}, {"Z.abs", "Z.abs_eq"}, {"Z.abs", "Z.abs_neq"},
    {"mod", "Z.mod_small"}, {"mod", "Z.mod_add"}, {"mod", "Z.mod_mul"}, {"mod", "Z.mod_mod"},
    {" / ", "Z.div_small"}, {" / ", "Z.div_add"}, {" / ", "Z.div_mul"}, {" / ", "Z.div_div"},
    {"Z.of_nat", "Nat2Z.inj_succ"}, {"Z.of_nat", "Nat2Z.inj_add"}, {"Z.of_nat", "Nat2Z.inj_mul"},
    {"Z.land", "Z.land_ones"}, {"Z.land", "Z.land_comm"}, {"Z.lor", "Z.lor_comm"},
    {"length", "app_length"}, {"length", "map_length"}, {"length", "rev_length"}, {"length", "repeat_length"},
    {"++", "app_assoc"}, {"++", "app_nil_r"}, {"rev", "rev_app_distr"}, {"rev", "rev_involutive"},
    {"map", "map_map"}, {"map", "map_app"}, {"Rabs", "Rabs_mult"}, {"Rabs", "Rabs_Ropp"},
    {"IZR", "plus_IZR"}, {"IZR", "mult_IZR"}, {"IZR", "minus_IZR"}, {"IZR", "opp_IZR"},
    {"INR", "plus_INR"}, {"INR", "mult_INR"}, {"INR", "S_INR"},
    {"S ", "Nat.add_succ_r"}, {"negb", "negb_involutive"}, {"&&", "andb_true_iff"}, {"||", "orb_true_iff"},
    {"=?", "Z.eqb_eq"}, {"=?", "Nat.eqb_eq"}, {"<=?", "Z.leb_le"}, {"<=?", "Nat.leb_le"}, {"<?", "Z.ltb_lt"},
    {"<?", "Nat.ltb_lt"},
};

/* ---- context: what the file defines before the theorem ---- */

static int push(char ***arr, int *n, char *s)
{
    char **t = realloc(*arr, (size_t)(*n + 1) * sizeof *t);
    if (!t) return -1;
    *arr = t;
    t[(*n)++] = s;
    return 0;
}

void pv_context_free(pv_context *c)
{
    pv_free_strings(c->def_names, c->n_defs);
    free(c->def_is_rec);
    pv_free_strings(c->lemma_names, c->n_lemmas);
    pv_free_strings(c->lemma_stmts, c->n_lemmas);
    memset(c, 0, sizeof *c);
}

/* Past blanks, comments and #[attributes]. */
static const char *skip_blank_and_comments(const char *p)
{
    for (;;) {
        p += coq_skip_blank(p, strlen(p), 0);
        if (p[0] != '#' || p[1] != '[') return p;
        const char *e = strchr(p, ']');
        if (!e) return p;
        p = e + 1;
    }
}

static int word_is(const char *p, const char *w, const char **after)
{
    size_t n = strlen(w);
    if (strncmp(p, w, n) || isalnum((unsigned char)p[n]) || p[n] == '_') return 0;
    *after = p + n;
    return 1;
}

int pv_context_note(pv_context *c, const char *sentence)
{
    static const char *const defs[] = {"Definition", "Fixpoint", "Let", "Function", "CoFixpoint"};
    static const char *const lemmas[] = {"Lemma", "Theorem", "Corollary", "Fact", "Remark", "Proposition"};
    const char *p = skip_blank_and_comments(sentence), *q;
    for (;;) {
        if (word_is(p, "Local", &q) || word_is(p, "Global", &q) || word_is(p, "Polymorphic", &q)) p = q;
        else break;
        while (isspace((unsigned char)*p)) p++;
    }
    int kind = 0, rec = 0;
    for (size_t i = 0; i < 5 && !kind; i++)
        if (word_is(p, defs[i], &q)) kind = 1, rec = i == 1 || i == 4;
    for (size_t i = 0; i < 6 && !kind; i++)
        if (word_is(p, lemmas[i], &q)) kind = 2;
    if (!kind) return 0;
    while (isspace((unsigned char)*q)) q++;
    const char *b = q;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == '\'') q++;
    if (q == b) return 0;
    size_t n = (size_t)(q - b);
    char *name = malloc(n + 1);
    if (!name) return -1;
    memcpy(name, b, n);
    name[n] = 0;
    if (kind == 1) {
        int *r = realloc(c->def_is_rec, (size_t)(c->n_defs + 1) * sizeof *r);
        if (!r) {
            free(name);
            return -1;
        }
        c->def_is_rec = r;
        r[c->n_defs] = rec;
        return push(&c->def_names, &c->n_defs, name);
    }
    char *stmt = strdup(q);
    char **names = realloc(c->lemma_names, (size_t)(c->n_lemmas + 1) * sizeof *names);
    if (names) c->lemma_names = names;
    char **stmts = names ? realloc(c->lemma_stmts, (size_t)(c->n_lemmas + 1) * sizeof *stmts) : NULL;
    if (stmts) c->lemma_stmts = stmts;
    if (!stmt || !stmts) {
        free(name);
        free(stmt);
        return -1;
    }
    c->lemma_names[c->n_lemmas] = name;
    c->lemma_stmts[c->n_lemmas] = stmt;
    c->n_lemmas++;
    return 0;
}

/* ---- instantiation ---- */

static int is_keyword(const char *s)
{
    static const char *const kw[] = {"forall", "exists", "fun", "if", "then", "else", "match", "with", "end",
                                     "let", "in", "as", "return", "Z", "nat", "R", "Prop", "Type", "Set",
                                     "bool", "list", "true", "false", "True", "False", "S", "O", "nil", "cons"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (!strcmp(s, kw[i])) return 1;
    return 0;
}

static int in_list(char **ids, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ids[i], s)) return 1;
    return 0;
}

typedef struct ranked {
    int idx;
    double score;
} ranked;

static int by_score(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return y->idx - x->idx; /* later in the file first */
}

/* Lemmas ranked by the identifiers they share with the goal (conclusion and hypotheses). */
static int retrieve(const pv_goal_view *v, const pv_context *ctx, int k, int *out)
{
    if (!ctx || !ctx->n_lemmas) return 0;
    char **gid = NULL;
    int ng = 0;
    {
        size_t len = strlen(v->concl) + 2;
        for (int i = 0; i < v->n_hyps; i++) len += strlen(v->hyps[i].type) + 2;
        char *all = malloc(len);
        if (!all) return 0;
        strcpy(all, v->concl);
        for (int i = 0; i < v->n_hyps; i++) {
            strcat(all, " ");
            strcat(all, v->hyps[i].type);
        }
        ng = pv_identifiers(all, &gid);
        free(all);
    }
    ranked *r = malloc((size_t)ctx->n_lemmas * sizeof *r);
    int nr = 0;
    for (int i = 0; r && i < ctx->n_lemmas; i++) {
        char **lid = NULL;
        int nl = pv_identifiers(ctx->lemma_stmts[i], &lid);
        int shared = 0, total = 0;
        for (int j = 0; j < nl; j++) {
            if (is_keyword(lid[j])) continue;
            total++;
            if (in_list(gid, ng, lid[j])) shared++;
        }
        pv_free_strings(lid, nl);
        if (shared) r[nr++] = (ranked){i, shared / sqrt(1.0 + total)};
    }
    int n = 0;
    if (r) {
        qsort(r, (size_t)nr, sizeof *r, by_score);
        for (; n < k && n < nr; n++) out[n] = r[n].idx;
    }
    free(r);
    pv_free_strings(gid, ng);
    return n;
}

static int hyp_is_prop(const pv_hyp *h) { return pv_type_kind(h->type) == 0 && strcmp(h->type, "Type") && strcmp(h->type, "Set") && strcmp(h->type, "Prop") && (strchr(h->type, ' ') || strchr(h->type, '~')); }

typedef struct act_list {
    pv_action *a;
    int n, max;
} act_list;

static void add_action2(act_list *l, int tmpl, const char *arg, const char *arg2, int rank)
{
    if (l->n >= l->max) return;
    char buf[8192];
    const char *pat = pv_templates[tmpl].pattern;
    int n;
    if (arg2) n = snprintf(buf, sizeof buf, pat, arg, arg2);
    else if (arg) n = snprintf(buf, sizeof buf, pat, arg);
    else n = snprintf(buf, sizeof buf, "%s", pat);
    if (n < 0 || (size_t)n >= sizeof buf) return;
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->a[i].tactic, buf)) return;
    char *t = strdup(buf);
    if (!t) return;
    l->a[l->n++] = (pv_action){t, tmpl, rank, 0.0f};
}

static void add_action(act_list *l, int tmpl, const char *arg, int rank) { add_action2(l, tmpl, arg, NULL, rank); }

/* "lo <= x < hi" or "lo <= x <= hi" with numerals: the variable and its range. */
static int bounded_var(const char *t, char *var, size_t var_len, long *lo, long *hi)
{
    char *e;
    long a = strtol(t, &e, 10);
    if (e == t) return 0;
    while (*e == ' ') e++;
    int strict1 = 0;
    if (!strncmp(e, "<=", 2)) e += 2;
    else if (*e == '<') e++, strict1 = 1;
    else return 0;
    while (*e == ' ') e++;
    size_t k = 0;
    while ((isalnum((unsigned char)*e) || *e == '_' || *e == '\'') && k + 1 < var_len) var[k++] = *e++;
    var[k] = 0;
    if (!k || isdigit((unsigned char)var[0])) return 0;
    while (*e == ' ') e++;
    int strict2 = 0;
    if (!strncmp(e, "<=", 2)) e += 2;
    else if (*e == '<') e++, strict2 = 1;
    else return 0;
    char *f;
    long b = strtol(e, &f, 10);
    if (f == e) return 0;
    while (*f == ' ') f++;
    if (*f) return 0;
    *lo = a + strict1;
    *hi = b - strict2;
    return *hi >= *lo;
}

/* The case split of the bounded variables: asserts of their values, destructed and
 * substituted. Empty when there are none or too many cases. */
static int enum_prefix(const pv_goal_view *v, char *buf, size_t len)
{
    size_t o = 0;
    long cases = 1;
    int nv = 0;
    char seen[8][64];
    buf[0] = 0;
    for (int i = 0; i < v->n_hyps && nv < 8; i++) {
        char var[64];
        long lo, hi;
        if (!bounded_var(v->hyps[i].type, var, sizeof var, &lo, &hi)) continue;
        int dup = 0;
        for (int j = 0; j < nv; j++) dup |= !strcmp(seen[j], var);
        int is_var = 0;
        for (int j = 0; j < v->n_hyps; j++)
            if (!strcmp(v->hyps[j].name, var) && (pv_type_kind(v->hyps[j].type) == 4 || pv_type_kind(v->hyps[j].type) == 1)) is_var = 1;
        if (dup || !is_var || hi - lo + 1 > 64 || cases * (hi - lo + 1) > 1024) continue;
        cases *= hi - lo + 1;
        snprintf(seen[nv++], sizeof seen[0], "%s", var);
        int n = snprintf(buf + o, len - o, "assert (%s = %ld", var, lo);
        if (n < 0 || (size_t)n >= len - o) return 0;
        o += (size_t)n;
        for (long x = lo + 1; x <= hi; x++) {
            n = snprintf(buf + o, len - o, " \\/ %s = %ld", var, x);
            if (n < 0 || (size_t)n >= len - o) return 0;
            o += (size_t)n;
        }
        n = snprintf(buf + o, len - o, ") by lia; ");
        if (n < 0 || (size_t)n >= len - o) return 0;
        o += (size_t)n;
    }
    if (!nv) return 0;
    int n = snprintf(buf + o, len - o, "repeat match goal with H : _ \\/ _ |- _ => destruct H end; subst");
    return n > 0 && (size_t)n < len - o;
}

static int concl_mentions(const pv_goal_view *v, const char *name) { return in_list(v->idents, v->n_idents, name); }

static int hyps_mention(const pv_goal_view *v, const char *name)
{
    for (int i = 0; i < v->n_hyps; i++) {
        char **ids = NULL;
        int n = pv_identifiers(v->hyps[i].type, &ids);
        int hit = in_list(ids, n, name);
        pv_free_strings(ids, n);
        if (hit) return 1;
    }
    return 0;
}

int pv_actions_make(const pv_goal_view *v, const pv_context *ctx, int max, pv_action **out)
{
    act_list l = {calloc((size_t)max, sizeof(pv_action)), 0, max};
    if (!l.a) return -1;
    int lem[8], n_lem = retrieve(v, ctx, 8, lem);
    for (int t = 0; t < pv_n_templates; t++) {
        const pv_template *tp = &pv_templates[t];
        int rank = 0;
        switch (tp->arg) {
        case PV_ARG_NONE:
            add_action(&l, t, NULL, 0);
            break;
        case PV_ARG_HYP:
            for (int i = v->n_hyps - 1; i >= 0 && rank < 8; i--)
                if (hyp_is_prop(&v->hyps[i])) add_action(&l, t, v->hyps[i].name, rank++);
            break;
        case PV_ARG_HYP_EQ:
            for (int i = v->n_hyps - 1; i >= 0 && rank < 6; i--)
                if ((v->hyp_flags[i] & PV_EQ) && hyp_is_prop(&v->hyps[i]))
                    add_action(&l, t, v->hyps[i].name, rank++);
            break;
        case PV_ARG_HYP_SPLIT:
            for (int i = v->n_hyps - 1; i >= 0 && rank < 6; i--)
                if ((v->hyp_flags[i] & (PV_AND | PV_OR | PV_IFF)) || !strncmp(v->hyps[i].type, "exists", 6))
                    if (!(v->hyp_flags[i] & PV_FORALL)) add_action(&l, t, v->hyps[i].name, rank++);
            break;
        case PV_ARG_VAR_IND:
            for (int i = 0; i < v->n_hyps && rank < 4; i++) {
                int k = pv_type_kind(v->hyps[i].type);
                if ((k == 1 || k == 2 || k == 5) && concl_mentions(v, v->hyps[i].name))
                    add_action(&l, t, v->hyps[i].name, rank++);
            }
            break;
        case PV_ARG_VAR_CASE:
            for (int i = 0; i < v->n_hyps && rank < 4; i++) {
                int k = pv_type_kind(v->hyps[i].type);
                if (k && k != 4 && concl_mentions(v, v->hyps[i].name)) add_action(&l, t, v->hyps[i].name, rank++);
            }
            break;
        case PV_ARG_DEF:
            for (int i = ctx ? ctx->n_defs - 1 : -1; i >= 0 && rank < 4; i--)
                if (!ctx->def_is_rec[i] && concl_mentions(v, ctx->def_names[i]))
                    add_action(&l, t, ctx->def_names[i], rank++);
            break;
        case PV_ARG_DEF_HYPS:
            for (int i = ctx ? ctx->n_defs - 1 : -1; i >= 0 && rank < 3; i--)
                if (!ctx->def_is_rec[i] && hyps_mention(v, ctx->def_names[i]))
                    add_action(&l, t, ctx->def_names[i], rank++);
            break;
        case PV_ARG_LEMMA:
            for (int i = 0; i < n_lem; i++) add_action(&l, t, ctx->lemma_names[lem[i]], i);
            break;
        case PV_ARG_HYP_IND:
            for (int i = v->n_hyps - 1; i >= 0 && rank < 3; i--) {
                if (pv_type_kind(v->hyps[i].type) == 0 && pv_is_predicate_app(v->hyps[i].type))
                    add_action(&l, t, v->hyps[i].name, rank++);
            }
            break;
        case PV_ARG_VAR_PAIR:
            for (int i = 0; i < v->n_hyps && rank < 4; i++) {
                if (pv_type_kind(v->hyps[i].type) != 2 || !concl_mentions(v, v->hyps[i].name)) continue;
                for (int j = 0; j < v->n_hyps && rank < 4; j++) {
                    int kj = pv_type_kind(v->hyps[j].type);
                    if (j == i || (kj != 1 && kj != 2) || !concl_mentions(v, v->hyps[j].name)) continue;
                    add_action2(&l, t, v->hyps[i].name, v->hyps[j].name, rank++);
                }
            }
            break;
        case PV_ARG_ENUM: {
            char pre[6144];
            if (enum_prefix(v, pre, sizeof pre)) add_action(&l, t, pre, 0);
            break;
        }
        case PV_ARG_HINT:
            for (size_t h = 0; h < sizeof hints / sizeof hints[0] && rank < 8; h++) {
                int hit = strstr(v->concl, hints[h].trigger) != NULL;
                for (int i = 0; i < v->n_hyps && !hit; i++) hit = strstr(v->hyps[i].type, hints[h].trigger) != NULL;
                if (hit) add_action(&l, t, hints[h].lemma, rank++);
            }
            break;
        case PV_ARG_IH_VAR:
            for (int i = v->n_hyps - 1; i >= 0 && rank < 4; i--) {
                if (strncmp(v->hyps[i].name, "IH", 2) || !(v->hyp_flags[i] & PV_FORALL)) continue;
                for (int j = 0; j < v->n_hyps && rank < 4; j++) {
                    int kj = pv_type_kind(v->hyps[j].type);
                    if (j != i && kj && kj != 3) add_action2(&l, t, v->hyps[i].name, v->hyps[j].name, rank++);
                }
            }
            break;
        case PV_ARG_WITNESS:
            add_action(&l, t, "0", 0);
            for (int i = 0; i < v->n_hyps && rank < 3; i++) {
                int k = pv_type_kind(v->hyps[i].type);
                if (k == 1 || k == 4) add_action(&l, t, v->hyps[i].name, ++rank);
            }
            break;
        }
    }
    *out = l.a;
    return l.n;
}

void pv_actions_free(pv_action *a, int n)
{
    for (int i = 0; i < n; i++) free(a[i].tactic);
    free(a);
}
