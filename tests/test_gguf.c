/* Tests for the GGUF reader and writer (src/io): a round trip of every metadata type
 * and every tensor type, then malformed files, each of which must fail with one line
 * naming the file and never crash (run under ASan/UBSan too). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "q35/gguf.h"
#include "q35/types.h"
#include "test_support.h"

/* ---- a byte builder for hand-made files ---- */
typedef struct bb {
    uint8_t d[1 << 16];
    size_t n;
} bb;

static void b_raw(bb *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->d);
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void b_u8(bb *b, uint8_t v) { b_raw(b, &v, 1); }
static void b_u32(bb *b, uint32_t v) { b_raw(b, &v, 4); }
static void b_u64(bb *b, uint64_t v) { b_raw(b, &v, 8); }
static void b_str(bb *b, const char *s)
{
    b_u64(b, strlen(s));
    b_raw(b, s, strlen(s));
}
static void b_pad(bb *b, size_t a)
{
    while (b->n % a) b_u8(b, 0);
}

/* Opens a file that must be rejected; the message must name the file and contain `what`. */
static void expect_reject(const char *path, const char *what)
{
    q35_gguf g;
    q35_err err = {{0}};
    int rc = q35_gguf_open(path, &g, &err);
    if (rc == 0) {
        q35_gguf_close(&g);
        fail_msg("%s was accepted (expected: %s)", path, what);
    }
    if (!strstr(err.msg, path)) fail_msg("message does not name the file: %s", err.msg);
    if (what && !strstr(err.msg, what)) fail_msg("message lacks '%s': %s", what, err.msg);
    assert_null(strchr(err.msg, '\n'));
}

static void expect_reject_bytes(const bb *b, const char *what)
{
    const char *path = t_tmp("bad.gguf");
    assert_int_equal(t_write_file(path, b->d, b->n), 0);
    expect_reject(path, what);
    unlink(path);
}

/* ---- round trip ---- */
static const uint32_t num_types[] = {Q35_GGUF_UINT8,  Q35_GGUF_INT8,  Q35_GGUF_UINT16, Q35_GGUF_INT16,
                                     Q35_GGUF_UINT32, Q35_GGUF_INT32, Q35_GGUF_FLOAT32, Q35_GGUF_BOOL,
                                     Q35_GGUF_UINT64, Q35_GGUF_INT64, Q35_GGUF_FLOAT64};
#define N_NUM_TYPES (sizeof num_types / sizeof num_types[0])
static const size_t num_size[] = {1, 1, 2, 2, 4, 4, 4, 1, 8, 8, 8};

/* A hand-made file with one scalar of every numeric type (the writer has setters for
 * only some), to test the reader and q35_gguf_copy_kv on all of them. */
static void write_all_scalars(const char *path)
{
    bb *b = calloc(1, sizeof *b);
    b_raw(b, "GGUF", 4);
    b_u32(b, 3);
    b_u64(b, 0);
    b_u64(b, N_NUM_TYPES);
    uint8_t u8 = 200; int8_t i8 = -100; uint16_t u16 = 60000; int16_t i16 = -30000; uint32_t u32 = 4000000000u;
    int32_t i32 = -2000000000; float f32 = 1.5f; uint8_t bo = 1; uint64_t u64 = 18000000000000000000ull;
    int64_t i64 = -9000000000000000000ll; double f64 = -2.25;
    const void *vals[] = {&u8, &i8, &u16, &i16, &u32, &i32, &f32, &bo, &u64, &i64, &f64};
    for (size_t i = 0; i < N_NUM_TYPES; i++) {
        char key[32];
        snprintf(key, sizeof key, "s.%zu", i);
        b_str(b, key);
        b_u32(b, num_types[i]);
        b_raw(b, vals[i], num_size[i]);
    }
    assert_int_equal(t_write_file(path, b->d, b->n), 0);
    free(b);
}

