/* q35/sampler.h: picking the next token from logits: greedy at temperature 0, else
 * softmax at the temperature, then top-p (nucleus) when 0 < top_p < 1. The random
 * stream is llama2.c's xorshift, so a seed gives the same samples as llama2.c. */
#ifndef Q35_SAMPLER_H
#define Q35_SAMPLER_H

#include <stdint.h>

#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_sampler {
    int vocab_size;
    float temperature;
    float top_p;
    uint64_t rng_state;
    /* scratch for top-p, vocab_size entries */
    struct q35_prob_index { float prob; int index; } *scratch;
} q35_sampler;

int q35_sampler_init(q35_sampler *s, int vocab_size, float temperature, float top_p,
                     uint64_t seed, q35_err *err);
void q35_sampler_free(q35_sampler *s);
/* May modify logits in place. */
int q35_sample(q35_sampler *s, float *logits);

#ifdef __cplusplus
}
#endif
#endif
