/* GGUF writer: metadata and tensor infos are collected first, then the header is
 * written and tensor data streams through one tensor at a time, so a model never has
 * to sit in memory whole. Output goes through q35_out (temporary file + rename). */
#include <stdlib.h>
#include <string.h>

#include "gguf_internal.h"
#include "q35/gguf.h"

typedef struct wkv {
    char *key;
    uint32_t type;
    uint8_t *val; /* the value exactly as serialized after the type field */
    size_t len;
} wkv;

typedef struct wtensor {
    char *name;
    uint32_t type;
    uint32_t n_dims;
    int64_t ne[Q35_GGUF_MAX_DIMS];
    size_t nbytes;
    uint64_t offset;
} wtensor;

struct q35_gguf_writer {
    wkv *kv;
    size_t n_kv, cap_kv;
    wtensor *t;
    size_t n_t, cap_t;
    q35_out out;
    int state; /* 0: declaring, 1: writing data, 2: finished or failed */
    size_t next;
    uint64_t alignment;
};

/* A growable byte buffer for serializing values. */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->oom || n == 0) return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_u32(buf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(buf *b, uint64_t v) { put(b, &v, 8); }
static void put_str(buf *b, const char *s, uint64_t len)
{
    put_u64(b, len);
    put(b, s, (size_t)len);
}

q35_gguf_writer *q35_gguf_writer_new(q35_err *err) { return q35_calloc(1, sizeof(q35_gguf_writer), err); }

void q35_gguf_writer_free(q35_gguf_writer *w)
{
    if (!w) return;
    q35_gguf_write_abort(w);
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        free(w->kv[i].val);
    }
    for (size_t i = 0; i < w->n_t; i++) free(w->t[i].name);
    free(w->kv);
    free(w->t);
    free(w);
}

/* Takes ownership of b's bytes (also on failure). */
static int set_value(q35_gguf_writer *w, const char *key, uint32_t type, buf *b, q35_err *err)
{
    if (b->oom) {
        free(b->p);
        return q35_fail(err, "gguf writer: out of memory for key '%s'", key);
    }
    size_t klen = strlen(key);
    if (klen == 0 || klen > Q35_GGUF_MAX_KEY) {
        free(b->p);
        return q35_fail(err, "gguf writer: key '%.80s' is empty or longer than %d bytes", key, Q35_GGUF_MAX_KEY);
    }
    if (w->state != 0) {
        free(b->p);
        return q35_fail(err, "gguf writer: key '%s' set after the header was written", key);
    }
    for (size_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->kv[i].key, key)) {
            free(w->kv[i].val);
            w->kv[i].type = type;
            w->kv[i].val = b->p;
            w->kv[i].len = b->n;
            return 0;
        }
    if (w->n_kv == w->cap_kv) {
        size_t cap = w->cap_kv ? 2 * w->cap_kv : 32;
        wkv *kv = realloc(w->kv, cap * sizeof *kv);
        if (!kv) {
            free(b->p);
            return q35_fail(err, "gguf writer: out of memory");
        }
        w->kv = kv;
        w->cap_kv = cap;
    }
    char *k = q35_strdup(key, err);
    if (!k) {
        free(b->p);
        return -1;
    }
    w->kv[w->n_kv++] = (wkv){k, type, b->p, b->n};
    return 0;
}

int q35_gguf_set_u32(q35_gguf_writer *w, const char *key, uint32_t v, q35_err *err)
{
    buf b = {0};
    put_u32(&b, v);
    return set_value(w, key, Q35_GGUF_UINT32, &b, err);
}

int q35_gguf_set_i32(q35_gguf_writer *w, const char *key, int32_t v, q35_err *err)
{
    buf b = {0};
    put(&b, &v, 4);
    return set_value(w, key, Q35_GGUF_INT32, &b, err);
}

int q35_gguf_set_f32(q35_gguf_writer *w, const char *key, float v, q35_err *err)
{
    buf b = {0};
    put(&b, &v, 4);
    return set_value(w, key, Q35_GGUF_FLOAT32, &b, err);
}

int q35_gguf_set_bool(q35_gguf_writer *w, const char *key, int v, q35_err *err)
{
    buf b = {0};
    uint8_t x = v != 0;
    put(&b, &x, 1);
    return set_value(w, key, Q35_GGUF_BOOL, &b, err);
}

int q35_gguf_set_str(q35_gguf_writer *w, const char *key, const char *v, q35_err *err)
{
    buf b = {0};
    put_str(&b, v, strlen(v));
    return set_value(w, key, Q35_GGUF_STRING, &b, err);
}

int q35_gguf_set_arr_str(q35_gguf_writer *w, const char *key, const char *const *v, uint64_t n, q35_err *err)
{
    buf b = {0};
    put_u32(&b, Q35_GGUF_STRING);
    put_u64(&b, n);
    for (uint64_t i = 0; i < n; i++) put_str(&b, v[i], strlen(v[i]));
    return set_value(w, key, Q35_GGUF_ARRAY, &b, err);
}

