/* Hugging Face tokenizer.json with a byte-level BPE model (LLaMA-3, GPT-2 and kin).
 *
 * What is read: model.vocab (token -> id), model.merges ("a b" strings or [a, b] pairs, in
 * rank order), model.ignore_merges, added_tokens (id, content, special), the
 * pre-tokenizer (a ByteLevel step, optionally after Split steps with "Isolated"
 * behaviour), and the BOS token from a TemplateProcessing post-processor or a
 * tokenizer_config.json beside the file. Anything that would change the ids and that q35
 * does not implement (a normalizer, other pre-tokenizers or model options) is refused
 * by name rather than ignored.
 *
 * The result is a q35_vocab of kind Q35_VOCAB_BPE: pieces indexed by id (ids no token
 * claims become "[PADn]", type UNUSED, as llama.cpp's converter writes them), special
 * added tokens CONTROL, other added tokens USER_DEFINED. Every count, id and string is
 * checked; the vocabulary is finally proved usable by building a tokenizer from it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"
#include "tokenizer/piece_map.h"
#include "vocab_internal.h"

#define MAX_VOCAB (1 << 24)
#define MAX_MERGES (1 << 26)
#define MAX_SPLITS 8

typedef struct reader {
    const char *path;
    q35_err *err;
    q35_vocab *v;
    int *added;          /* per id: 1 if an added token claims it */
} reader;

static const cJSON *member(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static int absent(const cJSON *x)
{
    return !x || cJSON_IsNull(x);
}

/* A JSON string member, NULL when absent or null; *bad when present but not a string. */
static const char *str_member(const cJSON *o, const char *key, int *bad)
{
    const cJSON *x = member(o, key);
    if (absent(x)) return NULL;
    if (!cJSON_IsString(x) || !x->valuestring) {
        *bad = 1;
        return NULL;
    }
    return x->valuestring;
}

/* A token id: an integral number in [0, MAX_VOCAB). */
static int json_id(const cJSON *x, int *out)
{
    if (!cJSON_IsNumber(x)) return -1;
    double d = x->valuedouble;
    if (!(d >= 0 && d < MAX_VOCAB) || d != floor(d)) return -1;
    *out = (int)d;
    return 0;
}

static const char *type_name(const cJSON *o)
{
    int bad = 0;
    const char *t = str_member(o, "type", &bad);
    return t ? t : "(no type)";
}

/* ---- vocab and added tokens ---- */

static int read_tokens(reader *r, const cJSON *vocab, const cJSON *added)
{
    q35_vocab *v = r->v;
    int max_id = -1, id = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, vocab) {
        if (json_id(x, &id))
            return q35_fail(r->err, "%s: model.vocab: token '%s' has id %s, not an integer in [0, %d)", r->path,
                            x->string ? x->string : "", cJSON_IsNumber(x) ? "out of range" : "that is not a number",
                            MAX_VOCAB);
        if (id > max_id) max_id = id;
    }
    if (!absent(added) && !cJSON_IsArray(added))
        return q35_fail(r->err, "%s: added_tokens is not an array", r->path);
    int k = 0;
    cJSON_ArrayForEach(x, added) {
        if (!cJSON_IsObject(x) || json_id(member(x, "id"), &id))
            return q35_fail(r->err, "%s: added_tokens[%d] has no id in [0, %d)", r->path, k, MAX_VOCAB);
        if (id > max_id) max_id = id;
        k++;
    }
    if (max_id < 0) return q35_fail(r->err, "%s: model.vocab is empty", r->path);

    v->n = max_id + 1;
    v->pieces = q35_calloc((size_t)v->n, sizeof *v->pieces, r->err);
    v->scores = q35_calloc((size_t)v->n, sizeof *v->scores, r->err);
    v->types = q35_calloc((size_t)v->n, sizeof *v->types, r->err);
    r->added = q35_calloc((size_t)v->n, sizeof *r->added, r->err);
    if (!v->pieces || !v->scores || !v->types || !r->added) return -1;
    cJSON_ArrayForEach(x, vocab) {
        json_id(x, &id);
        const char *s = x->string ? x->string : "";
        if (v->pieces[id])
            return q35_fail(r->err, "%s: model.vocab: duplicate id %d ('%s' and '%s')", r->path, id, v->pieces[id], s);
        if (!*s) return q35_fail(r->err, "%s: model.vocab: token %d is empty", r->path, id);
        if (!(v->pieces[id] = q35_strdup(s, r->err))) return -1;
        v->types[id] = Q35_TOK_NORMAL;
    }
    k = 0;
    cJSON_ArrayForEach(x, added) {
        json_id(member(x, "id"), &id);
        int bad = 0;
        const char *content = str_member(x, "content", &bad);
        const cJSON *special = member(x, "special");
        if (!content || !*content)
            return q35_fail(r->err, "%s: added_tokens[%d] (id %d) has no content", r->path, k, id);
        if (!absent(special) && !cJSON_IsBool(special))
            return q35_fail(r->err, "%s: added_tokens[%d] (id %d): special is not true or false", r->path, k, id);
        if (r->added[id]) return q35_fail(r->err, "%s: added_tokens: duplicate id %d", r->path, id);
        if (v->pieces[id] && strcmp(v->pieces[id], content))
            return q35_fail(r->err, "%s: added token '%s' has id %d, which model.vocab gives to '%s'", r->path,
                            content, id, v->pieces[id]);
        if (!v->pieces[id] && !(v->pieces[id] = q35_strdup(content, r->err))) return -1;
        r->added[id] = 1;
        v->types[id] = cJSON_IsTrue(special) ? Q35_TOK_CONTROL : Q35_TOK_USER;
        k++;
    }
    for (int i = 0; i < v->n; i++) {
        if (v->pieces[i]) continue;
        char pad[32];
        snprintf(pad, sizeof pad, "[PAD%d]", i);
        if (!(v->pieces[i] = q35_strdup(pad, r->err))) return -1;
        v->types[i] = Q35_TOK_UNUSED;
    }
    /* the same string under two ids would make encoding ambiguous */
    q35_piece_map m;
    if (q35_piece_map_init(&m, (size_t)v->n, r->err)) return -1;
    int rc = 0;
    for (int i = 0; i < v->n && rc == 0; i++)
        if (!q35_piece_map_put(&m, v->pieces[i], strlen(v->pieces[i]), i))
            rc = q35_fail(r->err, "%s: token '%s' appears twice (ids %d and %d)", r->path, v->pieces[i],
                          q35_piece_map_get(&m, v->pieces[i], strlen(v->pieces[i])), i);
    q35_piece_map_free(&m);
    return rc;
}

