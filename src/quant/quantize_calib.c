/* The calibration phase of q35_quantize_ckpt: the input checkpoint is loaded as a model
 * (its tensors stay where the checkpoint maps them) and run over the calibration text. */
#include <string.h>

#include "q35/model.h"
#include "q35/tokenizer.h"
#include "quant/quant_internal.h"

int q35_quant_calibrate(const q35_ckpt *in, const q35_quant_opts *o, q35_calib *c, q35_err *err)
{
    memset(c, 0, sizeof *c);
    q35_model m;
    q35_backend be;
    q35_map text;
    if (q35_map_open(o->calibration, &text, err)) return -1;
    if (q35_model_load(in, &m, err)) {
        q35_map_close(&text);
        return -1;
    }
    int rc = -1;
    q35_tokenizer *tok = NULL;
    q35_calib_opts co;
    q35_calib_opts_default(&co);
    co.ctx = o->calib_ctx > 0 ? o->calib_ctx : 512;
    co.max_tokens = o->calib_tokens;
    co.progress = o->progress;
    if (q35_backend_get("cpu", o->n_threads, &be, err) || !(tok = q35_tokenizer_new(&in->vocab, err)) ||
        q35_calib_init(c, &m.cfg, 0, 0, err))
        goto done;
    if (q35_calib_run(c, &m, &be, tok, (const char *)text.data, text.size, &co, err)) {
        q35_quant_err_prefix(err, o->calibration); /* the run's messages name only the step */
        q35_calib_free(c);
        goto done;
    }
    rc = 0;
done:
    q35_tokenizer_free(tok);
    q35_model_free(&m);
    q35_map_close(&text);
    return rc;
}
