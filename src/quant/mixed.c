/* Mixed precision to a bit budget (quant.h, q35_mixed_solve): per tensor one candidate
 * type, minimising the summed error proxy with the summed bits within the budget.
 *
 * This is a multiple-choice knapsack. The solver is the Lagrangian greedy, made safe for
 * candidates that are not convex in (bits, error):
 *  1. per tensor, the lower convex hull of its allowed candidates (cheapest first, then
 *     only points that lower the error at a falling rate of error per bit), so that its
 *     upgrades come in order of falling benefit;
 *  2. every hull upgrade of every tensor, sorted by error saved per bit, taken in that
 *     order while it fits (an upgrade that does not fit blocks that tensor's later ones);
 *  3. a local search over what the hull skipped and the budget left over: the single
 *     change of one tensor's type, then (on instances small enough) the exchange of two
 *     tensors' types, that lowers the error most while fitting, until none does.
 * Greedy knapsack answers can be far off when a few large upgrades compete for a tight
 * budget (in tests, 2.4x the optimum on 6 tensors), so when the table fits in memory a
 * dynamic program over the budget checks it:
 *  4. sizes in units of their greatest common divisor (exact; real models have a few
 *     thousand units), or else of budget / 16384 with every size rounded up, minimum error
 *     per used budget, tensor by tensor. Rounding up costs up to one unit a tensor, so a
 *     coarse table first gets that much slack, then half, ... then none, and the first
 *     answer whose exact bits fit is kept. It replaces the greedy answer, after step 3's
 *     polish, when lower.
 *  5. on instances with at most 2^16 combinations (a handful of tensors), every
 *     combination: the coarse table of step 4 can miss the optimum there, and the
 *     enumeration is cheaper than the table anyway.
 * Every step keeps the bits within the budget, so the result never exceeds it. Sizes are
 * exact integers; only errors are floating point. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q35/quant.h"

/* Pair moves look at (tensors x candidates)^2 combinations; beyond this many
 * (tensor, candidate) entries only single moves run. */
#define PAIR_MAX_ENTRIES 2048
#define PAIR_MAX_ROUNDS 64
/* The dynamic program: at most this many budget units, and this many table bytes
 * (tensors x (units + 1)). */
#define DP_MAX_UNITS 16384u
#define DP_MAX_TABLE (32u << 20)
/* Step 5: exhaustive search up to this many combinations. */
#define ENUM_MAX_COMBOS 65536u

typedef struct step {
    double gain; /* error saved per bit */
    int t, from; /* tensor, hull position moved from (to from + 1) */
} step;

