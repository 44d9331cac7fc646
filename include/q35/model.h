/* q35/model.h: the LLaMA-family graph over a checkpoint, and its forward pass.
 *
 * q35_model_load() binds a q35_ckpt's tensors to the roles of a LLaMA model (token
 * embedding, per-layer attention and SwiGLU FFN, final norm, tied or untied output).
 * q35_forward() runs a batch of tokens at consecutive positions through a backend,
 * reading and extending the KV cache in q35_state: GQA, RoPE on consecutive pairs
 * (GGUF "llama" layout), RMSNorm with the file's epsilon, SwiGLU. */
#ifndef Q35_MODEL_H
#define Q35_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "q35/ckpt.h"
#include "q35/common.h"
#include "q35/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A 2-D weight: rows x cols, cols being the reduction dimension (GGUF ne[0]). */
typedef struct q35_matrix {
    const char *name;
    const q35_type_traits *traits;
    int64_t rows, cols;
    size_t row_bytes;
    const uint8_t *data;
} q35_matrix;

typedef struct q35_layer {
    const float *attn_norm, *ffn_norm; /* dim */
    q35_matrix wq, wk, wv, wo;         /* wq: dim x dim, wk/wv: kv_dim x dim, wo: dim x dim */
    q35_matrix w_gate, w_up, w_down;   /* gate/up: hidden x dim, down: dim x hidden */
} q35_layer;

typedef struct q35_model {
    q35_llama_config cfg;
    const q35_ckpt *ckpt;
    q35_matrix tok_embd;      /* vocab x dim */
    q35_matrix output;        /* vocab x dim; the embedding when tied */
    const float *output_norm; /* dim */
    int tied_output;
    q35_layer *layers;
    float *owned;             /* norm vectors converted to f32 when stored otherwise */
    const float *rope_freqs;  /* rope_dim / 2 frequency divisors (LLaMA-3.1 scaling), or NULL */
    void **conv;              /* matrices the checkpoint stores in another row order
                               * (q35_tensor_data), converted copies owned by the model */
    int n_conv;
} q35_model;

int q35_model_load(const q35_ckpt *c, q35_model *m, q35_err *err);
void q35_model_free(q35_model *m);

/* Compute backends. A backend multiplies a q35_matrix by activations; the model code
 * above it is shared. "ref" is the plain reference (llama2.c's float loops); "cpu" is
 * the fast path (SIMD dot products, OpenMP threads, OpenBLAS sgemm for batches). */
typedef struct q35_backend {
    const char *name;
    int n_threads;
    /* 1: llama2.c's arithmetic everywhere, batches included (the model then uses the
     * exact attention loops too); 0: batches may round differently for speed. */
    int exact;
    /* y[r] = sum_c W[r][c] * x[c] for r < rows. */
    void (*matvec)(const struct q35_backend *be, const q35_matrix *w, const float *x, float *y);
    /* Y[t][r] = sum_c W[r][c] * X[t][c] for t < n; X is n x cols, Y is n x rows. */
    void (*matmul)(const struct q35_backend *be, const q35_matrix *w, const float *X, int n, float *Y);
    /* Optional (NULL where the backend has none): the same product from a copy of W
     * prepared once in the backend's own layout (floats, arranged for its kernel), for
     * callers that multiply by W many times; q35_state keeps such copies (wcache).
     * pack_bytes: the copy's size (0: none for this matrix); pack: writes it to dst, 64-byte
     * aligned, returning 0 (-1: out of memory, dst unusable); matmul_packed: matmul with it
     * (may round differently from matmul). */
    size_t (*pack_bytes)(const struct q35_backend *be, const q35_matrix *w);
    int (*pack)(const struct q35_backend *be, const q35_matrix *w, void *dst);
    void (*matmul_packed)(const struct q35_backend *be, const q35_matrix *w, const void *packed, const float *X,
                          int n, float *Y);
} q35_backend;

/* Looks a backend up by name ("ref", "cpu"); NULL if unknown. n_threads <= 0: all cores. */
int q35_backend_get(const char *name, int n_threads, q35_backend *out, q35_err *err);

/* Where a linear layer reads its input, for observers (calibration). */
enum {
    Q35_SITE_ATTN_IN = 0,  /* normed x: input of wq, wk, wv (dim columns) */
    Q35_SITE_ATTN_OUT = 1, /* attention output: input of wo (dim) */
    Q35_SITE_FFN_IN = 2,   /* normed h: input of w_gate, w_up (dim) */
    Q35_SITE_FFN_MID = 3,  /* silu(gate) * up: input of w_down (hidden_dim) */
    Q35_SITE_OUTPUT = 4,   /* final normed x: input of the output head (dim); layer = -1 */
};

/* Called by q35_forward with the n x cols input rows of every linear site, before the
 * product. Calibration accumulates second moments from it; nothing else needs it. */
typedef struct q35_observer {
    void (*fn)(void *ctx, int layer, int site, const float *X, int n, int cols);
    void *ctx;
} q35_observer;

/* Activations and KV cache for up to max_seq positions, batches of up to max_batch. */
typedef struct q35_state {
    q35_observer observer;          /* optional; fn == NULL: none */
    int max_seq, max_batch;
    float *key_cache, *value_cache; /* [layer][pos][kv_dim] */
    float *x, *xb, *xb2, *hb, *hb2, *q, *k, *v, *att; /* batch scratch */
    float *logits;                  /* max_batch x vocab */
    float *rope;                    /* max_batch x rope_dim: cos, sin of each rotary pair */
    /* The backend's prepared copies of the weight matrices (q35_backend.pack) for batched
     * products on a backend that is not exact: each matrix is decoded and laid out once,
     * on the first batch that multiplies by it, instead of on every batch. Matrices are
     * cached in the order the forward pass meets them while the total stays within
     * wcache_budget bytes; the rest take the backend's plain matmul. q35_state_init sets
     * the budget to a quarter of physical memory; 0 turns the cache off. A state caches
     * the model it runs: use one state per model, and free it before the model. */
    size_t wcache_budget;
    struct q35_wcache *wcache;
} q35_state;

int q35_state_init(q35_state *s, const q35_llama_config *cfg, int max_seq, int max_batch, q35_err *err);
void q35_state_free(q35_state *s);

/* Runs tokens[0..n) at positions pos0 .. pos0+n-1 (n <= max_batch, pos0+n <= max_seq).
 * Returns a pointer to the logits: n x vocab rows when all_logits, else one row for the
 * last token. Valid until the next call. */
const float *q35_forward(const q35_model *m, const q35_backend *be, q35_state *s,
                         const int32_t *tokens, int n, int pos0, int all_logits);

#ifdef __cplusplus
}
#endif
#endif
