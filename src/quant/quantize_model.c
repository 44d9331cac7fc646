/* The streaming checkpoint quantizer: one tensor at a time from a q35_ckpt into a GGUF
 * writer, rows in parallel. Peak memory is one tensor in its output type plus a float
 * row per thread (GPTQ: the tensor in float); the source stays mapped. A calibrated
 * method first gathers the block inputs' second moments (q35/calib.h): imatrix uses
 * their diagonal as the scale search's importance, GPTQ the whole matrix (q35/gptq.h).
 * Method mixed measures its candidates first (quantize_mixed.c), since the GGUF header,
 * written before any tensor, names every tensor's type. */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "q35/calib.h"
#include "q35/gguf.h"
#include "q35/gptq.h"
#include "q35/progress.h"
#include "q35/quant.h"
#include "quant/quant_internal.h"

void q35_quant_opts_default(q35_quant_opts *o)
{
    memset(o, 0, sizeof *o);
    o->type = q35_default_type();
    /* On midi23M (bench/embd_output_study.sh) q8_0 matched f16 for both tensors, and
     * q45_cb cost 2% of the KL-divergence as token_embd but 5% as the output head, for
     * 0.36 bits/weight of the whole file each: the embedding is only looked up. */
    o->embd_type = Q35_EMBD_AUTO;
    o->output_type = Q35_TYPE_Q8_0;
    o->n_threads = 0; /* OpenMP's default */
    o->progress = 1;
    o->method = Q35_METHOD_RTN;
    o->calib_ctx = 512;
    /* On midi23M, GPTQ calibrated on 64K tokens of WikiText-2 scored the same as on all
     * 459K (mean KLD 0.0595 against 0.0594 on 100 chunks of midi-valid); 128K keeps a
     * margin at a fraction of the time. */
    o->calib_tokens = 131072;
    /* GPTQ's usual 1% damping fits the calibration text's input correlations too
     * closely when the evaluation text differs (WikiText against midi23M's Debian prose:
     * mean KLD 0.0665). Damping towards both the identity and the diagonal (the
     * imatrix's objective) by 0.3 each gave 0.0595, the best of the settings tried;
     * on stories260K the same settings were within noise of each other. */
    o->gptq_damp = 0.3;
    o->gptq_damp_diag = 0.3;
}

const q35_type_traits *q35_quant_target_type(const q35_tensor *t, const q35_quant_opts *o)
{
    uint32_t id = Q35_TYPE_F32;
    switch (q35_tensor_role(t->name)) {
    case 1: id = t->n_dims == 2 ? o->type : Q35_TYPE_F32; break;
    case 2: id = o->embd_type; break;
    case 3: id = o->output_type; break;
    default: break;
    }
    return q35_type_by_id(id);
}

/* Converts every row of src into dst (type dt) in parallel, with per-column importance
 * imp (NULL: uniform) for the pair-code types. Returns 0, or -1 when a thread could not
 * get its row buffer. */
static int convert_tensor(const q35_tensor *src, const q35_type_traits *st, const q35_type_traits *dt,
                          const float *imp, uint8_t *dst, int n_threads, q35_progress *prog, uint64_t rows_before)
{
    const int64_t n = src->ne[0], rows = q35_tensor_rows(src);
    const size_t sb = st->row_bytes(n), db = dt->row_bytes(n);
    q35_quantizer *qz = NULL;
    /* grid_points, not is_q35: q45_cb takes the importance too */
    if (dt->grid_points && !(qz = q35_quantizer_new(dt, NULL))) return -1;
    int failed = 0;
    int64_t done = 0;
    if (n_threads <= 0) n_threads = omp_get_max_threads();
#pragma omp parallel num_threads(n_threads)
    {
        float *row = malloc(sizeof(float) * (size_t)n);
        if (!row) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (int64_t r = 0; r < rows; r++) {
            if (!row) continue;
            st->to_float((const uint8_t *)src->data + (size_t)r * sb, n, row);
            if (qz) q35_quantizer_row(qz, row, imp, n, dst + (size_t)r * db);
            else dt->from_float(row, n, dst + (size_t)r * db);
            int64_t d;
#pragma omp atomic capture
            d = ++done;
            if (prog && omp_get_thread_num() == 0) q35_progress_update(prog, rows_before + (uint64_t)d);
        }
        free(row);
    }
    q35_quantizer_free(qz);
    return failed ? -1 : 0;
}

