/* The elementwise pieces of the LLaMA forward pass, in llama2.c's exact float arithmetic
 * (same operations, same order), so that an F32 model reproduces llama2.c bit for bit. */
#ifndef Q35_MODEL_OPS_H
#define Q35_MODEL_OPS_H

/* o = w * (x / sqrt(mean(x^2) + eps)); o may alias x. */
void q35_rmsnorm(float *o, const float *x, const float *w, int n, float eps);
/* In place, with the maximum subtracted first. */
void q35_softmax(float *x, int n);
/* Rotates the pairs (2i, 2i+1), 2i < rope_dim, of each head of q (n_q heads) and
 * k (n_k heads) by the angle pos / base^(2i / rope_dim). */
void q35_rope(float *q, int n_q, float *k, int n_k, int head_dim, int rope_dim, int pos, float base);
/* q35_rope in two steps, for a batch: the cos and sin of each pair's angle at pos, once
 * per position (cs[i], cs[i + 1] for the pair (i, i + 1)); then the rotation of n_heads
 * heads by them. Same values as q35_rope when freq_div is NULL; otherwise pair i's
 * frequency is divided by freq_div[i / 2] (LLaMA-3.1's scaling, q35_model.rope_freqs). */
void q35_rope_angles(float *cs, int rope_dim, int pos, float base, const float *freq_div);
void q35_rope_apply(float *v, int n_heads, int head_dim, int rope_dim, const float *cs);
/* gate = silu(gate) * up. */
void q35_swiglu(float *gate, const float *up, int n);
/* a += b. */
void q35_add(float *a, const float *b, int n);

/* For batches on backends that are not exact (ops_fast.c): the same functions with
 * SIMD sums and a polynomial exp, equal to the ones above up to float rounding. */
void q35_rmsnorm_fast(float *o, const float *x, const float *w, int n, float eps);
void q35_softmax_fast(float *x, int n);
void q35_swiglu_fast(float *gate, const float *up, int n);
/* The largest of x[0..n), and the first index that holds it. */
float q35_max_fast(const float *x, int n, int *argmax);
/* sum_i exp(x_i - shift) in double, exps within 1e-15 relative of exp(); if y, also
 * *dot = sum_i exp(x_i - shift) * (x_i - y_i). For log-softmax scores (src/eval). */
double q35_sum_exp_fast(const float *x, int n, double shift, const float *y, double *dot);

#endif
