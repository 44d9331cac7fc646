/* Tests for Hugging Face checkpoints (src/io/safetensors.c, hf_config.c, ckpt_hf.c,
 * hf_export.c): safetensors written and read back; malformed safetensors, index.json and
 * config.json files, each refused with one line naming the file; the q/k row permutation
 * against a direct integer reference and, through real RoPE arithmetic, against the
 * rotate-half definition in float64; LLaMA-3.1's RoPE scaling against transformers'
 * formula in float64; and a synthetic model exported and read back tensor for tensor. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/safetensors.h"
#include "model/ops.h"
#include "q35/ckpt.h"
#include "q35/hf.h"
#include "q35/model.h"
#include "q35/synth.h"
#include "q35/types.h"
#include "test_support.h"

/* ---------------------------------------------------------------- helpers */

static char *make_dir(const char *name)
{
    char *d = malloc(4096);
    snprintf(d, 4096, "%s", t_tmp(name));
    strcat(d, "_XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void remove_dir(char *d)
{
    DIR *dir = opendir(d);
    if (dir) {
        struct dirent *e;
        char p[8192];
        while ((e = readdir(dir)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", d, e->d_name);
                unlink(p);
            }
        closedir(dir);
    }
    rmdir(d);
    free(d);
}

static const char *in_dir(const char *dir, const char *name)
{
    static char buf[4][4096];
    static int slot;
    char *b = buf[slot++ & 3];
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

static void write_text(const char *path, const char *s) { assert_int_equal(t_write_file(path, s, strlen(s)), 0); }

/* A safetensors file from a header string (padded with spaces to a multiple of 8, as
 * real files are, so the data is aligned) and data bytes. */
static void write_st(const char *path, const char *header, const void *data, size_t n)
{
    size_t len = strlen(header), h = (len + 7) / 8 * 8;
    uint8_t *buf = malloc(8 + h + n + 1);
    for (int k = 0; k < 8; k++) buf[k] = (uint8_t)((uint64_t)h >> (8 * k));
    memset(buf + 8, ' ', h);
    memcpy(buf + 8, header, len);
    if (n) memcpy(buf + 8 + h, data, n);
    assert_int_equal(t_write_file(path, buf, 8 + h + n), 0);
    free(buf);
}

/* The message is one line, names the file, and says what is wrong. */
static void assert_msg(const q35_err *err, const char *file, const char *what)
{
    if (!strstr(err->msg, file) || !strstr(err->msg, what) || strchr(err->msg, '\n'))
        fail_msg("error '%s' should name '%s' and say '%s'", err->msg, file, what);
}

static void st_fails(const char *path, const char *what)
{
    q35_st_file f;
    q35_err err;
    if (!q35_st_open(path, &f, &err)) {
        q35_st_close(&f);
        fail_msg("%s: accepted, expected an error about '%s'", path, what);
    }
    assert_msg(&err, path, what);
    assert_null(f.tensors); /* closed on failure */
}

/* ---------------------------------------------------------------- safetensors */

static void test_st_roundtrip(void **state)
{
    (void)state;
    const char *path = t_tmp("rt.safetensors");
    q35_err err;
    q35_st_writer *w = q35_st_writer_new(&err);
    assert_non_null(w);
    const int64_t s2[2] = {3, 5}, s1[1] = {7}, s3[3] = {2, 2, 2};
    assert_int_equal(q35_st_add(w, "a.weight", Q35_TYPE_F32, 2, s2, &err), 0);
    assert_int_equal(q35_st_add(w, "b", Q35_TYPE_F32, 1, s1, &err), 0);
    assert_int_equal(q35_st_add(w, "c", Q35_TYPE_BF16, 3, s3, &err), 0);
    assert_int_equal(q35_st_add(w, "d", Q35_TYPE_F16, 1, s1, &err), 0);
    assert_int_not_equal(q35_st_add(w, "b", Q35_TYPE_F32, 1, s1, &err), 0); /* twice */
    assert_int_not_equal(q35_st_add(w, "e", Q35_TYPE_Q8_0, 1, s1, &err), 0); /* no dtype */
    float a[15], b[7];
    uint16_t c[8], d[7];
    for (int i = 0; i < 15; i++) a[i] = (float)i * 0.5f - 3;
    for (int i = 0; i < 7; i++) b[i] = (float)i, d[i] = q35_f32_to_f16((float)i);
    for (int i = 0; i < 8; i++) c[i] = q35_f32_to_bf16((float)-i);
    assert_int_equal(q35_st_write_begin(w, path, &err), 0);
    assert_int_not_equal(q35_st_write_tensor(w, a, 4, &err), 0); /* wrong size */
    assert_int_equal(q35_st_write_tensor(w, a, sizeof a, &err), 0);
    assert_int_equal(q35_st_write_tensor(w, b, sizeof b, &err), 0);
    assert_int_equal(q35_st_write_tensor(w, c, sizeof c, &err), 0);
    assert_int_equal(q35_st_write_tensor(w, d, sizeof d, &err), 0);
    assert_int_equal(q35_st_write_end(w, &err), 0);
    q35_st_writer_free(w);

    q35_st_file f;
    if (q35_st_open(path, &f, &err)) fail_msg("%s", err.msg);
    assert_int_equal(f.n_tensors, 4);
    const q35_st_tensor *t = q35_st_find(&f, "a.weight");
    assert_non_null(t);
    assert_int_equal(t->type, Q35_TYPE_F32);
    assert_int_equal(t->n_dims, 2);
    assert_int_equal(t->shape[0], 3);
    assert_int_equal(t->shape[1], 5);
    assert_memory_equal(t->data, a, sizeof a);
    assert_int_equal((uintptr_t)t->data % 8, 0); /* the header is padded to 8 */
    t = q35_st_find(&f, "c");
    assert_int_equal(t->type, Q35_TYPE_BF16);
    assert_int_equal(t->n_dims, 3);
    assert_memory_equal(t->data, c, sizeof c);
    t = q35_st_find(&f, "d");
    assert_int_equal(t->type, Q35_TYPE_F16);
    assert_memory_equal(t->data, d, sizeof d);
    assert_null(q35_st_find(&f, "__metadata__"));
    q35_st_close(&f);
    q35_st_close(&f);
    unlink(path);
}

static void test_st_malformed(void **state)
{
    (void)state;
    const char *p = t_tmp("bad.safetensors");
    float data[16] = {0};

    assert_int_equal(t_write_file(p, "abc", 3), 0);
    st_fails(p, "too short");

    uint8_t big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    assert_int_equal(t_write_file(p, big, sizeof big), 0);
    st_fails(p, "runs past the end of the file");

    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], ", data, 8);
    st_fails(p, "not valid JSON");
    write_st(p, "[1, 2]", NULL, 0);
    st_fails(p, "not a JSON object");
    write_st(p, "{} x", NULL, 0);
    st_fails(p, "data after its JSON object");
    write_st(p, "{\"__metadata__\": 3}", NULL, 0);
    st_fails(p, "__metadata__ is not a JSON object");

    /* offsets */
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", data, 8);
    st_fails(p, "out of range");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", data, 16);
    st_fails(p, "out of range");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
             data, 16);
    st_fails(p, "overlap");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", data, 16);
    st_fails(p, "data_offsets is not a pair");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", data, 16);
    st_fails(p, "data_offsets is not a pair");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1e300, 1e301]}}", data, 16);
    st_fails(p, "data_offsets is not a pair");

    /* dtype and shape */
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "dtype F32 and its shape need 12");
    write_st(p, "{\"a\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", data, 16);
    st_fails(p, "dtype BF16 and its shape need 8");
    write_st(p, "{\"a\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", data, 16);
    st_fails(p, "dtype 'I64'");
    write_st(p, "{\"a\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "no dtype");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], "
                "\"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "shape product overflows");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "shape entry");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "shape entry");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1, 1, 1, 1, 2], \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "5 dimensions");
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": \"2\", \"data_offsets\": [0, 8]}}", data, 16);
    st_fails(p, "no shape array");
    write_st(p, "{\"a\": [1]}", data, 16);
    st_fails(p, "not a JSON object");

    /* names and alignment */
    write_st(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
                "\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
             data, 16);
    st_fails(p, "appears twice");
    write_st(p, "{\"\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data, 16);
    st_fails(p, "empty name");
    /* header of 64 bytes: data at file offset 72; +2 is not 4-aligned */
    char h[65];
    snprintf(h, sizeof h, "%-64s", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [2, 6]}}");
    write_st(p, h, data, 16);
    st_fails(p, "not aligned");

    /* a valid one with the same helper, to show the helper is right */
    write_st(p, "{\"__metadata__\": {\"format\": \"pt\"}, \"a\": {\"dtype\": \"F32\", \"shape\": [], "
                "\"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"F16\", \"shape\": [0], \"data_offsets\": [4, 4]}}  ",
             data, 16);
    q35_st_file f;
    q35_err err;
    if (q35_st_open(p, &f, &err)) fail_msg("%s", err.msg);
    assert_int_equal(f.n_tensors, 2);
    assert_int_equal(q35_st_find(&f, "a")->n_dims, 0);
    assert_int_equal(q35_st_find(&f, "b")->nbytes, 0);
    q35_st_close(&f);

    /* every truncation of a good file fails cleanly or parses (never crashes) */
    const char *good = t_tmp("good.safetensors");
    write_st(good, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}      ", data, 16);
    q35_map m;
    assert_int_equal(q35_map_open(good, &m, &err), 0);
    for (size_t n = 0; n < m.size; n++) {
        assert_int_equal(t_write_file(p, m.data, n), 0);
        if (!q35_st_open(p, &f, &err)) fail_msg("truncated to %zu bytes, accepted", n);
        assert_non_null(strstr(err.msg, p));
    }
    q35_map_close(&m);
    unlink(good);
    unlink(p);
}

