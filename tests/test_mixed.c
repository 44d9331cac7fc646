/* Tests for the mixed-precision solver (src/quant/mixed.c): it never exceeds the budget
 * on random instances (non-convex, non-monotone, with disallowed candidates); on small
 * instances it lands within a few percent of the optimum found by brute force; on a
 * model-shaped instance it is close to the Lagrangian (fractional) lower bound; and the
 * degenerate cases behave. And the error proxy that --method mixed feeds it
 * (src/quant/quantize_mixed.c) matches a plain float64 sum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/calib.h"
#include "q35/quant.h"
#include "quant/quant_internal.h"
#include "test_support.h"

typedef struct inst {
    int nt, nk;
    double *e;
    uint64_t *b;
} inst;

static inst inst_new(int nt, int nk)
{
    inst p = {nt, nk, calloc((size_t)nt * nk, sizeof(double)), calloc((size_t)nt * nk, sizeof(uint64_t))};
    assert_true(p.e && p.b);
    return p;
}
static void inst_free(inst *p) { free(p->e), free(p->b); }

/* Random candidates: sizes from a few bits-per-weight levels times a tensor size, errors
 * falling with bits on average but noisy (so neither convex nor always monotone), and
 * now and then a disallowed (infinite or NaN) candidate. Some instances are fully random. */
static void fill_random(inst *p, uint64_t *s, int realistic)
{
    for (int t = 0; t < p->nt; t++) {
        uint64_t n = 128 * (1 + t_rand_u64(s) % 64);
        double scale = exp(2.0 * t_rand_normal(s));
        int any = 0;
        for (int k = 0; k < p->nk; k++) {
            size_t i = (size_t)t * p->nk + k;
            double bpw = 2.0 + 7.0 * t_rand_uniform(s);
            if (realistic) {
                p->b[i] = (uint64_t)llround(bpw * (double)n);
                p->e[i] = (double)n * scale * exp2(-2.0 * bpw) * exp(0.3 * t_rand_normal(s));
            } else {
                p->b[i] = t_rand_u64(s) % 1000;
                p->e[i] = 100.0 * t_rand_uniform(s);
            }
            if (t_rand_u64(s) % 13 == 0) p->e[i] = (k % 2) ? INFINITY : NAN;
            else any = 1;
        }
        if (!any) p->e[(size_t)t * p->nk] = 1.0;
    }
}

static uint64_t min_bits(const inst *p)
{
    uint64_t sum = 0;
    for (int t = 0; t < p->nt; t++) {
        uint64_t m = UINT64_MAX;
        for (int k = 0; k < p->nk; k++)
            if (isfinite(p->e[(size_t)t * p->nk + k]) && p->b[(size_t)t * p->nk + k] < m) m = p->b[(size_t)t * p->nk + k];
        sum += m;
    }
    return sum;
}

static uint64_t max_bits(const inst *p)
{
    uint64_t sum = 0;
    for (int t = 0; t < p->nt; t++) {
        uint64_t m = 0;
        for (int k = 0; k < p->nk; k++)
            if (isfinite(p->e[(size_t)t * p->nk + k]) && p->b[(size_t)t * p->nk + k] > m) m = p->b[(size_t)t * p->nk + k];
        sum += m;
    }
    return sum;
}

/* Checks a solution is valid and within budget; returns its total error. */
static double check_solution(const inst *p, const int *choice, uint64_t budget)
{
    uint64_t used = 0;
    double e = 0;
    for (int t = 0; t < p->nt; t++) {
        assert_true(choice[t] >= 0 && choice[t] < p->nk);
        size_t i = (size_t)t * p->nk + choice[t];
        assert_true(isfinite(p->e[i]));
        used += p->b[i];
        e += p->e[i];
    }
    assert_true(used <= budget);
    return e;
}

