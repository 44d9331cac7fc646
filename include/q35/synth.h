/* q35/synth.h: a small synthetic LLaMA written as GGUF, the model the quick start and
 * the tests can use when no real checkpoint is at hand. The weights are deterministic
 * pseudo-random F32 or F16 (normal, sd 0.02, for matrices; 1.0 for norms), and the vocabulary
 * is a byte-level SentencePiece one (<unk>, <s>, </s>, the 256 byte tokens, printable
 * ASCII, U+2581, then common English pieces with positive scores so BPE has merges to do). */
#ifndef Q35_SYNTH_H
#define Q35_SYNTH_H

#include <stdint.h>

#include "q35/ckpt.h"
#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_synth_opts {
    int dim, hidden_dim, n_layers, n_heads, n_kv_heads, ctx_len;
    uint64_t seed;
    int f16; /* matrices in F16 (norms stay F32): half the size, like most checkpoints */
} q35_synth_opts;

/* dim 64, hidden 176, 2 layers, 4 heads, 2 kv heads, ctx 256, seed 1. */
void q35_synth_defaults(q35_synth_opts *o);

/* The synthetic vocabulary (same for every seed); free with q35_vocab_free. */
int q35_synth_vocab(q35_vocab *v, q35_err *err);

/* Writes the model to path (atomically). Fails on inconsistent or oversized options. */
int q35_synth_write(const char *path, const q35_synth_opts *o, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