/* ---------------------------------------------------------------- q/k layout */

static void test_qk_permutation(void **state)
{
    (void)state;
    for (int hd = 2; hd <= 256; hd += 2) {
        const int heads = 3, rows = heads * hd;
        char *seen = calloc((size_t)rows, 1);
        for (int r = 0; r < rows; r++) {
            /* direct reference: llama.cpp's reshape(heads, 2, hd/2).swapaxes(1, 2): the
             * element at (h, b, a) of the result is (h, a, b) of the HF rows */
            const int h = r / hd, b = (r % hd) / 2, a = (r % hd) % 2;
            const int64_t hf = (int64_t)h * hd + (int64_t)a * (hd / 2) + b;
            assert_int_equal(q35_hf_qk_row(r, hd), hf);
            assert_int_equal(q35_gguf_qk_row(q35_hf_qk_row(r, hd), hd), r);
            assert_int_equal(q35_hf_qk_row(q35_gguf_qk_row(r, hd), hd), r);
            assert_true(hf / hd == h); /* stays in its head */
            assert_int_equal(seen[hf], 0);
            seen[hf] = 1;
        }
        free(seen);
    }
}

/* HF's rotate-half RoPE in float64 on one head of d values at position pos. */
static void rope_half_f64(double *v, int d, int pos, double base)
{
    double *out = malloc(sizeof(double) * (size_t)d);
    for (int i = 0; i < d / 2; i++) {
        const double inv = 1.0 / pow(base, (double)(2 * i) / d), c = cos(pos * inv), s = sin(pos * inv);
        /* q * cos + rotate_half(q) * sin, rotate_half(q) = (-q2, q1) */
        out[i] = v[i] * c - v[i + d / 2] * s;
        out[i + d / 2] = v[i + d / 2] * c + v[i] * s;
    }
    memcpy(v, out, sizeof(double) * (size_t)d);
    free(out);
}

