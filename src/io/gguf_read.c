/* GGUF reader: maps the file and checks every count, length, type, dimension and
 * offset against the file before anything is used, so a malformed or hostile file
 * fails with one line instead of reading out of bounds or allocating without limit. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "gguf_internal.h"
#include "q35/gguf.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "GGUF data is read in place: little-endian host required");

/* Smallest possible encodings, used to reject counts that cannot fit in the file. */
#define MIN_KV_BYTES 13u     /* key length (8) + type (4) + one-byte value */
#define MIN_TINFO_BYTES 32u  /* name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8) */
#define MAX_ALIGNMENT (1u << 30)

typedef struct reader {
    const uint8_t *p;
    size_t size, off;
    const char *path;
    char ctx[200]; /* what is being read, for messages: "key 3 ('general.name')" */
    q35_arena **arena;
    q35_err *err;
} reader;

static int need(reader *r, uint64_t n, const char *what)
{
    if (n > r->size - r->off)
        return q35_fail(r->err, "%s: %s: %s at offset %zu needs %llu bytes, only %zu left (file is %zu bytes)",
                        r->path, r->ctx, what, r->off, (unsigned long long)n, r->size - r->off, r->size);
    return 0;
}

static int rd_u32(reader *r, uint32_t *v, const char *what)
{
    if (need(r, 4, what)) return -1;
    memcpy(v, r->p + r->off, 4);
    r->off += 4;
    return 0;
}

static int rd_u64(reader *r, uint64_t *v, const char *what)
{
    if (need(r, 8, what)) return -1;
    memcpy(v, r->p + r->off, 8);
    r->off += 8;
    return 0;
}

static int rd_str(reader *r, q35_gguf_str *s, uint64_t max_len, const char *what)
{
    uint64_t n;
    if (rd_u64(r, &n, what)) return -1;
    if (n > max_len)
        return q35_fail(r->err, "%s: %s: %s length %llu exceeds the limit of %llu", r->path, r->ctx, what,
                        (unsigned long long)n, (unsigned long long)max_len);
    if (need(r, n, what)) return -1;
    s->ptr = q35_arena_strndup(r->arena, (const char *)r->p + r->off, (size_t)n, r->err);
    if (!s->ptr) return -1;
    s->len = n;
    r->off += (size_t)n;
    return 0;
}

static int has_nul(const q35_gguf_str *s) { return strlen(s->ptr) != s->len; }

static int rd_scalar(reader *r, q35_gguf_kv *kv)
{
    size_t n = q35_gguf_scalar_size(kv->type);
    if (need(r, n, "value")) return -1;
    const uint8_t *p = r->p + r->off;
    r->off += n;
    uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; float f32;
    switch (kv->type) {
    case Q35_GGUF_UINT8: memcpy(&u8, p, 1); kv->num.u64 = u8; break;
    case Q35_GGUF_BOOL:
        memcpy(&u8, p, 1);
        if (u8 > 1) return q35_fail(r->err, "%s: %s: bool value %u is not 0 or 1", r->path, r->ctx, u8);
        kv->num.u64 = u8;
        break;
    case Q35_GGUF_INT8: memcpy(&i8, p, 1); kv->num.i64 = i8; break;
    case Q35_GGUF_UINT16: memcpy(&u16, p, 2); kv->num.u64 = u16; break;
    case Q35_GGUF_INT16: memcpy(&i16, p, 2); kv->num.i64 = i16; break;
    case Q35_GGUF_UINT32: memcpy(&u32, p, 4); kv->num.u64 = u32; break;
    case Q35_GGUF_INT32: memcpy(&i32, p, 4); kv->num.i64 = i32; break;
    case Q35_GGUF_FLOAT32: memcpy(&f32, p, 4); kv->num.f64 = f32; break;
    case Q35_GGUF_UINT64: memcpy(&kv->num.u64, p, 8); break;
    case Q35_GGUF_INT64: memcpy(&kv->num.i64, p, 8); break;
    case Q35_GGUF_FLOAT64: memcpy(&kv->num.f64, p, 8); break;
    default: break;
    }
    return 0;
}