static void check_all_scalars(const q35_gguf *g)
{
    q35_err err;
    int64_t v;
    double f;
    int bo;
    const int64_t ints[] = {200, -100, 60000, -30000, 4000000000ll, -2000000000};
    for (int i = 0; i < 6; i++) {
        char key[32];
        snprintf(key, sizeof key, "s.%d", i);
        assert_int_equal(q35_gguf_get_int(g, key, &v, &err), 0);
        assert_int_equal(v, ints[i]);
        assert_int_equal(q35_gguf_find(g, key)->type, num_types[i]);
    }
    assert_int_equal(q35_gguf_get_float(g, "s.6", &f, &err), 0);
    assert_true(f == 1.5);
    assert_int_equal(q35_gguf_get_bool(g, "s.7", &bo, &err), 0);
    assert_int_equal(bo, 1);
    /* u64 beyond int64 is reported as out of range, not wrapped */
    assert_int_equal(q35_gguf_get_int(g, "s.8", &v, &err), -1);
    assert_non_null(strstr(err.msg, "s.8"));
    assert_true(q35_gguf_find(g, "s.8")->num.u64 == 18000000000000000000ull);
    assert_int_equal(q35_gguf_get_int(g, "s.9", &v, &err), 0);
    assert_true(v == -9000000000000000000ll);
    assert_int_equal(q35_gguf_get_float(g, "s.10", &f, &err), 0);
    assert_true(f == -2.25);
    /* type mismatches and missing keys */
    const char *s;
    assert_int_equal(q35_gguf_get_str(g, "s.0", &s, &err), -1);
    assert_int_equal(q35_gguf_get_int(g, "s.6", &v, &err), -1);
    assert_int_equal(q35_gguf_get_int(g, "nope", &v, &err), 1);
}

static void test_all_scalar_types(void **state)
{
    (void)state;
    const char *src = t_tmp("scalars.gguf"), *dst = t_tmp("scalars2.gguf");
    write_all_scalars(src);
    q35_err err;
    q35_gguf g;
    assert_int_equal(q35_gguf_open(src, &g, &err), 0);
    check_all_scalars(&g);
    /* copy every key through the writer and read again */
    q35_gguf_writer *w = q35_gguf_writer_new(&err);
    for (uint64_t i = 0; i < g.n_kv; i++) assert_int_equal(q35_gguf_copy_kv(w, &g.kv[i], &err), 0);
    assert_int_equal(q35_gguf_write_begin(w, dst, &err), 0);
    assert_int_equal(q35_gguf_write_end(w, &err), 0);
    q35_gguf_writer_free(w);
    q35_gguf g2;
    assert_int_equal(q35_gguf_open(dst, &g2, &err), 0);
    check_all_scalars(&g2);
    q35_gguf_close(&g2);
    q35_gguf_close(&g);
    unlink(src);
    unlink(dst);
}

typedef struct tdesc {
    char name[64];
    uint32_t type;
    int n_dims;
    int64_t ne[4];
    size_t nbytes;
    uint8_t *data;
} tdesc;

