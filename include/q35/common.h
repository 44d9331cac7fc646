/* q35/common.h: error reporting, file mapping and atomic output shared by every module.
 *
 * Every fallible function takes a q35_err* and returns 0 on success or -1 on failure,
 * after writing one line (no trailing newline) into err->msg that names the file and
 * the problem, e.g. "model.gguf: tensor 'blk.0.attn_q.weight' data out of range".
 * There is no global state: the error travels with the call. */
#ifndef Q35_COMMON_H
#define Q35_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_err {
    char msg[512];
} q35_err;

/* Formats the message into err (if non-NULL) and returns -1, so callers can write
 * `return q35_fail(err, "%s: bad magic", path);`. */
int q35_fail(q35_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A read-only view of a whole file, memory-mapped when possible. */
typedef struct q35_map {
    const uint8_t *data;
    size_t size;
    int mapped; /* 1: munmap on close; 0: malloc'd copy (or empty file) */
} q35_map;

int q35_map_open(const char *path, q35_map *out, q35_err *err);
void q35_map_close(q35_map *m);
/* Lets the kernel drop the pages of [p, p + n) from a read-only file mapping (what a
 * streaming pass has finished with), so they leave this process's RSS. */
void q35_release_pages(const void *p, size_t n);

/* Output that appears only when complete: writes go to "PATH.tmp.XXXXXX" beside PATH,
 * and q35_out_commit() flushes, fsyncs and renames it over PATH. q35_out_abort()
 * (or any failed write) removes the temporary file, so a failure never leaves a
 * half-written output. */
typedef struct q35_out {
    FILE *fp;
    char *path;
    char *tmp_path;
    uint64_t written;
    int failed;
} q35_out;

int q35_out_open(q35_out *o, const char *path, q35_err *err);
int q35_out_write(q35_out *o, const void *data, size_t n, q35_err *err);
int q35_out_pad(q35_out *o, size_t alignment, q35_err *err); /* zero bytes up to a multiple */
int q35_out_commit(q35_out *o, q35_err *err);
void q35_out_abort(q35_out *o);

/* Checked arithmetic for sizes read from files: returns -1 on overflow. */
int q35_mul_size(size_t a, size_t b, size_t *out);
int q35_add_size(size_t a, size_t b, size_t *out);

/* Allocation that reports failure through err instead of returning NULL silently. */
void *q35_malloc(size_t n, q35_err *err);
void *q35_calloc(size_t count, size_t size, q35_err *err);
char *q35_strdup(const char *s, q35_err *err);

/* Wall-clock seconds (monotonic) and peak resident set size in bytes. */
double q35_now(void);
size_t q35_peak_rss(void);

/* Half-precision and bfloat16 conversions (IEEE round-to-nearest-even). */
float q35_f16_to_f32(uint16_t h);
uint16_t q35_f32_to_f16(float f);
float q35_bf16_to_f32(uint16_t h);
uint16_t q35_f32_to_bf16(float f);

#ifdef __cplusplus
}
#endif
#endif