static int rd_array(reader *r, q35_gguf_kv *kv)
{
    if (rd_u32(r, &kv->arr_type, "array element type")) return -1;
    if (rd_u64(r, &kv->arr_n, "array length")) return -1;
    if (kv->arr_type == Q35_GGUF_ARRAY)
        return q35_fail(r->err, "%s: %s: nested arrays are not supported", r->path, r->ctx);
    if (kv->arr_type == Q35_GGUF_STRING) {
        /* every string takes at least its 8-byte length */
        if (kv->arr_n > (r->size - r->off) / 8)
            return q35_fail(r->err, "%s: %s: array of %llu strings cannot fit in the %zu bytes left", r->path,
                            r->ctx, (unsigned long long)kv->arr_n, r->size - r->off);
        kv->arr_str = q35_arena_alloc(r->arena, (size_t)kv->arr_n * sizeof *kv->arr_str, r->err);
        if (!kv->arr_str) return -1;
        for (uint64_t i = 0; i < kv->arr_n; i++)
            if (rd_str(r, &kv->arr_str[i], UINT64_MAX, "array string")) return -1;
        return 0;
    }
    size_t es = q35_gguf_scalar_size(kv->arr_type);
    if (!es) return q35_fail(r->err, "%s: %s: unknown array element type %u", r->path, r->ctx, kv->arr_type);
    if (kv->arr_n > (r->size - r->off) / es)
        return q35_fail(r->err, "%s: %s: array of %llu %s values cannot fit in the %zu bytes left", r->path,
                        r->ctx, (unsigned long long)kv->arr_n, q35_gguf_vtype_name(kv->arr_type),
                        r->size - r->off);
    kv->arr_data = r->p + r->off;
    if (kv->arr_type == Q35_GGUF_BOOL)
        for (uint64_t i = 0; i < kv->arr_n; i++)
            if (r->p[r->off + i] > 1)
                return q35_fail(r->err, "%s: %s: bool element %llu is %u, not 0 or 1", r->path, r->ctx,
                                (unsigned long long)i, r->p[r->off + i]);
    r->off += (size_t)(kv->arr_n * es);
    return 0;
}

static int rd_kv(reader *r, uint64_t i, q35_gguf_kv *kv)
{
    snprintf(r->ctx, sizeof r->ctx, "metadata %llu", (unsigned long long)i);
    if (rd_str(r, &kv->key, Q35_GGUF_MAX_KEY, "key")) return -1;
    if (kv->key.len == 0 || has_nul(&kv->key))
        return q35_fail(r->err, "%s: %s: empty key or key with a NUL byte", r->path, r->ctx);
    snprintf(r->ctx, sizeof r->ctx, "metadata %llu ('%.120s')", (unsigned long long)i, kv->key.ptr);
    if (rd_u32(r, &kv->type, "value type")) return -1;
    if (kv->type == Q35_GGUF_STRING) return rd_str(r, &kv->str, UINT64_MAX, "string");
    if (kv->type == Q35_GGUF_ARRAY) return rd_array(r, kv);
    if (!q35_gguf_scalar_size(kv->type))
        return q35_fail(r->err, "%s: %s: unknown value type %u", r->path, r->ctx, kv->type);
    return rd_scalar(r, kv);
}

static int rd_tensor_info(reader *r, uint64_t i, q35_gguf_tensor_info *t)
{
    snprintf(r->ctx, sizeof r->ctx, "tensor %llu", (unsigned long long)i);
    if (rd_str(r, &t->name, Q35_GGUF_MAX_NAME, "name")) return -1;
    if (t->name.len == 0 || has_nul(&t->name))
        return q35_fail(r->err, "%s: %s: empty name or name with a NUL byte", r->path, r->ctx);
    snprintf(r->ctx, sizeof r->ctx, "tensor %llu ('%s')", (unsigned long long)i, t->name.ptr);
    if (rd_u32(r, &t->n_dims, "n_dims")) return -1;
    if (t->n_dims < 1 || t->n_dims > Q35_GGUF_MAX_DIMS)
        return q35_fail(r->err, "%s: %s: n_dims %u not in 1..%d", r->path, r->ctx, t->n_dims, Q35_GGUF_MAX_DIMS);
    for (int d = 0; d < Q35_GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        uint64_t v;
        if (rd_u64(r, &v, "dimension")) return -1;
        if (v == 0 || v > (uint64_t)INT64_MAX)
            return q35_fail(r->err, "%s: %s: dimension %u is %llu", r->path, r->ctx, d, (unsigned long long)v);
        t->ne[d] = (int64_t)v;
    }
    if (rd_u32(r, &t->type, "type")) return -1;
    if (rd_u64(r, &t->offset, "offset")) return -1;
    char why[160];
    if (q35_tensor_check(t->type, (int)t->n_dims, t->ne, &t->nbytes, why, sizeof why))
        return q35_fail(r->err, "%s: %s: %s", r->path, r->ctx, why);
    return 0;
}

