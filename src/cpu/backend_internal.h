/* Constructors of the CPU backends, looked up by name in backend_get.c. */
#ifndef Q35_CPU_BACKEND_INTERNAL_H
#define Q35_CPU_BACKEND_INTERNAL_H

#include "q35/model.h"

void q35_backend_ref_init(q35_backend *be);
void q35_backend_cpu_init(q35_backend *be, int n_threads);

/* Bytes from the start of a row to weight `col`, a multiple of the type's block size. */
static inline size_t q35_row_offset(const q35_matrix *w, int64_t col)
{
    return col ? w->traits->row_bytes(col) : 0;
}

#endif