static int gptq_tensor(q35_qctx *c, const q35_tensor *src, const q35_type_traits *st, const q35_type_traits *dt,
                       const q35_hessian *h, int layer, int site, uint8_t *dst, uint64_t rows_before, q35_err *err)
{
    const q35_quant_opts *o = c->o;
    if (!c->fc_valid || c->fc_layer != layer || c->fc_site != site) {
        if (c->fc_valid) q35_gptq_factor_free(&c->fc);
        c->fc_valid = 0;
        if (q35_gptq_factor_init(&c->fc, h, o->gptq_damp, o->gptq_damp_diag, err)) return -1;
        c->fc_valid = 1, c->fc_layer = layer, c->fc_site = site;
    }
    const int64_t n = src->ne[0], rows = q35_tensor_rows(src);
    const size_t sb = st->row_bytes(n);
    float *W = q35_malloc((size_t)rows * (size_t)n * sizeof *W, err);
    if (!W) return -1;
#pragma omp parallel for num_threads(o->n_threads > 0 ? o->n_threads : omp_get_max_threads()) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        st->to_float((const uint8_t *)src->data + (size_t)r * sb, n, W + (size_t)r * (size_t)n);
    q35_gptq_opts go;
    q35_gptq_opts_default(&go);
    go.n_threads = o->n_threads;
    int rc = q35_gptq_quantize(dt, &c->fc, W, rows, &go, dst, NULL, c->prog, rows_before, err);
    free(W);
    if (rc && err) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        q35_fail(err, "%s: tensor '%s': %s", c->out_path, src->name, msg);
    }
    return rc;
}

int q35_quant_err_prefix(q35_err *err, const char *path)
{
    if (!err) return -1;
    char msg[sizeof err->msg];
    memcpy(msg, err->msg, sizeof msg);
    return q35_fail(err, "%s: %s", path, msg);
}

/* The calibration statistics of a block matrix's input, or NULL (then it is RTN'd). */
static const q35_hessian *site_of(const q35_calib *cal, const q35_tensor *t, int *layer, int *site)
{
    if (!cal || !cal->sites || q35_tensor_role(t->name) != 1 || t->n_dims != 2 ||
        q35_tensor_site(t->name, layer, site))
        return NULL;
    const q35_hessian *h = q35_calib_site(cal, *layer, *site);
    return h && h->cols == t->ne[0] && h->count > 0 ? h : NULL;
}

const q35_hessian *q35_qctx_site(const q35_qctx *c, const q35_tensor *t)
{
    int layer, site;
    return site_of(c->cal, t, &layer, &site);
}

int q35_qctx_quantize(q35_qctx *c, const q35_tensor *t, const q35_type_traits *dt, uint8_t *dst,
                      uint64_t rows_before, q35_err *err)
{
    const q35_type_traits *st = q35_type_by_id(t->type);
    int layer, site;
    const q35_hessian *h = site_of(c->cal, t, &layer, &site);
    if (h && c->gptq && dt->is_q35) return gptq_tensor(c, t, st, dt, h, layer, site, dst, rows_before, err);
    if (h) { /* imatrix: diag(H) / count for every row */
        free(c->imp);
        if (!(c->imp = q35_malloc((size_t)h->cols * sizeof *c->imp, err))) return -1;
        q35_hessian_importance(h, c->imp);
    }
    if (convert_tensor(t, st, dt, h ? c->imp : NULL, dst, c->o->n_threads, c->prog, rows_before))
        return q35_fail(err, "%s: out of memory converting tensor '%s'", c->out_path, t->name);
    return 0;
}

void q35_qctx_free(q35_qctx *c)
{
    if (c->fc_valid) q35_gptq_factor_free(&c->fc);
    c->fc_valid = 0;
    free(c->imp);
    c->imp = NULL;
}

/* Declares the metadata and every tensor, tensor i in type types[i]. */
static int declare(const q35_ckpt *in, const q35_quant_opts *o, const q35_type_traits *tq, const q35_calib *cal,
                   int gptq, const q35_mixed_plan *plan, q35_gguf_writer *w, const char *out_path, q35_err *err)
{
    if (q35_ckpt_write_metadata(in, w, err) || q35_gguf_set_u32(w, "general.file_type", tq->id, err) ||
        q35_gguf_set_str(w, "q35.quant.type", tq->name, err) ||
        q35_gguf_set_str(w, "q35.quant.method", q35_quant_method_name(o->method), err))
        return -1;
    if (plan && q35_gguf_set_f32(w, "q35.quant.target_bpw", (float)plan->target_bpw, err)) return -1;
    if (cal && cal->sites) {
        const char *base = o->calibration ? strrchr(o->calibration, '/') : NULL;
        if ((o->calibration && q35_gguf_set_str(w, "q35.quant.calib_file", base ? base + 1 : o->calibration, err)) ||
            q35_gguf_set_u32(w, "q35.quant.calib_tokens", (uint32_t)cal->n_tokens, err) ||
            q35_gguf_set_u32(w, "q35.quant.calib_ctx", (uint32_t)(o->calib_ctx > 0 ? o->calib_ctx : 512), err))
            return -1;
        if (gptq && (q35_gguf_set_f32(w, "q35.quant.gptq_damp", (float)o->gptq_damp, err) ||
                     q35_gguf_set_f32(w, "q35.quant.gptq_damp_diag", (float)o->gptq_damp_diag, err)))
            return -1;
    }
    for (int i = 0; i < in->n_tensors; i++) {
        const q35_tensor *t = &in->tensors[i];
        const uint32_t id = plan ? plan->type[i] : q35_quant_target_type(t, o)->id;
        if (q35_gguf_add_tensor(w, t->name, id, t->n_dims, t->ne, err) < 0) return -1;
    }
    return 0;
}

