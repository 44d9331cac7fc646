/* Internal pieces of the checkpoint quantizer (src/quant/quantize_model.c and, for
 * --method mixed, src/quant/quantize_mixed.c). */
#ifndef Q35_QUANT_INTERNAL_H
#define Q35_QUANT_INTERNAL_H

#include <stdio.h>

#include "q35/calib.h"
#include "q35/ckpt.h"
#include "q35/gptq.h"
#include "q35/progress.h"
#include "q35/quant.h"

/* Runs the checkpoint's own model over o->calibration (cpu backend, o->n_threads) and
 * fills c with every layer's site statistics. */
int q35_quant_calibrate(const q35_ckpt *in, const q35_quant_opts *o, q35_calib *c, q35_err *err);

/* Puts "path: " before the message already in err (if any); returns -1. For steps whose
 * messages name only the step, so that the line names the file. */
int q35_quant_err_prefix(q35_err *err, const char *path);

/* The type a tensor takes without mixed precision: o->type for the 2-D block matrices,
 * o->embd_type / o->output_type, F32 for the rest. NULL for an unknown id. */
const q35_type_traits *q35_quant_target_type(const q35_tensor *t, const q35_quant_opts *o);

static inline int64_t q35_tensor_rows(const q35_tensor *t) { return t->ne[1] * t->ne[2] * t->ne[3]; }

/* What quantizing one tensor needs besides the tensor, shared by the measuring and the
 * writing passes: the calibration and GPTQ's factor of the site last used (wq, wk and
 * wv read one site, so it is factored once for the three). */
typedef struct q35_qctx {
    const q35_quant_opts *o;
    const q35_calib *cal; /* NULL: no calibration, everything is RTN'd */
    int gptq;             /* 3.5-bit block matrices with statistics go through GPTQ */
    const char *out_path; /* for messages */
    q35_progress *prog;   /* optional */
    int fc_valid, fc_layer, fc_site;
    q35_gptq_factor fc;
    float *imp; /* imatrix importance, the site's columns */
} q35_qctx;

void q35_qctx_free(q35_qctx *c);
/* The calibration statistics of a block matrix's input, or NULL (no calibration, not a
 * block matrix, or a site that saw no rows). */
const q35_hessian *q35_qctx_site(const q35_qctx *c, const q35_tensor *t);
/* Quantizes t into dt at dst (q35_type_tensor_bytes(dt, ...) bytes): GPTQ when c->gptq,
 * dt is a 3.5-bit type and t has statistics; else the row quantizer with the imatrix
 * importance when t has statistics, without it when not (a plain conversion for types
 * other than the pair codes). Moves c->prog from rows_before over t's rows. */
int q35_qctx_quantize(q35_qctx *c, const q35_tensor *t, const q35_type_traits *dt, uint8_t *dst,
                      uint64_t rows_before, q35_err *err);

/* --method mixed: the type of every tensor, and where the bytes measured for the chosen
 * block matrices wait to be written (src/quant/quantize_mixed.c). */
typedef struct q35_mixed_plan {
    int n_tensors;
    uint32_t *type;   /* per checkpoint tensor: its output type id */
    uint64_t *offset; /* per tensor: its chosen bytes in spill, UINT64_MAX: not measured */
    uint8_t *is_cand; /* per tensor: 1 for a block matrix the solver chooses a type for */
    FILE *spill;      /* unlinked scratch file beside the output */
    uint64_t budget_bits;        /* floor(target * block-matrix weights) */
    uint64_t fixed_bits;         /* block matrices (as q35 info counts them) outside the choice */
    uint64_t block_weights;
    double target_bpw;
} q35_mixed_plan;

/* Sets every tensor's default type and the budget; fails (one line naming out_path) when
 * the budget is below every candidate matrix in o->type, before any expensive work. */
int q35_mixed_plan_init(q35_mixed_plan *p, const q35_ckpt *in, const q35_quant_opts *o, const char *out_path,
                        q35_err *err);
/* Quantizes every candidate matrix in every candidate type through c, measures the error
 * proxies, solves, and fills p->type / p->offset and rep's mixed_* fields. */
int q35_mixed_plan_measure(q35_mixed_plan *p, const q35_ckpt *in, q35_qctx *c, q35_quant_report *rep,
                           q35_err *err);
/* The error proxy of tensor t quantized into q (rows of type dt): with statistics h,
 * sum over rows of d^T H d / h->count, d = w - dequant(q), reading only H's upper
 * triangle; with h NULL, sum d^2. In float64, rows in parallel. */
int q35_mixed_error_proxy(const q35_tensor *t, const q35_type_traits *dt, const uint8_t *q, const q35_hessian *h,
                          int n_threads, double *out, q35_err *err);
/* Reads tensor i's chosen bytes (n of them) back from the scratch file. */
int q35_mixed_plan_read(const q35_mixed_plan *p, int i, uint8_t *dst, size_t n, const char *out_path, q35_err *err);
void q35_mixed_plan_free(q35_mixed_plan *p);

#endif