static void test_never_over_budget(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_err err;
    for (int rep = 0; rep < 1500; rep++) {
        int nt = 1 + (int)(t_rand_u64(&s) % (rep % 50 == 0 ? 300 : 40)), nk = 1 + (int)(t_rand_u64(&s) % 5);
        inst p = inst_new(nt, nk);
        fill_random(&p, &s, rep % 2);
        uint64_t lo = min_bits(&p), hi = max_bits(&p);
        uint64_t budget = lo + (uint64_t)((double)(hi - lo) * t_rand_uniform(&s) * 1.1);
        if (rep % 7 == 0) budget = lo;
        if (rep % 11 == 0 && lo > 0) budget = lo - 1 - t_rand_u64(&s) % lo;
        int *choice = malloc(sizeof(int) * (size_t)nt);
        int rc = q35_mixed_solve(nt, nk, p.e, p.b, budget, choice, &err);
        if (budget < lo) {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err.msg, "budget"));
        } else {
            assert_int_equal(rc, 0);
            check_solution(&p, choice, budget);
        }
        free(choice);
        inst_free(&p);
    }
}

/* Exhaustive optimum (nk^nt assignments). */
static double brute_optimum(const inst *p, uint64_t budget)
{
    int idx[8] = {0};
    double best = INFINITY;
    for (;;) {
        uint64_t used = 0;
        double e = 0;
        for (int t = 0; t < p->nt; t++) {
            used += p->b[(size_t)t * p->nk + idx[t]];
            e += p->e[(size_t)t * p->nk + idx[t]];
        }
        if (used <= budget && e < best) best = e; /* NaN never compares less */
        int t = 0;
        while (t < p->nt && ++idx[t] == p->nk) idx[t++] = 0;
        if (t == p->nt) break;
    }
    return best;
}

static void test_near_optimal_small(void **state)
{
    (void)state;
    uint64_t s = t_seed();
    q35_err err;
    double worst[2] = {0, 0}, mean[2] = {0, 0};
    int count[2] = {0, 0}, exact[2] = {0, 0};
    for (int rep = 0; rep < 4000; rep++) {
        int realistic = rep % 2;
        int nt = 1 + (int)(t_rand_u64(&s) % 6), nk = 2 + (int)(t_rand_u64(&s) % 3);
        inst p = inst_new(nt, nk);
        fill_random(&p, &s, realistic);
        uint64_t lo = min_bits(&p), hi = max_bits(&p);
        uint64_t budget = lo + (uint64_t)((double)(hi - lo) * t_rand_uniform(&s));
        int choice[8];
        assert_int_equal(q35_mixed_solve(nt, nk, p.e, p.b, budget, choice, &err), 0);
        double got = check_solution(&p, choice, budget), opt = brute_optimum(&p, budget);
        assert_true(got >= opt - 1e-9 * fabs(opt));
        double gap = (got - opt) / fabs(opt);
        if (gap > worst[realistic]) worst[realistic] = gap;
        mean[realistic] += gap;
        exact[realistic] += gap <= 1e-12;
        count[realistic]++;
        /* up to 4^6 combinations the solver enumerates, so it must be exact */
        if (!(gap <= 1e-12)) print_error("nt %d nk %d: %.6g against the optimum %.6g\n", nt, nk, got, opt);
        assert_true(gap <= 1e-12);
        inst_free(&p);
    }
    for (int r = 0; r < 2; r++)
        printf("%s instances: %d, optimal in %d, mean gap %.4f%%, worst %.4f%%\n", r ? "model-like" : "random",
               count[r], exact[r], 100.0 * mean[r] / count[r], 100.0 * worst[r]);
}