/* The layout, checked through the arithmetic it exists for: a q_proj matrix in HF rows,
 * times x, rotated by HF's rotate-half RoPE (float64), equals the same matrix converted by
 * q35_tensor_data (the reader's path), times x, rotated by q35's pair RoPE (the forward
 * pass's own q35_rope_angles/q35_rope_apply) -- row for row after un-permuting. And
 * the attention score q.k is the same in both layouts. */
static void test_qk_rope(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    const int heads = 4, kv_heads = 2, hd = 16, dim = heads * hd, rows_k = kv_heads * hd;
    const double base = 10000.0;
    float *wq = malloc(sizeof(float) * (size_t)(dim * dim)), *wk = malloc(sizeof(float) * (size_t)(rows_k * dim));
    float x[64];
    for (int i = 0; i < dim * dim; i++) wq[i] = t_rand_normal(&seed);
    for (int i = 0; i < rows_k * dim; i++) wk[i] = t_rand_normal(&seed);
    for (int i = 0; i < dim; i++) x[i] = t_rand_normal(&seed);

    q35_tensor tq = {.name = "blk.0.attn_q.weight", .type = Q35_TYPE_F32, .n_dims = 2, .ne = {dim, dim, 1, 1},
                     .nbytes = sizeof(float) * (size_t)(dim * dim), .src = wq, .src_head_dim = hd};
    q35_tensor tk = tq;
    tk.name = "blk.0.attn_k.weight";
    tk.ne[1] = rows_k;
    tk.nbytes = sizeof(float) * (size_t)(rows_k * dim);
    tk.src = wk;
    void *own_q, *own_k;
    q35_err err;
    const float *gq = q35_tensor_data(&tq, &own_q, &err), *gk = q35_tensor_data(&tk, &own_k, &err);
    assert_non_null(gq);
    assert_non_null(gk);
    assert_non_null(own_q);

    for (int pos = 0; pos < 200; pos += 37) {
        /* HF: q = Wq x in HF rows, rotate-half per head, float64 */
        double qh[64], kh[32];
        for (int r = 0; r < dim; r++) {
            qh[r] = 0;
            for (int c = 0; c < dim; c++) qh[r] += (double)wq[r * dim + c] * x[c];
        }
        for (int r = 0; r < rows_k; r++) {
            kh[r] = 0;
            for (int c = 0; c < dim; c++) kh[r] += (double)wk[r * dim + c] * x[c];
        }
        for (int h = 0; h < heads; h++) rope_half_f64(qh + h * hd, hd, pos, base);
        for (int h = 0; h < kv_heads; h++) rope_half_f64(kh + h * hd, hd, pos, base);
        /* GGUF: converted rows, q35's pair RoPE in float */
        float qg[64], kg[32], cs[16];
        for (int r = 0; r < dim; r++) {
            double s = 0;
            for (int c = 0; c < dim; c++) s += (double)gq[r * dim + c] * x[c];
            qg[r] = (float)s;
        }
        for (int r = 0; r < rows_k; r++) {
            double s = 0;
            for (int c = 0; c < dim; c++) s += (double)gk[r * dim + c] * x[c];
            kg[r] = (float)s;
        }
        q35_rope_angles(cs, hd, pos, (float)base, NULL);
        q35_rope_apply(qg, heads, hd, hd, cs);
        q35_rope_apply(kg, kv_heads, hd, hd, cs);
        for (int r = 0; r < dim; r++)
            if (fabs(qg[r] - qh[q35_hf_qk_row(r, hd)]) > 1e-3 * (1 + fabs(qh[q35_hf_qk_row(r, hd)])))
                fail_msg("pos %d: q row %d: pair RoPE %g, rotate-half %g", pos, r, qg[r], qh[q35_hf_qk_row(r, hd)]);
        for (int r = 0; r < rows_k; r++)
            assert_true(fabs(kg[r] - kh[q35_hf_qk_row(r, hd)]) <= 1e-3 * (1 + fabs(kh[q35_hf_qk_row(r, hd)])));
        /* attention scores of every q head against its kv head agree */
        for (int h = 0; h < heads; h++) {
            const int g = h / (heads / kv_heads);
            double s_hf = 0, s_gg = 0;
            for (int i = 0; i < hd; i++) {
                s_hf += qh[h * hd + i] * kh[g * hd + i];
                s_gg += (double)qg[h * hd + i] * kg[g * hd + i];
            }
            assert_true(fabs(s_hf - s_gg) <= 1e-3 * (1 + fabs(s_hf)));
        }
    }
    /* without conversion the same check fails: the test can see a wrong layout */
    float qn[64], cs[16];
    double qh[64];
    for (int r = 0; r < dim; r++) {
        qh[r] = 0;
        double s = 0;
        for (int c = 0; c < dim; c++) s += (double)wq[r * dim + c] * x[c];
        qh[r] = s;
        qn[r] = (float)s;
    }
    rope_half_f64(qh, hd, 50, base);
    q35_rope_angles(cs, hd, 50, (float)base, NULL);
    q35_rope_apply(qn, 1, hd, hd, cs);
    double worst = 0;
    for (int r = 0; r < hd; r++) worst = fmax(worst, fabs(qn[r] - qh[q35_hf_qk_row(r, hd)]));
    assert_true(worst > 1e-2);
    free(own_q);
    free(own_k);
    free(wq);
    free(wk);
}

