/* mcts.h: Monte-Carlo tree search for a proof of the goal open at a Coq session's tip.
 *
 * A node is a proof state: its goals, canonicalised into a text key, so that two tactic
 * sequences reaching the same goals share one node (a transposition table). Edges are
 * the tactics of tactics.h with the policy's priors. Each iteration descends by PUCT,
 * runs one untried tactic in Coq (an expansion), and backs the new state's value up the
 * path. Tactics that fail, time out or change nothing are pruned; a node with no live
 * edge left is dead. The search stops at a complete proof, or when the wall-time or
 * expansion budget runs out, or when the root is dead. */
#ifndef Q35_PROVER_MCTS_H
#define Q35_PROVER_MCTS_H

#include <stdio.h>

#include "coq_session.h"
#include "policy.h"
#include "tactics.h"

typedef struct pv_search_opts {
    double budget_seconds;  /* wall time for the search (<= 0: 60) */
    long max_expansions;    /* tactics run (<= 0: no limit) */
    double tactic_timeout;  /* Coq `Timeout` for one tactic, seconds (<= 0: 3) */
    int max_depth;          /* tactics in a proof (<= 0: 12) */
    int max_actions;        /* edges per node (<= 0: 48) */
    double c_puct;          /* exploration constant (<= 0: 1.5) */
    const char *const *extra_tactics; /* user tactics tried first at every state, NULL-terminated */
    FILE *trace;            /* if set, one line per tactic run: node, tactic, outcome */
} pv_search_opts;

typedef struct pv_search_result {
    int proved;
    char **tactics;   /* the proof, one tactic per entry ("intros.", "lia.") */
    int n_tactics;
    long expansions;  /* tactics run by the search */
    long failed;      /* of which Coq rejected, timed out, or that changed nothing */
    int nodes;        /* distinct proof states met */
    double seconds;
    const char *stop; /* "proved", "time", "expansions", "exhausted" */
} pv_search_result;

void pv_search_result_free(pv_search_result *r);

/* Searches for a proof of the goals at s's tip. On return the session is back at the
 * depth it had on entry. Returns -1 (err set) only if Coq cannot be run at all. */
int pv_search(coq_session *s, const pv_policy *pol, const pv_context *ctx, const pv_search_opts *o,
              pv_search_result *r, q35_err *err);

/* The canonical key of a proof state (goals, hypotheses and counts), malloc'd. */
char *pv_state_key(const coq_goals *g);

#endif
