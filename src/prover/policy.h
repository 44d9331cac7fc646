/* policy.h: what guides the tree search. A policy gives each action a prior probability
 * (PUCT's P) and each proof state a value in [0, 1] (the estimate backed up the tree).
 * The heuristic policy reads goal features (policy_heuristic.c); a learned policy plugs
 * in through the same two functions. */
#ifndef Q35_PROVER_POLICY_H
#define Q35_PROVER_POLICY_H

#include "q35/common.h"
#include "tactics.h"

typedef struct pv_policy {
    const char *name;
    void *self;
    /* Sets a[i].prior for every action; a prior of 0 drops the action. The non-zero
     * priors are normalised by the caller. */
    void (*priors)(void *self, const pv_goal_view *first, pv_action *a, int n);
    /* Value of a state that still has goals: `first` is its first goal, n_goals all. */
    double (*value)(void *self, const pv_goal_view *first, int n_goals, int total_size);
    void (*free)(void *self);
} pv_policy;

/* "heuristic" (the only one so far). */
int pv_policy_open(const char *name, pv_policy *out, q35_err *err);
void pv_policy_close(pv_policy *p);

#endif
