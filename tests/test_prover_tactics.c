/* Tests for the parts of the prover that read goals without Coq: hypotheses and flags of
 * a goal's text (goal_view.c), the tactic templates instantiated from it (tactics.c),
 * the heuristic policy's priors and values, and the state key of the transposition
 * table (mcts.c). */
#include <stdlib.h>
#include <string.h>

#include "prover/goal_view.h"
#include "prover/mcts.h"
#include "prover/policy.h"
#include "prover/tactics.h"
#include "test_support.h"

static coq_goals one_goal(char **hyps, int n_hyps, char *concl)
{
    coq_goals g = {0};
    g.in_proof = 1;
    g.n_fg = 1;
    g.fg = calloc(1, sizeof *g.fg);
    g.fg[0].hyps = hyps;
    g.fg[0].n_hyps = n_hyps;
    g.fg[0].concl = concl;
    return g;
}

static int has_action(pv_action *a, int n, const char *tactic)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(a[i].tactic, tactic)) return 1;
    return 0;
}

static float prior_of(pv_action *a, int n, const char *tactic)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(a[i].tactic, tactic)) return a[i].prior;
    return -1;
}

static void test_hypotheses(void **state)
{
    (void)state;
    char *hyps[] = {"n, m : nat", "H : n = m", "f := fun x : nat => x + 1 : nat -> nat", "l : list Z",
                    "HF : Forall (fun x : Z => 0 <= x) l"};
    coq_goals g = one_goal(hyps, 5, "n + 0 = m");
    pv_goal_view v;
    assert_int_equal(pv_goal_view_make(&g, &v), 0);
    assert_int_equal(v.n_hyps, 6);
    assert_string_equal(v.hyps[0].name, "n");
    assert_string_equal(v.hyps[1].name, "m");
    assert_string_equal(v.hyps[1].type, "nat");
    assert_string_equal(v.hyps[2].name, "H");
    assert_string_equal(v.hyps[2].type, "n = m");
    assert_string_equal(v.hyps[3].name, "f");
    assert_string_equal(v.hyps[3].type, "nat -> nat");
    assert_int_equal(pv_type_kind(v.hyps[4].type), 2);
    assert_true(pv_is_predicate_app(v.hyps[5].type));
    assert_false(pv_is_predicate_app(v.hyps[2].type));
    assert_true(v.concl_flags & PV_EQ);
    assert_true(v.concl_flags & PV_ARITH);
    assert_false(v.concl_flags & PV_FORALL);
    pv_goal_view_free(&v);
    free(g.fg);
}

