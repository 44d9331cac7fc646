/* q35/quant.h: turning float weights into the 3.5-bit code (or its 4.5-bit sibling
 * q45_cb), and whole checkpoints into q35 GGUF files.
 *
 * Row level: round-to-nearest with a per-block scale search. For each block, candidate
 * scale bytes around absmax/grid-max are tried; each pair takes the nearest grid point;
 * the candidate with the lowest importance-weighted squared error wins.
 * Model level: tensor by tensor from a q35_ckpt to a GGUF writer, streaming; and the
 * choice of a type per tensor under a bit budget (mixed precision). */
#ifndef Q35_QUANT_H
#define Q35_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "q35/ckpt.h"
#include "q35/common.h"
#include "q35/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Quantizes one row of n weights into t's format. t must be a pair-code type (t->grid_points
 * set: the 3.5-bit family or q45_cb); otherwise it returns -1. importance is per weight
 * (n entries) or NULL for uniform weighting. Returns the weighted squared error of the row. */
double q35_quantize_row(const q35_type_traits *t, const float *w, const float *importance,
                        int64_t n, void *out);

/* A row quantizer prepared for one pair-code type (its grid's search structure built once,
 * about 0.15 ms).
 * Read-only after creation, so threads may share one. q35_quantize_row builds one on the
 * stack per call; loops over many rows should make one with q35_quantizer_new. */
typedef struct q35_quantizer q35_quantizer;
q35_quantizer *q35_quantizer_new(const q35_type_traits *t, q35_err *err);
void q35_quantizer_free(q35_quantizer *q);
const q35_type_traits *q35_quantizer_type(const q35_quantizer *q);
/* Same contract as q35_quantize_row. */
double q35_quantizer_row(const q35_quantizer *q, const float *w, const float *importance, int64_t n,
                         void *out);

/* How the block matrices are quantized (docs/FORMAT.md): round-to-nearest with searched
 * scales; the same with calibrated importance (diag of the inputs' second moments, as
 * llama.cpp's imatrix); GPTQ error feedback (q35/gptq.h); mixed precision to a bit
 * budget (each block matrix in the 3.5-bit type or q45_cb, q35_mixed_solve). imatrix and
 * gptq need calibration; mixed uses it when given (gptq for the 3.5-bit candidates,
 * imatrix for q45_cb, which GPTQ does not serve), else rtn. */
enum { Q35_METHOD_RTN = 0, Q35_METHOD_IMATRIX = 1, Q35_METHOD_GPTQ = 2, Q35_METHOD_MIXED = 3 };
const char *q35_quant_method_name(int method);  /* "rtn", "imatrix", "gptq", "mixed"; NULL if unknown */
int q35_quant_method_by_name(const char *name); /* -1 if unknown */
/* 1 when the method cannot run without calibration (imatrix, gptq), else 0. */
int q35_quant_method_needs_calib(int method);

/* embd_type: q45_cb when the checkpoint has its own output head, else (a tied embedding,
 * which is the head too) output_type. Chosen by measurement: docs/QUALITY.md. */
#define Q35_EMBD_AUTO UINT32_MAX

/* --method mixed without a target: issue 6's limit for the block matrices. */
#define Q35_MIXED_DEFAULT_BPW 3.65
/* Candidate types per block matrix under --method mixed: o->type and q45_cb. */
#define Q35_MIXED_MAX_CAND 2

typedef struct q35_quant_opts {
    uint32_t type;        /* q35 type for the block matrices */
    uint32_t embd_type;   /* token embedding, or Q35_EMBD_AUTO */
    uint32_t output_type; /* output head */
    int n_threads;
    int progress;         /* draw a progress bar (on a TTY) */
    int method;           /* Q35_METHOD_* */
    const char *calibration; /* calibration text file, for imatrix and gptq */
    int calib_ctx;        /* tokens per calibration chunk (default 512) */
    int64_t calib_tokens; /* calibration token budget (default 131072); <= 0: the whole file */
    double gptq_damp;     /* GPTQ: lambda * mean(diag H) added to H's diagonal (default 0.3) */
    double gptq_damp_diag; /* GPTQ: H's diagonal multiplied by 1 + this (default 0.3) */
    /* Statistics gathered beforehand (q35/calib.h), used instead of running the model
     * over o->calibration: one calibration can serve several quantizations. */
    const struct q35_calib *calib;
    /* mixed: bits/weight allowed for the block matrices, all-in as q35 info counts them
     * (<= 0: Q35_MIXED_DEFAULT_BPW) */
    double target_bpw;
} q35_quant_opts;

