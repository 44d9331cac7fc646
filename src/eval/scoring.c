/* Per-position log-probabilities and KL-divergence, and summary statistics. */
#include <math.h>

#include "eval/scoring.h"

double q35_logsumexp(const float *logits, int n, int *argmax)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    const double mx = logits[best];
    double sum = 0;
    for (int i = 0; i < n; i++) sum += exp((double)logits[i] - mx);
    if (argmax) *argmax = best;
    return mx + log(sum);
}

double q35_nll(const float *logits, int n, int tok)
{
    return q35_logsumexp(logits, n, NULL) - (double)logits[tok];
}

q35_pos_score q35_score_pair(const float *base, const float *logits, int n, int tok)
{
    q35_pos_score r;
    int top_b, top_m;
    const double lse_b = q35_logsumexp(base, n, &top_b);
    const double lse_m = q35_logsumexp(logits, n, &top_m);
    double kld = 0;
    for (int i = 0; i < n; i++) {
        const double lp_b = (double)base[i] - lse_b, lp_m = (double)logits[i] - lse_m;
        kld += exp(lp_b) * (lp_b - lp_m);
    }
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
