/* Tests for the Coq session (src/prover/coq_session.c) against a real coqidetop.opt:
 * goals decoded, errors undone, a hanging tactic interrupted, a killed process restarted
 * with its stack replayed, rewinding, a finished proof; then the restart path of a
 * timeout (coqidetop run with SIGINT blocked, so the interrupt cannot work), fake
 * coqidetops that die or speak garbage, and a whole stdlib file sent sentence by
 * sentence. Skipped (exit 77) when coqidetop.opt is not on PATH. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prover/coq_proto.h"
#include "prover/coq_session.h"
#include "prover/coq_split.h"
#include "test_support.h"

#define WRAP_FLAG "--exec-with-sigint-blocked"

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
        if (n && access(buf, X_OK) == 0) return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

static coq_session *open_session(const coq_opts *o)
{
    q35_err err = {{0}};
    coq_session *s = coq_open(o, &err);
    if (!s) fail_msg("coq_open: %s", err.msg);
    return s;
}

/* Runs one sentence and checks its status; returns the result for more checks (the
 * caller frees it). */
static coq_result run(coq_session *s, const char *sentence, double timeout, coq_status want)
{
    coq_result r;
    q35_err err = {{0}};
    if (coq_exec(s, sentence, timeout, &r, &err)) fail_msg("'%s': coq_exec failed: %s", sentence, err.msg);
    if (r.status != want)
        fail_msg("'%s': status %d, expected %d (%s)", sentence, r.status, want, r.msg ? r.msg : "");
    return r;
}

static void ok(coq_session *s, const char *sentence)
{
    coq_result r = run(s, sentence, 0, COQ_OK);
    coq_result_free(&r);
}

/* The goals at the tip must be one goal with this conclusion. */
static void expect_one_goal(coq_session *s, const char *concl)
{
    coq_result r;
    q35_err err = {{0}};
    assert_int_equal(coq_current_goals(s, &r, &err), 0);
    assert_int_equal(r.status, COQ_OK);
    assert_int_equal(r.goals.in_proof, 1);
    assert_int_equal(r.goals.n_fg, 1);
    assert_string_equal(r.goals.fg[0].concl, concl);
    coq_result_free(&r);
}

