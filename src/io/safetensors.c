/* .safetensors reader (mmap, every header field checked before use) and streaming writer.
 * The format is in safetensors.h. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "q35/types.h"
#include "safetensors.h"

size_t q35_st_dtype(const char *name, uint32_t *type)
{
    static const struct { const char *name; uint32_t type; size_t size; } table[] = {
        {"F32", Q35_TYPE_F32, 4}, {"F16", Q35_TYPE_F16, 2}, {"BF16", Q35_TYPE_BF16, 2}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (name && !strcmp(name, table[i].name)) {
            if (type) *type = table[i].type;
            return table[i].size;
        }
    return 0;
}

const char *q35_st_dtype_name(uint32_t type)
{
    switch (type) {
    case Q35_TYPE_F32: return "F32";
    case Q35_TYPE_F16: return "F16";
    case Q35_TYPE_BF16: return "BF16";
    default: return NULL;
    }
}

/* ---------------------------------------------------------------- reading */

/* A JSON number that is a whole number in [0, 2^53] (exact in a double). */
static int json_u64(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= 9007199254740992.0) || d != (double)(uint64_t)d) return -1;
    *out = (uint64_t)d;
    return 0;
}

typedef struct range { uint64_t begin, end; int idx; } range;

static int cmp_range(const void *a, const void *b)
{
    const range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->idx - y->idx;
}