/* ---- merges ---- */

static int read_merges(reader *r, const cJSON *merges)
{
    q35_vocab *v = r->v;
    if (!cJSON_IsArray(merges)) return q35_fail(r->err, "%s: model.merges is missing or not an array", r->path);
    int n = cJSON_GetArraySize(merges);
    if (n < 0 || n > MAX_MERGES)
        return q35_fail(r->err, "%s: model.merges has %d entries (allowed up to %d)", r->path, n, MAX_MERGES);
    if (n > 0 && !(v->merges = q35_calloc((size_t)n, sizeof *v->merges, r->err))) return -1;
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, merges) {
        if (i >= n) break;
        const char *a = NULL, *b = NULL;
        if (cJSON_IsString(x) && x->valuestring) {
            const char *s = x->valuestring, *sp = strchr(s, ' ');
            if (!sp || sp == s || !sp[1] || strchr(sp + 1, ' '))
                return q35_fail(r->err, "%s: merge %d '%s' is not two tokens separated by one space", r->path, i, s);
            v->merges[i] = q35_strdup(s, r->err);
        } else if (cJSON_IsArray(x) && cJSON_GetArraySize(x) == 2 && cJSON_IsString(x->child) &&
                   cJSON_IsString(x->child->next)) {
            a = x->child->valuestring;
            b = x->child->next->valuestring;
            if (!*a || !*b || strchr(a, ' ') || strchr(b, ' '))
                return q35_fail(r->err, "%s: merge %d ['%s', '%s']: a token is empty or has a space, which GGUF's "
                                "\"a b\" merges cannot carry", r->path, i, a, b);
            size_t la = strlen(a), lb = strlen(b);
            if ((v->merges[i] = q35_malloc(la + lb + 2, r->err))) {
                memcpy(v->merges[i], a, la);
                v->merges[i][la] = ' ';
                memcpy(v->merges[i] + la + 1, b, lb + 1);
            }
        } else {
            return q35_fail(r->err, "%s: merge %d is neither a string \"a b\" nor a pair [\"a\", \"b\"]", r->path, i);
        }
        if (!v->merges[i]) return -1;
        v->n_merges = ++i;
    }
    return 0;
}

