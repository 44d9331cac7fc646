/* vocab_internal.h (internal to src/io): vocabulary readers behind the checkpoint readers. */
#ifndef Q35_IO_VOCAB_INTERNAL_H
#define Q35_IO_VOCAB_INTERNAL_H

#include "q35/ckpt.h"
#include "q35/gguf.h"

/* The vocabulary in a GGUF file's tokenizer.ggml.* keys: SentencePiece ("llama") or
 * byte-level BPE ("gpt2", with tokenizer.ggml.pre and .merges). */
int q35_vocab_from_gguf(const q35_gguf *g, q35_vocab *v, q35_err *err);
/* Writes v as llama.cpp's tokenizer.ggml.* keys. path names the source in errors. */
int q35_vocab_write_gguf(const q35_vocab *v, const char *path, q35_gguf_writer *w, q35_err *err);

/* The byte-level BPE pre-tokenizers llama.cpp names (tokenizer.ggml.pre) that q35 knows:
 * their split regexes and whether whole-token pieces skip the merges. */
typedef struct q35_bpe_pre {
    const char *name;
    const char *regex;
    int ignore_merges;
} q35_bpe_pre;
const q35_bpe_pre *q35_bpe_pre_by_name(const char *name);
/* The row whose regex and ignore_merges equal v's, or NULL. */
const q35_bpe_pre *q35_bpe_pre_of(const q35_vocab *v);
/* The names, comma-separated into buf, for error messages; returns buf. */
const char *q35_bpe_pre_names(char *buf, size_t n);
/* GPT-2's own split regex (HF's ByteLevel pre-tokenizer with use_regex). */
extern const char Q35_GPT2_REGEX[];

/* Checks that a byte-level BPE vocabulary makes a tokenizer (every merge names known
 * tokens, the regexes compile) by building one; errors name `path`. */
int q35_vocab_bpe_check(const q35_vocab *v, const char *path, q35_err *err);

#endif
