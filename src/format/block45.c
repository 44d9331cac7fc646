/* Sizes of blocks and rows in the 4.5-bit format (format45.h). Blocks are cut as in the
 * 3.5-bit format, so q35_row_blocks and q35_block_codes count them. */
#include "q35/format45.h"

size_t q35_q45_block_bytes(int m)
{
    if (m < 1) return 0;
    if (m > Q35_BLOCK_CODES) m = Q35_BLOCK_CODES;
    return (size_t)(1 + m + (m + 7) / 8);
}

/* Every block but the last is full, so block b starts at byte b * Q35_Q45_BLOCK_BYTES. */
size_t q35_q45_row_bytes(int64_t n)
{
    int64_t nb = q35_row_blocks(n);
    if (nb < 1) return 0;
    return (size_t)(nb - 1) * Q35_Q45_BLOCK_BYTES + q35_q45_block_bytes(q35_block_codes(n, nb - 1));
}