/* Exact optimum when every size is a multiple of unit: least error per used units. */
static double unit_dp_optimum(const inst *p, uint64_t budget, uint64_t unit)
{
    size_t U = (size_t)(budget / unit);
    double *cur = malloc(sizeof(double) * (U + 1)), *nxt = malloc(sizeof(double) * (U + 1));
    for (size_t u = 0; u <= U; u++) cur[u] = 0;
    for (int t = 0; t < p->nt; t++) {
        for (size_t u = 0; u <= U; u++) {
            nxt[u] = INFINITY;
            for (int k = 0; k < p->nk; k++) {
                uint64_t b = p->b[(size_t)t * p->nk + k];
                assert_int_equal(b % unit, 0);
                if (b / unit <= u && cur[u - b / unit] + p->e[(size_t)t * p->nk + k] < nxt[u])
                    nxt[u] = cur[u - b / unit] + p->e[(size_t)t * p->nk + k];
            }
        }
        double *x = cur;
        cur = nxt;
        nxt = x;
    }
    double r = cur[U];
    free(cur);
    free(nxt);
    return r;
}

typedef struct gain_entry {
    double g;
    int t, k;
} gain_entry;

static int cmp_gain(const void *a, const void *b)
{
    const gain_entry *x = a, *y = b;
    return (x->g < y->g) - (x->g > y->g);
}

/* Model-shaped instances: 7 matrices a layer, 3.5625 / 4.5625 / 8.5 bits per weight,
 * errors in proportion to 4^-bpw. The fractional (Lagrangian) optimum over the hulls is a
 * lower bound on any solution. midi23M's 42 matrices must get the exact optimum (checked
 * by a plain DP here; the fractional bound is up to ~2% below it); 2100 matrices of
 * unround sizes are past the solver's table (32 MiB), so its greedy and local search
 * answer alone and must come within 1% of the bound. */
static void model_shaped(int nt, int round_sizes)
{
    uint64_t s = t_seed();
    q35_err err;
    static const double bpw[3] = {3.5625, 4.5625, 8.5};
    inst p = inst_new(nt, 3);
    for (int t = 0; t < nt; t++) {
        uint64_t n = t % 7 < 4 ? 512 * 512 : 512 * 1536;
        if (t % 7 == 1 || t % 7 == 2) n /= 2; /* k and v of GQA */
        if (!round_sizes) n += t_rand_u64(&s) % 1000;
        double sens = exp(0.7 * t_rand_normal(&s));
        for (int k = 0; k < 3; k++) {
            p.b[t * 3 + k] = (uint64_t)(bpw[k] * (double)n);
            p.e[t * 3 + k] = (double)n * sens * pow(4.0, -bpw[k]);
        }
    }
    uint64_t lo = min_bits(&p);
    int *choice = malloc(sizeof(int) * (size_t)nt);
    gain_entry *ups = malloc(sizeof(gain_entry) * 2 * (size_t)nt);
    double worst = 0;
    for (int pct = 0; pct <= 100; pct += 5) {
        uint64_t budget = lo + (uint64_t)((double)lo * 0.28 * pct / 100.0); /* up to 4.56 bits/weight */
        assert_int_equal(q35_mixed_solve(nt, 3, p.e, p.b, budget, choice, &err), 0);
        double got = check_solution(&p, choice, budget);
        /* fractional bound: the errors here are convex in bits per tensor */
        double bound = 0;
        uint64_t used = lo;
        int nu = 0;
        for (int t = 0; t < nt; t++) {
            bound += p.e[t * 3];
            for (int k = 0; k < 2; k++)
                ups[nu++] = (gain_entry){(p.e[t * 3 + k] - p.e[t * 3 + k + 1]) / (double)(p.b[t * 3 + k + 1] - p.b[t * 3 + k]), t, k};
        }
        qsort(ups, (size_t)nu, sizeof *ups, cmp_gain);
        for (int i = 0; i < nu && used < budget; i++) {
            uint64_t inc = p.b[ups[i].t * 3 + ups[i].k + 1] - p.b[ups[i].t * 3 + ups[i].k];
            double frac = inc <= budget - used ? 1.0 : (double)(budget - used) / (double)inc;
            bound -= frac * ups[i].g * (double)inc;
            used += inc <= budget - used ? inc : budget - used;
        }
        assert_true(got >= bound * (1 - 1e-9));
        if (got / bound - 1 > worst) worst = got / bound - 1;
        if (round_sizes) { /* sizes are multiples of 8192 bits: the exact optimum by a plain DP */
            double opt = unit_dp_optimum(&p, budget, 8192);
            assert_true(got <= opt * (1 + 1e-9));
        } else { /* many tensors: the integrality gap is small */
            assert_true(got <= bound * 1.01);
        }
    }
    printf("%d tensors: at most %.3f%% above the fractional bound\n", nt, 100 * worst);
    free(choice);
    free(ups);
    inst_free(&p);
}

