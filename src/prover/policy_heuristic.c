/* The heuristic policy: priors from the shape of the first goal (arithmetic → lia/nia,
 * reals → lra/nra, a ∀ → intros, a conjunction → split, an equation → ring/rewrite, ...)
 * and a value that falls with the number and size of the goals left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

typedef struct rule {
    const char *name;  /* template name (tactics.c) */
    double (*weight)(const pv_goal_view *v, unsigned c, unsigned h);
} rule;

#define W(fn) static double fn(const pv_goal_view *v, unsigned c, unsigned h)
#define ANY(f) ((c & (f)) != 0)
#define HYP(f) ((h & (f)) != 0)
#define NUMERIC (ANY(PV_ARITH | PV_CMP) && !ANY(PV_REAL))

W(w_reflexivity) { return ANY(PV_EQ) ? (v->n_hyps == 0 ? 3 : 1.5) : 0.2; }
W(w_lia) { return NUMERIC && !ANY(PV_FORALL) ? (ANY(PV_NONLIN) ? 3 : 7) : 0.3; }
W(w_nia) { return NUMERIC && ANY(PV_NONLIN) && !ANY(PV_FORALL) ? 4 : 0.2; }
W(w_lra) { return ANY(PV_REAL) && !ANY(PV_FORALL) ? (ANY(PV_NONLIN) ? 3 : 6) : 0; }
W(w_nra) { return ANY(PV_REAL) && ANY(PV_NONLIN) && !ANY(PV_FORALL) ? 3 : 0; }
W(w_ring) { return ANY(PV_EQ) && ANY(PV_ARITH | PV_REAL) && !ANY(PV_FORALL) ? 4 : 0.2; }
W(w_field) { return ANY(PV_REAL) && ANY(PV_EQ) && strchr(v->concl, '/') ? 3 : 0; }
W(w_auto) { return 1.5; }
W(w_eauto) { return 0.8; }
W(w_tauto) { return ANY(PV_AND | PV_OR | PV_IFF | PV_NOT | PV_FORALL) && !ANY(PV_ARITH) ? 2 : 0.4; }
W(w_congruence) { return ANY(PV_EQ) || HYP(PV_EQ) ? 1.2 : 0.3; }
W(w_discriminate) { return HYP(PV_EQ) || ANY(PV_NOT) ? 0.6 : 0; }
W(w_assumption) { return v->n_hyps ? 1 : 0; }
W(w_easy) { return 1; }
W(w_intuition) { return ANY(PV_AND | PV_OR | PV_IFF) || HYP(PV_AND | PV_OR) ? 1.2 : 0.3; }
W(w_contradiction) { return HYP(PV_FALSE | PV_NOT) ? 1.5 : 0; }
W(w_intros_lia) { return ANY(PV_FORALL) && NUMERIC ? (ANY(PV_NONLIN) ? 3 : 7) : 0; }
W(w_intros_nia) { return ANY(PV_FORALL) && NUMERIC && ANY(PV_NONLIN) ? 4 : 0; }
W(w_intros_subst_lia) { return ANY(PV_FORALL) && NUMERIC ? 1.5 : 0; }
W(w_intros_lra) { return ANY(PV_FORALL) && ANY(PV_REAL) ? (ANY(PV_NONLIN) ? 3 : 6) : 0; }
W(w_intros_nra) { return ANY(PV_FORALL) && ANY(PV_REAL) && ANY(PV_NONLIN) ? 3 : 0; }
W(w_simpl_lia) { return NUMERIC && (ANY(PV_LIST | PV_MATCH)) ? 3 : (NUMERIC ? 0.5 : 0); }
W(w_simpl_ring) { return ANY(PV_EQ) && ANY(PV_ARITH) ? 1 : 0; }
/* costly on a goal with variables, where it rarely helps */
W(w_vm_compute) { return ANY(PV_EQ) && v->n_hyps == 0 && !ANY(PV_FORALL) ? 2.5 : 0; }
W(w_split_rabs) { return ANY(PV_REAL) && ANY(PV_ABS) && !ANY(PV_FORALL) ? 5 : 0; }
W(w_intros_split_rabs) { return ANY(PV_REAL) && ANY(PV_ABS) && ANY(PV_FORALL) ? 5 : 0; }
W(w_auto_arith) { return NUMERIC ? 0.6 : 0; }
W(w_intros_field) { return ANY(PV_REAL) && ANY(PV_EQ) && ANY(PV_FORALL) && strchr(v->concl, '/') ? 3 : 0; }
W(w_div_mod_lia) { return ANY(PV_DIVMOD) && NUMERIC && !ANY(PV_FORALL) ? 5 : 0; }
W(w_intros_div_mod_lia) { return (ANY(PV_DIVMOD) || HYP(PV_DIVMOD)) && NUMERIC ? 5 : 0; }
W(w_intros_div_mod_nia) { return (ANY(PV_DIVMOD) || HYP(PV_DIVMOD)) && NUMERIC ? 3 : 0; }
W(w_intros_zify_div_mod) { return ANY(PV_DIVMOD) && NUMERIC && !strstr(v->concl, "Z") ? 3 : 0.2; }
W(w_induction_hyp_lia) { return NUMERIC ? 2.5 : 1; }
W(w_induction_hyp) { return 2; }
W(w_inversion_hyp) { return 0.8; }
W(w_enum) { return 2.5; }
W(w_rewrite_by_lia) { return 1.5; }
W(w_real_le) { return ANY(PV_REAL) && ANY(PV_CMP) ? 1 : 0; }
W(w_izr_le) { return strstr(v->concl, "IZR") && ANY(PV_CMP) ? 1.5 : 0; }
W(w_rabs) { return ANY(PV_REAL) && ANY(PV_ABS) ? 1.2 : 0; }
W(w_ifs_div_mod) { return (ANY(PV_IF) || HYP(PV_IF)) && ANY(PV_DIVMOD) ? 4 : 0; }
W(w_unfold_ifs_div_mod) { return NUMERIC ? 3.5 : 0.3; }
W(w_induction_pair) { return ANY(PV_LIST) ? 5 : 0.5; }
W(w_rewrite_closer) { return ANY(PV_EQ) || HYP(PV_EQ) ? 2.5 : 0.3; }
W(w_hint) { return 1.0; }
W(w_hint_rev) { return 0.4; }
W(w_specialize_ih) { return 2.5; }
W(w_sweep) { return v->n_goals >= 2 ? 6 : 0; }
W(w_intros_ifs_lia) { return ANY(PV_IF) && NUMERIC ? 5 : 0; }
W(w_unfold_lia) { return NUMERIC ? 3 : 0.3; }
W(w_intros_unfold_lia) { return NUMERIC || HYP(PV_ARITH) ? 3.5 : 0.3; }
W(w_intros_unfold_nia) { return (NUMERIC || HYP(PV_ARITH)) && (ANY(PV_NONLIN) || HYP(PV_NONLIN)) ? 3 : 0.2; }
W(w_apply_lia) { return 1.2; }
W(w_now_rewrite) { return ANY(PV_EQ) ? 1.2 : 0.3; }
W(w_ind_simpl_lia) { return ANY(PV_LIST | PV_MATCH) && NUMERIC ? 2.5 : (NUMERIC ? 0.6 : 0.2); }
W(w_ind_simpl_auto) { return ANY(PV_LIST | PV_MATCH) ? 2 : 0.6; }
W(w_intros) { return ANY(PV_FORALL) ? 8 : 0; }
W(w_split) { return ANY(PV_AND | PV_IFF) ? 6 : 0; }
W(w_left) { return ANY(PV_OR) ? 2 : 0; }
W(w_eexists) { return ANY(PV_EXISTS) ? 3 : 0; }
W(w_exists) { return ANY(PV_EXISTS) ? 2 : 0; }
W(w_f_equal) { return ANY(PV_EQ) ? 0.8 : 0; }
W(w_constructor) { return ANY(PV_AND | PV_EXISTS | PV_TRUE) ? 0.5 : 0.2; }
W(w_simpl) { return ANY(PV_LIST | PV_MATCH) ? 2.5 : 1; }
W(w_simpl_in) { return HYP(PV_LIST | PV_MATCH) ? 1.5 : 0.3; }
W(w_cbn) { return 0.5; }
W(w_subst) { return HYP(PV_EQ) ? 1.5 : 0; }
W(w_ifs_split) { return ANY(PV_IF) ? 4 : 0; }
W(w_unfold) { return 4; }
W(w_unfold_in) { return 2; }
W(w_destruct_var) { return ANY(PV_IF | PV_MATCH | PV_BOOL) ? 2 : 0.8; }
W(w_destruct_hyp) { return 3; }
W(w_induction) { return ANY(PV_LIST | PV_MATCH) ? 3 : 1.5; }
W(w_rewrite_hyp) { return 2; }
W(w_rewrite_rev_hyp) { return 1.2; }
W(w_apply_hyp) { return 1.5; }
W(w_apply_lemma) { return 2; }
W(w_eapply_lemma) { return 0.8; }
W(w_rewrite_lemma) { return ANY(PV_EQ) ? 2 : 1; }
W(w_rewrite_rev_lemma) { return 0.8; }
W(w_bits) { return ANY(PV_BITS) ? 4 : 0; }
W(w_lists) { return ANY(PV_LIST) && strstr(v->concl, "length") ? 2 : 0; }
W(w_ring_simplify) { return ANY(PV_EQ) && ANY(PV_ARITH | PV_REAL) ? 0.5 : 0; }

