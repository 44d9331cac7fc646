/* scoring.h: what one scored position contributes to perplexity and KL-divergence.
 *
 * Everything is computed in double with the maximum logit subtracted first. The same
 * code path serves the model and the base, so a model compared with itself gives a
 * KL-divergence of exactly zero. Also the summary statistics llama-perplexity prints. */
#ifndef Q35_EVAL_SCORING_H
#define Q35_EVAL_SCORING_H

#include <stddef.h>

/* log(sum_i exp(logits[i])), and the first index of the largest logit. */
double q35_logsumexp(const float *logits, int n, int *argmax);

/* -log softmax(logits)[tok]. */
double q35_nll(const float *logits, int n, int tok);

typedef struct q35_pos_score {
    double nll, nll_base, kld;
    int same_top;
} q35_pos_score;

/* nll of both models, KL(p_base || p_model) and whether their argmaxes agree. */
q35_pos_score q35_score_pair(const float *base, const float *logits, int n, int tok);

/* llama.cpp's mean_and_uncertainty: the mean of values whose sum and sum of squares
 * are given, and the standard error of that mean. */
void q35_mean_err(double sum, double sum2, size_t count, double *mean, double *err);

/* The fraction-quantile of sorted values, linearly interpolated (llama.cpp's percentile). */
double q35_percentile(const double *sorted, size_t n, double fraction);

#endif
