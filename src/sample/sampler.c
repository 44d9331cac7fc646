/* Next-token sampling, step for step as llama2.c's sample(): the same random stream, the
 * same float softmax, the same top-p cut and sort, so a seed picks the same tokens. */
#include <stdlib.h>

#include "model/ops.h"
#include "q35/sampler.h"

/* llama2.c's xorshift64* generator. */
static uint32_t random_u32(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Uniform in [0, 1) with 24 random bits. */
static float random_f32(uint64_t *state) { return (float)(random_u32(state) >> 8) / 16777216.0f; }

int q35_sampler_init(q35_sampler *s, int vocab_size, float temperature, float top_p, uint64_t seed, q35_err *err)
{
    *s = (q35_sampler){.vocab_size = vocab_size, .temperature = temperature, .top_p = top_p, .rng_state = seed};
    if (vocab_size <= 0) return q35_fail(err, "sampler: vocabulary size %d", vocab_size);
    if (!(temperature >= 0.0f)) return q35_fail(err, "sampler: temperature %g is negative", (double)temperature);
    s->scratch = q35_malloc((size_t)vocab_size * sizeof *s->scratch, err);
    return s->scratch ? 0 : -1;
}

void q35_sampler_free(q35_sampler *s)
{
    if (!s) return;
    free(s->scratch);
    s->scratch = NULL;
}

/* The first index of the largest value. */
static int argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best]) best = i;
    return best;
}

/* Walks the cumulative distribution until it passes coin. */
static int sample_mult(const float *p, int n, float coin)
{
    float cdf = 0.0f;
    for (int i = 0; i < n; i++) {
        cdf += p[i];
        if (coin < cdf) return i;
    }
    return n - 1; /* rounding left the total below coin */
}

static int by_prob_desc(const void *a, const void *b)
{
    const struct q35_prob_index *x = a, *y = b;
    if (x->prob > y->prob) return -1;
    if (x->prob < y->prob) return 1;
    return 0;
}

/* Nucleus sampling: the smallest set of most likely tokens whose mass exceeds top_p.
 * A token below (1 - top_p) / (n - 1) can never be in that set, so it is dropped before
 * sorting. llama2.c sorts with qsort too; on ties the order is qsort's, so we must use
 * the same sort to pick the same token. */
static int sample_topp(const float *p, int n, float top_p, struct q35_prob_index *pi, float coin)
{
    const float cutoff = (1.0f - top_p) / (float)(n - 1);
    int n0 = 0;
    for (int i = 0; i < n; i++)
        if (p[i] >= cutoff) {
            pi[n0].index = i;
            pi[n0].prob = p[i];
            n0++;
        }
    qsort(pi, (size_t)n0, sizeof *pi, by_prob_desc);
    float cumulative = 0.0f;
    int last = n0 - 1; /* rounding: if the sum never passes top_p, keep them all */
    for (int i = 0; i < n0; i++) {
        cumulative += pi[i].prob;
        if (cumulative > top_p) {
            last = i;
            break;
        }
    }
    const float r = coin * cumulative;
    float cdf = 0.0f;
    for (int i = 0; i <= last; i++) {
        cdf += pi[i].prob;
        if (r < cdf) return pi[i].index;
    }
    return pi[last].index;
}

int q35_sample(q35_sampler *s, float *logits)
{
    const int n = s->vocab_size;
    if (s->temperature == 0.0f) return argmax(logits, n);
    for (int i = 0; i < n; i++) logits[i] /= s->temperature;
    q35_softmax(logits, n);
    const float coin = random_f32(&s->rng_state);
    if (s->top_p <= 0.0f || s->top_p >= 1.0f || n < 2) return sample_mult(logits, n, coin);
    return sample_topp(logits, n, s->top_p, s->scratch, coin);
}