static const rule rules[] = {
    {"reflexivity", w_reflexivity}, {"lia", w_lia}, {"nia", w_nia}, {"lra", w_lra}, {"nra", w_nra},
    {"ring", w_ring}, {"field", w_field}, {"auto", w_auto}, {"eauto", w_eauto}, {"tauto", w_tauto},
    {"congruence", w_congruence}, {"discriminate", w_discriminate}, {"assumption", w_assumption},
    {"easy", w_easy}, {"intuition", w_intuition}, {"contradiction", w_contradiction},
    {"intros_lia", w_intros_lia}, {"intros_nia", w_intros_nia}, {"intros_subst_lia", w_intros_subst_lia},
    {"intros_lra", w_intros_lra}, {"intros_nra", w_intros_nra}, {"simpl_lia", w_simpl_lia},
    {"simpl_ring", w_simpl_ring}, {"vm_compute_reflexivity", w_vm_compute}, {"split_Rabs_lra", w_split_rabs},
    {"intros_split_Rabs_lra", w_intros_split_rabs}, {"auto_with_arith", w_auto_arith},
    {"auto_with_zarith", w_auto_arith}, {"intros_field", w_intros_field}, {"intros_ifs_lia", w_intros_ifs_lia},
    {"unfold_X_lia", w_unfold_lia}, {"intros_unfold_X_in_lia", w_intros_unfold_lia},
    {"intros_unfold_X_in_nia", w_intros_unfold_nia}, {"apply_X_lia_lemma", w_apply_lia},
    {"now_rewrite_X_lemma", w_now_rewrite}, {"induction_X_simpl_lia", w_ind_simpl_lia},
    {"induction_X_simpl_auto", w_ind_simpl_auto}, {"intros", w_intros}, {"split", w_split}, {"left", w_left},
    {"right", w_left}, {"eexists", w_eexists}, {"exists_X", w_exists}, {"f_equal", w_f_equal},
    {"constructor", w_constructor}, {"simpl", w_simpl}, {"simpl_in", w_simpl_in}, {"cbn", w_cbn},
    {"subst", w_subst}, {"ifs_split", w_ifs_split}, {"unfold_X", w_unfold}, {"unfold_X_in", w_unfold_in},
    {"destruct_X", w_destruct_var}, {"destruct_X_hyp", w_destruct_hyp}, {"induction_X", w_induction},
    {"rewrite_X", w_rewrite_hyp}, {"rewrite_rev_X", w_rewrite_rev_hyp}, {"apply_X_hyp", w_apply_hyp},
    {"apply_X_lemma", w_apply_lemma}, {"eapply_X_lemma", w_eapply_lemma}, {"rewrite_X_lemma", w_rewrite_lemma},
    {"rewrite_rev_X_lemma", w_rewrite_rev_lemma}, {"rewrite_shiftl", w_bits}, {"rewrite_shiftr", w_bits},
    {"rewrite_land_ones", w_bits}, {"rewrite_app_length", w_lists}, {"rewrite_map_length", w_lists},
    {"ring_simplify", w_ring_simplify}, {"div_mod_lia", w_div_mod_lia}, {"intros_div_mod_lia", w_intros_div_mod_lia},
    {"intros_div_mod_nia", w_intros_div_mod_nia}, {"intros_zify_div_mod_lia", w_intros_zify_div_mod},
    {"induction_X_hyp_simpl_lia", w_induction_hyp_lia}, {"induction_X_hyp", w_induction_hyp},
    {"inversion_X_hyp", w_inversion_hyp}, {"sweep", w_sweep}, {"rewrite_hint", w_hint},
    {"rewrite_hint_by_lia", w_hint}, {"rewrite_rev_hint", w_hint_rev}, {"apply_hint", w_hint_rev},
    {"specialize_ih", w_specialize_ih}, {"rewrite_X_ring", w_rewrite_closer},
    {"intros_rewrite_X_by_lia_ring", w_rewrite_closer}, {"intros_rewrite_X_by_lia_lia", w_rewrite_closer}, {"enum_reflexivity", w_enum}, {"enum_lia", w_enum},
    {"enum_vm_split", w_enum}, {"rewrite_X_by_lia", w_rewrite_by_lia}, {"apply_Rmult_le_compat_l", w_real_le},
    {"apply_IZR_le", w_izr_le}, {"apply_Rabs_le", w_rabs}, {"rewrite_Rabs_mult", w_rabs},
    {"intros_ifs_div_mod_lia", w_ifs_div_mod}, {"intros_unfold_X_ifs_div_mod_lia", w_unfold_ifs_div_mod},
    {"induction_pair_destruct", w_induction_pair}, {"induction_pair", w_induction_pair},
};