static int cmp_name(const void *a, const void *b)
{
    const q35_st_tensor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* One header entry into t; buf_size is the byte buffer's size. */
static int parse_entry(const char *path, const cJSON *e, const uint8_t *buf, uint64_t buf_size, q35_st_tensor *t,
                       uint64_t *begin_out, uint64_t *end_out, q35_err *err)
{
    const char *name = t->name;
    if (!cJSON_IsObject(e)) return q35_fail(err, "%s: header entry '%.200s' is not a JSON object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !dt->valuestring)
        return q35_fail(err, "%s: tensor '%.200s' has no dtype string", path, name);
    size_t esize = q35_st_dtype(dt->valuestring, &t->type);
    if (!esize)
        return q35_fail(err, "%s: tensor '%.200s' has dtype '%.32s' (supported: F32, F16, BF16)", path, name,
                        dt->valuestring);
    if (!cJSON_IsArray(sh)) return q35_fail(err, "%s: tensor '%.200s' has no shape array", path, name);
    int nd = cJSON_GetArraySize(sh);
    if (nd > Q35_ST_MAX_DIMS)
        return q35_fail(err, "%s: tensor '%.200s' has %d dimensions (at most %d supported)", path, name, nd,
                        Q35_ST_MAX_DIMS);
    t->n_dims = nd;
    size_t count = 1;
    int d = 0;
    for (const cJSON *v = sh->child; v; v = v->next, d++) {
        uint64_t n;
        if (json_u64(v, &n) || n > (uint64_t)INT64_MAX)
            return q35_fail(err, "%s: tensor '%.200s' has a shape entry that is not a non-negative integer", path,
                            name);
        t->shape[d] = (int64_t)n;
        if (n > SIZE_MAX || q35_mul_size(count, (size_t)n, &count))
            return q35_fail(err, "%s: tensor '%.200s' shape product overflows", path, name);
    }
    size_t nbytes;
    if (q35_mul_size(count, esize, &nbytes))
        return q35_fail(err, "%s: tensor '%.200s' shape product overflows", path, name);
    uint64_t b, en;
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || json_u64(off->child, &b) ||
        json_u64(off->child->next, &en))
        return q35_fail(err, "%s: tensor '%.200s' data_offsets is not a pair of non-negative integers", path,
                        name);
    if (b > en || en > buf_size)
        return q35_fail(err, "%s: tensor '%.200s' data_offsets [%llu, %llu] out of range (data is %llu bytes)",
                        path, name, (unsigned long long)b, (unsigned long long)en, (unsigned long long)buf_size);
    if (en - b != (uint64_t)nbytes)
        return q35_fail(err, "%s: tensor '%.200s' has %llu bytes, but dtype %s and its shape need %zu", path, name,
                        (unsigned long long)(en - b), dt->valuestring, nbytes);
    t->data = buf + b;
    t->nbytes = nbytes;
    if (nbytes && (uintptr_t)t->data % esize)
        return q35_fail(err, "%s: tensor '%.200s' data (data_offsets begin %llu) is not aligned to its %zu-byte "
                        "elements", path, name, (unsigned long long)b, esize);
    *begin_out = b;
    *end_out = en;
    return 0;
}

static int parse_header(q35_st_file *f, const cJSON *root, const uint8_t *buf, uint64_t buf_size, q35_err *err)
{
    const char *path = f->path;
    int n = 0;
    for (const cJSON *e = root->child; e; e = e->next)
        if (!e->string || strcmp(e->string, "__metadata__")) n++;
        else if (!cJSON_IsObject(e)) return q35_fail(err, "%s: __metadata__ is not a JSON object", path);
    f->tensors = q35_arena_alloc(&f->arena, (size_t)(n ? n : 1) * sizeof *f->tensors, err);
    range *rg = calloc((size_t)(n ? n : 1), sizeof *rg);
    const q35_st_tensor **byname = calloc((size_t)(n ? n : 1), sizeof *byname);
    if (!f->tensors || !rg || !byname) {
        free(rg);
        free(byname);
        return f->tensors ? q35_fail(err, "%s: out of memory", path) : -1;
    }
    int i = 0, rc = 0;
    for (const cJSON *e = root->child; e && !rc; e = e->next) {
        if (e->string && !strcmp(e->string, "__metadata__")) continue;
        q35_st_tensor *t = &f->tensors[i];
        if (!e->string || !*e->string) {
            rc = q35_fail(err, "%s: header has a tensor with an empty name", path);
            break;
        }
        if (!(t->name = q35_arena_strndup(&f->arena, e->string, strlen(e->string), err))) {
            rc = -1;
            break;
        }
        rc = parse_entry(path, e, buf, buf_size, t, &rg[i].begin, &rg[i].end, err);
        rg[i].idx = i;
        byname[i] = t;
        i++;
    }
    if (!rc) {
        f->n_tensors = n;
        qsort(byname, (size_t)n, sizeof *byname, cmp_name);
        for (int k = 1; k < n && !rc; k++)
            if (!strcmp(byname[k - 1]->name, byname[k]->name))
                rc = q35_fail(err, "%s: tensor '%.200s' appears twice in the header", path, byname[k]->name);
        qsort(rg, (size_t)n, sizeof *rg, cmp_range);
        for (int k = 1; k < n && !rc; k++)
            if (rg[k].begin < rg[k - 1].end)
                rc = q35_fail(err, "%s: tensors '%.200s' [%llu, %llu] and '%.200s' [%llu, %llu] overlap", path,
                              f->tensors[rg[k - 1].idx].name, (unsigned long long)rg[k - 1].begin,
                              (unsigned long long)rg[k - 1].end, f->tensors[rg[k].idx].name,
                              (unsigned long long)rg[k].begin, (unsigned long long)rg[k].end);
    }
    free(rg);
    free(byname);
    return rc;
}

int q35_st_open(const char *path, q35_st_file *f, q35_err *err)
{
    memset(f, 0, sizeof *f);
    if (!(f->path = q35_strdup(path, err))) return -1;
    if (q35_map_open(path, &f->map, err)) goto fail;
    const uint8_t *d = f->map.data;
    const size_t size = f->map.size;
    if (size < 8) {
        q35_fail(err, "%s: %zu bytes, too short for a safetensors header", path, size);
        goto fail;
    }
    uint64_t hlen = 0;
    for (int k = 7; k >= 0; k--) hlen = hlen << 8 | d[k];
    if (hlen > size - 8) {
        q35_fail(err, "%s: header length %llu runs past the end of the file (%zu bytes)", path,
                 (unsigned long long)hlen, size);
        goto fail;
    }
    if (hlen > Q35_ST_MAX_HEADER) {
        q35_fail(err, "%s: header length %llu exceeds the limit of %u bytes", path, (unsigned long long)hlen,
                 Q35_ST_MAX_HEADER);
        goto fail;
    }
    const char *h = (const char *)d + 8, *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(h, (size_t)hlen, &end, 0);
    if (!root) {
        size_t at = end && end >= h && end <= h + hlen ? (size_t)(end - h) : 0;
        q35_fail(err, "%s: header is not valid JSON (at byte %zu of %llu)", path, at, (unsigned long long)hlen);
        goto fail;
    }
    for (const char *p = end; p && p < h + hlen; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            q35_fail(err, "%s: header has data after its JSON object (at byte %zu of %llu)", path, (size_t)(p - h),
                     (unsigned long long)hlen);
            cJSON_Delete(root);
            goto fail;
        }
    if (!cJSON_IsObject(root)) {
        q35_fail(err, "%s: header is not a JSON object", path);
        cJSON_Delete(root);
        goto fail;
    }
    int rc = parse_header(f, root, d + 8 + hlen, (uint64_t)(size - 8 - hlen), err);
    cJSON_Delete(root);
    if (rc) goto fail;
    return 0;
fail:
    q35_st_close(f);
    return -1;
}

void q35_st_close(q35_st_file *f)
{
    if (!f) return;
    q35_map_close(&f->map);
    q35_arena_free(f->arena);
    free(f->path);
    memset(f, 0, sizeof *f);
}

const q35_st_tensor *q35_st_find(const q35_st_file *f, const char *name)
{
    for (int i = 0; i < f->n_tensors; i++)
        if (!strcmp(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}

/* ---------------------------------------------------------------- writing */

struct q35_st_writer {
    cJSON *hdr;
    size_t *sizes; /* bytes of each declared tensor */
    int n, cap, next;
    uint64_t offset; /* end of the last declared tensor */
    q35_out out;
    int began;
};

q35_st_writer *q35_st_writer_new(q35_err *err)
{
    q35_st_writer *w = q35_calloc(1, sizeof *w, err);
    if (!w) return NULL;
    cJSON *meta = NULL;
    if (!(w->hdr = cJSON_CreateObject()) || !(meta = cJSON_AddObjectToObject(w->hdr, "__metadata__")) ||
        !cJSON_AddStringToObject(meta, "format", "pt")) {
        cJSON_Delete(w->hdr);
        free(w);
        q35_fail(err, "out of memory");
        return NULL;
    }
    return w;
}

void q35_st_writer_free(q35_st_writer *w)
{
    if (!w) return;
    if (w->began) q35_out_abort(&w->out);
    cJSON_Delete(w->hdr);
    free(w->sizes);
    free(w);
}

int q35_st_add(q35_st_writer *w, const char *name, uint32_t type, int n_dims, const int64_t *shape, q35_err *err)
{
    uint32_t t2;
    const char *dname = q35_st_dtype_name(type);
    size_t esize = dname ? q35_st_dtype(dname, &t2) : 0, count = 1, nbytes;
    if (w->began) return q35_fail(err, "safetensors: tensor '%s' declared after the header was written", name);
    if (!esize) return q35_fail(err, "safetensors: tensor '%s': type %u has no safetensors dtype", name, type);
    if (!*name || !strcmp(name, "__metadata__") || cJSON_GetObjectItemCaseSensitive(w->hdr, name))
        return q35_fail(err, "safetensors: tensor name '%s' is empty, reserved or declared twice", name);
    if (n_dims < 0 || n_dims > Q35_ST_MAX_DIMS)
        return q35_fail(err, "safetensors: tensor '%s' has %d dimensions", name, n_dims);
    for (int d = 0; d < n_dims; d++)
        if (shape[d] < 0 || q35_mul_size(count, (size_t)shape[d], &count))
            return q35_fail(err, "safetensors: tensor '%s' has a bad shape", name);
    if (q35_mul_size(count, esize, &nbytes) || w->offset + nbytes < w->offset)
        return q35_fail(err, "safetensors: tensor '%s' is too large", name);
    if (w->offset % esize) /* no holes allowed, so keep element alignment by declaration order */
        return q35_fail(err, "safetensors: tensor '%s' would start misaligned; declare wider dtypes first", name);
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 64;
        size_t *s = realloc(w->sizes, (size_t)cap * sizeof *s);
        if (!s) return q35_fail(err, "out of memory");
        w->sizes = s;
        w->cap = cap;
    }
    cJSON *e = cJSON_CreateObject(), *sh = cJSON_CreateArray(), *off = cJSON_CreateArray();
    int ok = e && sh && off && cJSON_AddStringToObject(e, "dtype", dname);
    for (int d = 0; ok && d < n_dims; d++) ok = cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)shape[d]));
    ok = ok && cJSON_AddItemToArray(off, cJSON_CreateNumber((double)w->offset)) &&
         cJSON_AddItemToArray(off, cJSON_CreateNumber((double)(w->offset + nbytes)));
    if (ok) {
        cJSON_AddItemToObject(e, "shape", sh);
        cJSON_AddItemToObject(e, "data_offsets", off);
        sh = off = NULL;
        ok = cJSON_AddItemToObject(w->hdr, name, e);
    }
    if (!ok) {
        cJSON_Delete(e);
        cJSON_Delete(sh);
        cJSON_Delete(off);
        return q35_fail(err, "out of memory");
    }
    w->sizes[w->n++] = nbytes;
    w->offset += nbytes;
    return 0;
}