/* Tensors of every type in the table, several shapes, random bytes. */
static int make_tensors(tdesc *t, uint64_t *seed)
{
    int n = 0;
    static const int64_t shapes[][4] = {{37, 3, 1, 1}, {64, 1, 1, 1}, {5, 2, 3, 1}, {1, 1, 1, 2}};
    static const int dims[] = {2, 1, 3, 4};
    for (int i = 0; q35_type_at(i); i++)
        for (int s = 0; s < 4; s++) {
            tdesc *d = &t[n++];
            d->type = q35_type_at(i)->id;
            snprintf(d->name, sizeof d->name, "t.%s.%d", q35_type_at(i)->name, s);
            d->n_dims = dims[s];
            memcpy(d->ne, shapes[s], sizeof d->ne);
            q35_err err;
            assert_int_equal(q35_tensor_nbytes(d->type, d->n_dims, d->ne, &d->nbytes, &err), 0);
            d->data = malloc(d->nbytes);
            for (size_t k = 0; k < d->nbytes; k++) d->data[k] = (uint8_t)t_rand_u64(seed);
        }
    return n;
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    const char *path = t_tmp("rt.gguf");
    q35_err err;
    tdesc *t = calloc(256, sizeof *t);
    int nt = make_tensors(t, &seed);
    for (int align = 0; align < 2; align++) {
        q35_gguf_writer *w = q35_gguf_writer_new(&err);
        assert_non_null(w);
        assert_int_equal(q35_gguf_set_u32(w, "k.u32", 7, &err), 0);
        assert_int_equal(q35_gguf_set_u32(w, "k.u32", 4000000000u, &err), 0); /* replaces */
        assert_int_equal(q35_gguf_set_i32(w, "k.i32", -5, &err), 0);
        assert_int_equal(q35_gguf_set_f32(w, "k.f32", 0.25f, &err), 0);
        assert_int_equal(q35_gguf_set_bool(w, "k.bool", 1, &err), 0);
        assert_int_equal(q35_gguf_set_str(w, "k.str", "h\xc3\xa9llo", &err), 0);
        assert_int_equal(q35_gguf_set_str(w, "k.gone", "x", &err), 0);
        assert_int_equal(q35_gguf_remove_kv(w, "k.gone"), 0);
        assert_int_equal(q35_gguf_remove_kv(w, "k.gone"), -1);
        const char *strs[] = {"a", "", "\xe2\x96\x81the", "<0x0A>"};
        assert_int_equal(q35_gguf_set_arr_str(w, "k.astr", strs, 4, &err), 0);
        uint8_t raw[8 * 5];
        for (size_t k = 0; k < sizeof raw; k++) raw[k] = (uint8_t)(k * 37 + 1);
        for (size_t k = 0; k < 8 * 5; k += 8) raw[k] &= 1; /* keep bool elements 0/1 */
        for (size_t i = 0; i < N_NUM_TYPES; i++) {
            char key[32];
            snprintf(key, sizeof key, "k.arr.%zu", i);
            uint8_t el[8 * 5];
            for (int e = 0; e < 5; e++) memcpy(el + e * num_size[i], raw + 8 * e, num_size[i]);
            assert_int_equal(q35_gguf_set_arr_num(w, key, num_types[i], el, 5, &err), 0);
        }
        assert_int_equal(q35_gguf_set_arr_num(w, "k.empty", Q35_GGUF_INT32, NULL, 0, &err), 0);
        if (align) assert_int_equal(q35_gguf_set_u32(w, "general.alignment", 64, &err), 0);
        for (int i = 0; i < nt; i++)
            assert_int_equal(q35_gguf_add_tensor(w, t[i].name, t[i].type, t[i].n_dims, t[i].ne, &err), i);
        assert_int_equal(q35_gguf_write_begin(w, path, &err), 0);
        for (int i = 0; i < nt; i++) assert_int_equal(q35_gguf_write_tensor(w, t[i].data, t[i].nbytes, &err), 0);
        assert_int_equal(q35_gguf_write_end(w, &err), 0);
        q35_gguf_writer_free(w);

        q35_gguf g;
        if (q35_gguf_open(path, &g, &err)) fail_msg("%s", err.msg);
        uint64_t a = align ? 64 : 32;
        assert_int_equal(g.version, 3);
        assert_int_equal(g.alignment, a);
        assert_int_equal(g.data_offset % a, 0);
        int64_t v;
        double f;
        int bo;
        const char *s;
        assert_int_equal(q35_gguf_get_int(&g, "k.u32", &v, &err), 0);
        assert_int_equal(v, 4000000000ll);
        assert_int_equal(q35_gguf_get_int(&g, "k.i32", &v, &err), 0);
        assert_int_equal(v, -5);
        assert_int_equal(q35_gguf_get_float(&g, "k.f32", &f, &err), 0);
        assert_true(f == 0.25);
        assert_int_equal(q35_gguf_get_bool(&g, "k.bool", &bo, &err), 0);
        assert_int_equal(bo, 1);
        assert_int_equal(q35_gguf_get_str(&g, "k.str", &s, &err), 0);
        assert_string_equal(s, "h\xc3\xa9llo");
        assert_null(q35_gguf_find(&g, "k.gone"));
        const q35_gguf_kv *kv = q35_gguf_find(&g, "k.astr");
        assert_non_null(kv);
        assert_int_equal(kv->type, Q35_GGUF_ARRAY);
        assert_int_equal(kv->arr_type, Q35_GGUF_STRING);
        assert_int_equal(kv->arr_n, 4);
        for (int i = 0; i < 4; i++) assert_string_equal(kv->arr_str[i].ptr, strs[i]);
        for (size_t i = 0; i < N_NUM_TYPES; i++) {
            char key[32];
            snprintf(key, sizeof key, "k.arr.%zu", i);
            kv = q35_gguf_find(&g, key);
            assert_non_null(kv);
            assert_int_equal(kv->arr_type, num_types[i]);
            assert_int_equal(kv->arr_n, 5);
            for (int e = 0; e < 5; e++)
                assert_memory_equal((const uint8_t *)kv->arr_data + e * num_size[i], raw + 8 * e, num_size[i]);
        }
        kv = q35_gguf_find(&g, "k.empty");
        assert_int_equal(kv->arr_n, 0);
        assert_int_equal(g.n_tensors, (uint64_t)nt);
        for (int i = 0; i < nt; i++) {
            const q35_gguf_tensor_info *ti = &g.tensors[i];
            assert_string_equal(ti->name.ptr, t[i].name);
            assert_ptr_equal(q35_gguf_find_tensor(&g, t[i].name), ti);
            assert_int_equal(ti->type, t[i].type);
            assert_int_equal(ti->n_dims, t[i].n_dims);
            for (int d = 0; d < 4; d++) assert_int_equal(ti->ne[d], d < t[i].n_dims ? t[i].ne[d] : 1);
            assert_int_equal(ti->nbytes, t[i].nbytes);
            assert_int_equal(ti->offset % a, 0);
            assert_int_equal(((const uint8_t *)ti->data - g.map.data) % a, 0);
            assert_memory_equal(ti->data, t[i].data, t[i].nbytes);
        }
        assert_null(q35_gguf_find_tensor(&g, "absent"));
        /* the file ends padded to the alignment */
        assert_int_equal(g.map.size % a, 0);
        q35_gguf_close(&g);
    }
    for (int i = 0; i < nt; i++) free(t[i].data);
    free(t);
    unlink(path);
}