int q35_gguf_set_arr_num(q35_gguf_writer *w, const char *key, uint32_t type, const void *data, uint64_t n,
                         q35_err *err)
{
    size_t es = q35_gguf_scalar_size(type), total;
    if (!es) return q35_fail(err, "gguf writer: key '%s': array element type %u is not numeric", key, type);
    if (n > SIZE_MAX || q35_mul_size(es, (size_t)n, &total))
        return q35_fail(err, "gguf writer: key '%s': array too large", key);
    buf b = {0};
    put_u32(&b, type);
    put_u64(&b, n);
    put(&b, data, total);
    return set_value(w, key, Q35_GGUF_ARRAY, &b, err);
}

int q35_gguf_copy_kv(q35_gguf_writer *w, const q35_gguf_kv *kv, q35_err *err)
{
    buf b = {0};
    size_t es = q35_gguf_scalar_size(kv->type);
    if (kv->type == Q35_GGUF_STRING) {
        put_str(&b, kv->str.ptr, kv->str.len);
    } else if (kv->type == Q35_GGUF_ARRAY) {
        if (kv->arr_type == Q35_GGUF_STRING) {
            put_u32(&b, Q35_GGUF_STRING);
            put_u64(&b, kv->arr_n);
            for (uint64_t i = 0; i < kv->arr_n; i++) put_str(&b, kv->arr_str[i].ptr, kv->arr_str[i].len);
        } else {
            return q35_gguf_set_arr_num(w, kv->key.ptr, kv->arr_type, kv->arr_data, kv->arr_n, err);
        }
    } else if (es) {
        /* the union holds the value widened; narrow it back to its own width */
        uint8_t u8 = (uint8_t)kv->num.u64;
        uint16_t u16 = (uint16_t)kv->num.u64;
        uint32_t u32 = (uint32_t)kv->num.u64;
        float f32 = (float)kv->num.f64;
        switch (kv->type) {
        case Q35_GGUF_INT8: u8 = (uint8_t)(int8_t)kv->num.i64; put(&b, &u8, 1); break;
        case Q35_GGUF_INT16: u16 = (uint16_t)(int16_t)kv->num.i64; put(&b, &u16, 2); break;
        case Q35_GGUF_INT32: u32 = (uint32_t)(int32_t)kv->num.i64; put(&b, &u32, 4); break;
        case Q35_GGUF_UINT8: case Q35_GGUF_BOOL: put(&b, &u8, 1); break;
        case Q35_GGUF_UINT16: put(&b, &u16, 2); break;
        case Q35_GGUF_UINT32: put(&b, &u32, 4); break;
        case Q35_GGUF_FLOAT32: put(&b, &f32, 4); break;
        default: put(&b, &kv->num, 8); break; /* 64-bit types keep their bits */
        }
    } else {
        return q35_fail(err, "gguf writer: key '%s' has unknown type %u", kv->key.ptr, kv->type);
    }
    return set_value(w, kv->key.ptr, kv->type, &b, err);
}

int q35_gguf_remove_kv(q35_gguf_writer *w, const char *key)
{
    if (w->state != 0) return -1;
    for (size_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->kv[i].key, key)) {
            free(w->kv[i].key);
            free(w->kv[i].val);
            memmove(&w->kv[i], &w->kv[i + 1], (w->n_kv - i - 1) * sizeof *w->kv);
            w->n_kv--;
            return 0;
        }
    return -1;
}

int q35_gguf_add_tensor(q35_gguf_writer *w, const char *name, uint32_t type, int n_dims, const int64_t *ne,
                        q35_err *err)
{
    if (w->state != 0) return q35_fail(err, "gguf writer: tensor '%s' added after the header was written", name);
    size_t len = strlen(name);
    if (len == 0 || len > Q35_GGUF_MAX_NAME)
        return q35_fail(err, "gguf writer: tensor name '%.80s' is empty or longer than %d bytes", name,
                        Q35_GGUF_MAX_NAME);
    for (size_t i = 0; i < w->n_t; i++)
        if (!strcmp(w->t[i].name, name)) return q35_fail(err, "gguf writer: duplicate tensor '%s'", name);
    wtensor t = {0};
    char why[160];
    if (q35_tensor_check(type, n_dims, ne, &t.nbytes, why, sizeof why))
        return q35_fail(err, "gguf writer: tensor '%s': %s", name, why);
    if (w->n_t >= (size_t)INT32_MAX) return q35_fail(err, "gguf writer: too many tensors");
    if (w->n_t == w->cap_t) {
        size_t cap = w->cap_t ? 2 * w->cap_t : 64;
        wtensor *p = realloc(w->t, cap * sizeof *p);
        if (!p) return q35_fail(err, "gguf writer: out of memory");
        w->t = p;
        w->cap_t = cap;
    }
    t.name = q35_strdup(name, err);
    if (!t.name) return -1;
    t.type = type;
    t.n_dims = (uint32_t)n_dims;
    for (int d = 0; d < Q35_GGUF_MAX_DIMS; d++) t.ne[d] = d < n_dims ? ne[d] : 1;
    w->t[w->n_t] = t;
    return (int)w->n_t++;
}