static void heuristic_priors(void *self, const pv_goal_view *v, pv_action *a, int n)
{
    (void)self;
    unsigned h = 0;
    for (int i = 0; i < v->n_hyps; i++) h |= v->hyp_flags[i];
    for (int i = 0; i < n; i++) {
        const char *name = pv_templates[a[i].tmpl].name;
        double w = 0.5;
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
            if (!strcmp(rules[r].name, name)) {
                w = rules[r].weight(v, v->concl_flags, h);
                break;
            }
        /* every cheap closer keeps a small chance */
        if (w < 0.05 && pv_templates[a[i].tmpl].closes && pv_templates[a[i].tmpl].arg == PV_ARG_NONE &&
            strcmp(name, "vm_compute_reflexivity") && strcmp(name, "intuition"))
            w = 0.05;
        a[i].prior = (float)(w / (1.0 + a[i].arg_rank));
    }
}

/* Fewer and smaller goals are closer to a proof. */
static double heuristic_value(void *self, const pv_goal_view *first, int n_goals, int total_size)
{
    (void)self;
    (void)first;
    return exp(-0.15 * (n_goals - 1)) / (1.0 + total_size / 400.0);
}

int pv_policy_open(const char *name, pv_policy *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !strcmp(name, "heuristic")) {
        out->name = "heuristic";
        out->priors = heuristic_priors;
        out->value = heuristic_value;
        return 0;
    }
    return q35_fail(err, "unknown policy '%s' (known: heuristic)", name);
}

void pv_policy_close(pv_policy *p)
{
    if (p->free) p->free(p->self);
    memset(p, 0, sizeof *p);
}