/* ---- writer misuse: no output file, no temporary left behind ---- */
static int count_tmp_files(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls '%s'.tmp.* 2>/dev/null | wc -l", path);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void test_writer_errors(void **state)
{
    (void)state;
    const char *path = t_tmp("werr.gguf");
    unlink(path);
    q35_err err;
    int64_t ne[2] = {8, 2};
    float data[16] = {0};
    for (int mode = 0; mode < 4; mode++) {
        q35_gguf_writer *w = q35_gguf_writer_new(&err);
        assert_int_equal(q35_gguf_add_tensor(w, "a", Q35_TYPE_F32, 2, ne, &err), 0);
        assert_int_equal(q35_gguf_add_tensor(w, "b", Q35_TYPE_F32, 1, ne, &err), 1);
        assert_int_equal(q35_gguf_add_tensor(w, "a", Q35_TYPE_F32, 1, ne, &err), -1); /* duplicate */
        assert_non_null(strstr(err.msg, "duplicate"));
        assert_int_equal(q35_gguf_add_tensor(w, "c", 9999, 1, ne, &err), -1);
        assert_non_null(strstr(err.msg, "unknown tensor type"));
        assert_int_equal(q35_gguf_add_tensor(w, "c", Q35_TYPE_F32, 0, ne, &err), -1);
        if (mode == 3) assert_int_equal(q35_gguf_set_u32(w, "general.alignment", 48, &err), 0);
        if (mode == 3) {
            assert_int_equal(q35_gguf_write_begin(w, path, &err), -1);
            assert_non_null(strstr(err.msg, "alignment"));
        } else {
            assert_int_equal(q35_gguf_write_begin(w, path, &err), 0);
            assert_int_equal(q35_gguf_set_u32(w, "late", 1, &err), -1);
            if (mode == 0) { /* wrong size */
                assert_int_equal(q35_gguf_write_tensor(w, data, 60, &err), -1);
                assert_non_null(strstr(err.msg, path));
            } else if (mode == 1) { /* missing tensor */
                assert_int_equal(q35_gguf_write_tensor(w, data, 64, &err), 0);
                assert_int_equal(q35_gguf_write_end(w, &err), -1);
                assert_non_null(strstr(err.msg, "1 of 2"));
            } else { /* abandoned */
                assert_int_equal(q35_gguf_write_tensor(w, data, 64, &err), 0);
            }
        }
        q35_gguf_writer_free(w);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(count_tmp_files(path), 0);
    }
}

static void test_tensor_nbytes(void **state)
{
    (void)state;
    q35_err err;
    size_t n;
    int64_t ne[5] = {40, 3, 2, 1, 1};
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_F32, 3, ne, &n, &err), 0);
    assert_int_equal(n, 40 * 6 * 4);
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_Q8_0, 2, ne, &n, &err), 0);
    assert_int_equal(n, 2 * 34 * 3); /* 40 weights: two blocks, the second padded */
    assert_int_equal(q35_tensor_nbytes(12345, 2, ne, &n, &err), -1);
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_F32, 0, ne, &n, &err), -1);
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_F32, 5, ne, &n, &err), -1);
    int64_t big[3] = {1ll << 40, 1ll << 40, 1};
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_F32, 2, big, &n, &err), -1);
    int64_t neg[2] = {4, -1};
    assert_int_equal(q35_tensor_nbytes(Q35_TYPE_F32, 2, neg, &n, &err), -1);
}

