/* Per-position log-probabilities and KL-divergence, and summary statistics. */
#include <math.h>

#include "eval/scoring.h"
#include "model/ops.h"

/* The exps go through q35_sum_exp_fast (SIMD, double): with a 4096-token vocabulary
 * these sums were most of the scoring time, and scoring a few percent of a run. */
double q35_logsumexp(const float *logits, int n, int *argmax)
{
    const double mx = q35_max_fast(logits, n, argmax);
    return mx + log(q35_sum_exp_fast(logits, n, mx, NULL, NULL));
}

double q35_nll(const float *logits, int n, int tok)
{
    return q35_logsumexp(logits, n, NULL) - (double)logits[tok];
}

/* KL(p_b || p_m) = sum_i p_i (lp_b_i - lp_m_i) with p_i = e_i / S, e_i = exp(b_i - max_b),
 * lp_b_i = b_i - lse_b, lp_m_i = m_i - lse_m; as sum_i p_i = 1 this is
 * (sum_i e_i (b_i - m_i)) / S - lse_b + lse_m: one pass of exps instead of two. Identical
 * logits give exactly 0 (every difference is 0, and lse_b == lse_m). */
q35_pos_score q35_score_pair(const float *base, const float *logits, int n, int tok)
{
    q35_pos_score r;
    int top_b, top_m;
    const double mx_b = q35_max_fast(base, n, &top_b);
    double dot;
    const double sum_b = q35_sum_exp_fast(base, n, mx_b, logits, &dot);
    const double lse_b = mx_b + log(sum_b);
    const double lse_m = q35_logsumexp(logits, n, &top_m);
    const double kld = dot / sum_b - lse_b + lse_m;
    r.nll = lse_m - (double)logits[tok];
    r.nll_base = lse_b - (double)base[tok];
    r.kld = kld;
    r.same_top = top_b == top_m;
    return r;
}

void q35_mean_err(double sum, double sum2, size_t count, double *mean, double *err)
{
    if (count < 1) {
        *mean = *err = 0;
        return;
    }
    const double f = sum / (double)count;
    const double var = sum2 / (double)count - f * f;
    *mean = f;
    *err = var > 0 && count > 1 ? sqrt(var / (double)(count - 1)) : 0;
}

double q35_percentile(const double *sorted, size_t n, double fraction)
{
    if (n == 0) return 0;
    if (fraction <= 0) return sorted[0];
    if (fraction >= 1) return sorted[n - 1];
    double p = fraction * (double)(n - 1);
    size_t ip = (size_t)p;
    p -= (double)ip;
    size_t ip1 = ip + 1 < n ? ip + 1 : n - 1;
    return (1 - p) * sorted[ip] + p * sorted[ip1];
}