/* ---- pre-tokenizer, normalizer, decoder ---- */

static int add_regex(reader *r, const char *pattern)
{
    q35_vocab *v = r->v;
    if (v->n_pre_regex >= MAX_SPLITS)
        return q35_fail(r->err, "%s: pre_tokenizer has more than %d splits", r->path, MAX_SPLITS);
    if (!v->pre_regex && !(v->pre_regex = q35_calloc(MAX_SPLITS, sizeof *v->pre_regex, r->err))) return -1;
    if (!(v->pre_regex[v->n_pre_regex] = q35_strdup(pattern, r->err))) return -1;
    v->n_pre_regex++;
    return 0;
}

/* A Split's pattern {"Regex": ...} or {"String": literal}, as a PCRE2 pattern. */
static int split_pattern(reader *r, const cJSON *step, int k)
{
    const cJSON *pat = member(step, "pattern");
    int bad = 0;
    const char *re = str_member(pat, "Regex", &bad), *lit = str_member(pat, "String", &bad);
    if (bad || (!re && !lit))
        return q35_fail(r->err, "%s: pre_tokenizer step %d: Split has no pattern {\"Regex\": ...} or {\"String\": "
                        "...}", r->path, k);
    if (re) return add_regex(r, re);
    /* a literal: every ASCII punctuation character escaped */
    size_t n = strlen(lit);
    char *buf = q35_malloc(2 * n + 1, r->err), *o = buf;
    if (!buf) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != ' ')
            *o++ = '\\';
        *o++ = (char)c;
    }
    *o = 0;
    int rc = add_regex(r, buf);
    free(buf);
    return rc;
}

/* One step of the pre-tokenizer; *byte_level is set once the ByteLevel step is seen. */
static int pre_step(reader *r, const cJSON *s, int k, int *byte_level)
{
    q35_vocab *v = r->v;
    const char *t = type_name(s);
    if (*byte_level)
        return q35_fail(r->err, "%s: pre_tokenizer step %d (%s) after ByteLevel is not supported", r->path, k, t);
    if (!strcmp(t, "Split")) {
        int bad = 0;
        const char *behavior = str_member(s, "behavior", &bad);
        if (!behavior || strcmp(behavior, "Isolated"))
            return q35_fail(r->err, "%s: pre_tokenizer step %d: Split behavior '%s' is not supported (only Isolated)",
                            r->path, k, behavior ? behavior : "(none)");
        if (cJSON_IsTrue(member(s, "invert")))
            return q35_fail(r->err, "%s: pre_tokenizer step %d: inverted Split is not supported", r->path, k);
        return split_pattern(r, s, k);
    }
    if (!strcmp(t, "ByteLevel")) {
        *byte_level = 1;
        if (!cJSON_IsFalse(member(s, "use_regex")) && add_regex(r, Q35_GPT2_REGEX)) return -1;
        v->add_space_prefix = cJSON_IsTrue(member(s, "add_prefix_space"));
        if (v->add_space_prefix && k > 0)
            return q35_fail(r->err, "%s: pre_tokenizer: ByteLevel add_prefix_space after a Split is not supported",
                            r->path);
        return 0;
    }
    return q35_fail(r->err, "%s: pre_tokenizer step %d: type '%s' is not supported (Split, ByteLevel)", r->path, k, t);
}