static void test_model_shaped(void **state)
{
    (void)state;
    model_shaped(42, 1);
    model_shaped(2100, 0);
}

static void test_degenerate(void **state)
{
    (void)state;
    q35_err err;
    int choice[4];
    /* budget exactly the minimum: every tensor at its cheapest, the lower error of a tie */
    {
        double e[] = {5, 3, 1, /**/ 4, 2, 1};
        uint64_t b[] = {10, 10, 20, /**/ 7, 9, 30};
        assert_int_equal(q35_mixed_solve(2, 3, e, b, 17, choice, &err), 0);
        assert_int_equal(choice[0], 1);
        assert_int_equal(choice[1], 0);
        assert_int_equal(q35_mixed_solve(2, 3, e, b, 16, choice, &err), -1);
        assert_non_null(strstr(err.msg, "17 bits"));
        /* enough for everything: the lowest errors */
        assert_int_equal(q35_mixed_solve(2, 3, e, b, 50, choice, &err), 0);
        assert_int_equal(choice[0], 2);
        assert_int_equal(choice[1], 2);
    }
    /* all candidates equal */
    {
        double e[] = {1, 1, 1, 1, 1, 1};
        uint64_t b[] = {8, 8, 8, 8, 8, 8};
        assert_int_equal(q35_mixed_solve(3, 2, e, b, 24, choice, &err), 0);
        for (int t = 0; t < 3; t++) assert_true(choice[t] == 0 || choice[t] == 1);
        assert_int_equal(q35_mixed_solve(3, 2, e, b, 23, choice, &err), -1);
    }
    /* one tensor: the best candidate that fits, even off the hull */
    {
        double e[] = {10, 9.9, 4, 3.5, 1};
        uint64_t b[] = {100, 200, 300, 310, 1000};
        static const uint64_t budgets[] = {100, 199, 250, 300, 305, 310, 999, 1000, UINT64_MAX};
        static const int want[] = {0, 0, 1, 2, 2, 3, 3, 4, 4};
        for (int i = 0; i < 9; i++) {
            assert_int_equal(q35_mixed_solve(1, 5, e, b, budgets[i], choice, &err), 0);
            assert_int_equal(choice[0], want[i]);
        }
    }
    /* a non-convex middle candidate that the hull skips but the budget fits exactly */
    {
        double e[] = {10, 8, 0, /**/ 10, 8, 0};
        uint64_t b[] = {0, 90, 100, /**/ 0, 90, 100};
        assert_int_equal(q35_mixed_solve(2, 3, e, b, 190, choice, &err), 0);
        assert_true((choice[0] == 2 && choice[1] == 1) || (choice[0] == 1 && choice[1] == 2));
    }
    /* zero budget with free candidates; a tensor with nothing allowed; bad arguments */
    {
        double e[] = {1, NAN, INFINITY, NAN};
        uint64_t b[] = {0, 0, 5, 5};
        assert_int_equal(q35_mixed_solve(1, 2, e, b, 0, choice, &err), 0);
        assert_int_equal(choice[0], 0);
        assert_int_equal(q35_mixed_solve(2, 2, e, b, 100, choice, &err), -1);
        assert_non_null(strstr(err.msg, "tensor 1"));
        assert_int_equal(q35_mixed_solve(0, 2, e, b, 100, choice, &err), -1);
        assert_int_equal(q35_mixed_solve(1, 0, e, b, 100, choice, &err), -1);
    }
}

