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

/* Tokenizer algorithms (q35_vocab.kind): the vocabulary says which one the tokenizer runs. */
enum { Q35_VOCAB_SPM = 0,  /* SentencePiece BPE: merges by score, byte fallback (GGUF "llama") */
       Q35_VOCAB_BPE = 1,  /* byte-level BPE: regex pre-tokenizer, merges by rank (GGUF "gpt2") */
       Q35_VOCAB_N_KINDS };

typedef struct q35_vocab {
    int n;
    char **pieces;   /* SPM: U+2581 for a space, "<0xNN>" for byte tokens. BPE: GPT-2's
                      * byte-to-unicode form ("Ġthe", U+0120 for a space); added tokens as written */
    float *scores;
    int32_t *types;  /* Q35_TOK_* */
    int bos, eos, unk; /* -1 if absent */
    int add_bos;
    int add_space_prefix;
    /* Byte-level BPE only (kind == Q35_VOCAB_BPE); zero/NULL for SPM. */
    int kind;          /* Q35_VOCAB_* */
    int n_merges;
    char **merges;     /* "left right" in rank order, as GGUF's tokenizer.ggml.merges */
    char *pre;         /* llama.cpp's pre-tokenizer name (tokenizer.ggml.pre), e.g. "llama-bpe";
                        * NULL when the regexes match none it knows */
    int n_pre_regex;
    char **pre_regex;  /* the pre-tokenizer's split patterns, applied in order (PCRE2) */
    int ignore_merges; /* a pre-token that is itself a token is not merged (LLaMA-3) */
} q35_vocab;

typedef struct q35_tensor {
    char *name;
    uint32_t type;   /* q35/types.h id */
    int n_dims;
    int64_t ne[4];   /* ne[0] = row length; unused dims are 1 */
    const void *data;   /* NULL when the stored rows must be reordered: use q35_tensor_data */
    size_t nbytes;
    /* A tensor stored in another row order than GGUF's (HF q_proj/k_proj, q35/hf.h):
     * data is NULL, src points to the stored nbytes, and rows come in heads of
     * src_head_dim rows, each in the HF rotate-half order. 0: data is set. */
    const void *src;
    int src_head_dim;
} q35_tensor;

typedef struct q35_ckpt {
    char *path;
    const char *format;  /* "gguf", "llama2c" or "hf" */
    q35_llama_config cfg;
    q35_vocab vocab;
    int n_tensors;
    q35_tensor *tensors;
    q35_gguf *gguf;      /* set when read from GGUF, for metadata pass-through */
    q35_map map;         /* file map for non-GGUF formats */
    q35_map *maps;       /* more file maps (the shards of an HF checkpoint) */
    int n_maps;
    void *owned;         /* memory owned by the ckpt (names, converted data) */
} q35_ckpt;

/* Opens PATH, detecting the format by its first bytes; a directory (or its config.json,
 * model.safetensors or model.safetensors.index.json) is a Hugging Face checkpoint.
 * tokenizer_path is needed for llama2.c models (tokenizer.bin), optional for HF
 * directories (a GGUF file, tokenizer.bin, tokenizer.model or tokenizer.json, used instead
 * of the directory's own) and ignored for GGUF (may be NULL). */
int q35_ckpt_open(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err);
void q35_ckpt_close(q35_ckpt *c);
const q35_tensor *q35_ckpt_find(const q35_ckpt *c, const char *name);
/* The bytes of t in GGUF layout (t->type, t->nbytes): t->data, or for a tensor stored in
 * another row order (t->data NULL) a converted copy in a buffer returned in *owned, which
 * the caller frees with free() when done: a streaming reader holds one such tensor at a
 * time. *owned is NULL when nothing was allocated. NULL after an error. */
const void *q35_tensor_data(const q35_tensor *t, void **owned, q35_err *err);

/* Format-specific readers behind q35_ckpt_open. */
int q35_ckpt_from_gguf(const char *path, q35_ckpt *out, q35_err *err);
int q35_ckpt_from_llama2c(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err);
/* A Hugging Face directory (src/io/ckpt_hf.c); path is the directory or a file in it. */
int q35_ckpt_from_hf(const char *path, const char *tokenizer_path, q35_ckpt *out, q35_err *err);
/* Reads a llama2.c tokenizer.bin into v (n tokens expected; pieces converted to SPM form). */
int q35_vocab_from_llama2c(const char *path, int n, q35_vocab *v, q35_err *err);
void q35_vocab_free(q35_vocab *v);
/* Reads a SentencePiece tokenizer.model (the ModelProto protobuf; src/io/vocab_spm.c):
 * pieces, scores, types, unk/bos/eos from trainer_spec, add_space_prefix from the
 * normalizer's add_dummy_prefix, add_bos when there is a BOS. Refuses, with a one-line
 * error, models q35's tokenizer would not encode as SentencePiece does: unigram/word/char
 * models, text-rewriting normalizers (a precompiled_charsmap, as nmt_nfkc's),
 * remove_extra_whitespaces, and malformed files. */
int q35_vocab_from_spm_model(const char *path, q35_vocab *v, q35_err *err);
/* 1 when a tokenizer file is a SentencePiece model: its name ends in ".model", or its
 * bytes start as a ModelProto does (never true of a llama2.c tokenizer.bin). */
int q35_vocab_looks_spm(const char *path, const uint8_t *data, size_t size);
/* A tokenizer file for a model of n tokens (n <= 0: any count, SentencePiece only):
 * a SentencePiece .model (by q35_vocab_looks_spm) or a llama2.c tokenizer.bin. */
int q35_vocab_from_file(const char *path, int n, q35_vocab *v, q35_err *err);
/* Reads a Hugging Face tokenizer.json with a byte-level BPE model (LLaMA-3, GPT-2 style):
 * vocab, merges, added tokens, the Split/ByteLevel pre-tokenizer. BOS/EOS come from a
 * TemplateProcessing post-processor, else a tokenizer_config.json beside it, else the
 * usual token names; a caller with config.json ids may override them. */
int q35_vocab_from_hfjson(const char *path, q35_vocab *v, q35_err *err);

/* Writes the ckpt's metadata (llama.* hyper-parameters, tokenizer.ggml.*, general.*) into
 * a GGUF writer: copied from the source GGUF when there is one, built from cfg and vocab
 * otherwise. */
int q35_ckpt_write_metadata(const q35_ckpt *c, q35_gguf_writer *w, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
