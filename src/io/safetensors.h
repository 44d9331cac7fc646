/* safetensors.h (internal to src/io): .safetensors files, read by mmap and written
 * through q35_out.
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {...}, "NAME": {"dtype": "F32", "shape": [rows, cols],
 *    "data_offsets": [begin, end]}, ...}
 * and the byte buffer the offsets point into (relative to its start, 8 + N). The reader
 * checks everything before use: the header length against the file, the JSON, every
 * dtype (F32, F16, BF16; others are named in the error), every shape (at most 4 dims,
 * products without overflow), every offset range (inside the buffer, end - begin equal to
 * dtype size x shape product, no two ranges overlapping, each aligned to its element
 * size) and duplicate names. Shapes stay as stored (row-major: shape[n_dims - 1] varies
 * fastest); the checkpoint reader turns them into GGUF's ne order. */
#ifndef Q35_IO_SAFETENSORS_H
#define Q35_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "q35/common.h"

#define Q35_ST_MAX_DIMS 4
/* The safetensors library's own limit on the header (100 MB). */
#define Q35_ST_MAX_HEADER (100u * 1000u * 1000u)

typedef struct q35_st_tensor {
    const char *name;
    uint32_t type;                  /* Q35_TYPE_F32, _F16 or _BF16 */
    int n_dims;                     /* 0 (a scalar) to Q35_ST_MAX_DIMS */
    int64_t shape[Q35_ST_MAX_DIMS]; /* as stored, row-major */
    const uint8_t *data;            /* into the map */
    size_t nbytes;
} q35_st_tensor;

typedef struct q35_st_file {
    char *path;
    q35_map map;
    int n_tensors;
    q35_st_tensor *tensors; /* in header order */
    q35_arena *arena;       /* names and the tensor array */
} q35_st_file;

int q35_st_open(const char *path, q35_st_file *f, q35_err *err);
void q35_st_close(q35_st_file *f);
const q35_st_tensor *q35_st_find(const q35_st_file *f, const char *name);

/* Element size of a safetensors dtype name we read ("F32" 4, "F16" 2, "BF16" 2) and its
 * q35 type id; 0 for any other name. */
size_t q35_st_dtype(const char *name, uint32_t *type);
/* The dtype name of a q35 type id, NULL if safetensors has none we write. */
const char *q35_st_dtype_name(uint32_t type);

/* A streaming writer: declare every tensor, begin (writes the header), write each
 * tensor's bytes in declaration order, end (commits the file: temp + rename). */
typedef struct q35_st_writer q35_st_writer;
q35_st_writer *q35_st_writer_new(q35_err *err);
void q35_st_writer_free(q35_st_writer *w); /* aborts an unfinished file */
/* shape as stored (row-major), n_dims <= Q35_ST_MAX_DIMS. */
int q35_st_add(q35_st_writer *w, const char *name, uint32_t type, int n_dims, const int64_t *shape, q35_err *err);
int q35_st_write_begin(q35_st_writer *w, const char *path, q35_err *err);
int q35_st_write_tensor(q35_st_writer *w, const void *data, size_t nbytes, q35_err *err);
int q35_st_write_end(q35_st_writer *w, q35_err *err);

#endif