static void test_session(void **state)
{
    (void)state;
    coq_opts o = {NULL, NULL, 20};
    coq_session *s = open_session(&o);
    q35_err err = {{0}};
    double t0 = q35_now();

    coq_result r = run(s, "Require Import Lia.", 0, COQ_OK);
    assert_int_equal(r.goals.in_proof, 0);
    coq_result_free(&r);

    /* a missing library: an error, and the stack as it was */
    r = run(s, "Require Import NoSuchLib.", 0, COQ_ERROR);
    assert_non_null(strstr(r.msg, "NoSuchLib"));
    coq_result_free(&r);
    assert_int_equal(coq_depth(s), 1);

    r = run(s, "Lemma foo (n m : nat) (H : n = m) : n + 0 = m.", 0, COQ_OK);
    assert_int_equal(r.goals.in_proof, 1);
    assert_int_equal(r.goals.n_fg, 1);
    assert_int_equal(r.goals.fg[0].n_hyps, 2);
    assert_string_equal(r.goals.fg[0].hyps[0], "n, m : nat");
    assert_string_equal(r.goals.fg[0].hyps[1], "H : n = m");
    assert_string_equal(r.goals.fg[0].concl, "n + 0 = m");
    coq_result_free(&r);

    /* a tactic Coq rejects, and a syntax error: COQ_ERROR, tip unchanged */
    r = run(s, "rewrite foo.", 0, COQ_ERROR);
    assert_non_null(strstr(r.msg, "foo was not found"));
    coq_result_free(&r);
    r = run(s, "intros )).", 0, COQ_ERROR);
    assert_non_null(strstr(r.msg, "Syntax error"));
    coq_result_free(&r);
    /* more than one sentence: refused without asking Coq */
    long calls = coq_session_stats(s).calls;
    r = run(s, "intros. auto.", 0, COQ_ERROR);
    assert_non_null(strstr(r.msg, "one sentence"));
    coq_result_free(&r);
    assert_int_equal(coq_session_stats(s).calls, calls);
    assert_int_equal(coq_depth(s), 2);

    r = run(s, "rewrite <- plus_n_O.", 0, COQ_OK);
    assert_int_equal(r.goals.n_fg, 1);
    assert_string_equal(r.goals.fg[0].concl, "n = m");
    coq_result_free(&r);

    /* a tactic that would run for hours, with 2 s: interrupted, stack and goals kept */
    double t1 = q35_now();
    r = run(s, "do 1000000000 idtac.", 2.0, COQ_TIMEOUT);
    double took = q35_now() - t1;
    printf("timeout: %.2f s (%s)\n", took, r.msg);
    assert_true(took >= 2.0 && took < 4.0);
    coq_result_free(&r);
    assert_int_equal(coq_depth(s), 3);
    assert_int_equal(coq_session_stats(s).interrupts, 1);
    assert_int_equal(coq_session_stats(s).starts, 1);
    expect_one_goal(s, "n = m");

    /* Coq's own Timeout also bounds a tactic, as an ordinary error */
    r = run(s, "Timeout 1 do 1000000000 idtac.", 0, COQ_ERROR);
    assert_non_null(strstr(r.msg, "Timeout"));
    coq_result_free(&r);

    /* killed mid-proof: the next sentence reports COQ_DIED (it was not run), the stack is
     * replayed on a fresh process, and sending it again works */
    coq_kill_for_test(s);
    r = run(s, "exact H.", 0, COQ_DIED);
    printf("died: %s\n", r.msg);
    coq_result_free(&r);
    assert_int_equal(coq_depth(s), 3);
    assert_int_equal(coq_session_stats(s).starts, 2);
    assert_int_equal(coq_session_stats(s).deaths, 1);
    assert_true(coq_session_stats(s).replayed >= 3);
    expect_one_goal(s, "n = m");

    /* proof completion: in a proof, no goals of any kind */
    r = run(s, "exact H.", 0, COQ_OK);
    assert_int_equal(r.goals.in_proof, 1);
    assert_int_equal(r.goals.n_fg + r.goals.n_bg + r.goals.n_shelved + r.goals.n_given_up, 0);
    coq_result_free(&r);
    r = run(s, "Qed.", 0, COQ_OK);
    assert_int_equal(r.goals.in_proof, 0);
    coq_result_free(&r);
    assert_int_equal(coq_depth(s), 5);
    assert_string_equal(coq_sentence(s, 4), "Qed.");
    assert_null(coq_sentence(s, 5));

    /* rewind across the Qed, finish differently */
    assert_int_equal(coq_rewind(s, 3, &err), 0);
    assert_int_equal(coq_depth(s), 3);
    expect_one_goal(s, "n = m");
    ok(s, "lia.");
    ok(s, "Qed.");
    assert_int_equal(coq_rewind(s, 7, &err), -1); /* deeper than the stack */

    /* bullets: focused and background goals; text with <, > and & goes through */
    r = run(s, "Lemma two : (1 < 2 /\\ 2 > 1) /\\ (true && true)%bool = true.", 0, COQ_OK);
    assert_string_equal(r.goals.fg[0].concl, "(1 < 2 /\\ 2 > 1) /\\ (true && true)%bool = true");
    coq_result_free(&r);
    ok(s, "split.");
    r = run(s, "-", 0, COQ_OK);
    assert_int_equal(r.goals.n_fg, 1);
    assert_int_equal(r.goals.n_bg, 1);
    coq_result_free(&r);
    ok(s, "lia.");
    r = run(s, "exact I.", 0, COQ_ERROR); /* no goal under this bullet any more */
    coq_result_free(&r);
    ok(s, "-");
    r = run(s, "{", 0, COQ_OK);
    assert_string_equal(r.goals.fg[0].concl, "(true && true)%bool = true");
    coq_result_free(&r);
    ok(s, "reflexivity.");
    ok(s, "}");
    ok(s, "Qed.");

    /* a statement Coq rejects at Goal time */
    r = run(s, "Lemma bad : 1 + true = 2.", 0, COQ_ERROR);
    coq_result_free(&r);

    /* rewind to nothing, then start over */
    assert_int_equal(coq_rewind(s, 0, &err), 0);
    r = run(s, "Lemma foo : True.", 0, COQ_OK); /* foo is free again */
    coq_result_free(&r);
    ok(s, "exact I.");

    coq_stats st = coq_session_stats(s);
    printf("starts %d, timeouts %d (interrupted %d), deaths %d, calls %ld, execs %ld, replayed %ld; %.2f s\n",
           st.starts, st.timeouts, st.interrupts, st.deaths, st.calls, st.execs, st.replayed, q35_now() - t0);
    assert_int_equal(st.timeouts, 1);
    coq_close(s);
}

