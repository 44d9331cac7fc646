/* GGUF value-type facts and tensor size arithmetic, shared by reader and writer. */
#include <stdio.h>
#include <string.h>

#include "gguf_internal.h"
#include "q35/types.h"

size_t q35_gguf_scalar_size(uint32_t type)
{
    switch (type) {
    case Q35_GGUF_UINT8: case Q35_GGUF_INT8: case Q35_GGUF_BOOL: return 1;
    case Q35_GGUF_UINT16: case Q35_GGUF_INT16: return 2;
    case Q35_GGUF_UINT32: case Q35_GGUF_INT32: case Q35_GGUF_FLOAT32: return 4;
    case Q35_GGUF_UINT64: case Q35_GGUF_INT64: case Q35_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

const char *q35_gguf_vtype_name(uint32_t type)
{
    static const char *const names[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
                                        "bool", "string", "array", "uint64", "int64", "float64"};
    return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

int q35_gguf_vtype_is_int(uint32_t type)
{
    return type <= Q35_GGUF_INT32 || type == Q35_GGUF_UINT64 || type == Q35_GGUF_INT64;
}

int q35_gguf_vtype_is_float(uint32_t type) { return type == Q35_GGUF_FLOAT32 || type == Q35_GGUF_FLOAT64; }

/* Reads one little-endian scalar; the host is little-endian (checked in gguf_read.c). */
static void scalar_at(uint32_t type, const uint8_t *p, int64_t *i, double *f)
{
    uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; float f32;
    uint64_t u64; int64_t i64; double f64;
    switch (type) {
    case Q35_GGUF_UINT8: case Q35_GGUF_BOOL: memcpy(&u8, p, 1); *i = u8; *f = u8; break;
    case Q35_GGUF_INT8: memcpy(&i8, p, 1); *i = i8; *f = i8; break;
    case Q35_GGUF_UINT16: memcpy(&u16, p, 2); *i = u16; *f = u16; break;
    case Q35_GGUF_INT16: memcpy(&i16, p, 2); *i = i16; *f = i16; break;
    case Q35_GGUF_UINT32: memcpy(&u32, p, 4); *i = u32; *f = u32; break;
    case Q35_GGUF_INT32: memcpy(&i32, p, 4); *i = i32; *f = i32; break;
    case Q35_GGUF_FLOAT32: memcpy(&f32, p, 4); *f = f32; *i = (int64_t)0; break;
    case Q35_GGUF_UINT64: memcpy(&u64, p, 8); *i = u64 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u64; *f = (double)u64; break;
    case Q35_GGUF_INT64: memcpy(&i64, p, 8); *i = i64; *f = (double)i64; break;
    case Q35_GGUF_FLOAT64: memcpy(&f64, p, 8); *f = f64; *i = 0; break;
    default: *i = 0; *f = 0; break;
    }
}

int64_t q35_gguf_arr_i64(const q35_gguf_kv *kv, uint64_t i)
{
    int64_t v; double f;
    scalar_at(kv->arr_type, (const uint8_t *)kv->arr_data + i * q35_gguf_scalar_size(kv->arr_type), &v, &f);
    return v;
}

double q35_gguf_arr_f64(const q35_gguf_kv *kv, uint64_t i)
{
    int64_t v; double f;
    scalar_at(kv->arr_type, (const uint8_t *)kv->arr_data + i * q35_gguf_scalar_size(kv->arr_type), &v, &f);
    return f;
}

int q35_tensor_check(uint32_t type, int n_dims, const int64_t *ne, size_t *nbytes, char *why, size_t why_len)
{
    const q35_type_traits *t = q35_type_by_id(type);
    if (!t) {
        snprintf(why, why_len, "unknown tensor type %u", type);
        return -1;
    }
    if (n_dims < 1 || n_dims > Q35_GGUF_MAX_DIMS) {
        snprintf(why, why_len, "n_dims %d not in 1..%d", n_dims, Q35_GGUF_MAX_DIMS);
        return -1;
    }
    int64_t count = 1;
    for (int d = 0; d < n_dims; d++) {
        if (ne[d] <= 0) {
            snprintf(why, why_len, "dimension %d is %lld (must be positive)", d, (long long)ne[d]);
            return -1;
        }
        if (count > INT64_MAX / ne[d]) {
            snprintf(why, why_len, "element count overflows (dimension %d is %lld)", d, (long long)ne[d]);
            return -1;
        }
        count *= ne[d];
    }
    /* row_bytes works in size_t on at most a few bytes per weight; keep its input far
     * from overflow before asking it. */
    if (ne[0] > ((int64_t)1 << 48)) {
        snprintf(why, why_len, "row length %lld too large", (long long)ne[0]);
        return -1;
    }
    size_t rows = (size_t)(count / ne[0]), total;
    if (q35_mul_size(t->row_bytes(ne[0]), rows, &total)) {
        snprintf(why, why_len, "byte size overflows");
        return -1;
    }
    *nbytes = total;
    return 0;
}

int q35_tensor_nbytes(uint32_t type, int n_dims, const int64_t *ne, size_t *out, q35_err *err)
{
    char why[160];
    if (q35_tensor_check(type, n_dims, ne, out, why, sizeof why)) return q35_fail(err, "tensor: %s", why);
    return 0;
}
