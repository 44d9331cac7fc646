/* Sizes of blocks and rows in the 3.5-bit format (format.h). */
#include "q35/format.h"

size_t q35_block_bytes(int m)
{
    if (m < 1) return 0;
    if (m > Q35_BLOCK_CODES) m = Q35_BLOCK_CODES;
    return (size_t)(1 + (m + 1) / 2 + (m + 3) / 4 + (m + 7) / 8);
}

int64_t q35_row_blocks(int64_t n)
{
    if (n < 1) return 0;
    return (n - 1) / Q35_BLOCK_WEIGHTS + 1; /* = ceil(n / 128), with no overflow near INT64_MAX */
}

int q35_block_codes(int64_t n, int64_t b)
{
    if (n < 1 || b < 0 || b >= q35_row_blocks(n)) return 0;
    int64_t left = n - b * Q35_BLOCK_WEIGHTS;
    if (left > Q35_BLOCK_WEIGHTS) left = Q35_BLOCK_WEIGHTS;
    return (int)((left + 1) / 2);
}

/* Every block but the last is full, so block b starts at byte b * Q35_BLOCK_BYTES. */
size_t q35_row_bytes(int64_t n)
{
    int64_t nb = q35_row_blocks(n);
    if (nb < 1) return 0;
    return (size_t)(nb - 1) * Q35_BLOCK_BYTES + q35_block_bytes(q35_block_codes(n, nb - 1));
}