/* ---------------------------------------------------------------- LLaMA-3.1 RoPE */

static void test_llama3_rope(void **state)
{
    (void)state;
    q35_hf_config c;
    memset(&c, 0, sizeof c);
    c.rope_theta = 500000.0;
    c.rope_llama3 = 1;
    c.rope_factor = 8;
    c.rope_low_freq_factor = 1;
    c.rope_high_freq_factor = 4;
    c.rope_orig_ctx = 8192;
    const int d = 128;
    float f[64], cs[128];
    q35_hf_llama3_rope_factors(&c, d, f);
    int n_one = 0, n_factor = 0, n_mid = 0;
    for (int i = 0; i < d / 2; i++) {
        /* transformers' _compute_llama3_parameters, in float64 */
        const double pi = 3.14159265358979323846, inv = 1.0 / pow(500000.0, 2.0 * i / d), wl = 2 * pi / inv;
        const double low_wl = 8192.0 / 1, high_wl = 8192.0 / 4;
        double want = wl > low_wl ? inv / 8 : inv;
        if (!(wl < high_wl) && !(wl > low_wl)) {
            const double s = (8192.0 / wl - 1) / (4 - 1);
            want = (1 - s) * inv / 8 + s * inv;
        }
        n_one += f[i] == 1.0f, n_factor += f[i] == 8.0f, n_mid += f[i] > 1 && f[i] < 8;
        const double got = inv / f[i];
        if (fabs(got - want) > 1e-6 * want) fail_msg("pair %d: frequency %.9g, transformers %.9g", i, got, want);
        /* and the forward pass's angles with the divisors */
        for (int pos = 1; pos <= 4096; pos *= 8) {
            q35_rope_angles(cs, d, pos, 500000.0f, f);
            if (fabs(cs[2 * i] - cos(pos * want)) > 2e-3 || fabs(cs[2 * i + 1] - sin(pos * want)) > 2e-3)
                fail_msg("pair %d pos %d: cos/sin %g %g, want %g %g", i, pos, cs[2 * i], cs[2 * i + 1],
                         cos(pos * want), sin(pos * want));
        }
    }
    assert_true(n_one > 0 && n_factor > 0 && n_mid > 0); /* all three regimes are exercised */
    /* without divisors: unchanged */
    float a[128], b[128], ones[64];
    for (int i = 0; i < 64; i++) ones[i] = 1;
    q35_rope_angles(a, d, 77, 10000.0f, NULL);
    q35_rope_angles(b, d, 77, 10000.0f, ones);
    assert_memory_equal(a, b, sizeof a);
}

