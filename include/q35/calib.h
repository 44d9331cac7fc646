/* q35/calib.h: calibration statistics for the quantizer.
 *
 * The base model runs over a calibration text (non-overlapping chunks, BOS first, as
 * perplexity cuts them) with an observer in its state. For every layer and every linear
 * input site (q35/model.h: Q35_SITE_ATTN_IN .. Q35_SITE_FFN_MID) it accumulates the
 * second-moment matrix H = sum over input rows of x^T x, in float64, and the row count.
 * diag(H) / count is the "imatrix" (mean squared activation of each input column); the
 * full H is GPTQ's Hessian. Statistics are kept per site, and a run may collect only a
 * range of layers, so a streaming quantizer can calibrate one layer at a time. */
#ifndef Q35_CALIB_H
#define Q35_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"
#include "q35/model.h"
#include "q35/tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define Q35_CALIB_SITES 4 /* Q35_SITE_ATTN_IN .. Q35_SITE_FFN_MID */
#define Q35_HESS_SLICE 512 /* rows converted to double per BLAS call */

/* One site's H = sum x^T x over `count` rows of `cols` values. Only the upper triangle
 * h[i * cols + j], j >= i, is accumulated; q35_hessian_full() mirrors it. */
typedef struct q35_hessian {
    int cols;
    int64_t count;
    double *h; /* cols x cols, row-major */
} q35_hessian;

int q35_hessian_init(q35_hessian *h, int cols, q35_err *err);
void q35_hessian_free(q35_hessian *h);
/* Adds the n rows of X (n x h->cols floats). scratch holds Q35_HESS_SLICE * cols doubles.
 * Tiles of H are shared out among n_threads OpenMP threads, each calling BLAS, which
 * should then be single-threaded (as the cpu backend makes it). */
void q35_hessian_add(q35_hessian *h, const float *X, int64_t n, double *scratch, int n_threads);
/* Copies the lower triangle from the upper one, making h->h the full symmetric matrix. */
void q35_hessian_full(q35_hessian *h);
/* imp[j] = H[j][j] / count (0 when count is 0): the imatrix of the site. */
void q35_hessian_importance(const q35_hessian *h, float *imp);

typedef struct q35_calib_opts {
    int ctx;            /* tokens per chunk (default 512) */
    int64_t max_tokens; /* token budget; <= 0: the whole text */
    int layer_begin;    /* layers collected: [layer_begin, layer_end); */
    int layer_end;      /* layer_end <= 0: up to the last layer */
    int progress;       /* progress bar over chunks (on a TTY) */
} q35_calib_opts;

void q35_calib_opts_default(q35_calib_opts *o);

typedef struct q35_calib {
    int n_layers;
    int layer_begin, layer_end;
    q35_hessian *sites; /* n_layers * Q35_CALIB_SITES; h == NULL outside the collected layers */
    double *scratch;    /* Q35_HESS_SLICE * widest site */
    int bad_shape;      /* the observer saw a site whose width differs from the config */
    int n_threads;      /* for the accumulation (q35_calib_run sets the backend's) */
    int64_t n_tokens;   /* tokens run through the model */
    int n_chunks;
    double seconds;
} q35_calib;

/* Allocates zeroed statistics for layers [layer_begin, layer_end) of a model shaped as
 * cfg (layer_end <= 0: all layers). */
int q35_calib_init(q35_calib *c, const q35_llama_config *cfg, int layer_begin, int layer_end, q35_err *err);
void q35_calib_free(q35_calib *c);
/* The observer that accumulates into c (set it in a q35_state). */
q35_observer q35_calib_observer(q35_calib *c);
/* The statistics of one site; NULL when that layer is not collected. */
const q35_hessian *q35_calib_site(const q35_calib *c, int layer, int site);

/* Runs m over text (len bytes) and accumulates into c, which q35_calib_init prepared for
 * m's config. Chunks of o->ctx tokens start with BOS; the last one may be shorter. */
int q35_calib_run(q35_calib *c, const q35_model *m, const q35_backend *be, const q35_tokenizer *tok,
                  const char *text, size_t len, const q35_calib_opts *o, q35_err *err);

/* The input site of a block matrix, by GGUF name: blk.N.attn_{q,k,v} read ATTN_IN,
 * attn_output ATTN_OUT, ffn_{gate,up} FFN_IN, ffn_down FFN_MID. Returns 0 and sets
 * *layer, *site, or -1 for any other name. */
int q35_tensor_site(const char *name, int *layer, int *site);

#ifdef __cplusplus
}
#endif
#endif