/* Duplicate detection by sorting indices: O(n log n) however many entries a file claims. */
typedef struct name_ref {
    const char *s;
    uint64_t i;
} name_ref;

static int cmp_ref(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int check_unique(const char *path, name_ref *refs, uint64_t n, const char *what, q35_err *err)
{
    qsort(refs, (size_t)n, sizeof *refs, cmp_ref);
    for (uint64_t i = 1; i < n; i++)
        if (!strcmp(refs[i - 1].s, refs[i].s))
            return q35_fail(err, "%s: duplicate %s '%s' (entries %llu and %llu)", path, what, refs[i].s,
                            (unsigned long long)refs[i - 1].i, (unsigned long long)refs[i].i);
    return 0;
}

static int read_alignment(q35_gguf *g, q35_err *err)
{
    g->alignment = Q35_GGUF_DEFAULT_ALIGNMENT;
    int64_t v;
    int rc = q35_gguf_get_int(g, "general.alignment", &v, err);
    if (rc < 0) return -1;
    if (rc == 1) return 0;
    if (v <= 0 || v > MAX_ALIGNMENT || (v & (v - 1)))
        return q35_fail(err, "%s: general.alignment %lld is not a power of two in [1, 2^30]", g->path, (long long)v);
    g->alignment = (uint64_t)v;
    return 0;
}

static int parse(q35_gguf *g, q35_err *err)
{
    reader r = {g->map.data, g->map.size, 0, g->path, "header", (q35_arena **)&g->arena, err};
    if (need(&r, 4, "magic")) return -1;
    if (memcmp(r.p, "GGUF", 4)) return q35_fail(err, "%s: not a GGUF file (bad magic)", g->path);
    r.off = 4;
    if (rd_u32(&r, &g->version, "version")) return -1;
    if (g->version == 0x02000000u || g->version == 0x03000000u)
        return q35_fail(err, "%s: big-endian GGUF is not supported", g->path);
    if (g->version != 2 && g->version != 3)
        return q35_fail(err, "%s: unsupported GGUF version %u (expected 2 or 3)", g->path, g->version);
    if (rd_u64(&r, &g->n_tensors, "tensor count") || rd_u64(&r, &g->n_kv, "metadata count")) return -1;
    size_t left = r.size - r.off;
    if (g->n_tensors > left / MIN_TINFO_BYTES)
        return q35_fail(err, "%s: tensor count %llu cannot fit in a file of %zu bytes", g->path,
                        (unsigned long long)g->n_tensors, r.size);
    if (g->n_kv > left / MIN_KV_BYTES || g->n_kv * MIN_KV_BYTES > left - g->n_tensors * MIN_TINFO_BYTES)
        return q35_fail(err, "%s: metadata count %llu cannot fit in a file of %zu bytes", g->path,
                        (unsigned long long)g->n_kv, r.size);

    g->kv = q35_arena_alloc(r.arena, (size_t)g->n_kv * sizeof *g->kv, err);
    g->tensors = q35_arena_alloc(r.arena, (size_t)g->n_tensors * sizeof *g->tensors, err);
    size_t n_refs = (size_t)(g->n_kv > g->n_tensors ? g->n_kv : g->n_tensors);
    name_ref *refs = q35_arena_alloc(r.arena, n_refs * sizeof *refs, err);
    if (!g->kv || !g->tensors || !refs) return -1;

    for (uint64_t i = 0; i < g->n_kv; i++) {
        if (rd_kv(&r, i, &g->kv[i])) return -1;
        refs[i] = (name_ref){g->kv[i].key.ptr, i};
    }
    if (check_unique(g->path, refs, g->n_kv, "metadata key", err)) return -1;
    if (read_alignment(g, err)) return -1;

    for (uint64_t i = 0; i < g->n_tensors; i++) {
        if (rd_tensor_info(&r, i, &g->tensors[i])) return -1;
        refs[i] = (name_ref){g->tensors[i].name.ptr, i};
    }
    if (check_unique(g->path, refs, g->n_tensors, "tensor name", err)) return -1;

    /* The data section starts at the next multiple of the alignment (it may be past the
     * end of a file that has no tensor data). */
    uint64_t a = g->alignment;
    g->data_offset = ((uint64_t)r.off + a - 1) / a * a;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        q35_gguf_tensor_info *t = &g->tensors[i];
        if (t->offset % a)
            return q35_fail(err, "%s: tensor %llu ('%s') offset %llu is not a multiple of the alignment %llu",
                            g->path, (unsigned long long)i, t->name.ptr, (unsigned long long)t->offset,
                            (unsigned long long)a);
        uint64_t begin = g->data_offset + t->offset, end = begin + t->nbytes;
        if (t->offset > UINT64_MAX - g->data_offset || t->nbytes > UINT64_MAX - begin || end > r.size) {
            if (t->offset > UINT64_MAX - g->data_offset)
                return q35_fail(err, "%s: tensor %llu ('%s') offset %llu beyond end of file (%zu bytes)", g->path,
                                (unsigned long long)i, t->name.ptr, (unsigned long long)t->offset, r.size);
            return q35_fail(err, "%s: tensor %llu ('%s') data [%llu, %llu) beyond end of file (%zu bytes)",
                            g->path, (unsigned long long)i, t->name.ptr, (unsigned long long)begin,
                            (unsigned long long)(t->nbytes > UINT64_MAX - begin ? UINT64_MAX : end), r.size);
        }
        t->data = r.p + begin;
    }
    return 0;
}