/* coqidetop with SIGINT blocked: the interrupt is lost, so a timeout must kill, restart
 * and replay. */
static void test_timeout_restart(void **state)
{
    const char *self = *state; /* this test's executable, the wrapper */
    const char *args[] = {WRAP_FLAG, "coqidetop.opt", NULL};
    coq_opts o = {self, args, 20};
    coq_session *s = open_session(&o);
    ok(s, "Lemma t : True /\\ True.");
    ok(s, "split.");
    double t1 = q35_now();
    coq_result r = run(s, "do 1000000000 idtac.", 1.0, COQ_TIMEOUT);
    double took = q35_now() - t1;
    printf("timeout with restart: %.2f s (%s)\n", took, r.msg);
    coq_result_free(&r);
    assert_true(took < 6.0);
    coq_stats st = coq_session_stats(s);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.interrupts, 0);
    assert_int_equal(st.starts, 2);
    assert_int_equal(coq_depth(s), 2);
    r = run(s, "exact I.", 0, COQ_OK);
    assert_int_equal(r.goals.n_fg, 1);
    coq_result_free(&r);
    ok(s, "exact I.");
    ok(s, "Qed.");
    coq_close(s);
}

/* Fake coqidetops: a missing program, one that exits, one that answers Init and then
 * dies or speaks garbage. */
static void test_fakes(void **state)
{
    (void)state;
    q35_err err = {{0}};
    coq_opts o = {"/nonexistent/coqidetop.opt", NULL, 5};
    assert_null(coq_open(&o, &err));
    assert_non_null(strstr(err.msg, "cannot start"));

    const char *exits[] = {"-c", "exit 0", "sh", NULL};
    o = (coq_opts){"sh", exits, 5};
    assert_null(coq_open(&o, &err));
    assert_non_null(strstr(err.msg, "did not answer Init"));

    const char *garbage[] = {"-c", "printf 'Welcome to Coq'; exec cat >/dev/null", "sh", NULL};
    o = (coq_opts){"sh", garbage, 5};
    assert_null(coq_open(&o, &err));
    assert_non_null(strstr(err.msg, "protocol garbage"));

    /* answers Init, reads it, then dies (or answers nonsense) on the next call */
    char script[512];
    snprintf(script, sizeof script,
             "printf '<value val=\"good\"><state_id val=\"1\"/></value>'; head -c %zu >/dev/null; %s",
             strlen(COQ_CALL_INIT), "exit 0");
    const char *dies[] = {"-c", script, "sh", NULL};
    o = (coq_opts){"sh", dies, 5};
    coq_session *s = open_session(&o);
    coq_result r = run(s, "Lemma x : True.", 0, COQ_DIED);
    printf("fake died: %s\n", r.msg);
    coq_result_free(&r);
    assert_int_equal(coq_session_stats(s).starts, 2);
    coq_close(s);

    snprintf(script, sizeof script,
             "printf '<value val=\"good\"><state_id val=\"1\"/></value>'; head -c %zu >/dev/null; %s",
             strlen(COQ_CALL_INIT), "printf '<feedback/><value val=\"good\"></oops>'; exec cat >/dev/null");
    s = open_session(&o);
    r = run(s, "Lemma x : True.", 0, COQ_DIED);
    printf("fake garbage: %s\n", r.msg);
    assert_non_null(strstr(r.msg, "protocol garbage"));
    coq_result_free(&r);
    coq_close(s);
}

