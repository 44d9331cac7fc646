/* Byte-level BPE vocabularies, whatever file they came from: llama.cpp's pre-tokenizer
 * names with their regexes, and the check that a vocabulary makes a working tokenizer. */
#include <stdio.h>
#include <string.h>

#include "q35/tokenizer.h"
#include "vocab_internal.h"

const char Q35_GPT2_REGEX[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* One row per name; the regex is the one the HF tokenizer.json of that family carries. */
static const q35_bpe_pre PRE[] = {
    /* LLaMA-3, 3.1, 3.2, 3.3 */
    { "llama-bpe",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      1 },
    /* GPT-2: ByteLevel with use_regex */
    { "gpt-2", Q35_GPT2_REGEX, 0 },
};
#define N_PRE ((int)(sizeof PRE / sizeof PRE[0]))

const q35_bpe_pre *q35_bpe_pre_by_name(const char *name)
{
    for (int i = 0; name && i < N_PRE; i++)
        if (!strcmp(PRE[i].name, name)) return &PRE[i];
    return NULL;
}

const q35_bpe_pre *q35_bpe_pre_of(const q35_vocab *v)
{
    if (v->n_pre_regex != 1 || !v->pre_regex || !v->pre_regex[0]) return NULL;
    for (int i = 0; i < N_PRE; i++)
        if (!strcmp(PRE[i].regex, v->pre_regex[0]) && !PRE[i].ignore_merges == !v->ignore_merges) return &PRE[i];
    return NULL;
}

const char *q35_bpe_pre_names(char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < N_PRE && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", PRE[i].name);
    return buf;
}

int q35_vocab_bpe_check(const q35_vocab *v, const char *path, q35_err *err)
{
    q35_err e = { { 0 } };
    q35_tokenizer *t = q35_tokenizer_new(v, &e);
    if (!t) {
        const char *msg = e.msg;
        if (!strncmp(msg, "tokenizer: ", 11)) msg += 11;
        return q35_fail(err, "%s: %s", path, msg);
    }
    q35_tokenizer_free(t);
    return 0;
}
