/* q35/eval.h: perplexity and KL-divergence by llama.cpp's method.
 *
 * The text is tokenized whole with BOS first, cut into non-overlapping chunks of ctx
 * tokens; each chunk starts with BOS (its first token is replaced) and only the second
 * half of each chunk is scored (positions ctx/2 .. ctx-2 predict the next token). With a
 * base model, the same positions also give KL(base || model), its 99th percentile, and
 * how often the two argmaxes agree. */
#ifndef Q35_EVAL_H
#define Q35_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"
#include "q35/model.h"
#include "q35/tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_ppl_opts {
    int ctx;          /* default 512 */
    int max_chunks;   /* <= 0: all */
    int progress;     /* progress bar on a TTY */
    const q35_model *base;            /* optional: base model for KLD */
    const q35_backend *base_backend;
} q35_ppl_opts;

typedef struct q35_ppl_result {
    int n_chunks;
    int64_t n_tokens;      /* tokens in the text (BOS included) */
    int64_t n_scored;
    double ppl, ppl_err;   /* llama.cpp's +/- */
    double seconds;
    double tok_per_s;      /* evaluated tokens (n_chunks * ctx) per second */
    size_t peak_rss;
    int has_base;
    double base_ppl, base_ppl_err;
    double dppl;           /* ppl / base_ppl - 1 */
    double kld_mean, kld_err, kld_p99;
    double top1;           /* fraction of scored positions with equal argmax */
} q35_ppl_result;

int q35_perplexity(const q35_model *m, const q35_backend *be, const q35_tokenizer *tok,
                   const char *text, size_t len, const q35_ppl_opts *o,
                   q35_ppl_result *res, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
