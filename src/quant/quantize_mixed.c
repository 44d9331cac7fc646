/* --method mixed (q35/quant.h): each block matrix in the 3.5-bit type or q45_cb, the
 * choice minimising the summed error proxy within a bit budget over the block matrices.
 *
 * The GGUF header names every tensor's type before any tensor's bytes, so the choice has
 * to be made before writing starts. Pass 1 (here) quantizes every candidate matrix in
 * every candidate type, exactly as the writing pass would (q35_qctx_quantize: GPTQ for
 * the 3.5-bit type when calibrated, imatrix for q45_cb, RTN without calibration),
 * measures each result and appends its bytes to a scratch file; q35_mixed_solve picks;
 * the writing pass copies the chosen bytes back. The scratch file holds about 2.3 times
 * the block matrices' output size on disk, and memory stays at one tensor in one type
 * (plus GPTQ's float copy and a few rows per thread): re-quantizing instead would cost
 * a second GPTQ run. It is unlinked as soon as it is made, so no failure or crash leaves
 * it behind.
 *
 * The error proxy is what the issue asks to minimise: with calibration, the expected
 * squared error of the layer's outputs per token, sum over rows of d^T H d / count with
 * d = w - dequant(q) and H the input site's second moments; it adds up across tensors
 * the way the layers' output errors do to first order. Without calibration (or for a
 * matrix whose site saw no rows), the squared weight error, sum d^2. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <omp.h>

#include "q35/quant.h"
#include "quant/quant_internal.h"

/* Rows of d per dsymm call: d and d H in double, per thread. */
#define PROXY_SLICE 32

/* The block matrices as q35 info counts them (q35_ckpt_sizes_of agrees): the budget is
 * checked against what info will report. */
static int is_block_matrix(const q35_tensor *t) { return t->n_dims == 2 && !strncmp(t->name, "blk.", 4); }

static uint64_t tensor_bits(const q35_type_traits *tt, const q35_tensor *t)
{
    return 8 * q35_type_tensor_bytes(tt, t->n_dims, t->ne);
}

void q35_mixed_plan_free(q35_mixed_plan *p)
{
    free(p->type);
    free(p->offset);
    free(p->is_cand);
    if (p->spill) fclose(p->spill);
    memset(p, 0, sizeof *p);
}

int q35_mixed_plan_init(q35_mixed_plan *p, const q35_ckpt *in, const q35_quant_opts *o, const char *out_path,
                        q35_err *err)
{
    memset(p, 0, sizeof *p);
    const q35_type_traits *tq = q35_type_by_id(o->type);
    const size_t n = in->n_tensors > 0 ? (size_t)in->n_tensors : 1;
    p->n_tensors = in->n_tensors;
    p->target_bpw = o->target_bpw > 0 ? o->target_bpw : Q35_MIXED_DEFAULT_BPW;
    p->type = q35_malloc(n * sizeof *p->type, err);
    p->offset = q35_malloc(n * sizeof *p->offset, err);
    p->is_cand = q35_calloc(n, 1, err);
    if (!tq || !p->type || !p->offset || !p->is_cand) {
        if (!tq) q35_fail(err, "%s: type %u is not a 3.5-bit type", out_path, o->type);
        q35_mixed_plan_free(p);
        return -1;
    }
    uint64_t cand_bits = 0;
    int n_cand = 0;
    for (int i = 0; i < in->n_tensors; i++) {
        const q35_tensor *t = &in->tensors[i];
        const q35_type_traits *dt = q35_quant_target_type(t, o);
        p->type[i] = dt->id;
        p->offset[i] = UINT64_MAX;
        if (!is_block_matrix(t)) continue;
        p->block_weights += (uint64_t)t->ne[0] * (uint64_t)q35_tensor_rows(t);
        if (q35_tensor_role(t->name) == 1) { /* the quantizer's block matrices: o->type at the least */
            p->is_cand[i] = 1;
            n_cand++;
            cand_bits += tensor_bits(dt, t);
        } else { /* a 2-D blk.* tensor the quantizer keeps as it is: info counts it all the same */
            p->fixed_bits += tensor_bits(dt, t);
        }
    }
    int rc = 0;
    const double budget = floor(p->target_bpw * (double)p->block_weights);
    if (!n_cand) {
        rc = q35_fail(err, "%s: --method mixed: %s has no block matrices to choose types for", out_path, in->path);
    } else if (!(budget < 18446744073709549568.0)) { /* the largest double below 2^64 */
        rc = q35_fail(err, "%s: --target-bpw %g is too large", out_path, p->target_bpw);
    } else {
        p->budget_bits = (uint64_t)budget;
        if (cand_bits + p->fixed_bits > p->budget_bits)
            rc = q35_fail(err, "%s: --target-bpw %g is below %.4f bits/weight, the block matrices' size all in %s", out_path,
                          p->target_bpw, (double)(cand_bits + p->fixed_bits) / (double)p->block_weights, tq->name);
    }
    if (rc) q35_mixed_plan_free(p);
    return rc;
}

