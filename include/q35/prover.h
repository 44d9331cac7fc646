/* q35/prover.h: `q35 prove` — automated proofs of a Coq file's admitted theorems.
 *
 * Every Lemma/Theorem of the file whose proof is `Admitted.` is a problem, stated in the
 * context of everything before it. The file is sent to Coq (coqidetop) sentence by
 * sentence; at each problem a Monte-Carlo tree search (src/prover/mcts.h) looks for a
 * proof within the budget. The output file has the proofs found in place of their
 * `Admitted.`, and is re-checked with coqc: a proof counts only if coqc accepts it. */
#ifndef Q35_PROVER_H
#define Q35_PROVER_H

#include "q35/common.h"

typedef struct q35_prove_opts {
    const char *theorems;       /* the .v file */
    const char *output;         /* where to write the file with proofs, or NULL */
    const char *policy;         /* "heuristic" */
    double budget_seconds;      /* per theorem, wall time of the search */
    long max_expansions;        /* per theorem; <= 0: no limit */
    double tactic_timeout;      /* seconds one tactic may take (Coq's Timeout) */
    const char *coqidetop;      /* NULL: coqidetop.opt */
    const char *coqc;           /* NULL: coqc */
    const char *const *coq_args;/* extra arguments for both (e.g. -Q dir Lib), NULL-terminated */
    int recheck;                /* 1: re-check the found proofs with coqc */
    int progress;               /* 1: progress bar on a terminal */
    const char *only;           /* prove only the theorem of this name (NULL: all) */
    const char *const *extra_tactics; /* tactics tried first at every state, NULL-terminated */
    const char *trace;          /* write every tactic tried to this file ("-": stderr), or NULL */
} q35_prove_opts;

typedef struct q35_prove_theorem {
    char *name;
    int line;          /* of the statement, 1-based */
    int proved;        /* found by the search and (with recheck) accepted by coqc */
    int found;         /* found by the search */
    int rechecked;     /* accepted by coqc */
    double seconds;    /* search time */
    long expansions;
    long failed;       /* tactics that failed, timed out or changed nothing */
    int nodes;
    int proof_length;  /* tactics */
    char *proof;       /* "intros. lia." or NULL */
    char *note;        /* why not proved, or NULL */
} q35_prove_theorem;

typedef struct q35_prove_report {
    q35_prove_theorem *th;
    int n;
    int proved;
    double seconds;        /* whole run */
    double recheck_seconds;
    int context_errors;    /* sentences outside the problems that Coq rejected */
    char *first_context_error;
    int coq_starts, coq_timeouts, coq_deaths;
} q35_prove_report;

int q35_prove_file(const q35_prove_opts *o, q35_prove_report *rep, q35_err *err);
void q35_prove_report_free(q35_prove_report *rep);

/* The report as JSON text (malloc'd). */
char *q35_prove_report_json(const q35_prove_opts *o, const q35_prove_report *rep);

#endif