/* A replay that cannot succeed: a library that was loaded is gone when the process has
 * to be restarted. coq_exec fails with a message naming the sentence, the stack is cut
 * before it, and the session goes on. */
static void test_replay_fails(void **state)
{
    (void)state;
    char dir[2048], cmd[8192], vo[2100];
    snprintf(dir, sizeof dir, "%s", t_tmp("coqlib"));
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cd '%s' && printf 'Definition x := 1.\\n' > X.v && coqc -q -Q . T X.v",
             dir, dir);
    if (system(cmd) != 0) {
        printf("skipped: coqc could not build a library\n");
        skip();
        return;
    }
    const char *args[] = {"-Q", dir, "T", NULL};
    coq_opts o = {NULL, args, 20};
    coq_session *s = open_session(&o);
    ok(s, "Require Import T.X.");
    ok(s, "Lemma l : x = 1.");
    snprintf(vo, sizeof vo, "%s/X.vo", dir);
    assert_int_equal(remove(vo), 0);
    coq_kill_for_test(s);
    coq_result r;
    q35_err err = {{0}};
    assert_int_equal(coq_exec(s, "reflexivity.", 0, &r, &err), -1);
    printf("replay failure: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "Require Import T.X."));
    assert_non_null(strstr(err.msg, "stack cut to 0"));
    coq_result_free(&r);
    assert_int_equal(coq_depth(s), 0);
    r = run(s, "Lemma l : 1 = 1.", 0, COQ_OK);
    coq_result_free(&r);
    ok(s, "reflexivity.");
    coq_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A whole stdlib file, split and sent one sentence at a time: every one accepted. */
static void test_stdlib_file(void **state)
{
    (void)state;
    const char *dir = getenv("Q35_COQ_THEORIES");
    char path[4096];
    snprintf(path, sizeof path, "%s/Bool/Bool.v", dir ? dir : "/usr/lib/ocaml/coq/theories");
    q35_map m;
    q35_err err = {{0}};
    if (q35_map_open(path, &m, &err)) {
        printf("skipped: %s\n", err.msg);
        skip();
        return;
    }
    coq_span *sp;
    int n;
    assert_int_equal(coq_split((const char *)m.data, m.size, &sp, &n, &err), 0);
    coq_opts o = {NULL, NULL, 20};
    coq_session *s = open_session(&o);
    double t0 = q35_now();
    for (int i = 0; i < n; i++) {
        size_t l = sp[i].end - sp[i].start;
        char *sentence = malloc(l + 1);
        memcpy(sentence, m.data + sp[i].start, l);
        sentence[l] = 0;
        coq_result r;
        assert_int_equal(coq_exec(s, sentence, 0, &r, &err), 0);
        if (r.status != COQ_OK) fail_msg("%s:%d: '%s': %s", path, sp[i].line, sentence, r.msg ? r.msg : "");
        coq_result_free(&r);
        free(sentence);
    }
    double dt = q35_now() - t0;
    coq_stats st = coq_session_stats(s);
    printf("%s: %d sentences in %.2f s (%.2f ms each, %ld calls)\n", path, n, dt, 1e3 * dt / n, st.calls);
    assert_int_equal(coq_depth(s), n);
    coq_close(s);
    free(sp);
    q35_map_close(&m);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], WRAP_FLAG)) {
        /* the wrapper: SIGINT blocked survives exec, so coqidetop never sees it */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    if (!on_path("coqidetop.opt")) {
        printf("skipped: coqidetop.opt not found\n");
        return 77;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        printf("skipped: /proc/self/exe unreadable\n");
        return 77;
    }
    self[n] = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
        cmocka_unit_test_prestate(test_timeout_restart, self),
        cmocka_unit_test(test_fakes),
        cmocka_unit_test(test_replay_fails),
        cmocka_unit_test(test_stdlib_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