int q35_mixed_error_proxy(const q35_tensor *t, const q35_type_traits *dt, const uint8_t *q, const q35_hessian *h,
                       int n_threads, double *out, q35_err *err)
{
    const q35_type_traits *st = q35_type_by_id(t->type);
    const int64_t n = t->ne[0], rows = q35_tensor_rows(t);
    const size_t sb = st->row_bytes(n), db = dt->row_bytes(n), N = (size_t)n;
    double sum = 0;
    int failed = 0;
    if (n_threads <= 0) n_threads = omp_get_max_threads();
#pragma omp parallel num_threads(n_threads) reduction(+ : sum)
    {
        float *a = malloc(2 * N * sizeof *a);
        double *d = malloc(PROXY_SLICE * N * sizeof *d), *dh = h ? malloc(PROXY_SLICE * N * sizeof *dh) : NULL;
        if (!a || !d || (h && !dh)) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t r0 = 0; r0 < rows; r0 += PROXY_SLICE) {
            if (!a || !d || (h && !dh)) continue;
            const int ns = (int)(rows - r0 < PROXY_SLICE ? rows - r0 : PROXY_SLICE);
            for (int r = 0; r < ns; r++) {
                st->to_float((const uint8_t *)t->data + (size_t)(r0 + r) * sb, n, a);
                dt->to_float(q + (size_t)(r0 + r) * db, n, a + N);
                for (size_t j = 0; j < N; j++) d[(size_t)r * N + j] = (double)a[j] - (double)a[N + j];
            }
            const size_t cnt = (size_t)ns * N;
            if (h) { /* dh = d H, reading only H's upper triangle (the one calibration fills) */
                cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, ns, (int)n, 1.0, h->h, (int)n, d, (int)n, 0.0, dh,
                            (int)n);
                for (size_t j = 0; j < cnt; j++) sum += d[j] * dh[j];
            } else {
                for (size_t j = 0; j < cnt; j++) sum += d[j] * d[j];
            }
        }
        free(a);
        free(d);
        free(dh);
    }
    if (failed) return q35_fail(err, "out of memory measuring tensor '%s'", t->name);
    *out = h ? sum / (double)h->count : sum;
    return 0;
}

/* An unlinked scratch file beside out_path: on the output's file system, which has to
 * hold the output anyway, and never /tmp, which may be memory. */
static FILE *open_spill(const char *out_path, q35_err *err)
{
    static const char suffix[] = ".mixed.XXXXXX";
    char *path = q35_malloc(strlen(out_path) + sizeof suffix, err);
    if (!path) return NULL;
    strcpy(path, out_path);
    strcat(path, suffix);
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (fd >= 0) unlink(path);
    if (!f) {
        if (fd >= 0) close(fd);
        q35_fail(err, "%s: cannot create a scratch file beside the output", out_path);
    }
    free(path);
    return f;
}

int q35_mixed_plan_read(const q35_mixed_plan *p, int i, uint8_t *dst, size_t n, const char *out_path, q35_err *err)
{
    if (fseeko(p->spill, (off_t)p->offset[i], SEEK_SET) || fread(dst, 1, n, p->spill) != n)
        return q35_fail(err, "%s: cannot read tensor %d back from the scratch file", out_path, i);
    return 0;
}