int q35_st_write_begin(q35_st_writer *w, const char *path, q35_err *err)
{
    if (w->began) return q35_fail(err, "%s: safetensors header written twice", path);
    char *json = cJSON_PrintUnformatted(w->hdr);
    if (!json) return q35_fail(err, "%s: out of memory", path);
    size_t len = strlen(json), padded = (len + 7) / 8 * 8; /* data starts 8-aligned */
    uint8_t le[8];
    for (int k = 0; k < 8; k++) le[k] = (uint8_t)((uint64_t)padded >> (8 * k));
    int rc = q35_out_open(&w->out, path, err);
    if (!rc) {
        w->began = 1;
        static const char spaces[8] = "        ";
        rc = q35_out_write(&w->out, le, 8, err) || q35_out_write(&w->out, json, len, err) ||
             q35_out_write(&w->out, spaces, padded - len, err);
    }
    free(json);
    return rc ? -1 : 0;
}

int q35_st_write_tensor(q35_st_writer *w, const void *data, size_t nbytes, q35_err *err)
{
    if (!w->began || w->next >= w->n)
        return q35_fail(err, "%s: more tensors written than declared", w->out.path ? w->out.path : "safetensors");
    if (nbytes != w->sizes[w->next])
        return q35_fail(err, "%s: tensor %d has %zu bytes, declared %zu", w->out.path, w->next, nbytes,
                        w->sizes[w->next]);
    w->next++;
    return q35_out_write(&w->out, data, nbytes, err);
}

int q35_st_write_end(q35_st_writer *w, q35_err *err)
{
    if (!w->began) return q35_fail(err, "safetensors: header not written");
    if (w->next != w->n) return q35_fail(err, "%s: %d of %d tensors written", w->out.path, w->next, w->n);
    w->began = 0;
    return q35_out_commit(&w->out, err);
}
