/* ckpt_internal.h (internal to src/io): pieces the checkpoint readers share: the
 * tensor list in the ckpt's arena, and the check that a checkpoint's hyper-parameters
 * and tensor shapes make a LLaMA model, done once here so every reader (and every
 * consumer) can rely on it. */
#ifndef Q35_IO_CKPT_INTERNAL_H
#define Q35_IO_CKPT_INTERNAL_H

#include "arena.h"
#include "q35/ckpt.h"

static inline q35_arena **q35_ckpt_arena(q35_ckpt *c) { return (q35_arena **)&c->owned; }

/* Room for n tensors (c->n_tensors stays 0 until they are appended). */
int q35_ckpt_reserve(q35_ckpt *c, int n, q35_err *err);
/* Appends a tensor; the name is copied into the ckpt's arena. ne has n_dims entries. */
int q35_ckpt_push(q35_ckpt *c, const char *name, uint32_t type, int n_dims, const int64_t *ne, const void *data,
                  size_t nbytes, q35_err *err);

/* Hyper-parameter sanity (positive, heads divide dim, kv heads divide heads, even rope
 * dims) and the shape of every standard LLaMA tensor: all must be present except
 * output.weight (absent = tied to the embedding). */
int q35_ckpt_validate(const q35_ckpt *c, q35_err *err);

/* "<0xNN>" with two upper-case hex digits. */
int q35_piece_is_byte(const char *piece);

#endif