/* ---- malformed files ---- */

/* A small valid file: two keys, two tensors, data ending exactly at the end of the file
 * (no trailing padding), so that every truncation must be detected. */
static void test_truncation(void **state)
{
    (void)state;
    const char *src = t_tmp("small.gguf");
    q35_err err;
    q35_gguf_writer *w = q35_gguf_writer_new(&err);
    const char *toks[] = {"<unk>", "a"};
    float sc[2] = {0, -1};
    assert_int_equal(q35_gguf_set_str(w, "general.architecture", "llama", &err), 0);
    assert_int_equal(q35_gguf_set_arr_str(w, "tok", toks, 2, &err), 0);
    assert_int_equal(q35_gguf_set_arr_num(w, "sc", Q35_GGUF_FLOAT32, sc, 2, &err), 0);
    int64_t ne1[2] = {3, 2}, ne2[1] = {8};
    assert_int_equal(q35_gguf_add_tensor(w, "x", Q35_TYPE_F32, 2, ne1, &err), 0);
    assert_int_equal(q35_gguf_add_tensor(w, "y", Q35_TYPE_F32, 1, ne2, &err), 1);
    float d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(q35_gguf_write_begin(w, src, &err), 0);
    assert_int_equal(q35_gguf_write_tensor(w, d, 24, &err), 0);
    assert_int_equal(q35_gguf_write_tensor(w, d, 32, &err), 0);
    assert_int_equal(q35_gguf_write_end(w, &err), 0);
    q35_gguf_writer_free(w);

    q35_map m;
    assert_int_equal(q35_map_open(src, &m, &err), 0);
    q35_gguf g;
    assert_int_equal(q35_gguf_open(src, &g, &err), 0);
    assert_int_equal((size_t)((const uint8_t *)g.tensors[1].data - g.map.data) + 32, m.size);
    q35_gguf_close(&g);
    const char *path = t_tmp("trunc.gguf");
    for (size_t len = 0; len < m.size; len++) {
        assert_int_equal(t_write_file(path, m.data, len), 0);
        expect_reject(path, NULL);
    }
    q35_map_close(&m);
    unlink(path);
    unlink(src);
}

/* Hand-made variants of a one-tensor file. */
typedef struct spec {
    const char *magic;
    uint32_t version;
    int override_counts;
    uint64_t n_tensors, n_kv;
    uint32_t n_dims;
    uint64_t ne[5];
    uint32_t type;
    uint64_t offset;
    int dup_tensor, dup_key, align_kv, big_str, big_arr, nested, bad_vtype, bad_bool, big_strarr, long_name;
    uint32_t align;
    size_t data_bytes;
} spec;

static spec base_spec(void)
{
    spec s = {0};
    s.magic = "GGUF";
    s.version = 3;
    s.n_dims = 1;
    s.ne[0] = 8;
    s.type = Q35_TYPE_F32;
    s.data_bytes = 32;
    return s;
}