static int read_pre_tokenizer(reader *r, const cJSON *pt)
{
    if (absent(pt))
        return q35_fail(r->err, "%s: no pre_tokenizer; q35 reads byte-level BPE (a ByteLevel pre-tokenizer)", r->path);
    int byte_level = 0, k = 0;
    if (!strcmp(type_name(pt), "Sequence")) {
        const cJSON *steps = member(pt, "pretokenizers"), *s;
        if (!cJSON_IsArray(steps))
            return q35_fail(r->err, "%s: pre_tokenizer Sequence has no pretokenizers list", r->path);
        cJSON_ArrayForEach(s, steps)
            if (pre_step(r, s, k++, &byte_level)) return -1;
    } else if (pre_step(r, pt, k, &byte_level)) {
        return -1;
    }
    if (!byte_level)
        return q35_fail(r->err, "%s: pre_tokenizer has no ByteLevel step; q35 reads byte-level BPE only", r->path);
    return 0;
}

static int check_normalizer_decoder(reader *r, const cJSON *root)
{
    const cJSON *norm = member(root, "normalizer"), *dec = member(root, "decoder");
    if (!absent(norm))
        return q35_fail(r->err, "%s: normalizer '%s' is not supported (byte-level BPE has none)", r->path,
                        type_name(norm));
    if (!absent(dec) && strcmp(type_name(dec), "ByteLevel"))
        return q35_fail(r->err, "%s: decoder '%s' is not supported (only ByteLevel)", r->path, type_name(dec));
    return 0;
}

static int read_model(reader *r, const cJSON *model)
{
    if (!cJSON_IsObject(model)) return q35_fail(r->err, "%s: no \"model\" object", r->path);
    int bad = 0;
    const char *type = str_member(model, "type", &bad);
    if (bad || (type && strcmp(type, "BPE")))
        return q35_fail(r->err, "%s: model type '%s' is not supported (only BPE)", r->path, type ? type : "?");
    static const char *const unsupported[] = { "continuing_subword_prefix", "end_of_word_suffix" };
    for (int i = 0; i < 2; i++) {
        const char *s = str_member(model, unsupported[i], &bad);
        if (bad || (s && *s)) return q35_fail(r->err, "%s: model.%s is not supported", r->path, unsupported[i]);
    }
    if (cJSON_IsTrue(member(model, "byte_fallback")))
        return q35_fail(r->err, "%s: model.byte_fallback is not supported with byte-level BPE", r->path);
    const cJSON *vocab = member(model, "vocab");
    if (!cJSON_IsObject(vocab)) return q35_fail(r->err, "%s: model.vocab is missing or not an object", r->path);
    r->v->ignore_merges = cJSON_IsTrue(member(model, "ignore_merges"));
    return 0;
}

/* ---- special tokens ---- */

static int added_id(const reader *r, const char *content)
{
    for (int i = 0; content && i < r->v->n; i++)
        if (r->added[i] && !strcmp(r->v->pieces[i], content)) return i;
    return -1;
}

