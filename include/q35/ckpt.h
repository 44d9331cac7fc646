/* q35/ckpt.h: a checkpoint in memory, whatever file it came from.
 *
 * Readers (GGUF, llama2.c, later safetensors) produce a q35_ckpt: the LLaMA
 * hyper-parameters, the vocabulary, and a list of tensors named and shaped as in GGUF
 * ("blk.0.attn_q.weight", ne[0] = row length). Tensor data points into the mapped file
 * or into memory the ckpt owns. The model loader and the quantizer read only this. */
#ifndef Q35_CKPT_H
#define Q35_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"
#include "q35/gguf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_llama_config {
    int dim;         /* embedding length */
    int hidden_dim;  /* feed-forward length */
    int n_layers;
    int n_heads;
    int n_kv_heads;
    int head_dim;    /* dim / n_heads */
    int rope_dim;    /* rotated dims per head (usually head_dim) */
    int vocab_size;
    int ctx_len;     /* trained context length */
    float norm_eps;  /* RMSNorm epsilon */
    float rope_base; /* RoPE theta */
} q35_llama_config;

/* GGUF token types */
enum { Q35_TOK_NORMAL = 1, Q35_TOK_UNKNOWN = 2, Q35_TOK_CONTROL = 3, Q35_TOK_USER = 4,
       Q35_TOK_UNUSED = 5, Q35_TOK_BYTE = 6 };

typedef struct q35_vocab {
    int n;
    char **pieces;   /* SentencePiece form: U+2581 for a space, "<0xNN>" for byte tokens */
    float *scores;
    int32_t *types;  /* Q35_TOK_* */
    int bos, eos, unk; /* -1 if absent */
    int add_bos;
    int add_space_prefix;
} q35_vocab;

typedef struct q35_tensor {
    char *name;
    uint32_t type;   /* q35/types.h id */
    int n_dims;
    int64_t ne[4];   /* ne[0] = row length; unused dims are 1 */
    const void *data;
    size_t nbytes;
} q35_tensor;

typedef struct q35_ckpt {
    char *path;
    const char *format;  /* "gguf" or "llama2c" */
    q35_llama_config cfg;
    q35_vocab vocab;
    int n_tensors;
    q35_tensor *tensors;
    q35_gguf *gguf;      /* set when read from GGUF, for metadata pass-through */
    q35_map map;         /* file map for non-GGUF formats */
    void *owned;         /* memory owned by the ckpt (names, converted data) */
} q35_ckpt;

/* Opens PATH, detecting the format by its first bytes. tokenizer_path is needed for
 * llama2.c models (tokenizer.bin) and ignored for GGUF (may be NULL). */
int q35_ckpt_open(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err);
void q35_ckpt_close(q35_ckpt *c);
const q35_tensor *q35_ckpt_find(const q35_ckpt *c, const char *name);

/* Format-specific readers behind q35_ckpt_open. */
int q35_ckpt_from_gguf(const char *path, q35_ckpt *out, q35_err *err);
int q35_ckpt_from_llama2c(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err);
/* Reads a llama2.c tokenizer.bin into v (n tokens expected; pieces converted to SPM form). */
int q35_vocab_from_llama2c(const char *path, int n, q35_vocab *v, q35_err *err);
void q35_vocab_free(q35_vocab *v);

/* Writes the ckpt's metadata (llama.* hyper-parameters, tokenizer.ggml.*, general.*) into
 * a GGUF writer: copied from the source GGUF when there is one, built from cfg and vocab
 * otherwise. */
int q35_ckpt_write_metadata(const q35_ckpt *c, q35_gguf_writer *w, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
