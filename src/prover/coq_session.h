/* coq_session.h: one running Coq process (coqidetop.opt, XML protocol 20220205) seen as
 * a stack of sentences.
 *
 * A session starts coqidetop with `-main-channel stdfds -async-proofs off` and keeps
 * the sentences it has accepted, with their Coq state ids. coq_exec() adds one sentence
 * at the tip and runs it (Add, then Goal: with async proofs off a bad tactic is only
 * reported at the next Goal); a sentence Coq rejects is undone with Edit_at, so the tip
 * stays at the last good state. coq_rewind() pops sentences (Edit_at). Every protocol
 * call has a timeout: a call that does not answer in time is interrupted (SIGINT, which
 * coqidetop turns into a failure at once for Ltac loops, reduction and the VM) and
 * undone with Edit_at; if that does not answer within a second, or coqidetop dies or
 * breaks the protocol, the process group is killed, a fresh one started and the stack
 * replayed. Either way the caller sees one COQ_TIMEOUT or COQ_DIED result for the
 * sentence that caused it (not pushed) and can go on from the same stack.
 *
 * No global state: everything lives in the coq_session. */
#ifndef Q35_PROVER_COQ_SESSION_H
#define Q35_PROVER_COQ_SESSION_H

#include "q35/common.h"

/* One goal as plain text: richpp tags stripped, &nbsp; and entities decoded. */
typedef struct coq_goal {
    char **hyps;  /* "n, m : nat", "H : n = m", ... in Coq's order */
    int n_hyps;
    char *concl;  /* "n + 0 = m" */
} coq_goal;

/* The answer of Goal: the focused goals and the counts of the others. No proof open:
 * in_proof = 0. Proof complete: in_proof = 1 and every count 0. */
typedef struct coq_goals {
    int in_proof;
    coq_goal *fg;
    int n_fg;
    int n_bg;        /* background goals (all focus levels) */
    int n_shelved;
    int n_given_up;
} coq_goals;

void coq_goals_free(coq_goals *g);

typedef enum {
    COQ_OK = 0,   /* accepted; goals filled in */
    COQ_ERROR,    /* Coq rejected it (syntax, type or tactic error); msg says why */
    COQ_TIMEOUT,  /* no answer in time; interrupted, or restarted with the stack replayed */
    COQ_DIED      /* coqidetop exited or broke the protocol; restarted and replayed */
} coq_status;

typedef struct coq_result {
    coq_status status;
    char *msg;        /* Coq's error text (COQ_ERROR) or what happened; malloc'd or NULL */
    coq_goals goals;  /* COQ_OK only */
    double seconds;   /* wall time of the call */
} coq_result;

void coq_result_free(coq_result *r);

typedef struct coq_opts {
    const char *coqidetop;   /* program; NULL: "coqidetop.opt" (PATH) */
    /* extra arguments (e.g. "-Q", "dir", "Lib"), NULL-terminated, or NULL. They come first;
     * the session's own flags follow: -main-channel stdfds -async-proofs off -q (no
     * coqrc, so results do not depend on the user's files) */
    const char *const *args;
    double call_timeout;     /* seconds a protocol call may take before the restart; <= 0: 60 */
} coq_opts;

typedef struct coq_session coq_session;

/* Starts coqidetop and sends Init. */
coq_session *coq_open(const coq_opts *opts, q35_err *err);
void coq_close(coq_session *s); /* Quit, then kill if it does not exit */

/* Adds `sentence` (one Coq sentence, ending with its '.', or a bullet/brace) at the tip
 * and runs it, with `timeout` seconds (<= 0: the session's call_timeout). COQ_OK pushes
 * it on the stack; any other status leaves the stack as it was. Text that is not exactly
 * one sentence (coq_split.h; comments and whitespace around it are fine) is COQ_ERROR
 * without asking Coq, because Coq would silently run only the first one. Returns -1
 * (with err) only when no Coq process can be started, or when the replay after a
 * restart fails (a sentence Coq accepted before is refused or times out): then the stack
 * is cut before that sentence (or emptied) and err says so; the session stays usable. */
int coq_exec(coq_session *s, const char *sentence, double timeout, coq_result *out, q35_err *err);

/* Number of sentences on the stack, and the i-th one (0 = the first sent). */
int coq_depth(const coq_session *s);
const char *coq_sentence(const coq_session *s, int i);

/* Pops sentences until `depth` remain (Edit_at to that state; if Coq does not answer,
 * a restart and replay of the first `depth`). */
int coq_rewind(coq_session *s, int depth, q35_err *err);

/* The goals at the tip (Goal). */
int coq_current_goals(coq_session *s, coq_result *out, q35_err *err);

/* Kills the process without a Quit (as if it had crashed): for the robustness tests.
 * Nothing is noticed until the next call, which then returns COQ_DIED (that sentence is
 * not run) after the restart and replay; the caller may simply send it again. */
void coq_kill_for_test(coq_session *s);

/* Counters for reports: processes started, restarts after a timeout or a death. */
typedef struct coq_stats {
    int starts, timeouts, deaths;
    long calls;      /* protocol round trips (Init, Add, Goal, Edit_at) */
    int interrupts;  /* timeouts settled by SIGINT + Edit_at, without a restart */
    long execs;      /* coq_exec calls */
    long replayed;   /* sentences re-sent after restarts */
} coq_stats;
coq_stats coq_session_stats(const coq_session *s);

#endif