/* tokenizer_config.json's bos_token / eos_token: a string or {"content": ...}. */
static const char *config_token(const cJSON *cfg, const char *key)
{
    const cJSON *x = member(cfg, key);
    if (cJSON_IsString(x)) return x->valuestring;
    x = member(x, "content");
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static cJSON *read_config(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    char cfg_path[4096];
    if (dir + sizeof "tokenizer_config.json" > sizeof cfg_path) return NULL;
    memcpy(cfg_path, path, dir);
    memcpy(cfg_path + dir, "tokenizer_config.json", sizeof "tokenizer_config.json");
    q35_map m;
    q35_err e;
    if (q35_map_open(cfg_path, &m, &e)) return NULL;
    cJSON *cfg = cJSON_ParseWithLength((const char *)m.data, m.size);
    q35_map_close(&m);
    return cfg;
}

/* BOS: the special token a TemplateProcessing post-processor puts first; otherwise
 * tokenizer_config.json; otherwise the usual names. EOS from the config or the names. */
static void find_specials(reader *r, const cJSON *root)
{
    q35_vocab *v = r->v;
    v->bos = v->eos = v->unk = -1;
    v->add_bos = -1;
    const cJSON *pp = member(root, "post_processor"), *tp = NULL;
    if (!strcmp(type_name(pp), "TemplateProcessing")) tp = pp;
    const cJSON *x;
    cJSON_ArrayForEach(x, member(pp, "processors"))
        if (!tp && !strcmp(type_name(x), "TemplateProcessing")) tp = x;
    if (tp) {
        const cJSON *single = member(tp, "single");
        const cJSON *first = cJSON_IsArray(single) ? single->child : NULL;
        const cJSON *st = member(first, "SpecialToken");
        v->add_bos = st != NULL;
        if (st) {
            int bad = 0;
            const char *name = str_member(st, "id", &bad);
            const cJSON *ids = member(member(member(tp, "special_tokens"), name ? name : ""), "ids");
            int id;
            if (cJSON_IsArray(ids) && cJSON_GetArraySize(ids) == 1 && !json_id(ids->child, &id) && id < v->n)
                v->bos = id;
            else
                v->bos = added_id(r, name);
        }
    }
    cJSON *cfg = read_config(r->path);
    if (cfg) {
        if (v->bos < 0) v->bos = added_id(r, config_token(cfg, "bos_token"));
        v->eos = added_id(r, config_token(cfg, "eos_token"));
        const cJSON *ab = member(cfg, "add_bos_token");
        if (v->add_bos < 0 && cJSON_IsBool(ab)) v->add_bos = cJSON_IsTrue(ab);
        cJSON_Delete(cfg);
    }
    static const char *const bos_names[] = { "<|begin_of_text|>", "<s>", "<|endoftext|>" };
    static const char *const eos_names[] = { "<|end_of_text|>", "</s>", "<|endoftext|>" };
    for (int i = 0; i < 3; i++) {
        if (v->bos < 0) v->bos = added_id(r, bos_names[i]);
        if (v->eos < 0) v->eos = added_id(r, eos_names[i]);
    }
    if (v->add_bos < 0) v->add_bos = v->bos >= 0;
}

static int read_unk(reader *r, const cJSON *model)
{
    int bad = 0;
    const char *unk = str_member(model, "unk_token", &bad);
    if (bad) return q35_fail(r->err, "%s: model.unk_token is not a string", r->path);
    if (!unk) return 0;
    for (int i = 0; i < r->v->n; i++)
        if (!strcmp(r->v->pieces[i], unk)) {
            r->v->unk = i;
            return 0;
        }
    return q35_fail(r->err, "%s: model.unk_token '%s' is not in the vocabulary", r->path, unk);
}

int q35_vocab_from_hfjson(const char *path, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    reader r = { path, err, v, NULL };
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)m.data, m.size, &end, 0);
    int rc = -1;
    if (!root) {
        size_t at = end && end >= (const char *)m.data ? (size_t)(end - (const char *)m.data) : 0;
        q35_fail(err, "%s: not valid JSON (at byte %zu of %zu)", path, at, m.size);
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        q35_fail(err, "%s: not a JSON object", path);
        goto done;
    }
    const cJSON *model = member(root, "model");
    v->kind = Q35_VOCAB_BPE;
    if (read_model(&r, model) || check_normalizer_decoder(&r, root) ||
        read_tokens(&r, member(model, "vocab"), member(root, "added_tokens")) ||
        read_merges(&r, member(model, "merges")) || read_pre_tokenizer(&r, member(root, "pre_tokenizer")))
        goto done;
    find_specials(&r, root);
    if (read_unk(&r, model)) goto done;
    const q35_bpe_pre *pre = q35_bpe_pre_of(v);
    if (pre && !(v->pre = q35_strdup(pre->name, err))) goto done;
    rc = q35_vocab_bpe_check(v, path, err);
done:
    cJSON_Delete(root);
    q35_map_close(&m);
    free(r.added);
    if (rc) q35_vocab_free(v);
    return rc;
}