void q35_quant_opts_default(q35_quant_opts *o);

typedef struct q35_quant_report {
    int n_tensors;
    uint64_t n_weights_blocks; /* weights in the block matrices */
    uint64_t bytes_blocks;     /* their bytes */
    uint64_t n_weights_all;    /* all tensors */
    uint64_t bytes_all;
    double seconds;
    double calib_seconds;  /* calibration phase (0 without one) */
    int64_t calib_tokens;  /* tokens the calibration ran */
    double quant_seconds;  /* the tensor loop */
    /* --method mixed: the solver's choice. n_cand candidate types (cand_type[0] is
     * o->type), how many block matrices took each, the summed error proxy of the choice
     * and of every candidate matrix in cand_type[0], and the budget. With calibration the
     * proxy is each matrix's expected squared output error per token,
     * sum over rows of (w - q)^T H (w - q) / count; without, the squared weight error. */
    int mixed_n_cand;
    uint32_t mixed_type[Q35_MIXED_MAX_CAND];
    int mixed_count[Q35_MIXED_MAX_CAND];
    double mixed_error, mixed_error_base;
    double target_bpw;
    uint64_t budget_bits;
    double mixed_seconds; /* measuring the candidates and solving */
} q35_quant_report;

/* Writes a GGUF at out_path: block matrices in o->type, embeddings/output in their
 * types, norms in F32, metadata carried over. Temp file + rename. A calibrated method
 * first runs the input model over o->calibration (q35/calib.h); the embeddings and the
 * output head are quantized without it. Method mixed first quantizes every block matrix
 * in each candidate type (kept in an unlinked scratch file beside out_path, so memory
 * stays a few tensors), measures the error proxies, solves for the least total error
 * within floor(target_bpw * block-matrix weights) bits, then writes the chosen bytes;
 * it fails before any work when the budget is below every matrix in o->type. */
int q35_quantize_ckpt(const q35_ckpt *in, const char *out_path, const q35_quant_opts *o,
                      q35_quant_report *rep, q35_err *err);

/* Mixed precision to a budget (src/quant/mixed.c): for each of n_tensors tensors, choose
 * one of n_cand candidate types. error[t * n_cand + k] is the error proxy of tensor t in
 * candidate k (a non-finite value means k is not allowed for t); bits[t * n_cand + k] is
 * its exact all-in size in bits. Sets choice[t] in [0, n_cand) so that the summed bits
 * never exceed budget_bits while the summed error is as low as a Lagrangian greedy over
 * each tensor's convex hull, then a local search, makes it (typically within a fraction
 * of a percent of the optimum). Pure: no I/O, no state. Returns 0, or -1 with err when
 * even the cheapest allowed type of every tensor exceeds the budget, a tensor has no
 * allowed type, or memory runs out. */
int q35_mixed_solve(int n_tensors, int n_cand, const double *error, const uint64_t *bits, uint64_t budget_bits,
                    int *choice, q35_err *err);

/* All-in sizes of a checkpoint's tensors, from their shapes and the traits table: every
 * tensor, and the block matrices (2-D tensors named blk.*, as q35 info counts them). A
 * tensor of a type the table does not know counts its weights but no bytes (readers
 * refuse such files anyway). */
typedef struct q35_ckpt_sizes {
    int n_tensors, n_block;
    uint64_t weights_all, bytes_all;     /* every tensor */
    uint64_t weights_block, bytes_block; /* the block matrices */
} q35_ckpt_sizes;
void q35_ckpt_sizes_of(const q35_ckpt *c, q35_ckpt_sizes *out);

/* Role of a tensor by name: 1 for the 2-D matrices of the blocks, 2 token embedding,
 * 3 output head, 0 other (norms). */
int q35_tensor_role(const char *name);

#ifdef __cplusplus
}
#endif
#endif
