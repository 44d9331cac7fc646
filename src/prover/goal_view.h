/* goal_view.h: a Coq goal's text taken apart into what the tactic templates and the
 * heuristic policy read: the hypotheses (names and types), the identifiers of the
 * conclusion, and shape features (arithmetic, reals, connectives, if/match).
 *
 * Coq prints goals for people, so this is a reading of text, not of terms: it only
 * has to be good enough to propose tactics; Coq decides whether they work. */
#ifndef Q35_PROVER_GOAL_VIEW_H
#define Q35_PROVER_GOAL_VIEW_H

#include "coq_session.h"

typedef struct pv_hyp {
    char *name;  /* one name per entry: "n, m : nat" gives two */
    char *type;  /* "nat", "n = m"; for a let-binding "x := v : T", T */
} pv_hyp;

/* Shape flags of a proposition's text. */
enum {
    PV_FORALL = 1 << 0,   /* starts with forall, or has a top-level -> */
    PV_EXISTS = 1 << 1,
    PV_AND = 1 << 2,
    PV_OR = 1 << 3,
    PV_IFF = 1 << 4,
    PV_EQ = 1 << 5,       /* a top-level = */
    PV_CMP = 1 << 6,      /* <=, <, >=, >, <> */
    PV_ARITH = 1 << 7,    /* + - * / mod, numerals, Z./N./Nat. operations */
    PV_NONLIN = 1 << 8,   /* a product of two non-numerals, or ^ with a variable */
    PV_REAL = 1 << 9,     /* R, Rabs, IZR, INR, Rle, ... */
    PV_IF = 1 << 10,
    PV_MATCH = 1 << 11,
    PV_TRUE = 1 << 12,
    PV_FALSE = 1 << 13,
    PV_NOT = 1 << 14,
    PV_LIST = 1 << 15,    /* list functions: length, map, app, fold, nth, ... */
    PV_BITS = 1 << 16,    /* Z.land, Z.lor, Z.shiftl, Z.shiftr, Z.testbit, Z.ones */
    PV_DIVMOD = 1 << 17,  /* / or mod, Z.div, Z.modulo, Nat.div */
    PV_BOOL = 1 << 18,    /* &&, ||, negb, =?, <=?, <? */
    PV_ABS = 1 << 19,     /* Z.abs, Rabs */
    PV_MINMAX = 1 << 20
};

typedef struct pv_goal_view {
    pv_hyp *hyps;
    int n_hyps;
    char *concl;
    unsigned concl_flags;
    unsigned *hyp_flags;  /* per hypothesis */
    char **idents;        /* distinct identifiers of the conclusion, in order */
    int n_idents;
    int n_goals;          /* goals in the state (this is the first) */
    int size;             /* characters of the conclusion and hypotheses */
} pv_goal_view;

/* Builds the view of goal 0 of `g` (which must have at least one goal). */
int pv_goal_view_make(const coq_goals *g, pv_goal_view *out);
void pv_goal_view_free(pv_goal_view *v);

unsigned pv_prop_flags(const char *text);

/* Distinct identifiers (qualified names kept whole: "Z.add") of a text, in order of
 * first appearance. Returns the count; *out is malloc'd. */
int pv_identifiers(const char *text, char ***out);
void pv_free_strings(char **s, int n);

/* Whether hypothesis type `type` names an inductive the templates know how to split or
 * induct on: 1 nat, 2 list, 3 bool, 4 Z, 5 positive/N, 6 prod/option/other; 0 a
 * proposition or unknown. */
int pv_type_kind(const char *type);

/* Whether a proposition is an applied predicate ("Forall P l", "In x l", "le n m"): an
 * identifier first and no connective or comparison outside parentheses. */
int pv_is_predicate_app(const char *type);

#endif
