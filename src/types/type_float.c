/* Rows of the traits table for the plain float types and ggml's Q8_0 (read-only input
 * formats and higher-precision outputs). */
#include <math.h>
#include <string.h>

#include "cpu/q35_dot.h"
#include "q35/common.h"
#include "types_internal.h"

/* ---- f32 ---- */
static size_t f32_row_bytes(int64_t n) { return (size_t)n * 4u; }
static void f32_to_float(const void *row, int64_t n, float *out) { memcpy(out, row, (size_t)n * 4u); }
static void f32_from_float(const float *w, int64_t n, void *row) { memcpy(row, w, (size_t)n * 4u); }
static float f32_dot_ref(const void *row, const float *x, int64_t n)
{
    const float *w = row;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)w[i] * (double)x[i];
    return (float)s;
}

/* ---- f16 and bf16: 16-bit floats that differ only in the conversion ---- */
typedef float (*h2f_fn)(uint16_t);
typedef uint16_t (*f2h_fn)(float);

static size_t f16_row_bytes(int64_t n) { return (size_t)n * 2u; }

static void h16_to_float(const void *row, int64_t n, float *out, h2f_fn cvt)
{
    const uint8_t *p = row;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        out[i] = cvt(h);
    }
}
static void h16_from_float(const float *w, int64_t n, void *row, f2h_fn cvt)
{
    uint8_t *p = row;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = cvt(w[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}
static float h16_dot_ref(const void *row, const float *x, int64_t n, h2f_fn cvt)
{
    const uint8_t *p = row;
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        s += (double)cvt(h) * (double)x[i];
    }
    return (float)s;
}

static void f16_to_float(const void *row, int64_t n, float *out) { h16_to_float(row, n, out, q35_f16_to_f32); }
static void f16_from_float(const float *w, int64_t n, void *row) { h16_from_float(w, n, row, q35_f32_to_f16); }
static float f16_dot_ref(const void *row, const float *x, int64_t n) { return h16_dot_ref(row, x, n, q35_f16_to_f32); }
static void bf16_to_float(const void *row, int64_t n, float *out) { h16_to_float(row, n, out, q35_bf16_to_f32); }
static void bf16_from_float(const float *w, int64_t n, void *row) { h16_from_float(w, n, row, q35_f32_to_bf16); }
static float bf16_dot_ref(const void *row, const float *x, int64_t n) { return h16_dot_ref(row, x, n, q35_bf16_to_f32); }

/* ---- q8_0: blocks of 32 int8 with one f16 scale (34 bytes); the last block of a row
 * is padded with zeros, as q35 pads its own blocks. */
#define Q8_BLOCK 32
#define Q8_BYTES 34
static size_t q8_row_bytes(int64_t n) { return (size_t)((n + Q8_BLOCK - 1) / Q8_BLOCK) * Q8_BYTES; }
static void q8_to_float(const void *row, int64_t n, float *out)
{
    const uint8_t *p = row;
    for (int64_t b = 0; b * Q8_BLOCK < n; b++, p += Q8_BYTES) {
        uint16_t h;
        memcpy(&h, p, 2);
        float d = q35_f16_to_f32(h);
        const int8_t *q = (const int8_t *)(p + 2);
        for (int i = 0; i < Q8_BLOCK && b * Q8_BLOCK + i < n; i++) out[b * Q8_BLOCK + i] = d * (float)q[i];
    }
}
static void q8_from_float(const float *w, int64_t n, void *row)
{
    uint8_t *p = row;
    for (int64_t b = 0; b * Q8_BLOCK < n; b++, p += Q8_BYTES) {
        float amax = 0;
        for (int i = 0; i < Q8_BLOCK && b * Q8_BLOCK + i < n; i++) {
            float a = fabsf(w[b * Q8_BLOCK + i]);
            if (a > amax) amax = a;
        }
        float d = amax / 127.0f;
        float id = d > 0 ? 1.0f / d : 0.0f;
        uint16_t h = q35_f32_to_f16(d);
        memcpy(p, &h, 2);
        int8_t *q = (int8_t *)(p + 2);
        for (int i = 0; i < Q8_BLOCK; i++) {
            int64_t k = b * Q8_BLOCK + i;
            q[i] = k < n ? (int8_t)lrintf(w[k] * id) : 0;
        }
    }
}
static float q8_dot_ref(const void *row, const float *x, int64_t n)
{
    const uint8_t *p = row;
    double s = 0;
    for (int64_t b = 0; b * Q8_BLOCK < n; b++, p += Q8_BYTES) {
        uint16_t h;
        memcpy(&h, p, 2);
        double d = q35_f16_to_f32(h), bs = 0;
        const int8_t *q = (const int8_t *)(p + 2);
        for (int i = 0; i < Q8_BLOCK && b * Q8_BLOCK + i < n; i++) bs += (double)q[i] * (double)x[b * Q8_BLOCK + i];
        s += d * bs;
    }
    return (float)s;
}

const q35_type_traits q35_traits_f32 = {Q35_TYPE_F32, "f32", 1, 0, NULL, f32_row_bytes, f32_to_float,
                                        f32_from_float, f32_dot_ref, q35_dot_f32, 0, NULL};
const q35_type_traits q35_traits_f16 = {Q35_TYPE_F16, "f16", 1, 0, NULL, f16_row_bytes, f16_to_float,
                                        f16_from_float, f16_dot_ref, q35_dot_f16, 0, NULL};
const q35_type_traits q35_traits_bf16 = {Q35_TYPE_BF16, "bf16", 1, 0, NULL, f16_row_bytes, bf16_to_float,
                                         bf16_from_float, bf16_dot_ref, bf16_dot_ref, 0, NULL};
const q35_type_traits q35_traits_q8_0 = {Q35_TYPE_Q8_0, "q8_0", Q8_BLOCK, 0, NULL, q8_row_bytes, q8_to_float,
                                         q8_from_float, q8_dot_ref, q35_dot_q8_0, 0, NULL};
