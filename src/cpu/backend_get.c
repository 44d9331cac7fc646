/* Backends by name. */
#include <string.h>

#include <omp.h>

#include "cpu/backend_internal.h"

int q35_backend_get(const char *name, int n_threads, q35_backend *out, q35_err *err)
{
    if (n_threads <= 0) n_threads = omp_get_num_procs();
    if (!strcmp(name, "ref")) q35_backend_ref_init(out);
    else if (!strcmp(name, "cpu")) q35_backend_cpu_init(out, n_threads);
    else return q35_fail(err, "unknown backend '%s' (expected ref or cpu)", name);
    return 0;
}
