/* The "llama" (SentencePiece) vocabulary stored in GGUF metadata: tokenizer.ggml.tokens,
 * .scores, .token_type, special ids and the add_bos / add_space_prefix flags. */
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"
#include "gguf_internal.h"
#include "vocab_internal.h"

#define MAX_VOCAB (1 << 24)

/* A numeric per-token array: absent is fine (defaults apply); present must match n. */
static const q35_gguf_kv *token_array(const q35_gguf *g, const char *key, uint64_t n, int want_float, q35_err *err,
                                      int *bad)
{
    const q35_gguf_kv *kv = q35_gguf_find(g, key);
    *bad = 0;
    if (!kv) return NULL;
    int ok = kv->type == Q35_GGUF_ARRAY &&
             (want_float ? (q35_gguf_vtype_is_float(kv->arr_type) || q35_gguf_vtype_is_int(kv->arr_type))
                         : q35_gguf_vtype_is_int(kv->arr_type));
    if (!ok) {
        *bad = 1;
        q35_fail(err, "%s: %s must be an array of %s", g->path, key, want_float ? "numbers" : "integers");
        return NULL;
    }
    if (kv->arr_n != n) {
        *bad = 1;
        q35_fail(err, "%s: %s has %llu entries, tokenizer.ggml.tokens %llu", g->path, key,
                 (unsigned long long)kv->arr_n, (unsigned long long)n);
        return NULL;
    }
    return kv;
}

/* Special ids: absent, or 0xFFFFFFFF as some converters write, mean "none". */
static int special_id(const q35_gguf *g, const char *key, int n, int *out, q35_err *err)
{
    int64_t v;
    int rc = q35_gguf_get_int(g, key, &v, err);
    if (rc < 0) return -1;
    if (rc == 1 || v == 0xFFFFFFFFll || v == -1) {
        *out = -1;
        return 0;
    }
    if (v < 0 || v >= n) return q35_fail(err, "%s: %s = %lld is not a token id (vocabulary of %d)", g->path, key, (long long)v, n);
    *out = (int)v;
    return 0;
}

static int flag(const q35_gguf *g, const char *key, int dflt, int *out, q35_err *err)
{
    *out = dflt;
    return q35_gguf_get_bool(g, key, out, err) < 0 ? -1 : 0;
}

int q35_vocab_from_gguf(const q35_gguf *g, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    const char *model;
    int rc = q35_gguf_get_str(g, "tokenizer.ggml.model", &model, err);
    if (rc < 0) return -1;
    if (rc == 1) return q35_fail(err, "%s: no tokenizer (tokenizer.ggml.model missing)", g->path);
    if (strcmp(model, "llama"))
        return q35_fail(err, "%s: tokenizer.ggml.model is '%s'; only 'llama' (SentencePiece) is supported", g->path, model);
    const q35_gguf_kv *tok = q35_gguf_find(g, "tokenizer.ggml.tokens");
    if (!tok) return q35_fail(err, "%s: tokenizer.ggml.tokens missing", g->path);
    if (tok->type != Q35_GGUF_ARRAY || tok->arr_type != Q35_GGUF_STRING)
        return q35_fail(err, "%s: tokenizer.ggml.tokens must be an array of strings", g->path);
    if (tok->arr_n == 0 || tok->arr_n > MAX_VOCAB)
        return q35_fail(err, "%s: tokenizer.ggml.tokens has %llu entries (allowed 1..%d)", g->path,
                        (unsigned long long)tok->arr_n, MAX_VOCAB);
    int n = (int)tok->arr_n, bad;
    const q35_gguf_kv *scores = token_array(g, "tokenizer.ggml.scores", tok->arr_n, 1, err, &bad);
    if (bad) return -1;
    const q35_gguf_kv *types = token_array(g, "tokenizer.ggml.token_type", tok->arr_n, 0, err, &bad);
    if (bad) return -1;

    v->n = n;
    v->pieces = q35_calloc((size_t)n, sizeof *v->pieces, err);
    v->scores = q35_calloc((size_t)n, sizeof *v->scores, err);
    v->types = q35_calloc((size_t)n, sizeof *v->types, err);
    if (!v->pieces || !v->scores || !v->types) goto fail;
    for (int i = 0; i < n; i++) {
        const q35_gguf_str *s = &tok->arr_str[i];
        if (strlen(s->ptr) != s->len) {
            q35_fail(err, "%s: token %d contains a NUL byte", g->path, i);
            goto fail;
        }
        if (!(v->pieces[i] = q35_strdup(s->ptr, err))) goto fail;
        v->scores[i] = scores ? (float)q35_gguf_arr_f64(scores, (uint64_t)i) : 0.0f;
        int64_t t = types ? q35_gguf_arr_i64(types, (uint64_t)i) : Q35_TOK_NORMAL;
        if (t < 0 || t > Q35_TOK_BYTE) {
            q35_fail(err, "%s: token %d has unknown token type %lld", g->path, i, (long long)t);
            goto fail;
        }
        v->types[i] = (int32_t)t;
    }
    if (special_id(g, "tokenizer.ggml.bos_token_id", n, &v->bos, err) ||
        special_id(g, "tokenizer.ggml.eos_token_id", n, &v->eos, err) ||
        special_id(g, "tokenizer.ggml.unknown_token_id", n, &v->unk, err) ||
        flag(g, "tokenizer.ggml.add_bos_token", 1, &v->add_bos, err) ||
        flag(g, "tokenizer.ggml.add_space_prefix", 1, &v->add_space_prefix, err))
        goto fail;
    return 0;
fail:
    q35_vocab_free(v);
    return -1;
}