int q35_mixed_plan_measure(q35_mixed_plan *p, const q35_ckpt *in, q35_qctx *c, q35_quant_report *rep,
                           q35_err *err)
{
    const double t0 = q35_now();
    const q35_type_traits *cand[Q35_MIXED_MAX_CAND] = {q35_type_by_id(c->o->type), q35_type_by_id(Q35_TYPE_Q45_CB)};
    const int nk = Q35_MIXED_MAX_CAND;
    int nc = 0;
    uint64_t total_rows = 0;
    for (int i = 0; i < in->n_tensors; i++)
        if (p->is_cand[i]) nc++, total_rows += (uint64_t)q35_tensor_rows(&in->tensors[i]) * (uint64_t)nk;
    const size_t ne = (size_t)nc * (size_t)nk;
    double *e = q35_malloc(ne * sizeof *e, err);
    uint64_t *bits = q35_malloc(ne * sizeof *bits, err), *off = q35_malloc(ne * sizeof *off, err);
    int *choice = q35_malloc((size_t)nc * sizeof *choice, err);
    int rc = -1;
    if (!e || !bits || !off || !choice || !(p->spill = open_spill(c->out_path, err))) goto done;

    q35_progress_begin(c->prog, "mixed", total_rows, "rows");
    if (!c->o->progress) c->prog->enabled = 0;
    uint64_t rows_done = 0, spill_at = 0;
    for (int i = 0, j = 0; i < in->n_tensors; i++) {
        if (!p->is_cand[i]) continue;
        /* the tensor's bytes in GGUF layout: converted once here when stored otherwise */
        void *own = NULL;
        q35_tensor view = in->tensors[i];
        if (!(view.data = q35_tensor_data(&in->tensors[i], &own, err))) {
            q35_quant_err_prefix(err, in->path);
            goto done;
        }
        const q35_tensor *t = &view;
        const q35_hessian *h = q35_qctx_site(c, t);
        for (int k = 0; k < nk; k++, rows_done += (uint64_t)q35_tensor_rows(t)) {
            const size_t x = (size_t)j * (size_t)nk + (size_t)k;
            size_t nb;
            if (q35_tensor_nbytes(cand[k]->id, t->n_dims, t->ne, &nb, err)) goto done;
            bits[x] = 8 * (uint64_t)nb;
            if (t->type == cand[k]->id) { /* the writer copies such a tensor as it is: no error */
                e[x] = 0;
                off[x] = UINT64_MAX;
                continue;
            }
            uint8_t *buf = q35_malloc(nb, err);
            if (!buf) {
                free(own);
                goto done;
            }
            int r = q35_qctx_quantize(c, t, cand[k], buf, rows_done, err);
            if (!r && q35_mixed_error_proxy(t, cand[k], buf, h, c->o->n_threads, &e[x], err))
                r = q35_quant_err_prefix(err, c->out_path);
            if (!r && fwrite(buf, 1, nb, p->spill) != nb)
                r = q35_fail(err, "%s: cannot write the scratch file beside the output (disk full?)", c->out_path);
            free(buf);
            if (r) {
                free(own);
                goto done;
            }
            off[x] = spill_at;
            spill_at += nb;
        }
        free(own);
        j++;
    }
    q35_progress_end(c->prog);
    c->prog->enabled = 0; /* ended: the caller's end on a failure below draws nothing */
    if (fflush(p->spill)) {
        q35_fail(err, "%s: cannot write the scratch file beside the output (disk full?)", c->out_path);
        goto done;
    }
    /* the budget left after the block matrices outside the choice (init checked it covers them) */
    if (q35_mixed_solve(nc, nk, e, bits, p->budget_bits - p->fixed_bits, choice, err)) {
        q35_quant_err_prefix(err, c->out_path);
        goto done;
    }
    memset(rep->mixed_count, 0, sizeof rep->mixed_count);
    rep->mixed_n_cand = nk;
    rep->mixed_error = rep->mixed_error_base = 0;
    for (int k = 0; k < nk; k++) rep->mixed_type[k] = cand[k]->id;
    for (int i = 0, j = 0; i < in->n_tensors; i++) {
        if (!p->is_cand[i]) continue;
        const size_t x = (size_t)j * (size_t)nk;
        p->type[i] = cand[choice[j]]->id;
        p->offset[i] = off[x + (size_t)choice[j]];
        rep->mixed_count[choice[j]]++;
        rep->mixed_error += e[x + (size_t)choice[j]];
        rep->mixed_error_base += e[x];
        j++;
    }
    rep->target_bpw = p->target_bpw;
    rep->budget_bits = p->budget_bits;
    rep->mixed_seconds = q35_now() - t0;
    rc = 0;
done: /* on a failure the caller ends the bar, before it prints the error */
    free(e);
    free(bits);
    free(off);
    free(choice);
    return rc;
}