/* ---------------------------------------------------------------- whole directories */

/* A synthetic GGUF model and its HF export in a fresh directory. */
typedef struct fixture {
    char *dir;
    char gguf[4096];
} fixture;

static void make_hf(fixture *fx, int shards, uint32_t dtype)
{
    fx->dir = make_dir("hf");
    snprintf(fx->gguf, sizeof fx->gguf, "%s", t_tmp("synth_hf.gguf"));
    q35_synth_opts so;
    q35_synth_defaults(&so);
    q35_err err;
    if (q35_synth_write(fx->gguf, &so, &err)) fail_msg("%s", err.msg);
    q35_ckpt c;
    if (q35_ckpt_open(fx->gguf, NULL, &c, &err)) fail_msg("%s", err.msg);
    q35_hf_export_opts o = {.n_shards = shards, .dtype = dtype};
    if (q35_hf_export(&c, fx->dir, &o, &err)) fail_msg("%s", err.msg);
    q35_ckpt_close(&c);
}

static void free_hf(fixture *fx)
{
    remove_dir(fx->dir);
    unlink(fx->gguf);
}

static void open_fails(const fixture *fx, const char *file, const char *what)
{
    q35_ckpt c;
    q35_err err;
    if (!q35_ckpt_open(fx->dir, fx->gguf, &c, &err)) {
        q35_ckpt_close(&c);
        fail_msg("accepted, expected an error about '%s'", what);
    }
    assert_msg(&err, file, what);
}