int q35_gguf_open(const char *path, q35_gguf *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    out->path = q35_strdup(path, err);
    if (!out->path) return -1;
    if (q35_map_open(path, &out->map, err) || parse(out, err)) {
        q35_gguf_close(out);
        return -1;
    }
    return 0;
}

void q35_gguf_close(q35_gguf *g)
{
    if (!g) return;
    q35_map_close(&g->map);
    q35_arena_free(g->arena);
    free(g->path);
    memset(g, 0, sizeof *g);
}

const q35_gguf_kv *q35_gguf_find(const q35_gguf *g, const char *key)
{
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (!strcmp(g->kv[i].key.ptr, key)) return &g->kv[i];
    return NULL;
}

const q35_gguf_tensor_info *q35_gguf_find_tensor(const q35_gguf *g, const char *name)
{
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (!strcmp(g->tensors[i].name.ptr, name)) return &g->tensors[i];
    return NULL;
}

static int is_signed_type(uint32_t t)
{
    return t == Q35_GGUF_INT8 || t == Q35_GGUF_INT16 || t == Q35_GGUF_INT32 || t == Q35_GGUF_INT64;
}

int q35_gguf_get_int(const q35_gguf *g, const char *key, int64_t *out, q35_err *err)
{
    const q35_gguf_kv *kv = q35_gguf_find(g, key);
    if (!kv) return 1;
    if (!q35_gguf_vtype_is_int(kv->type))
        return q35_fail(err, "%s: %s has type %s, expected an integer", g->path, key, q35_gguf_vtype_name(kv->type));
    if (is_signed_type(kv->type)) {
        *out = kv->num.i64;
    } else {
        if (kv->num.u64 > (uint64_t)INT64_MAX)
            return q35_fail(err, "%s: %s value %llu out of range", g->path, key, (unsigned long long)kv->num.u64);
        *out = (int64_t)kv->num.u64;
    }
    return 0;
}

int q35_gguf_get_float(const q35_gguf *g, const char *key, double *out, q35_err *err)
{
    const q35_gguf_kv *kv = q35_gguf_find(g, key);
    if (!kv) return 1;
    if (q35_gguf_vtype_is_float(kv->type)) *out = kv->num.f64;
    else if (is_signed_type(kv->type)) *out = (double)kv->num.i64;
    else if (q35_gguf_vtype_is_int(kv->type)) *out = (double)kv->num.u64;
    else return q35_fail(err, "%s: %s has type %s, expected a number", g->path, key, q35_gguf_vtype_name(kv->type));
    return 0;
}

int q35_gguf_get_str(const q35_gguf *g, const char *key, const char **out, q35_err *err)
{
    const q35_gguf_kv *kv = q35_gguf_find(g, key);
    if (!kv) return 1;
    if (kv->type != Q35_GGUF_STRING)
        return q35_fail(err, "%s: %s has type %s, expected a string", g->path, key, q35_gguf_vtype_name(kv->type));
    *out = kv->str.ptr;
    return 0;
}

int q35_gguf_get_bool(const q35_gguf *g, const char *key, int *out, q35_err *err)
{
    const q35_gguf_kv *kv = q35_gguf_find(g, key);
    if (!kv) return 1;
    if (kv->type != Q35_GGUF_BOOL && !q35_gguf_vtype_is_int(kv->type))
        return q35_fail(err, "%s: %s has type %s, expected a bool", g->path, key, q35_gguf_vtype_name(kv->type));
    *out = kv->num.u64 != 0;
    return 0;
}
