/* Dropping a read-only mapping's pages (common.h, q35_release_pages). A streaming pass
 * over a mapped checkpoint would otherwise keep every page it touched resident, and
 * count the whole model in its RSS; the pages stay in the page cache. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "q35/common.h"

void q35_release_pages(const void *p, size_t n)
{
    if (!p || !n) return;
    long ps = sysconf(_SC_PAGESIZE);
    if (ps <= 0) return;
    /* whole pages only: a page shared with the next tensor would be faulted in again,
     * which is harmless, but a partial one cannot be released anyway */
    uintptr_t a = (uintptr_t)p, b = a + n, page = (uintptr_t)ps;
    a = (a + page - 1) / page * page;
    b = b / page * page;
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}