/* general.alignment, if the caller set one, decides the padding; it must be a u32
 * power of two as GGUF requires. */
static int writer_alignment(q35_gguf_writer *w, const char *path, q35_err *err)
{
    w->alignment = Q35_GGUF_DEFAULT_ALIGNMENT;
    for (size_t i = 0; i < w->n_kv; i++) {
        if (strcmp(w->kv[i].key, "general.alignment")) continue;
        uint32_t v;
        if (w->kv[i].type != Q35_GGUF_UINT32)
            return q35_fail(err, "%s: general.alignment must be a uint32", path);
        memcpy(&v, w->kv[i].val, 4);
        if (v == 0 || (v & (v - 1)) || v > (1u << 30))
            return q35_fail(err, "%s: general.alignment %u is not a power of two", path, v);
        w->alignment = v;
    }
    return 0;
}

int q35_gguf_write_begin(q35_gguf_writer *w, const char *path, q35_err *err)
{
    if (w->state != 0) return q35_fail(err, "%s: gguf writer already used", path);
    if (writer_alignment(w, path, err)) return -1;
    uint64_t off = 0;
    for (size_t i = 0; i < w->n_t; i++) {
        w->t[i].offset = off;
        uint64_t padded = (w->t[i].nbytes + w->alignment - 1) / w->alignment * w->alignment;
        if (padded < w->t[i].nbytes || off > UINT64_MAX - padded)
            return q35_fail(err, "%s: tensor data too large", path);
        off += padded;
    }
    buf b = {0};
    put(&b, "GGUF", 4);
    put_u32(&b, 3);
    put_u64(&b, w->n_t);
    put_u64(&b, w->n_kv);
    for (size_t i = 0; i < w->n_kv; i++) {
        put_str(&b, w->kv[i].key, strlen(w->kv[i].key));
        put_u32(&b, w->kv[i].type);
        put(&b, w->kv[i].val, w->kv[i].len);
    }
    for (size_t i = 0; i < w->n_t; i++) {
        const wtensor *t = &w->t[i];
        put_str(&b, t->name, strlen(t->name));
        put_u32(&b, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++) put_u64(&b, (uint64_t)t->ne[d]);
        put_u32(&b, t->type);
        put_u64(&b, t->offset);
    }
    if (b.oom) {
        free(b.p);
        return q35_fail(err, "%s: out of memory for the header", path);
    }
    if (q35_out_open(&w->out, path, err)) {
        free(b.p);
        return -1;
    }
    int rc = q35_out_write(&w->out, b.p, b.n, err);
    free(b.p);
    if (rc || q35_out_pad(&w->out, (size_t)w->alignment, err)) {
        q35_out_abort(&w->out);
        return -1;
    }
    w->state = 1;
    w->next = 0;
    return 0;
}

int q35_gguf_write_tensor(q35_gguf_writer *w, const void *data, size_t nbytes, q35_err *err)
{
    if (w->state != 1) return q35_fail(err, "gguf writer: tensor data written outside write_begin/write_end");
    if (w->next >= w->n_t) {
        q35_fail(err, "%s: more tensor data than the %zu tensors declared", w->out.path, w->n_t);
        q35_gguf_write_abort(w);
        return -1;
    }
    const wtensor *t = &w->t[w->next];
    if (nbytes != t->nbytes) {
        q35_fail(err, "%s: tensor %zu ('%s'): got %zu bytes, expected %zu", w->out.path, w->next, t->name, nbytes,
                 t->nbytes);
        q35_gguf_write_abort(w);
        return -1;
    }
    if (q35_out_write(&w->out, data, nbytes, err) || q35_out_pad(&w->out, (size_t)w->alignment, err)) {
        q35_gguf_write_abort(w);
        return -1;
    }
    w->next++;
    return 0;
}

int q35_gguf_write_end(q35_gguf_writer *w, q35_err *err)
{
    if (w->state != 1) return q35_fail(err, "gguf writer: write_end without write_begin");
    if (w->next != w->n_t) {
        q35_fail(err, "%s: only %zu of %zu tensors written", w->out.path, w->next, w->n_t);
        q35_gguf_write_abort(w);
        return -1;
    }
    w->state = 2;
    return q35_out_commit(&w->out, err);
}

void q35_gguf_write_abort(q35_gguf_writer *w)
{
    if (w && w->state == 1) q35_out_abort(&w->out);
    if (w && w->state != 0) w->state = 2;
}