static int cmp_step(const void *a, const void *b)
{
    const step *x = a, *y = b;
    if (x->gain != y->gain) return x->gain > y->gain ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

typedef struct problem {
    int nt, nk;
    const double *e;
    const uint64_t *b;
    uint64_t budget;
} problem;

static int allowed(const problem *p, int t, int k) { return isfinite(p->e[(size_t)t * p->nk + k]); }
static double E(const problem *p, int t, int k) { return p->e[(size_t)t * p->nk + k]; }
static uint64_t B(const problem *p, int t, int k) { return p->b[(size_t)t * p->nk + k]; }

/* Candidate order for the hull: fewer bits first, then lower error, then index. */
static void sort_candidates(const problem *p, int t, int *idx, int n)
{
    for (int i = 1; i < n; i++) { /* insertion sort: n is the handful of candidate types */
        int k = idx[i], j = i - 1;
        while (j >= 0 && (B(p, t, idx[j]) > B(p, t, k) || (B(p, t, idx[j]) == B(p, t, k) && E(p, t, idx[j]) > E(p, t, k)))) {
            idx[j + 1] = idx[j];
            j--;
        }
        idx[j + 1] = k;
    }
}

/* Lower convex hull of tensor t's allowed candidates, from the cheapest (lowest error
 * among the cheapest) on, keeping only points with strictly lower error at a falling
 * rate. Writes candidate indices to hull; returns their number (0: none allowed). */
static int lower_hull(const problem *p, int t, int *hull, int *tmp)
{
    int n = 0;
    for (int k = 0; k < p->nk; k++)
        if (allowed(p, t, k)) tmp[n++] = k;
    if (!n) return 0;
    sort_candidates(p, t, tmp, n);
    int h = 0;
    for (int i = 0; i < n; i++) {
        int k = tmp[i];
        if (h > 0 && E(p, t, k) >= E(p, t, hull[h - 1])) continue; /* no better than a cheaper point */
        /* drop the last hull point while it lies on or above the chord to k */
        while (h >= 2) {
            int a = hull[h - 2], m = hull[h - 1];
            double s1 = (E(p, t, a) - E(p, t, m)) / (double)(B(p, t, m) - B(p, t, a));
            double s2 = (E(p, t, m) - E(p, t, k)) / (double)(B(p, t, k) - B(p, t, m));
            if (s2 >= s1) h--;
            else break;
        }
        hull[h++] = k;
    }
    return h;
}

/* Bits after replacing the listed (tensor, new candidate) changes, or 0 with *fits = 0
 * when over the budget. used >= the bits of the replaced choices, so nothing wraps. */
static uint64_t bits_after(const problem *p, uint64_t used, const int *choice, int t1, int k1, int t2, int k2, int *fits)
{
    uint64_t base = used - B(p, t1, choice[t1]) - (t2 >= 0 ? B(p, t2, choice[t2]) : 0);
    uint64_t room = p->budget - base, add = B(p, t1, k1);
    *fits = 0;
    if (add > room) return 0;
    if (t2 >= 0) {
        if (B(p, t2, k2) > room - add) return 0;
        add += B(p, t2, k2);
    }
    *fits = 1;
    return base + add;
}

/* Step 3: steepest descent over single changes, then pair exchanges. */
static void local_search(const problem *p, int *choice, uint64_t *used)
{
    double scale = 0;
    for (int t = 0; t < p->nt; t++) scale += fabs(E(p, t, choice[t]));
    const double eps = 1e-12 * scale; /* an improvement must beat rounding noise */
    const int pairs = (long)p->nt * p->nk <= PAIR_MAX_ENTRIES;
    int pair_rounds = 0;
    for (long iter = 0; iter < 16L * p->nt * p->nk + 16; iter++) {
        double best = -eps;
        int bt1 = -1, bk1 = 0, bt2 = -1, bk2 = 0, fits;
        uint64_t bu = 0;
        for (int t = 0; t < p->nt; t++)
            for (int k = 0; k < p->nk; k++) {
                if (k == choice[t] || !allowed(p, t, k)) continue;
                double d = E(p, t, k) - E(p, t, choice[t]);
                if (d >= best) continue;
                uint64_t u = bits_after(p, *used, choice, t, k, -1, 0, &fits);
                if (fits) best = d, bt1 = t, bk1 = k, bt2 = -1, bu = u;
            }
        if (bt1 < 0 && pairs && pair_rounds < PAIR_MAX_ROUNDS) {
            pair_rounds++;
            for (int t1 = 0; t1 < p->nt; t1++)
                for (int k1 = 0; k1 < p->nk; k1++) {
                    if (k1 == choice[t1] || !allowed(p, t1, k1)) continue;
                    double d1 = E(p, t1, k1) - E(p, t1, choice[t1]);
                    for (int t2 = t1 + 1; t2 < p->nt; t2++)
                        for (int k2 = 0; k2 < p->nk; k2++) {
                            if (k2 == choice[t2] || !allowed(p, t2, k2)) continue;
                            double d = d1 + (E(p, t2, k2) - E(p, t2, choice[t2]));
                            if (d >= best) continue;
                            uint64_t u = bits_after(p, *used, choice, t1, k1, t2, k2, &fits);
                            if (fits) best = d, bt1 = t1, bk1 = k1, bt2 = t2, bk2 = k2, bu = u;
                        }
                }
        }
        if (bt1 < 0) return;
        choice[bt1] = bk1;
        if (bt2 >= 0) choice[bt2] = bk2;
        *used = bu;
    }
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Budget units of step 4: the greatest common divisor of the sizes, or a coarse unit
 * that keeps the table small (*coarse = 1). 0 when the table would be too large. */
static uint64_t dp_unit(const problem *p, int *coarse)
{
    uint64_t g = 0;
    for (int t = 0; t < p->nt; t++)
        for (int k = 0; k < p->nk; k++)
            if (allowed(p, t, k)) g = gcd64(g, B(p, t, k));
    if (g == 0) g = 1; /* every allowed size is 0 */
    *coarse = p->budget / g > DP_MAX_UNITS;
    if (*coarse) g = p->budget / DP_MAX_UNITS + 1;
    size_t width = (size_t)(p->budget / g) + 1 + (size_t)p->nt; /* room for the slack */
    if (p->nk > 255 || (size_t)p->nt > DP_MAX_TABLE / width) return 0;
    return g;
}

static size_t units_of(uint64_t bits, uint64_t g) { return (size_t)(bits / g + (bits % g != 0)); }

/* Step 4 for one slack: least error within budget / g + slack units, sizes rounded up to
 * units. Writes the solution to out and returns 1, or 0 when there is none or memory is
 * short (the greedy answer stands). */
static int dp_solve(const problem *p, uint64_t g, size_t slack, int *out)
{
    const size_t units = (size_t)(p->budget / g) + slack, width = units + 1;
    uint8_t *ch = malloc((size_t)p->nt * width);
    double *cur = malloc(sizeof(double) * width), *next = malloc(sizeof(double) * width);
    size_t *w = malloc(sizeof(size_t) * (size_t)p->nk);
    int ok = ch && cur && next && w;
    if (ok) {
        for (size_t u = 0; u < width; u++) cur[u] = 0.0; /* least error within u units */
        for (int t = 0; t < p->nt; t++) {
            for (int k = 0; k < p->nk; k++) {
                size_t q = units_of(B(p, t, k), g);
                w[k] = allowed(p, t, k) && q <= units ? q : SIZE_MAX;
            }
            uint8_t *c = ch + (size_t)t * width;
            for (size_t u = 0; u < width; u++) {
                double best = INFINITY;
                int bk = 255;
                for (int k = 0; k < p->nk; k++) {
                    if (w[k] > u) continue;
                    double e = cur[u - w[k]] + E(p, t, k);
                    if (e < best) best = e, bk = k;
                }
                next[u] = best;
                c[u] = (uint8_t)bk;
            }
            double *x = cur;
            cur = next;
            next = x;
        }
        ok = isfinite(cur[units]);
        size_t u = units;
        for (int t = p->nt - 1; t >= 0 && ok; t--) {
            int k = ch[(size_t)t * width + u];
            out[t] = k;
            u -= units_of(B(p, t, k), g);
        }
    }
    free(ch);
    free(cur);
    free(next);
    free(w);
    return ok;
}

static double total_error(const problem *p, const int *choice)
{
    double e = 0;
    for (int t = 0; t < p->nt; t++) e += E(p, t, choice[t]);
    return e;
}

/* Step 5: the exact optimum by enumeration (odometer over the candidates), replacing
 * choice when strictly lower. Only called when nk^nt <= ENUM_MAX_COMBOS. */
static void enumerate_all(const problem *p, int *choice, int *cur)
{
    double best = 0;
    for (int t = 0; t < p->nt; t++) best += E(p, t, choice[t]);
    for (int t = 0; t < p->nt; t++) cur[t] = 0;
    for (;;) {
        double e = 0;
        uint64_t b = 0;
        int ok = 1;
        for (int t = 0; t < p->nt && ok; t++) {
            uint64_t bt = B(p, t, cur[t]);
            ok = allowed(p, t, cur[t]) && bt <= p->budget - b;
            b += ok ? bt : 0;
            e += E(p, t, cur[t]);
        }
        if (ok && e < best) {
            best = e;
            memcpy(choice, cur, sizeof(int) * (size_t)p->nt);
        }
        int t = 0;
        while (t < p->nt && ++cur[t] == p->nk) cur[t++] = 0;
        if (t == p->nt) return;
    }
}

static int enumerable(const problem *p)
{
    uint64_t n = 1;
    for (int t = 0; t < p->nt; t++) {
        n *= (uint64_t)p->nk;
        if (n > ENUM_MAX_COMBOS) return 0;
    }
    return 1;
}

/* Saturating, so that a coarse answer far over the budget cannot wrap around into it. */
static uint64_t total_bits(const problem *p, const int *choice)
{
    uint64_t b = 0;
    for (int t = 0; t < p->nt; t++) b = B(p, t, choice[t]) > UINT64_MAX - b ? UINT64_MAX : b + B(p, t, choice[t]);
    return b;
}

int q35_mixed_solve(int n_tensors, int n_cand, const double *error, const uint64_t *bits, uint64_t budget_bits,
                    int *choice, q35_err *err)
{
    if (n_tensors < 1 || n_cand < 1 || !error || !bits || !choice)
        return q35_fail(err, "mixed precision: %d tensors x %d candidate types is not a problem", n_tensors, n_cand);
    const problem p = {n_tensors, n_cand, error, bits, budget_bits};
    const size_t nt = (size_t)n_tensors, nk = (size_t)n_cand;
    int *hull = q35_malloc(sizeof(int) * nt * nk, err), *hn = q35_malloc(sizeof(int) * nt, err);
    int *pos = q35_malloc(sizeof(int) * nt, err), *tmp = q35_malloc(sizeof(int) * nk, err);
    step *steps = q35_malloc(sizeof(step) * nt * nk, err);
    int rc = 0;
    if (!hull || !hn || !pos || !tmp || !steps) {
        rc = -1;
        goto done;
    }
    /* 1. hulls, and the cheapest start */
    uint64_t used = 0;
    for (int t = 0; t < n_tensors && !rc; t++) {
        int *h = hull + (size_t)t * nk;
        hn[t] = lower_hull(&p, t, h, tmp);
        if (!hn[t]) {
            rc = q35_fail(err, "mixed precision: tensor %d has no allowed candidate type (every error is infinite or NaN)", t);
        } else if (B(&p, t, h[0]) > budget_bits - used) {
            uint64_t need = 0;
            for (int u = 0; u < n_tensors; u++) {
                uint64_t c = UINT64_MAX;
                for (int k = 0; k < n_cand; k++)
                    if (allowed(&p, u, k) && B(&p, u, k) < c) c = B(&p, u, k);
                need = c > UINT64_MAX - need ? UINT64_MAX : need + c;
            }
            rc = q35_fail(err, "mixed precision: the cheapest types take %llu bits, over the budget of %llu bits",
                          (unsigned long long)need, (unsigned long long)budget_bits);
        } else {
            used += B(&p, t, h[0]);
            pos[t] = 0;
            choice[t] = h[0];
        }
    }
    if (rc) goto done;
    /* 2. hull upgrades by error saved per bit */
    size_t ns = 0;
    for (int t = 0; t < n_tensors; t++)
        for (int i = 0; i + 1 < hn[t]; i++) {
            int a = hull[(size_t)t * nk + i], c = hull[(size_t)t * nk + i + 1];
            steps[ns++] = (step){(E(&p, t, a) - E(&p, t, c)) / (double)(B(&p, t, c) - B(&p, t, a)), t, i};
        }
    qsort(steps, ns, sizeof *steps, cmp_step);
    for (size_t i = 0; i < ns; i++) {
        const step *s = &steps[i];
        if (pos[s->t] != s->from) continue; /* an earlier upgrade of this tensor did not fit */
        const int *h = hull + (size_t)s->t * nk;
        uint64_t inc = B(&p, s->t, h[s->from + 1]) - B(&p, s->t, h[s->from]);
        if (inc > budget_bits - used) continue;
        used += inc;
        pos[s->t] = s->from + 1;
        choice[s->t] = h[s->from + 1];
    }
    /* 3. what the hull and the leftover budget still allow */
    local_search(&p, choice, &used);
    /* 4. the dynamic program's answer where it is lower (pos is free as scratch now) */
    int coarse;
    uint64_t g = dp_unit(&p, &coarse);
    for (size_t slack = coarse ? nt : 0; g; slack /= 2) {
        if (dp_solve(&p, g, slack, pos)) {
            uint64_t dp_used = total_bits(&p, pos);
            if (dp_used <= budget_bits) {
                local_search(&p, pos, &dp_used);
                if (total_error(&p, pos) < total_error(&p, choice)) memcpy(choice, pos, sizeof(int) * nt);
                break;
            }
        }
        if (!slack) break;
    }
    /* 5. small instances: the exact optimum */
    if (enumerable(&p)) enumerate_all(&p, choice, pos);
done:
    free(hull);
    free(hn);
    free(pos);
    free(tmp);
    free(steps);
    return rc;
}
