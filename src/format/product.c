/* The 11 x 11 product code: code = (11a + b) mod 128 for levels a, b in [-5, 5]. The
 * value v = 11a + b lies in [-60, 60], so its 7-bit two's complement is unique and
 * a = floor((v + 60) / 11) - 5 recovers a. */
#include "q35/format.h"

int q35_product_encode(int a, int b)
{
    int v = 11 * a + b;
    return ((v % 128) + 128) % 128;
}

int q35_product_decode(int code, int *a, int *b)
{
    int c = code % 128;
    int v = c < 64 ? c : c - 128;
    if (v < -60 || v > 60) return 0;
    *a = (v + 60) / 11 - 5;
    *b = v - 11 * *a;
    return 1;
}