static void test_export_read_back(void **state)
{
    (void)state;
    static const uint32_t types[3] = {Q35_TYPE_F32, Q35_TYPE_BF16, Q35_TYPE_F16};
    for (int k = 0; k < 3; k++) {
        fixture fx;
        make_hf(&fx, k + 1, types[k]);
        q35_ckpt a, b;
        q35_err err;
        if (q35_ckpt_open(fx.gguf, NULL, &a, &err) || q35_ckpt_open(fx.dir, fx.gguf, &b, &err)) fail_msg("%s", err.msg);
        assert_string_equal(b.format, "hf");
        assert_int_equal(b.n_maps, k + 1);
        assert_memory_equal(&a.cfg, &b.cfg, sizeof a.cfg);
        t_assert_same_vocab(&a.vocab, &b.vocab);
        assert_int_equal(a.n_tensors, b.n_tensors);
        const q35_type_traits *dt = q35_type_by_id(types[k]);
        for (int i = 0; i < a.n_tensors; i++) {
            const q35_tensor *ta = &a.tensors[i], *tb = q35_ckpt_find(&b, ta->name);
            assert_non_null(tb);
            assert_int_equal(tb->type, types[k]);
            assert_int_equal(tb->n_dims, ta->n_dims);
            assert_memory_equal(tb->ne, ta->ne, sizeof ta->ne);
            const int qk = strstr(ta->name, "attn_q") || strstr(ta->name, "attn_k");
            assert_int_equal(tb->data == NULL, qk); /* q/k are converted on reading */
            void *own;
            const uint8_t *db = q35_tensor_data(tb, &own, &err);
            assert_non_null(db);
            /* the source rounded to the export type, in the same (GGUF) row order */
            const int64_t n = ta->ne[0], rows = ta->ne[1];
            float *ra = malloc(sizeof(float) * (size_t)n), *rb = malloc(sizeof(float) * (size_t)n);
            void *rt = malloc(dt->row_bytes(n));
            const q35_type_traits *st = q35_type_by_id(ta->type);
            for (int64_t r = 0; r < rows; r++) {
                st->to_float((const uint8_t *)ta->data + (size_t)r * st->row_bytes(n), n, ra);
                dt->from_float(ra, n, rt);
                assert_memory_equal(db + (size_t)r * dt->row_bytes(n), rt, dt->row_bytes(n));
            }
            free(ra);
            free(rb);
            free(rt);
            free(own);
        }
        q35_ckpt_close(&a);
        q35_ckpt_close(&b);
        free_hf(&fx);
    }
}

