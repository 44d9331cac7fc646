/* q35/tokenizer.h: the tokenizer of a q35_vocab. The vocabulary's kind picks the algorithm:
 *  - Q35_VOCAB_SPM, SentencePiece-style BPE (GGUF "llama" vocabulary, llama2.c
 *    tokenizer.bin, tokenizer.model): merges by score, byte fallback <0xNN>, BOS and the
 *    dummy space prefix. Same ids as llama2.c and SentencePiece on our fixtures.
 *  - Q35_VOCAB_BPE, byte-level BPE (HF tokenizer.json as LLaMA-3's, GGUF "gpt2"): added
 *    tokens cut out first, the pre-tokenizer's regexes (PCRE2, Unicode properties), merges
 *    by rank over GPT-2's byte alphabet. Same ids as HF/transformers.js on LLaMA-3.
 * Both run in O(n log n), so whole files can be tokenized. */
#ifndef Q35_TOKENIZER_H
#define Q35_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "q35/ckpt.h"
#include "q35/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q35_tokenizer q35_tokenizer;

/* The tokenizer keeps a pointer to vocab, which must outlive it. */
q35_tokenizer *q35_tokenizer_new(const q35_vocab *vocab, q35_err *err);
void q35_tokenizer_free(q35_tokenizer *t);

/* Encodes len bytes of text. With add_bos, BOS comes first. The dummy prefix (a space)
 * is added when the vocabulary asks for it and the text is non-empty, as llama2.c and
 * SentencePiece do. *out is malloc'd; the caller frees it. */
int q35_tokenize(const q35_tokenizer *t, const char *text, size_t len, int add_bos,
                 int32_t **out, size_t *n_out, q35_err *err);

/* The bytes token `tok` stands for when printed after token `prev`. SentencePiece, as
 * llama2.c prints them: U+2581 becomes a space, the leading space after BOS is dropped,
 * byte tokens give their byte. Byte-level BPE: the token's bytes (user-defined added
 * tokens as written). Control tokens give "". *len receives the length (bytes may
 * include NUL). */
const char *q35_token_text(const q35_tokenizer *t, int prev, int tok, size_t *len);

/* The printable form of `tok` after `prev`, in *text / *len: like q35_token_text, but a
 * lone byte that is neither printable nor whitespace gives *len = 0, as llama2.c's
 * safe_printf skips it (byte-level BPE keeps lone bytes >= 0x80: they are pieces of
 * UTF-8 characters split across tokens). Returns 0. */
int q35_token_printable(const q35_tokenizer *t, int prev, int tok, const char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
