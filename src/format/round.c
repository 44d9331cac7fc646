/* The level rounding of the product-code quantizer (format.h), factored out of
 * src/quant/grid_search.c so that Frama-C WP can check it: the pair search of a product
 * grid rounds each scaled weight to the nearest level in [lo, hi] with this function.
 *
 * Inside the window -129 < u < 128, u + 128.5 lies in (-0.5, 256.5), so the float to int
 * conversion is defined, and for u >= -128 truncation is floor: t = floor(u + 128.5) =
 * round(u) + 128, halves rounded up. Outside it t is -1 or 257. The clamp to
 * [lo + 128, hi + 128] is then done in integers. */
#include "q35/format.h"

/*@ requires \is_finite(u);
    assigns \nothing; */
static int window_floor(float u)
{
    if (!(u > -129.0f)) return -1;
    if (!(u < 128.0f)) return 257;
    return (int)(u + 128.5f);
}

/*@ requires -128 <= lo <= hi <= 127;
    assigns \nothing;
    ensures lo <= \result <= hi;
    ensures lo + 128 <= t <= hi + 128 ==> \result == t - 128; */
static int clamp_shifted(int t, int lo, int hi)
{
    return t < lo + 128 ? lo : t > hi + 128 ? hi : t - 128;
}

int q35_round_level(float u, int lo, int hi) { return clamp_shifted(window_floor(u), lo, hi); }
