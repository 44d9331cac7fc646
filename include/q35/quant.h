/* q35/quant.h: turning float weights into the 3.5-bit code, and whole checkpoints into
 * q35 GGUF files.
 *
 * Row level: round-to-nearest with a per-block scale search. For each block, candidate
 * scale bytes around absmax/grid-max are tried; each pair takes the nearest grid point;
 * the candidate with the lowest importance-weighted squared error wins.
 * Model level: tensor by tensor from a q35_ckpt to a GGUF writer, streaming. */
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

/* Quantizes one row of n weights into t's format (t must be a q35 type). importance is
 * per weight (n entries) or NULL for uniform weighting. Returns the weighted squared
 * error of the row. */
double q35_quantize_row(const q35_type_traits *t, const float *w, const float *importance,
                        int64_t n, void *out);

/* A row quantizer prepared for one q35 type (its grid's search structure built once).
 * Read-only after creation, so threads may share one. q35_quantize_row builds one on the
 * stack per call; loops over many rows should make one with q35_quantizer_new. */
typedef struct q35_quantizer q35_quantizer;
q35_quantizer *q35_quantizer_new(const q35_type_traits *t, q35_err *err);
void q35_quantizer_free(q35_quantizer *q);
const q35_type_traits *q35_quantizer_type(const q35_quantizer *q);
/* Same contract as q35_quantize_row. */
double q35_quantizer_row(const q35_quantizer *q, const float *w, const float *importance, int64_t n,
                         void *out);

typedef struct q35_quant_opts {
    uint32_t type;        /* q35 type for the block matrices */
    uint32_t embd_type;   /* token embedding */
    uint32_t output_type; /* output head */
    int n_threads;
    int progress;         /* draw a progress bar (on a TTY) */
} q35_quant_opts;

void q35_quant_opts_default(q35_quant_opts *o);

typedef struct q35_quant_report {
    int n_tensors;
    uint64_t n_weights_blocks; /* weights in the block matrices */
    uint64_t bytes_blocks;     /* their bytes */
    uint64_t n_weights_all;    /* all tensors */
    uint64_t bytes_all;
    double seconds;
} q35_quant_report;

/* Writes a GGUF at out_path: block matrices in o->type, embeddings/output in their
 * types, norms in F32, metadata carried over. Temp file + rename. */
int q35_quantize_ckpt(const q35_ckpt *in, const char *out_path, const q35_quant_opts *o,
                      q35_quant_report *rep, q35_err *err);

/* Role of a tensor by name: 1 for the 2-D matrices of the blocks, 2 token embedding,
 * 3 output head, 0 other (norms). */
int q35_tensor_role(const char *name);

#ifdef __cplusplus
}
#endif
#endif
