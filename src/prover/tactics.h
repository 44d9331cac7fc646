/* tactics.h: the action vocabulary of the search. A table of tactic templates, each
 * instantiated from the goal in hand: hypothesis names, variables of inductive types,
 * definitions that appear in the goal, and lemmas from the file before the theorem
 * (ranked by a small retrieval step: the identifiers they share with the goal).
 *
 * The templates only propose; priors come from a policy (policy.h). */
#ifndef Q35_PROVER_TACTICS_H
#define Q35_PROVER_TACTICS_H

#include "goal_view.h"

/* What a template is instantiated with. */
typedef enum {
    PV_ARG_NONE,
    PV_ARG_HYP,        /* any hypothesis that is a proposition */
    PV_ARG_HYP_EQ,     /* a hypothesis that is an equation */
    PV_ARG_HYP_SPLIT,  /* a hypothesis with /\, \/, exists or <-> at the top */
    PV_ARG_VAR_IND,    /* a variable of nat, list or positive/N type (induction) */
    PV_ARG_VAR_CASE,   /* a variable of an inductive type (destruct) */
    PV_ARG_DEF,        /* a definition of the file that occurs in the goal */
    PV_ARG_DEF_HYPS,   /* a definition that occurs only in the hypotheses */
    PV_ARG_LEMMA,      /* a lemma of the file, by retrieval */
    PV_ARG_WITNESS,    /* a term for exists: variables of the goal and 0 */
    PV_ARG_HYP_IND,    /* a hypothesis that is an inductive predicate (Forall P l, In x l, ...) */
    PV_ARG_VAR_PAIR,   /* a list variable to induct on and another variable to generalise (%1$s, %2$s) */
    PV_ARG_HINT,       /* a standard-library lemma from a small table keyed by the symbols of the goal */
    PV_ARG_IH_VAR,     /* an induction hypothesis and a variable to specialise it to (%1$s, %2$s) */
    PV_ARG_ENUM        /* the case split of every variable bounded by numerals in the hypotheses
                          ("0 <= x < 16"): one case per value, when there are few */
} pv_arg_kind;

typedef struct pv_template {
    const char *name;     /* short name the policies key on: "lia", "rewrite_X_lemma" */
    const char *pattern;  /* "rewrite %s." — %s is the argument */
    pv_arg_kind arg;
    int closes;           /* meant to finish the goal (lia, ring, ...) */
} pv_template;

/* The one table of templates; ids are indices into it. */
extern const pv_template pv_templates[];
extern const int pv_n_templates;

typedef struct pv_action {
    char *tactic;   /* the sentence, "rewrite H." */
    int tmpl;       /* index in pv_templates */
    int arg_rank;   /* rank of the argument among its kind (0 = best), e.g. retrieval rank */
    float prior;    /* set by the policy */
} pv_action;

/* What the file before the theorem offers: definitions and lemmas (name, statement). */
typedef struct pv_context {
    char **def_names;
    int *def_is_rec;  /* Fixpoint: simpl rather than unfold */
    int n_defs;
    char **lemma_names;
    char **lemma_stmts;
    int n_lemmas;
} pv_context;

void pv_context_free(pv_context *c);
/* Records a sentence of the file if it defines something (Definition, Fixpoint, Lemma,
 * ...). The name is taken from the text; the statement for lemmas. */
int pv_context_note(pv_context *c, const char *sentence);

/* All instantiated actions for goal `v`, without duplicates, at most `max`. */
int pv_actions_make(const pv_goal_view *v, const pv_context *ctx, int max, pv_action **out);
void pv_actions_free(pv_action *a, int n);

#endif
