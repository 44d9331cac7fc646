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
/* gate = silu(gate) * up. */
void q35_swiglu(float *gate, const float *up, int n);
/* a += b. */
void q35_add(float *a, const float *b, int n);

#endif
