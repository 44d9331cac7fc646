/* Internal pieces of the checkpoint quantizer (src/quant/quantize_model.c). */
#ifndef Q35_QUANT_INTERNAL_H
#define Q35_QUANT_INTERNAL_H

#include "q35/calib.h"
#include "q35/ckpt.h"
#include "q35/quant.h"

/* Runs the checkpoint's own model over o->calibration (cpu backend, o->n_threads) and
 * fills c with every layer's site statistics. */
int q35_quant_calibrate(const q35_ckpt *in, const q35_quant_opts *o, q35_calib *c, q35_err *err);

#endif
