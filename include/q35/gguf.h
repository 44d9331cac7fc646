/* q35/gguf.h: GGUF v3 container, read and write (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).
 *
 * The reader maps the file and bounds-checks every length, count, dimension and offset
 * before use; a malformed file fails with one line naming the file and the defect.
 * The writer is streaming: declare metadata and tensor infos first, write the header,
 * then hand over tensor data one tensor at a time, in declaration order. Output goes
 * to a temporary file that is renamed into place only on success. */
#ifndef Q35_GGUF_H
#define Q35_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum q35_gguf_vtype {
    Q35_GGUF_UINT8 = 0, Q35_GGUF_INT8 = 1, Q35_GGUF_UINT16 = 2, Q35_GGUF_INT16 = 3,
    Q35_GGUF_UINT32 = 4, Q35_GGUF_INT32 = 5, Q35_GGUF_FLOAT32 = 6, Q35_GGUF_BOOL = 7,
    Q35_GGUF_STRING = 8, Q35_GGUF_ARRAY = 9, Q35_GGUF_UINT64 = 10, Q35_GGUF_INT64 = 11,
    Q35_GGUF_FLOAT64 = 12,
};

#define Q35_GGUF_MAX_DIMS 4
#define Q35_GGUF_DEFAULT_ALIGNMENT 32

typedef struct q35_gguf_str {
    const char *ptr; /* NUL-terminated copy owned by the q35_gguf */
    uint64_t len;
} q35_gguf_str;

typedef struct q35_gguf_kv {
    q35_gguf_str key;
    uint32_t type;        /* enum q35_gguf_vtype */
    /* Scalars: */
    union {
        uint64_t u64; int64_t i64; double f64; /* every integer/float/bool widened */
    } num;
    q35_gguf_str str;     /* type STRING */
    /* Arrays (type ARRAY): element type, count, and either numbers or strings. */
    uint32_t arr_type;
    uint64_t arr_n;
    const void *arr_data; /* numeric arrays: points into the mapped file (little-endian) */
    q35_gguf_str *arr_str;/* string arrays: owned copies */
} q35_gguf_kv;

typedef struct q35_gguf_tensor_info {
    q35_gguf_str name;
    uint32_t n_dims;
    int64_t ne[Q35_GGUF_MAX_DIMS]; /* ne[0] is the row length; unused dims are 1 */
    uint32_t type;                 /* q35/types.h id */
    uint64_t offset;               /* relative to the data section */
    const void *data;              /* into the map, checked in range */
    size_t nbytes;
} q35_gguf_tensor_info;

typedef struct q35_gguf {
    char *path;
    q35_map map;
    uint32_t version;
    uint64_t alignment;
    uint64_t data_offset;
    uint64_t n_kv;
    q35_gguf_kv *kv;
    uint64_t n_tensors;
    q35_gguf_tensor_info *tensors;
    void *arena; /* owned strings */
} q35_gguf;

/* Opens and validates PATH. Every tensor must have a known type (q35_type_by_id) and
 * data inside the file. */
int q35_gguf_open(const char *path, q35_gguf *out, q35_err *err);
void q35_gguf_close(q35_gguf *g);

const q35_gguf_kv *q35_gguf_find(const q35_gguf *g, const char *key);
const q35_gguf_tensor_info *q35_gguf_find_tensor(const q35_gguf *g, const char *name);

/* Typed getters: return 0 and set *out if the key exists with a compatible type
 * (any integer type for _int, any float or integer type for _float), 1 if the key is
 * missing (out untouched), -1 with err set if present with the wrong type or range. */
int q35_gguf_get_int(const q35_gguf *g, const char *key, int64_t *out, q35_err *err);
int q35_gguf_get_float(const q35_gguf *g, const char *key, double *out, q35_err *err);
int q35_gguf_get_str(const q35_gguf *g, const char *key, const char **out, q35_err *err);
int q35_gguf_get_bool(const q35_gguf *g, const char *key, int *out, q35_err *err);

/* ---- writer ---- */
typedef struct q35_gguf_writer q35_gguf_writer;

q35_gguf_writer *q35_gguf_writer_new(q35_err *err);
void q35_gguf_writer_free(q35_gguf_writer *w);

/* Metadata. A later set of the same key replaces the earlier one. */
int q35_gguf_set_u32(q35_gguf_writer *w, const char *key, uint32_t v, q35_err *err);
int q35_gguf_set_i32(q35_gguf_writer *w, const char *key, int32_t v, q35_err *err);
int q35_gguf_set_f32(q35_gguf_writer *w, const char *key, float v, q35_err *err);
int q35_gguf_set_bool(q35_gguf_writer *w, const char *key, int v, q35_err *err);
int q35_gguf_set_str(q35_gguf_writer *w, const char *key, const char *v, q35_err *err);
int q35_gguf_set_arr_str(q35_gguf_writer *w, const char *key, const char *const *v, uint64_t n, q35_err *err);
/* Numeric array of element type `type` (enum q35_gguf_vtype), n elements, little-endian data. */
int q35_gguf_set_arr_num(q35_gguf_writer *w, const char *key, uint32_t type, const void *data, uint64_t n, q35_err *err);
/* Copies one key/value from a file being read (any type, arrays included). */
int q35_gguf_copy_kv(q35_gguf_writer *w, const q35_gguf_kv *kv, q35_err *err);
int q35_gguf_remove_kv(q35_gguf_writer *w, const char *key);

/* Declares a tensor; its size comes from the type's row_bytes. Returns its index. */
int q35_gguf_add_tensor(q35_gguf_writer *w, const char *name, uint32_t type, int n_dims,
                        const int64_t *ne, q35_err *err);

/* Opens PATH (via a temporary file) and writes header, metadata and tensor infos. */
int q35_gguf_write_begin(q35_gguf_writer *w, const char *path, q35_err *err);
/* Writes the data of the next tensor in declaration order; nbytes must match. */
int q35_gguf_write_tensor(q35_gguf_writer *w, const void *data, size_t nbytes, q35_err *err);
/* Checks every tensor was written, then renames the file into place. */
int q35_gguf_write_end(q35_gguf_writer *w, q35_err *err);
/* Drops the temporary file, if any. */
void q35_gguf_write_abort(q35_gguf_writer *w);

/* Size in bytes of a tensor of this type and shape; -1 (err set) for an unknown type or overflow. */
int q35_tensor_nbytes(uint32_t type, int n_dims, const int64_t *ne, size_t *out, q35_err *err);

#ifdef __cplusplus
}
#endif
#endif
