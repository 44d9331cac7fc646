/* gguf_internal.h (internal to src/io): facts about GGUF value types and tensor shapes
 * shared by the reader, the writer and the checkpoint readers. */
#ifndef Q35_IO_GGUF_INTERNAL_H
#define Q35_IO_GGUF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "q35/gguf.h"

/* Bytes of one scalar of this value type; 0 for STRING, ARRAY and unknown types. */
size_t q35_gguf_scalar_size(uint32_t type);
/* "uint8", "string", ... or "unknown". */
const char *q35_gguf_vtype_name(uint32_t type);
int q35_gguf_vtype_is_int(uint32_t type);
int q35_gguf_vtype_is_float(uint32_t type);

/* Element i (< arr_n) of a numeric array, widened. The data is little-endian and may be
 * unaligned inside the map. */
int64_t q35_gguf_arr_i64(const q35_gguf_kv *kv, uint64_t i);
double q35_gguf_arr_f64(const q35_gguf_kv *kv, uint64_t i);

/* Validates a tensor's type and shape and computes its size. On a problem returns -1
 * and writes the reason (no file name) into why. */
int q35_tensor_check(uint32_t type, int n_dims, const int64_t *ne, size_t *nbytes, char *why,
                     size_t why_len);

/* Longest tensor name GGUF allows. */
#define Q35_GGUF_MAX_NAME 64
/* Longest key GGUF allows. */
#define Q35_GGUF_MAX_KEY 65535

#endif
