/* q35/hf.h: Hugging Face checkpoints of the LLaMA family (LlamaForCausalLM,
 * MistralForCausalLM): config.json, the q/k row layout, LLaMA-3.1's RoPE scaling, and an
 * exporter that writes a model as an HF directory (for tests).
 *
 * An HF directory (config.json, model.safetensors or model.safetensors.index.json with
 * its shards, a tokenizer) opens through q35_ckpt_open like any other checkpoint; its
 * tensors are renamed to GGUF's and q_proj/k_proj rows are reordered on reading (see
 * q35_hf_qk_row).
 *
 * The q/k layout. HF's LLaMA applies RoPE by "rotate half": in each head of d = head_dim
 * rows, row i (i < d/2) pairs with row i + d/2, both at frequency i. GGUF "llama" (and
 * llama2.c, and q35's forward pass) rotate consecutive pairs: rows 2i and 2i + 1 at
 * frequency i. So GGUF row 2i + j of a head is HF row j*d/2 + i (j = 0, 1) of the same
 * head: llama.cpp's converter writes it as reshape(heads, 2, d/2, dim).swapaxes(1, 2).
 * The rows of one head stay in that head, so the map needs only d. */
#ifndef Q35_HF_H
#define Q35_HF_H

#include <stddef.h>
#include <stdint.h>

#include "q35/ckpt.h"
#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_hf_config {
    char arch[64];          /* "LlamaForCausalLM" or "MistralForCausalLM" */
    int hidden_size;        /* dim */
    int intermediate_size;  /* feed-forward */
    int n_layers;           /* num_hidden_layers */
    int n_heads;            /* num_attention_heads */
    int n_kv_heads;         /* num_key_value_heads (default: n_heads) */
    int head_dim;           /* head_dim if given, else hidden_size / n_heads */
    int vocab_size;
    int max_pos;            /* max_position_embeddings (default 2048) */
    int sliding_window;     /* Mistral's attention window; 0: none */
    double rms_norm_eps;    /* default 1e-6, as transformers' LlamaConfig */
    double rope_theta;      /* default 10000 */
    int tie_word_embeddings; /* default 0 */
    int bos, eos;           /* bos_token_id / eos_token_id (the first, if a list); -1: absent */
    /* rope_scaling {"rope_type" (or "type"): "llama3", ...}, as in LLaMA-3.1: */
    int rope_llama3;
    double rope_factor;           /* factor (default 8) */
    double rope_low_freq_factor;  /* low_freq_factor (default 1) */
    double rope_high_freq_factor; /* high_freq_factor (default 4) */
    int rope_orig_ctx;            /* original_max_position_embeddings (default 8192) */
} q35_hf_config;

/* Reads and checks config.json. Architectures other than the two above, rope_scaling
 * other than "llama3", hidden_act other than silu, attention or MLP biases, partial
 * rotary embeddings and a head_dim other than hidden_size / heads are refused with an
 * error naming the file and the key. */
int q35_hf_config_read(const char *path, q35_hf_config *c, q35_err *err);

/* The HF row holding GGUF row r of a q_proj/k_proj matrix (head_dim rows per head, even),
 * and the inverse: the GGUF row of HF row r. */
static inline int64_t q35_hf_qk_row(int64_t r, int64_t head_dim)
{
    const int64_t h = r / head_dim, k = r % head_dim;
    return h * head_dim + (k & 1) * (head_dim / 2) + (k >> 1);
}
static inline int64_t q35_gguf_qk_row(int64_t r, int64_t head_dim)
{
    const int64_t h = r / head_dim, k = r % head_dim, half = head_dim / 2;
    return h * head_dim + (k % half) * 2 + k / half;
}

/* LLaMA-3.1's RoPE scaling as per-pair frequency divisors, out[i] for i < rope_dim / 2
 * (what llama.cpp stores as the tensor rope_freqs.weight): pair i turns at
 * theta^(-2i / rope_dim) / out[i]. out[i] is 1 for wavelengths below
 * orig_ctx / high_freq_factor, factor above orig_ctx / low_freq_factor, and in between
 * 1 / ((1 - s) / factor + s) with s = (orig_ctx / wavelength - low) / (high - low). */
void q35_hf_llama3_rope_factors(const q35_hf_config *c, int rope_dim, float *out);

/* The GGUF name of an HF tensor name into out (size n): 0 when mapped, 1 for tensors a
 * LLaMA checkpoint may carry that q35 does not need (rotary_emb.inv_freq), -1 for names
 * that are not LLaMA tensors. */
int q35_hf_name_to_gguf(const char *hf, char *out, size_t n);
/* The inverse, for the exporter: 0, or -1 for a GGUF name without an HF counterpart. */
int q35_gguf_name_to_hf(const char *gguf, char *out, size_t n);

typedef struct q35_hf_export_opts {
    int n_shards;   /* safetensors files: 1 writes model.safetensors without an index */
    uint32_t dtype; /* Q35_TYPE_F32, _F16 or _BF16 */
} q35_hf_export_opts;

/* Writes c as an HF directory dir (created if missing): the shards
 * model-0000K-of-0000N.safetensors (q_proj/k_proj rows in the HF order) and
 * model.safetensors.index.json, or model.safetensors, then config.json last. Tensors of
 * any type are converted to o->dtype through the traits table. Each file appears only when
 * complete (q35_out). No tokenizer is written: q35 reads this directory's vocabulary from
 * a file given with --tokenizer (the source GGUF, or a llama2.c tokenizer.bin). */
int q35_hf_export(const q35_ckpt *c, const char *dir, const q35_hf_export_opts *o, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