/* config.json with rope_scaling llama3: rope_freqs.weight appears and the model uses it. */
static void test_llama3_config(void **state)
{
    (void)state;
    fixture fx;
    make_hf(&fx, 2, Q35_TYPE_F32);
    q35_hf_config hc;
    q35_err err;
    const char *cfg = in_dir(fx.dir, "config.json");
    if (q35_hf_config_read(cfg, &hc, &err)) fail_msg("%s", err.msg);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": %d, \"intermediate_size\": %d, "
             "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, "
             "\"vocab_size\": %d, \"max_position_embeddings\": 131072, \"rms_norm_eps\": 1e-05, "
             "\"rope_theta\": 500000.0, \"bos_token_id\": 1, \"eos_token_id\": [2, 0], \"tie_word_embeddings\": false,"
             " \"rope_scaling\": {\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
             "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}}",
             hc.hidden_size, hc.intermediate_size, hc.n_layers, hc.n_heads, hc.n_kv_heads, hc.vocab_size);
    write_text(cfg, text);
    q35_hf_config h3;
    if (q35_hf_config_read(cfg, &h3, &err)) fail_msg("%s", err.msg);
    assert_int_equal(h3.rope_llama3, 1);
    assert_true(h3.rope_factor == 8 && h3.rope_orig_ctx == 8192 && h3.eos == 2 && h3.bos == 1);
    q35_ckpt c;
    if (q35_ckpt_open(fx.dir, fx.gguf, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.cfg.ctx_len, 131072);
    assert_true(c.cfg.rope_base == 500000.0f);
    const q35_tensor *rf = q35_ckpt_find(&c, "rope_freqs.weight");
    assert_non_null(rf);
    assert_int_equal(rf->ne[0], c.cfg.rope_dim / 2);
    float want[64];
    q35_hf_llama3_rope_factors(&h3, c.cfg.rope_dim, want);
    assert_memory_equal(rf->data, want, rf->nbytes);
    q35_model m;
    if (q35_model_load(&c, &m, &err)) fail_msg("%s", err.msg);
    assert_non_null(m.rope_freqs);
    assert_memory_equal(m.rope_freqs, want, rf->nbytes);
    q35_model_free(&m);
    q35_ckpt_close(&c);

    /* Mistral: the sliding window caps the context, so attention never reaches past it */
    snprintf(text, sizeof text,
             "{\"architectures\": [\"MistralForCausalLM\"], \"hidden_size\": %d, \"intermediate_size\": %d, "
             "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, "
             "\"vocab_size\": %d, \"max_position_embeddings\": 32768, \"sliding_window\": 4096, "
             "\"rope_theta\": 1000000.0, \"rope_scaling\": null, \"head_dim\": null}",
             hc.hidden_size, hc.intermediate_size, hc.n_layers, hc.n_heads, hc.n_kv_heads, hc.vocab_size);
    write_text(cfg, text);
    if (q35_ckpt_open(fx.dir, fx.gguf, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.cfg.ctx_len, 4096);
    assert_true(c.cfg.rope_base == 1e6f);
    assert_true(c.cfg.norm_eps == 1e-6f); /* transformers' default */
    assert_null(q35_ckpt_find(&c, "rope_freqs.weight"));
    q35_ckpt_close(&c);
    free_hf(&fx);
}

static void test_bad_config(void **state)
{
    (void)state;
    fixture fx;
    make_hf(&fx, 1, Q35_TYPE_F32);
    const char *cfg = in_dir(fx.dir, "config.json");
    q35_map m;
    q35_err err;
    assert_int_equal(q35_map_open(cfg, &m, &err), 0);
    char *good = malloc(m.size + 1);
    memcpy(good, m.data, m.size);
    good[m.size] = 0;
    q35_map_close(&m);

    static const struct { const char *from, *to, *what; } cases[] = {
        {"\"hidden_size\"", "\"hidden_sizes\"", "key 'hidden_size' missing"},
        {"\"LlamaForCausalLM\"", "\"GPT2LMHeadModel\"", "architecture 'GPT2LMHeadModel' is not supported"},
        {"\"rope_scaling\":\tnull", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}",
         "rope_scaling type 'yarn' is not supported"},
        {"\"rope_scaling\":\tnull", "\"rope_scaling\": 3", "'rope_scaling' must be an object"},
        {"\"hidden_act\":\t\"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act 'gelu' is not supported"},
        {"\"attention_bias\":\tfalse", "\"attention_bias\": true", "attention_bias true is not supported"},
        {"\"num_key_value_heads\":\t2", "\"num_key_value_heads\": 3", "does not divide"},
        {"\"head_dim\":\t16", "\"head_dim\": 32", "head_dim 32 differs"},
        {"\"num_hidden_layers\":\t2", "\"num_hidden_layers\": 2.5", "'num_hidden_layers' must be an integer"},
        {"\"num_hidden_layers\":\t2", "\"num_hidden_layers\": -1", "'num_hidden_layers' must be an integer"},
        {"\"rms_norm_eps\":\t1e-05", "\"rms_norm_eps\": \"small\"", "'rms_norm_eps' must be a positive number"},
        {"\"tie_word_embeddings\":\tfalse", "\"tie_word_embeddings\": 0", "must be true or false"},
        {"\"vocab_size\":\t", "\"vocab_size\": 9, \"x\": ", "vocabulary has"},
        {"\"num_hidden_layers\":\t2", "\"num_hidden_layers\": 3", "missing tensor 'blk.2.attn_norm.weight'"},
        {"\"num_hidden_layers\":\t2", "\"num_hidden_layers\": 1", "is for layer 1, but config.json says 1 layers"},
        {"\"tie_word_embeddings\":\tfalse", "\"tie_word_embeddings\": true, \"y\": 0",
         NULL /* tied: lm_head is skipped, the model still loads */},
        {"{", "{ \"a\": [1, 2", "not valid JSON"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *at = strstr(good, cases[k].from);
        if (!at) fail_msg("case %zu: '%s' not in config.json:\n%s", k, cases[k].from, good);
        size_t pre = (size_t)(at - good);
        char *bad = malloc(strlen(good) + strlen(cases[k].to) + 1);
        memcpy(bad, good, pre);
        strcpy(bad + pre, cases[k].to);
        strcat(bad, at + strlen(cases[k].from));
        write_text(cfg, bad);
        free(bad);
        if (cases[k].what) {
            const char *file = strstr(cases[k].what, "vocabulary") || strstr(cases[k].what, "missing tensor") ||
                                       strstr(cases[k].what, "is for layer")
                                   ? fx.dir
                                   : cfg;
            open_fails(&fx, file, cases[k].what);
        } else {
            q35_ckpt c;
            if (q35_ckpt_open(fx.dir, fx.gguf, &c, &err)) fail_msg("case %zu: %s", k, err.msg);
            assert_null(q35_ckpt_find(&c, "output.weight"));
            q35_ckpt_close(&c);
        }
    }
    write_text(cfg, good);
    unlink(cfg);
    open_fails(&fx, fx.dir, "no config.json");
    free(good);
    free_hf(&fx);
}

static void test_bad_index(void **state)
{
    (void)state;
    fixture fx;
    make_hf(&fx, 2, Q35_TYPE_F32);
    const char *idx = in_dir(fx.dir, "model.safetensors.index.json");
    const char *s1 = "model-00001-of-00002.safetensors";
    char text[1024];

    write_text(idx, "{\"weight_map\": {\"model.norm.weight\": ");
    open_fails(&fx, idx, "not valid JSON");
    write_text(idx, "{\"metadata\": {}}");
    open_fails(&fx, idx, "no 'weight_map' object");
    write_text(idx, "{\"weight_map\": {}}");
    open_fails(&fx, idx, "weight_map is empty");
    write_text(idx, "{\"weight_map\": {\"model.norm.weight\": 7}}");
    open_fails(&fx, idx, "is not a file name");
    write_text(idx, "{\"weight_map\": {\"model.norm.weight\": \"../model-00001-of-00002.safetensors\"}}");
    open_fails(&fx, idx, "not a file in the directory");
    snprintf(text, sizeof text, "{\"weight_map\": {\"model.layers.9.mlp.up_proj.weight\": \"%s\"}}", s1);
    write_text(idx, text);
    open_fails(&fx, idx, "'model.layers.9.mlp.up_proj.weight' is listed in");
    write_text(idx, "{\"weight_map\": {\"model.norm.weight\": \"model-00009-of-00009.safetensors\"}}");
    open_fails(&fx, "model-00009-of-00009.safetensors", "cannot open");
    /* a shard that is not a safetensors file: the shard is named */
    write_text(in_dir(fx.dir, "junk.safetensors"), "hello");
    write_text(idx, "{\"weight_map\": {\"model.norm.weight\": \"junk.safetensors\"}}");
    open_fails(&fx, "junk.safetensors", "too short");
    /* an unknown tensor name */
    const float one = 1;
    write_st(in_dir(fx.dir, "odd.safetensors"),
             "{\"model.layers.0.self_attn.q_norm.weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
             &one, 4);
    write_text(idx, "{\"weight_map\": {\"model.layers.0.self_attn.q_norm.weight\": \"odd.safetensors\"}}");
    open_fails(&fx, "odd.safetensors", "is not a LLaMA tensor");
    /* a listed subset: the model is incomplete */
    snprintf(text, sizeof text, "{\"weight_map\": {\"model.norm.weight\": \"%s\"}}", s1);
    write_text(idx, text);
    open_fails(&fx, fx.dir, "lm_head.weight missing");
    snprintf(text, sizeof text, "{\"weight_map\": {\"model.norm.weight\": \"%s\", \"lm_head.weight\": \"%s\"}}", s1,
             s1);
    write_text(idx, text);
    open_fails(&fx, fx.dir, "missing tensor 'token_embd.weight'");
    /* no index and no model.safetensors */
    unlink(idx);
    open_fails(&fx, fx.dir, "no model.safetensors or model.safetensors.index.json");
    free_hf(&fx);
}

static void test_tokenizer_choice(void **state)
{
    (void)state;
    fixture fx;
    make_hf(&fx, 1, Q35_TYPE_F32);
    q35_ckpt c;
    q35_err err;
    /* no tokenizer in the directory, none given */
    assert_int_not_equal(q35_ckpt_open(fx.dir, NULL, &c, &err), 0);
    assert_msg(&err, fx.dir, "no tokenizer.model or tokenizer.json");
    /* a path to a file in the directory works like the directory */
    if (q35_ckpt_open(in_dir(fx.dir, "model.safetensors"), fx.gguf, &c, &err)) fail_msg("%s", err.msg);
    assert_string_equal(c.path, fx.dir);
    q35_ckpt_close(&c);
    /* a tokenizer that does not fit the model's vocabulary */
    const char *bad = in_dir(fx.dir, "tokenizer.json");
    write_text(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
    assert_int_not_equal(q35_ckpt_open(fx.dir, NULL, &c, &err), 0);
    assert_non_null(strstr(err.msg, fx.dir));
    free_hf(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_st_roundtrip),   cmocka_unit_test(test_st_malformed),
        cmocka_unit_test(test_qk_permutation), cmocka_unit_test(test_qk_rope),
        cmocka_unit_test(test_llama3_rope),    cmocka_unit_test(test_export_read_back),
        cmocka_unit_test(test_llama3_config),  cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_bad_index),      cmocka_unit_test(test_tokenizer_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