static void build(const spec *s, bb *b)
{
    b->n = 0;
    b_raw(b, s->magic, 4);
    b_u32(b, s->version);
    uint64_t n_kv = 1 + (uint64_t)(s->dup_key + s->align_kv + s->big_str + s->big_arr + s->nested + s->bad_vtype +
                                   s->bad_bool + s->big_strarr);
    b_u64(b, s->override_counts ? s->n_tensors : 1 + (uint64_t)s->dup_tensor);
    b_u64(b, s->override_counts ? s->n_kv : n_kv);
    b_str(b, "general.name");
    b_u32(b, Q35_GGUF_STRING);
    b_str(b, "t");
    if (s->dup_key) {
        b_str(b, "general.name");
        b_u32(b, Q35_GGUF_STRING);
        b_str(b, "u");
    }
    if (s->align_kv) {
        b_str(b, "general.alignment");
        b_u32(b, Q35_GGUF_UINT32);
        b_u32(b, s->align);
    }
    if (s->bad_bool) {
        b_str(b, "b");
        b_u32(b, Q35_GGUF_BOOL);
        b_u8(b, 2);
    }
    if (s->bad_vtype) {
        b_str(b, "v");
        b_u32(b, 13);
        b_u32(b, 0);
    }
    if (s->nested) {
        b_str(b, "n");
        b_u32(b, Q35_GGUF_ARRAY);
        b_u32(b, Q35_GGUF_ARRAY);
        b_u64(b, 1);
        b_u32(b, Q35_GGUF_UINT8);
        b_u64(b, 1);
        b_u8(b, 0);
    }
    if (s->big_arr) {
        b_str(b, "a");
        b_u32(b, Q35_GGUF_ARRAY);
        b_u32(b, Q35_GGUF_UINT32);
        b_u64(b, 1ull << 61);
    }
    if (s->big_strarr) {
        b_str(b, "sa");
        b_u32(b, Q35_GGUF_ARRAY);
        b_u32(b, Q35_GGUF_STRING);
        b_u64(b, 1ull << 40);
    }
    if (s->big_str) {
        b_u64(b, 1ull << 62); /* key length */
        b_raw(b, "key", 3);
    }
    for (int t = 0; t <= s->dup_tensor; t++) {
        b_str(b, s->long_name ? "a_name_that_is_far_longer_than_the_sixty_four_bytes_gguf_allows_xx" : "w");
        b_u32(b, s->n_dims);
        for (uint32_t d = 0; d < s->n_dims && d < 5; d++) b_u64(b, s->ne[d]);
        b_u32(b, s->type);
        b_u64(b, s->offset + (uint64_t)t * 32);
    }
    b_pad(b, s->align_kv && s->align && !(s->align & (s->align - 1)) && s->align <= 4096 ? s->align : 32);
    for (size_t i = 0; i < s->data_bytes * (1 + (size_t)s->dup_tensor); i++) b_u8(b, (uint8_t)i);
}

static void test_spec_valid(void **state)
{
    (void)state;
    bb *b = calloc(1, sizeof *b);
    spec s = base_spec();
    build(&s, b);
    const char *path = t_tmp("spec.gguf");
    assert_int_equal(t_write_file(path, b->d, b->n), 0);
    q35_gguf g;
    q35_err err;
    if (q35_gguf_open(path, &g, &err)) fail_msg("%s", err.msg);
    assert_int_equal(g.n_tensors, 1);
    q35_gguf_close(&g);
    s.version = 2; /* v2 has the same layout */
    build(&s, b);
    assert_int_equal(t_write_file(path, b->d, b->n), 0);
    assert_int_equal(q35_gguf_open(path, &g, &err), 0);
    q35_gguf_close(&g);
    s = base_spec();
    s.align_kv = 1;
    s.align = 64;
    s.offset = 0;
    build(&s, b);
    assert_int_equal(t_write_file(path, b->d, b->n), 0);
    if (q35_gguf_open(path, &g, &err)) fail_msg("%s", err.msg);
    assert_int_equal(g.alignment, 64);
    q35_gguf_close(&g);
    unlink(path);
    free(b);
}

#define BAD(field_setup, what)                                                                                     \
    do {                                                                                                           \
        spec s = base_spec();                                                                                      \
        field_setup;                                                                                               \
        build(&s, b);                                                                                              \
        expect_reject_bytes(b, what);                                                                              \
    } while (0)