static void test_flags(void **state)
{
    (void)state;
    struct {
        const char *text;
        unsigned must, must_not;
    } cases[] = {
        {"forall x : Z, 0 <= x -> 0 <= 2 * x", PV_FORALL | PV_CMP | PV_ARITH, PV_NONLIN | PV_REAL},
        {"x * y >= 0", PV_CMP | PV_NONLIN, PV_FORALL},
        {"Rabs (x - y) <= e / 2", PV_REAL | PV_ABS | PV_CMP, PV_FORALL},
        {"(11 * a + b) mod 11 = b", PV_DIVMOD | PV_EQ | PV_ARITH, PV_NONLIN},
        {"A /\\ (B \\/ C)", PV_AND, PV_OR | PV_EQ},
        {"length (l1 ++ l2) = length l1 + length l2", PV_LIST | PV_EQ, PV_FORALL},
        {"Z.land x (Z.ones 4) = x mod 16", PV_BITS | PV_DIVMOD, 0},
        {"(if x <=? 5 then x else 5) <= 5", PV_IF | PV_BOOL | PV_CMP, PV_EQ},
        {"exists k, n = 2 * k", PV_EXISTS, PV_FORALL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned f = pv_prop_flags(cases[i].text);
        if ((f & cases[i].must) != cases[i].must || (f & cases[i].must_not))
            fail_msg("flags of '%s': %#x (must %#x, must not %#x)", cases[i].text, f, cases[i].must, cases[i].must_not);
    }
}

static void test_identifiers(void **state)
{
    (void)state;
    char **ids = NULL;
    int n = pv_identifiers("Z.add x (f x') = Nat.succ y.1", &ids);
    assert_int_equal(n, 6); /* "y.1" is y and a projection */
    assert_string_equal(ids[0], "Z.add");
    assert_string_equal(ids[1], "x");
    assert_string_equal(ids[2], "f");
    assert_string_equal(ids[3], "x'");
    assert_string_equal(ids[4], "Nat.succ");
    assert_string_equal(ids[5], "y");
    pv_free_strings(ids, n);
}

/* Actions come from the goal and the file: hypothesis names, variables, definitions,
 * and lemmas ranked by the identifiers they share with the goal. */
static void test_actions_and_priors(void **state)
{
    (void)state;
    pv_context ctx = {0};
    assert_int_equal(pv_context_note(&ctx, "Definition clamp (lo hi x : Z) : Z := Z.max lo (Z.min hi x)."), 0);
    assert_int_equal(pv_context_note(&ctx, "Fixpoint sumz (l : list Z) : Z := 0."), 0);
    assert_int_equal(pv_context_note(&ctx, "(* a comment *) Lemma clamp_le : forall lo hi x, clamp lo hi x <= hi."), 0);
    assert_int_equal(pv_context_note(&ctx, "Lemma unrelated : forall b : bool, negb (negb b) = b."), 0);
    assert_int_equal(pv_context_note(&ctx, "Require Import Lia."), 0);
    assert_int_equal(ctx.n_defs, 2);
    assert_int_equal(ctx.n_lemmas, 2);
    assert_string_equal(ctx.lemma_names[0], "clamp_le");

    char *hyps[] = {"lo, hi, x : Z", "Hle : lo <= hi", "n : nat", "Hs : lo = 0 /\\ hi = 7"};
    coq_goals g = one_goal(hyps, 4, "lo <= clamp lo hi x <= hi + sumz nil + Z.of_nat n");
    pv_goal_view v;
    assert_int_equal(pv_goal_view_make(&g, &v), 0);
    pv_action *a = NULL;
    int n = pv_actions_make(&v, &ctx, 200, &a);
    assert_true(n > 20);
    assert_true(has_action(a, n, "lia."));
    assert_true(has_action(a, n, "unfold clamp."));
    assert_false(has_action(a, n, "unfold sumz.")); /* a Fixpoint: simpl, not unfold */
    assert_true(has_action(a, n, "induction n."));
    assert_true(has_action(a, n, "destruct Hs."));
    assert_true(has_action(a, n, "rewrite Hle.") == 0); /* not an equation */
    assert_true(has_action(a, n, "apply clamp_le."));
    assert_false(has_action(a, n, "apply unrelated.")); /* shares nothing with the goal */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) assert_string_not_equal(a[i].tactic, a[j].tactic);

    pv_policy pol;
    q35_err err;
    assert_int_equal(pv_policy_open("heuristic", &pol, &err), 0);
    assert_int_equal(pv_policy_open("no-such-policy", &(pv_policy){0}, &err), -1);
    assert_non_null(strstr(err.msg, "no-such-policy"));
    pol.priors(pol.self, &v, a, n);
    assert_true(prior_of(a, n, "lia.") > prior_of(a, n, "split."));
    assert_true(prior_of(a, n, "lia.") > prior_of(a, n, "lra."));
    double v1 = pol.value(pol.self, &v, 1, 40), v3 = pol.value(pol.self, &v, 3, 40), vbig = pol.value(pol.self, &v, 1, 4000);
    assert_true(v1 > v3 && v1 > vbig && v1 <= 1.0 && vbig > 0.0);
    pv_actions_free(a, n);
    pv_goal_view_free(&v);
    free(g.fg);

    /* a universally quantified goal: intros first */
    coq_goals g2 = one_goal(NULL, 0, "forall a b : Z, 0 <= b < 11 -> (11 * a + b) mod 11 = b");
    assert_int_equal(pv_goal_view_make(&g2, &v), 0);
    n = pv_actions_make(&v, &ctx, 200, &a);
    pol.priors(pol.self, &v, a, n);
    assert_true(prior_of(a, n, "intros.") > prior_of(a, n, "lia."));
    assert_true(prior_of(a, n, "intros; Z.div_mod_to_equations; lia.") > prior_of(a, n, "intros; lra."));
    pv_actions_free(a, n);
    pv_goal_view_free(&v);
    free(g2.fg);
    pv_policy_close(&pol);
    pv_context_free(&ctx);
}

static void test_state_key(void **state)
{
    (void)state;
    char *h1[] = {"x : Z"};
    coq_goals a = one_goal(h1, 1, "x = x"), b = one_goal(h1, 1, "x = x"), c = one_goal(h1, 1, "x = 0");
    char *ka = pv_state_key(&a), *kb = pv_state_key(&b), *kc = pv_state_key(&c);
    assert_string_equal(ka, kb);
    assert_string_not_equal(ka, kc);
    b.n_shelved = 1;
    char *kb2 = pv_state_key(&b);
    assert_string_not_equal(ka, kb2);
    free(ka), free(kb), free(kc), free(kb2);
    free(a.fg), free(b.fg), free(c.fg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hypotheses), cmocka_unit_test(test_flags), cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_actions_and_priors), cmocka_unit_test(test_state_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
