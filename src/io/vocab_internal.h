/* vocab_internal.h (internal to src/io): vocabulary readers behind the checkpoint readers. */
#ifndef Q35_IO_VOCAB_INTERNAL_H
#define Q35_IO_VOCAB_INTERNAL_H

#include "q35/ckpt.h"
#include "q35/gguf.h"

/* The SentencePiece ("llama") vocabulary in a GGUF file's tokenizer.ggml.* keys. */
int q35_vocab_from_gguf(const q35_gguf *g, q35_vocab *v, q35_err *err);

#endif