static void test_malformed(void **state)
{
    (void)state;
    bb *b = calloc(1, sizeof *b);
    BAD(s.magic = "GGUG", "bad magic");
    BAD(s.magic = "\0\0\0\0", "bad magic");
    BAD(s.version = 1, "version 1");
    BAD(s.version = 4, "version 4");
    BAD(s.version = 0x03000000u, "big-endian");
    BAD((s.override_counts = 1, s.n_tensors = 1ull << 60, s.n_kv = 1), "tensor count");
    BAD((s.override_counts = 1, s.n_tensors = UINT64_MAX, s.n_kv = 1), "tensor count");
    BAD((s.override_counts = 1, s.n_tensors = 1, s.n_kv = 1ull << 60), "metadata count");
    BAD((s.override_counts = 1, s.n_tensors = 1, s.n_kv = 100), "metadata count");
    BAD((s.override_counts = 1, s.n_tensors = 2, s.n_kv = 1), "tensor 1");
    BAD(s.big_str = 1, "exceeds the limit");
    BAD(s.big_arr = 1, "cannot fit");
    BAD(s.big_strarr = 1, "cannot fit");
    BAD(s.nested = 1, "nested");
    BAD(s.bad_vtype = 1, "unknown value type 13");
    BAD(s.bad_bool = 1, "bool");
    BAD(s.n_dims = 0, "n_dims 0");
    BAD((s.n_dims = 5, s.ne[1] = s.ne[2] = s.ne[3] = s.ne[4] = 1), "n_dims 5");
    BAD((s.n_dims = 2, s.ne[1] = 0), "dimension 1 is 0");
    BAD((s.n_dims = 2, s.ne[1] = 1ull << 63), "dimension 1");
    BAD((s.n_dims = 3, s.ne[1] = 1ull << 32, s.ne[2] = 1ull << 32), "overflow");
    BAD((s.n_dims = 2, s.ne[0] = 1ull << 40, s.ne[1] = 1ull << 20), "beyond end of file");
    BAD(s.type = 999, "unknown tensor type 999");
    BAD(s.type = 2 /* ggml Q4_0: not ours */, "unknown tensor type 2");
    BAD(s.offset = 1ull << 40, "beyond end of file");
    BAD(s.offset = UINT64_MAX - 31, "beyond end of file");
    BAD(s.offset = 32, "beyond end of file");
    BAD(s.offset = 4, "not a multiple of the alignment");
    BAD(s.data_bytes = 31, "beyond end of file");
    BAD((s.align_kv = 1, s.align = 0), "general.alignment");
    BAD((s.align_kv = 1, s.align = 3), "general.alignment");
    BAD((s.align_kv = 1, s.align = 1u << 31), "general.alignment");
    BAD(s.dup_tensor = 1, "duplicate tensor name 'w'");
    BAD(s.dup_key = 1, "duplicate metadata key 'general.name'");
    BAD(s.long_name = 1, "exceeds the limit");
    free(b);
    expect_reject("/nonexistent/dir/x.gguf", "cannot open");
    const char *empty = t_tmp("empty.gguf");
    assert_int_equal(t_write_file(empty, "", 0), 0);
    expect_reject(empty, NULL);
    unlink(empty);
}

/* Random byte flips in the header of a valid file: accepted or rejected, never a crash. */
static void test_fuzz_header(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    bb *b = calloc(1, sizeof *b), *m = calloc(1, sizeof *m);
    spec s = base_spec();
    s.dup_tensor = 0;
    build(&s, b);
    const char *path = t_tmp("fuzz.gguf");
    for (int it = 0; it < 3000; it++) {
        *m = *b;
        int flips = 1 + (int)(t_rand_u64(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            size_t pos = (size_t)(t_rand_u64(&seed) % (b->n - 32));
            m->d[pos] = (uint8_t)t_rand_u64(&seed);
        }
        assert_int_equal(t_write_file(path, m->d, m->n), 0);
        q35_gguf g;
        q35_err err = {{0}};
        if (q35_gguf_open(path, &g, &err) == 0) q35_gguf_close(&g);
        else assert_non_null(strstr(err.msg, path));
    }
    unlink(path);
    free(b);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_scalar_types), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_writer_errors),    cmocka_unit_test(test_tensor_nbytes),
        cmocka_unit_test(test_truncation),       cmocka_unit_test(test_spec_valid),
        cmocka_unit_test(test_malformed),        cmocka_unit_test(test_fuzz_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