/* q35_mixed_error_proxy against sum_r d^T H d / count (and sum d^2) written out plainly,
 * on a matrix whose rows are not a multiple of the proxy's slice and whose columns end in
 * a short block, with correlated inputs so that H's off-diagonal matters. */
static void test_error_proxy(void **state)
{
    (void)state;
    enum { ROWS = 37, COLS = 200, N_IN = 300 };
    uint64_t s = 42;
    float *w = malloc(sizeof(float) * ROWS * COLS), *x = malloc(sizeof(float) * N_IN * COLS);
    float *wq = malloc(sizeof(float) * COLS);
    double *scratch = malloc(sizeof(double) * Q35_HESS_SLICE * COLS);
    assert_true(w && x && wq && scratch);
    for (int i = 0; i < ROWS * COLS; i++) w[i] = t_rand_normal(&s);
    for (int r = 0; r < N_IN; r++) {
        float prev = 0;
        for (int j = 0; j < COLS; j++) { /* neighbouring columns correlated, scales varied */
            float z = t_rand_normal(&s) * (1.0f + (float)(j % 7));
            x[r * COLS + j] = z + 0.8f * prev;
            prev = z;
        }
    }
    q35_hessian h;
    assert_int_equal(q35_hessian_init(&h, COLS, NULL), 0);
    q35_hessian_add(&h, x, N_IN, scratch, 2);
    q35_tensor t = {.name = "blk.0.ffn_down.weight", .type = Q35_TYPE_F32, .n_dims = 2, .ne = {COLS, ROWS, 1, 1},
                    .data = w, .nbytes = sizeof(float) * ROWS * COLS};
    const uint32_t ids[] = {Q35_TYPE_Q35_CB, Q35_TYPE_Q45_CB};
    double hs[2];
    for (int k = 0; k < 2; k++) {
        const q35_type_traits *dt = q35_type_by_id(ids[k]);
        const size_t rb = dt->row_bytes(COLS);
        uint8_t *q = malloc(rb * ROWS);
        assert_non_null(q);
        for (int r = 0; r < ROWS; r++) q35_quantize_row(dt, w + r * COLS, NULL, COLS, q + rb * r);
        double want_h = 0, want_w = 0;
        for (int r = 0; r < ROWS; r++) {
            dt->to_float(q + rb * r, COLS, wq);
            for (int i = 0; i < COLS; i++) {
                const double di = (double)w[r * COLS + i] - wq[i];
                want_w += di * di;
                for (int j = 0; j < COLS; j++) {
                    const double dj = (double)w[r * COLS + j] - wq[j];
                    want_h += di * dj * h.h[i <= j ? (size_t)i * COLS + j : (size_t)j * COLS + i];
                }
            }
        }
        want_h /= (double)h.count;
        double got_h = -1, got_w = -1;
        assert_int_equal(q35_mixed_error_proxy(&t, dt, q, &h, 2, &got_h, NULL), 0);
        assert_int_equal(q35_mixed_error_proxy(&t, dt, q, NULL, 1, &got_w, NULL), 0);
        assert_true(want_h > 0 && want_w > 0);
        assert_true(fabs(got_h - want_h) <= 1e-9 * want_h);
        assert_true(fabs(got_w - want_w) <= 1e-9 * want_w);
        hs[k] = got_h;
        free(q);
    }
    assert_true(hs[1] < hs[0]); /* q45_cb's extra bit lowers the output error */
    q35_hessian_free(&h);
    free(w), free(x), free(wq), free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_over_budget),
        cmocka_unit_test(test_near_optimal_small),
        cmocka_unit_test(test_model_shaped),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_error_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