/* Every tensor's type known, shape non-empty and bytes as its shape needs, before any
 * of them is read. */
static int check_tensors(const q35_ckpt *in, const q35_quant_opts *o, const char *out_path, q35_err *err)
{
    for (int i = 0; i < in->n_tensors; i++) {
        const q35_tensor *t = &in->tensors[i];
        if (!q35_type_by_id(t->type))
            return q35_fail(err, "%s: tensor '%s' has unknown type %u", in->path, t->name, t->type);
        if (!q35_quant_target_type(t, o)) return q35_fail(err, "%s: no target type for tensor '%s'", out_path, t->name);
        if (t->ne[0] < 1 || q35_tensor_rows(t) < 1)
            return q35_fail(err, "%s: tensor '%s' is empty", in->path, t->name);
        size_t want;
        if (q35_tensor_nbytes(t->type, t->n_dims, t->ne, &want, err)) return -1;
        if (want != t->nbytes)
            return q35_fail(err, "%s: tensor '%s' has %zu bytes, its shape needs %zu", in->path, t->name, t->nbytes,
                            want);
    }
    return 0;
}

int q35_quantize_ckpt(const q35_ckpt *in, const char *out_path, const q35_quant_opts *opts, q35_quant_report *rep,
                      q35_err *err)
{
    q35_quant_opts resolved = *opts;
    const q35_type_traits *tq = q35_type_by_id(resolved.type);
    /* a float type for the block matrices is a pass-through (no quantization): the
     * embedding follows it unless given */
    const int passthrough = tq && q35_type_is_float(tq);
    if (resolved.embd_type == Q35_EMBD_AUTO)
        resolved.embd_type = passthrough                           ? tq->id
                             : q35_ckpt_find(in, "output.weight") ? Q35_TYPE_Q45_CB
                                                                  : resolved.output_type;
    const q35_quant_opts *o = &resolved;
    double t0 = q35_now();
    q35_quant_report r;
    memset(&r, 0, sizeof r);
    q35_progress prog;
    memset(&prog, 0, sizeof prog);
    if (!tq || !(tq->is_q35 || passthrough))
        return q35_fail(err, "%s: type %u is neither a 3.5-bit type nor f32/f16/bf16", out_path, o->type);
    if (passthrough && o->method != Q35_METHOD_RTN)
        return q35_fail(err, "%s: type %s is a pass-through, method %s does not apply", out_path, tq->name,
                        q35_quant_method_name(o->method) ? q35_quant_method_name(o->method) : "?");
    if (!q35_type_by_id(o->embd_type) || !q35_type_by_id(o->output_type))
        return q35_fail(err, "%s: unknown embedding or output type", out_path);
    const char *mname = q35_quant_method_name(o->method);
    if (!mname) return q35_fail(err, "%s: unknown quantization method %d", out_path, o->method);
    const int mixed = o->method == Q35_METHOD_MIXED;
    /* mixed calibrates when it is given a calibration, and then GPTQs its 3.5-bit candidates */
    const int calibrated = q35_quant_method_needs_calib(o->method) || (mixed && (o->calibration || o->calib));
    if (calibrated && !o->calibration && !o->calib)
        return q35_fail(err, "%s: method %s needs a calibration text", out_path, mname);
    if (!calibrated && o->calibration)
        return q35_fail(err, "%s: method %s uses no calibration text", o->calibration, mname);
    if (check_tensors(in, o, out_path, err)) return -1;

    q35_mixed_plan plan; /* before calibrating: an impossible budget fails at once */
    memset(&plan, 0, sizeof plan);
    if (mixed && q35_mixed_plan_init(&plan, in, o, out_path, err)) return -1;
    q35_calib own; /* statistics gathered here, when none were given */
    memset(&own, 0, sizeof own);
    const q35_calib *cal = o->calib ? o->calib : &own;
    q35_qctx qc = {.o = o, .cal = calibrated ? cal : NULL, .out_path = out_path, .prog = &prog,
                   .gptq = o->method == Q35_METHOD_GPTQ || (mixed && calibrated)};
    q35_gguf_writer *w = NULL;
    if (calibrated && o->calib && o->calib->n_layers != in->cfg.n_layers) {
        q35_fail(err, "%s: calibration statistics for %d layers, the model has %d", out_path, o->calib->n_layers,
                 in->cfg.n_layers);
        goto fail;
    }
    if (calibrated && !o->calib) {
        if (q35_quant_calibrate(in, o, &own, err)) goto fail;
        r.calib_seconds = own.seconds;
    }
    if (calibrated) r.calib_tokens = cal->n_tokens;
    const double t_quant = q35_now();
    if (mixed && q35_mixed_plan_measure(&plan, in, &qc, &r, err)) goto fail;
    if (!(w = q35_gguf_writer_new(err)) ||
        declare(in, o, tq, qc.cal, qc.gptq, mixed ? &plan : NULL, w, out_path, err) ||
        q35_gguf_write_begin(w, out_path, err))
        goto fail;

    uint64_t total_rows = 0, rows_done = 0;
    for (int i = 0; i < in->n_tensors; i++) total_rows += (uint64_t)q35_tensor_rows(&in->tensors[i]);
    q35_progress_begin(&prog, o->method == Q35_METHOD_GPTQ ? "gptq" : mixed ? "write" : "quantize", total_rows,
                       "rows");
    if (!o->progress) prog.enabled = 0;

    for (int i = 0; i < in->n_tensors; i++) {
        const q35_tensor *t = &in->tensors[i];
        const q35_type_traits *st = q35_type_by_id(t->type);
        const q35_type_traits *dt = mixed ? q35_type_by_id(plan.type[i]) : q35_quant_target_type(t, o);
        size_t nb;
        if (q35_tensor_nbytes(dt->id, t->n_dims, t->ne, &nb, err)) goto fail;
        const uint64_t nw = (uint64_t)t->ne[0] * (uint64_t)q35_tensor_rows(t);
        const int from_plan = mixed && plan.offset[i] != UINT64_MAX;
        /* the source bytes in GGUF layout; a tensor stored in another row order (HF q/k)
         * is converted here, one at a time */
        void *conv = NULL;
        q35_tensor view = *t;
        if (!from_plan && !(view.data = q35_tensor_data(t, &conv, err))) {
            q35_quant_err_prefix(err, in->path);
            goto fail;
        }
        if (st == dt) { /* already in its target type: copy, no second rounding */
            int rc = q35_gguf_write_tensor(w, view.data, nb, err);
            free(conv);
            if (rc) goto fail;
        } else {
            uint8_t *buf = q35_malloc(nb ? nb : 1, err);
            if (!buf) {
                free(conv);
                goto fail;
            }
            int rc = from_plan ? q35_mixed_plan_read(&plan, i, buf, nb, out_path, err)
                               : q35_qctx_quantize(&qc, &view, dt, buf, rows_done, err);
            free(conv);
            if (!rc) rc = q35_gguf_write_tensor(w, buf, nb, err);
            free(buf);
            if (rc) goto fail;
        }
        size_t src_bytes;
        const void *src_map = t->data ? t->data : t->src; /* HF q/k: read through src */
        if (src_map && !q35_tensor_nbytes(t->type, t->n_dims, t->ne, &src_bytes, NULL))
            q35_release_pages(src_map, src_bytes); /* streaming: RSS stays near one tensor */
        rows_done += (uint64_t)q35_tensor_rows(t);
        q35_progress_update(&prog, rows_done);
        r.n_tensors++;
        r.n_weights_all += nw;
        r.bytes_all += nb;
        if (q35_tensor_role(t->name) == 1 && t->n_dims == 2) {
            r.n_weights_blocks += nw;
            r.bytes_blocks += nb;
        }
    }
    q35_progress_end(&prog);
    if (q35_gguf_write_end(w, err)) goto fail;
    q35_gguf_writer_free(w);
    q35_qctx_free(&qc);
    q35_mixed_plan_free(&plan);
    q35_calib_free(&own);
    r.quant_seconds = q35_now() - t_quant;
    r.seconds = q35_now() - t0;
    if (rep) *rep = r;
    return 0;
fail:
    q35_progress_end(&prog); /* ends the bar's line before the caller prints the error */
    if (w) {
        q35_gguf_write_abort(w);
        q35_gguf_writer_free(w);
    }
    q35_qctx_free(&qc);
    q35_mixed_plan_free(&plan);
    q35_calib_free(&own);
    return -1;
}
