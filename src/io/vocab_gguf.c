/* The vocabulary stored in GGUF metadata, read and written with llama.cpp's keys:
 * tokenizer.ggml.model "llama" (SentencePiece: tokens, scores, token_type) or "gpt2"
 * (byte-level BPE: tokens, token_type, merges and the pre-tokenizer's name in
 * tokenizer.ggml.pre), special ids and the add_bos / add_space_prefix flags. */
#include <stdio.h>
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

/* The byte-level BPE parts: merges, and the pre-tokenizer from its name. */
static int read_bpe(const q35_gguf *g, q35_vocab *v, q35_err *err)
{
    v->kind = Q35_VOCAB_BPE;
    const q35_gguf_kv *m = q35_gguf_find(g, "tokenizer.ggml.merges");
    if (!m) return q35_fail(err, "%s: tokenizer.ggml.merges missing (needed by a 'gpt2' tokenizer)", g->path);
    if (m->type != Q35_GGUF_ARRAY || m->arr_type != Q35_GGUF_STRING)
        return q35_fail(err, "%s: tokenizer.ggml.merges must be an array of strings", g->path);
    if (m->arr_n > MAX_VOCAB * 4ull)
        return q35_fail(err, "%s: tokenizer.ggml.merges has %llu entries (allowed up to %d)", g->path,
                        (unsigned long long)m->arr_n, MAX_VOCAB * 4);
    if (m->arr_n > 0 && !(v->merges = q35_calloc(m->arr_n, sizeof *v->merges, err))) return -1;
    for (uint64_t i = 0; i < m->arr_n; i++) {
        const q35_gguf_str *s = &m->arr_str[i];
        if (strlen(s->ptr) != s->len)
            return q35_fail(err, "%s: merge %llu contains a NUL byte", g->path, (unsigned long long)i);
        if (!(v->merges[i] = q35_strdup(s->ptr, err))) return -1;
        v->n_merges = (int)i + 1;
    }
    const char *pre;
    int rc = q35_gguf_get_str(g, "tokenizer.ggml.pre", &pre, err);
    if (rc < 0) return -1;
    char names[256];
    if (rc == 1)
        return q35_fail(err, "%s: tokenizer.ggml.pre missing; q35 knows %s", g->path,
                        q35_bpe_pre_names(names, sizeof names));
    const q35_bpe_pre *p = q35_bpe_pre_by_name(pre);
    if (!p)
        return q35_fail(err, "%s: tokenizer.ggml.pre '%s' is not a pre-tokenizer q35 knows (%s)", g->path, pre,
                        q35_bpe_pre_names(names, sizeof names));
    if (!(v->pre = q35_strdup(p->name, err)) || !(v->pre_regex = q35_calloc(1, sizeof *v->pre_regex, err)) ||
        !(v->pre_regex[0] = q35_strdup(p->regex, err)))
        return -1;
    v->n_pre_regex = 1;
    v->ignore_merges = p->ignore_merges;
    return q35_vocab_bpe_check(v, g->path, err);
}

int q35_vocab_from_gguf(const q35_gguf *g, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    const char *model;
    int rc = q35_gguf_get_str(g, "tokenizer.ggml.model", &model, err);
    if (rc < 0) return -1;
    if (rc == 1) return q35_fail(err, "%s: no tokenizer (tokenizer.ggml.model missing)", g->path);
    int kind;
    if (!strcmp(model, "llama"))
        kind = Q35_VOCAB_SPM;
    else if (!strcmp(model, "gpt2"))
        kind = Q35_VOCAB_BPE;
    else
        return q35_fail(err, "%s: tokenizer.ggml.model is '%s'; supported are 'llama' (SentencePiece) and 'gpt2' "
                        "(byte-level BPE)", g->path, model);
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
        flag(g, "tokenizer.ggml.add_space_prefix", kind == Q35_VOCAB_SPM, &v->add_space_prefix, err))
        goto fail;
    if (kind == Q35_VOCAB_BPE && read_bpe(g, v, err)) goto fail;
    return 0;
fail:
    q35_vocab_free(v);
    return -1;
}

int q35_vocab_write_gguf(const q35_vocab *v, const char *path, q35_gguf_writer *w, q35_err *err)
{
    if (v->kind == Q35_VOCAB_BPE) {
        const q35_bpe_pre *p = q35_bpe_pre_of(v);
        char names[256];
        if (!p)
            return q35_fail(err, "%s: the tokenizer's pre-tokenizer is none llama.cpp names (q35 writes %s), so it "
                            "cannot go into a GGUF file", path, q35_bpe_pre_names(names, sizeof names));
        if (q35_gguf_set_str(w, "tokenizer.ggml.model", "gpt2", err) ||
            q35_gguf_set_str(w, "tokenizer.ggml.pre", p->name, err) ||
            q35_gguf_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->pieces, (uint64_t)v->n, err) ||
            q35_gguf_set_arr_num(w, "tokenizer.ggml.token_type", Q35_GGUF_INT32, v->types, (uint64_t)v->n, err) ||
            q35_gguf_set_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v->merges, (uint64_t)v->n_merges,
                                 err))
            return -1;
    } else {
        if (q35_gguf_set_str(w, "tokenizer.ggml.model", "llama", err) ||
            q35_gguf_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->pieces, (uint64_t)v->n, err) ||
            q35_gguf_set_arr_num(w, "tokenizer.ggml.scores", Q35_GGUF_FLOAT32, v->scores, (uint64_t)v->n, err) ||
            q35_gguf_set_arr_num(w, "tokenizer.ggml.token_type", Q35_GGUF_INT32, v->types, (uint64_t)v->n, err))
            return -1;
    }
    if ((v->bos >= 0 && q35_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos, err)) ||
        (v->eos >= 0 && q35_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos, err)) ||
        (v->unk >= 0 && q35_gguf_set_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v->unk, err)) ||
        q35_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos, err) ||
        q35_gguf_set_bool(w, "tokenizer.ggml.add_space_prefix", v->add_space_prefix, err))
        return -1;
    return 0;
}
