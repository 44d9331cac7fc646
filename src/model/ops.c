/* llama2.c's neural-net blocks. The expressions are written exactly as there (float
 * accumulators, sequential order, divisions where it divides) because reordering even
 * one sum changes the last bits and, over 200 greedy steps, the text. */
#include <math.h>

#include "model/ops.h"

void q35_rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
    float ss = 0.0f;
    for (int j = 0; j < n; j++) ss += x[j] * x[j];
    ss /= (float)n;
    ss += eps;
    ss = 1.0f / sqrtf(ss);
    for (int j = 0; j < n; j++) o[j] = w[j] * (ss * x[j]);
}

void q35_softmax(float *x, int n)
{
    float max = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] > max) max = x[i];
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
#pragma omp simd
    for (int i = 0; i < n; i++) x[i] /= sum; /* elementwise: SIMD rounds the same */
}

static void rotate(float *v, float c, float s)
{
    float v0 = v[0], v1 = v[1];
    v[0] = v0 * c - v1 * s;
    v[1] = v0 * s + v1 * c;
}

/* The same angle expression as q35_rope, so a table gives identical rotations. */
void q35_rope_angles(float *cs, int rope_dim, int pos, float base, const float *freq_div)
{
    for (int i = 0; i < rope_dim; i += 2) {
        float freq = 1.0f / powf(base, (float)i / (float)rope_dim);
        if (freq_div) freq /= freq_div[i / 2];
        float angle = (float)pos * freq;
        cs[i] = cosf(angle);
        cs[i + 1] = sinf(angle);
    }
}

void q35_rope_apply(float *v, int n_heads, int head_dim, int rope_dim, const float *cs)
{
    for (int h = 0; h < n_heads; h++)
        for (int i = 0; i < rope_dim; i += 2) rotate(v + (long)h * head_dim + i, cs[i], cs[i + 1]);
}

void q35_rope(float *q, int n_q, float *k, int n_k, int head_dim, int rope_dim, int pos, float base)
{
    /* One angle per pair, shared by every head of q and k: llama2.c recomputes it per
     * head, with the same expression, so the values are identical. */
    for (int i = 0; i < rope_dim; i += 2) {
        float freq = 1.0f / powf(base, (float)i / (float)rope_dim);
        float angle = (float)pos * freq;
        float c = cosf(angle), s = sinf(angle);
        for (int h = 0; h < n_q; h++) rotate(q + (long)h * head_dim + i, c, s);
        for (int h = 0; h < n_k; h++) rotate(k + (long)h * head_dim + i, c, s);
    }
}

void q35_swiglu(float *gate, const float *up, int n)
{
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        g *= 1.0f / (1.0f + expf(-g));
        gate[i] = g * up[i];
    }
}

void q35_add(float *a, const float *b, int n)
{
#pragma omp simd
    for (int i = 0; i < n; i++) a[i] += b[i]; /* elementwise: SIMD rounds the same */
}
