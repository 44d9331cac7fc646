/* The block scale byte: an unsigned minifloat with 5 exponent and 3 mantissa bits,
 * d = (8 + s % 8) * 2^(s / 8 - 27), s = 0 meaning d = 0. It spans 6.7e-8 .. 240 in steps
 * of at most 12.5%, enough for weights from 1e-5 to 1e4 with any of the grids. */
#include "q35/format.h"

/* 2^(e - 27) for e = 0..31, exact, so no libm call is needed. */
static const float pow2_biased[32] = {
    0x1p-27f, 0x1p-26f, 0x1p-25f, 0x1p-24f, 0x1p-23f, 0x1p-22f, 0x1p-21f, 0x1p-20f,
    0x1p-19f, 0x1p-18f, 0x1p-17f, 0x1p-16f, 0x1p-15f, 0x1p-14f, 0x1p-13f, 0x1p-12f,
    0x1p-11f, 0x1p-10f, 0x1p-9f,  0x1p-8f,  0x1p-7f,  0x1p-6f,  0x1p-5f,  0x1p-4f,
    0x1p-3f,  0x1p-2f,  0x1p-1f,  0x1p0f,   0x1p1f,   0x1p2f,   0x1p3f,   0x1p4f,
};

float q35_scale_to_float(uint8_t s)
{
    if (s == 0) return 0.0f;
    return (float)(8 + s % 8) * pow2_biased[s / 8];
}

/* Halfway between bytes s and s + 1: (2 * (8 + s % 8) + 1) * 2^(e - 28) or the like;
 * the sum of two neighbours has at most 5 significant bits, so this is exact. */
/*@ requires 1 <= s <= 254;
    assigns \nothing; */
static float midpoint(int s) { return (q35_scale_to_float((uint8_t)s) + q35_scale_to_float((uint8_t)(s + 1))) * 0.5f; }

uint8_t q35_scale_from_float(float d)
{
    if (!(d > 0.0f)) return 0; /* zero, negative or NaN */
    /* smallest s in [1, 255] with d < midpoint(s); midpoint(255) counts as infinite */
    int lo = 1, hi = 255;
    /*@ loop invariant 1 <= lo <= hi <= 255;
        loop assigns lo, hi;
        loop variant hi - lo; */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (d < midpoint(mid)) hi = mid;
        else lo = mid + 1;
    }
    return (uint8_t)lo;
}
