/* Tests for src/io/vocab_spm.c, the SentencePiece tokenizer.model reader.
 *
 * - llama2-tokenizer.model and midi/midi-tokenizer.model read natively: every piece,
 *   score, type and special id as python3-sentencepiece reports them (tests/tools/
 *   spm_ref.py pieces), the midi vocabulary equal to midi23M.gguf's, and q35's ids for
 *   every line of the WikiText-2 test text / midi-valid.txt (and the whole files) equal
 *   to SentencePiece's, decoding giving the text back wherever SentencePiece's does.
 * - A .model written here from stories260K's vocabulary works as the tokenizer of the
 *   llama2.c checkpoint (by extension and by content), and SentencePiece reads it too.
 * - Unknown fields of every wire type are skipped; models q35's tokenizer cannot
 *   honour (unigram, text normalisation, ...) are refused with a message.
 * - Malformed files (truncations, varints and lengths past the end, no pieces, bad
 *   types, special ids out of range, fresh random corruption with a printed seed)
 *   give one-line errors naming the file, and never crash (also run under ASan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q35/ckpt.h"
#include "q35/common.h"
#include "q35/tokenizer.h"
#include "spm_cases.h"
#include "test_support.h"

/* ---- helpers ---- */

/* An error must be one line that starts with the file's name. */
static void assert_error_names(const q35_err *err, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(err->msg, path, n) || err->msg[n] != ':' || strchr(err->msg, '\n') || strlen(err->msg) < n + 3)
        fail_msg("bad error message for %s: \"%s\"", path, err->msg);
}

/* Every case gives SentencePiece's ids, and decodes back to its text wherever
 * SentencePiece's decoding does. Returns the number of round trips checked. */
static int check_cases(const q35_tokenizer *tok, const q35_vocab *v, const t_cases *c)
{
    q35_err err;
    int bad = 0, bad_rt = 0, rt = 0;
    for (int i = 0; i < c->n; i++) {
        int32_t *ids;
        size_t n;
        assert_int_equal(q35_tokenize(tok, c->text[i], c->len[i], 1, &ids, &n, &err), 0);
        assert_true(n >= 1 && ids[0] == v->bos);
        if (n - 1 != c->n_ref[i] || memcmp(ids + 1, c->ref[i], (n - 1) * sizeof *ids)) {
            if (bad++ < 3) t_print_case(c, i, ids + 1, n - 1);
        } else if (c->roundtrip[i]) {
            /* decode as q35 run prints: each token after its predecessor, BOS first */
            char *back = malloc(c->len[i] * 4 + 16);
            size_t bl = 0;
            for (size_t k = 1; k < n; k++) {
                size_t l;
                const char *s = q35_token_text(tok, ids[k - 1], ids[k], &l);
                if (bl + l > c->len[i] * 4 + 16) break;
                memcpy(back + bl, s, l);
                bl += l;
            }
            if (bl != c->len[i] || memcmp(back, c->text[i], bl)) {
                if (bad_rt++ < 3)
                    fprintf(stderr, "case %d \"%.*s\" decodes to \"%.*s\"\n", i, (int)c->len[i], c->text[i], (int)bl,
                            back);
            }
            rt++;
            free(back);
        }
        free(ids);
    }
    if (bad) fprintf(stderr, "%d of %d cases differ from sentencepiece\n", bad, c->n);
    if (bad_rt) fprintf(stderr, "%d of %d round trips fail\n", bad_rt, rt);
    assert_int_equal(bad, 0);
    assert_int_equal(bad_rt, 0);
    return rt;
}

/* Pieces, scores, types and special ids as SentencePiece reports them. */
static void check_pieces_against_spm(const char *model, const q35_vocab *v)
{
    const char *out = t_tmp("spm_model_pieces.txt");
    char args[8192];
    snprintf(args, sizeof args, "pieces '%s' '%s'", model, out);
    assert_int_equal(t_spm_ref(args), 0);
    size_t len;
    char *text = t_slurp(out, &len);
    char *line = text;
    for (int i = 0; i < v->n; i++) {
        char *eol = strchr(line, '\n');
        assert_non_null(eol);
        *eol = 0;
        int type;
        unsigned bits;
        char hex[4096];
        if (sscanf(line, "%d %x %4095s", &type, &bits, hex) != 3) fail_msg("piece %d: bad line '%s'", i, line);
        char want[2048];
        size_t wl = strlen(hex) / 2;
        assert_true(wl < sizeof want);
        for (size_t k = 0; k < wl; k++) {
            unsigned b;
            sscanf(hex + 2 * k, "%2x", &b);
            want[k] = (char)b;
        }
        want[wl] = 0;
        if (strcmp(v->pieces[i], want)) fail_msg("piece %d: ours '%s', sentencepiece '%s'", i, v->pieces[i], want);
        uint32_t ours;
        memcpy(&ours, &v->scores[i], 4);
        if (ours != bits) fail_msg("piece %d ('%s'): score bits %08x, sentencepiece %08x", i, want, ours, bits);
        int t = v->types[i] == Q35_TOK_USER ? Q35_TOK_NORMAL : v->types[i]; /* SentencePiece can't tell them apart */
        if (t != type) fail_msg("piece %d ('%s'): type %d, sentencepiece %d", i, want, v->types[i], type);
        line = eol + 1;
    }
    int unk, bos, eos, pad;
    assert_int_equal(sscanf(line, "special %d %d %d %d", &unk, &bos, &eos, &pad), 4);
    assert_int_equal(v->unk, unk);
    assert_int_equal(v->bos, bos);
    assert_int_equal(v->eos, eos);
    free(text);
    remove(out);
}

/* ---- LLaMA-2 ---- */

static const char *const EDGE_CASES[] = {
    "", " ", "  ", "   ", "     ", "a", " a", "a ", "  a  b   c  ", "Hello world",
    " Hello  world ", "\n", "\n\n", "a\nb", " \n ", "line one\nline two\n", "\t", "\tx\ty\t",
    "tab\tand space ", "emoji 😀 here", "😀😃😄", "中文字符测试", "日本語のテキスト", "한국어",
    "mixed 中文 and English", "<s>", "</s>", "<unk>", "hi <s> there </s>", "<0x0A>",
    "Ünïcödé àçcèñts", "€100 — “quotes” ‘single’ …", "x    y", "1234567890", "3.14159",
    "@-@ wiki , style . text", "\r\n", "\x01\x02", "~!@#$%^&*()_+{}|:\"<>?",
    "▁ literal mark", "a\xc2\xa0" "b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ω≈ç√∫˜µ≤≥÷", "ﬁ ligature ＡＢＣ full width",
};

static void test_llama2_model_native(void **state)
{
    (void)state;
    q35_err err;
    const char *model = t_fixture("llama2-tokenizer.model");
    q35_vocab v;
    double t0 = q35_now();
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    printf("llama2-tokenizer.model: %d pieces read in %.3f s\n", v.n, q35_now() - t0);
    assert_int_equal(v.n, 32000);
    assert_int_equal(v.unk, 0);
    assert_int_equal(v.bos, 1);
    assert_int_equal(v.eos, 2);
    assert_int_equal(v.add_bos, 1);
    assert_int_equal(v.add_space_prefix, 1);
    int count[7] = {0};
    for (int i = 0; i < v.n; i++) count[v.types[i]]++;
    assert_int_equal(count[Q35_TOK_NORMAL], 31741);
    assert_int_equal(count[Q35_TOK_BYTE], 256);
    assert_int_equal(count[Q35_TOK_CONTROL], 2);
    assert_int_equal(count[Q35_TOK_UNKNOWN], 1);
    assert_string_equal(v.pieces[3], "<0x00>");
    check_pieces_against_spm(model, &v);

    /* the same vocabulary as the llama2.c tokenizer.bin exported from it */
    const char *bin = t_tmp("spm_model_llama2.bin");
    char args[8192];
    snprintf(args, sizeof args, "export '%s' '%s'", model, bin);
    assert_int_equal(t_spm_ref(args), 0);
    q35_vocab l2c;
    if (q35_vocab_from_llama2c(bin, 32000, &l2c, &err)) fail_msg("%s", err.msg);
    remove(bin);
    t_assert_same_vocab(&v, &l2c);
    q35_vocab_free(&l2c);

    q35_tokenizer *tok = q35_tokenizer_new(&v, &err);
    assert_non_null(tok);
    size_t len;
    char *text = t_slurp(t_fixture("wikitext-2-raw-test.txt"), &len);
    t_cases c = {0};
    for (size_t i = 0; i < sizeof EDGE_CASES / sizeof *EDGE_CASES; i++) t_cases_add(&c, EDGE_CASES[i], strlen(EDGE_CASES[i]));
    t_cases_add_lines(&c, text, len, 1 << 30, 0);
    t_cases_add(&c, text, len);
    t_spm_encode(model, &c, 1);
    int rt = check_cases(tok, &v, &c);
    printf("llama2-tokenizer.model: %d cases (%zu edge cases, every line of wikitext-2-raw-test.txt, the whole "
           "file) agree with sentencepiece; %d decode back as sentencepiece's do\n",
           c.n, sizeof EDGE_CASES / sizeof *EDGE_CASES, rt);
    t_cases_free(&c);
    free(text);
    q35_tokenizer_free(tok);
    q35_vocab_free(&v);
}

/* ---- midi23M ---- */

static void test_midi_model_native(void **state)
{
    (void)state;
    q35_err err;
    const char *model = t_fixture("midi/midi-tokenizer.model");
    q35_vocab v;
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    assert_int_equal(v.n, 4096);
    check_pieces_against_spm(model, &v);
    /* the vocabulary inside midi23M.gguf: same pieces, scores, types, ids and flags */
    q35_ckpt ck;
    if (q35_ckpt_open(t_fixture("midi/midi23M.gguf"), NULL, &ck, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&v, &ck.vocab);
    q35_ckpt_close(&ck);

    q35_tokenizer *tok = q35_tokenizer_new(&v, &err);
    assert_non_null(tok);
    size_t len;
    char *text = t_slurp(t_fixture("midi/midi-valid.txt"), &len);
    t_cases c = {0};
    for (size_t i = 0; i < sizeof EDGE_CASES / sizeof *EDGE_CASES; i++) t_cases_add(&c, EDGE_CASES[i], strlen(EDGE_CASES[i]));
    t_cases_add_lines(&c, text, len, 1 << 30, 0);
    t_cases_add(&c, text, len);
    t_spm_encode(model, &c, 1);
    int rt = check_cases(tok, &v, &c);
    printf("midi-tokenizer.model: %d cases (edge cases, every line of midi-valid.txt, the whole file) agree with "
           "sentencepiece; %d decode back as sentencepiece's do\n", c.n, rt);
    t_cases_free(&c);
    free(text);
    q35_tokenizer_free(tok);
    q35_vocab_free(&v);
}

/* ---- a protobuf writer for test models ---- */

typedef struct pbuf {
    uint8_t *p;
    size_t n, cap;
} pbuf;

static void pb_bytes(pbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void pb_varint(pbuf *b, uint64_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) c |= 0x80;
        pb_bytes(b, &c, 1);
    } while (v);
}

static void pb_key(pbuf *b, uint32_t num, int wire) { pb_varint(b, (uint64_t)num << 3 | (uint64_t)wire); }

static void pb_int(pbuf *b, uint32_t num, int64_t v)
{
    pb_key(b, num, 0);
    pb_varint(b, (uint64_t)v);
}

static void pb_len(pbuf *b, uint32_t num, const void *d, size_t n)
{
    pb_key(b, num, 2);
    pb_varint(b, n);
    pb_bytes(b, d, n);
}

static void pb_str(pbuf *b, uint32_t num, const char *s) { pb_len(b, num, s, strlen(s)); }

static void pb_f32(pbuf *b, uint32_t num, float f)
{
    pb_key(b, num, 5);
    pb_bytes(b, &f, 4); /* little-endian host */
}

static void pb_msg(pbuf *b, uint32_t num, pbuf *sub)
{
    pb_len(b, num, sub->p, sub->n);
    free(sub->p);
    memset(sub, 0, sizeof *sub);
}

/* One unknown field of every wire type, a nested group included. */
static void pb_unknown_fields(pbuf *b, uint32_t base)
{
    pb_int(b, base, 12345);
    pb_key(b, base + 1, 1);
    pb_bytes(b, "\1\2\3\4\5\6\7\x08", 8);
    pb_str(b, base + 2, "an unknown string");
    pb_key(b, base + 3, 3);          /* group */
    pb_int(b, 1, 7);
    pb_key(b, 2, 3);                 /* nested group */
    pb_str(b, 3, "inner");
    pb_key(b, 2, 4);
    pb_key(b, base + 3, 4);
    pb_f32(b, base + 4, 1.5f);
}

/* A model description; make_model writes it. */
typedef struct spec {
    const q35_vocab *v;
    int model_type;         /* -1: no field */
    int byte_fallback;
    int64_t unk, bos, eos, pad;
    int no_trainer, no_normalizer;
    const char *norm_name;
    size_t charsmap;        /* bytes of precompiled_charsmap (garbage) */
    int dummy, rmws, escape, ws_suffix;
    size_t denorm_charsmap;
    int unknown_fields;
} spec;

static spec base_spec(const q35_vocab *v)
{
    return (spec){.v = v, .model_type = 2, .byte_fallback = 1, .unk = 0, .bos = 1, .eos = 2, .pad = -1,
                  .norm_name = "identity", .dummy = 1, .rmws = 0, .escape = 1};
}

static pbuf make_model(const spec *s)
{
    pbuf b = {0}, sub = {0};
    if (s->unknown_fields) pb_unknown_fields(&b, 100);
    for (int i = 0; i < s->v->n; i++) {
        if (s->unknown_fields && i == 5) pb_unknown_fields(&sub, 10);
        pb_str(&sub, 1, s->v->pieces[i]);
        pb_f32(&sub, 2, s->v->scores[i]);
        if (s->v->types[i] != Q35_TOK_NORMAL || i % 2) pb_int(&sub, 3, s->v->types[i]); /* NORMAL is the default */
        pb_msg(&b, 1, &sub);
    }
    if (!s->no_trainer) {
        if (s->unknown_fields) pb_unknown_fields(&sub, 60);
        pb_str(&sub, 2, "test-model");
        if (s->model_type >= 0) pb_int(&sub, 3, s->model_type);
        pb_int(&sub, 4, s->v->n);
        pb_int(&sub, 24, s->ws_suffix);
        pb_int(&sub, 35, s->byte_fallback);
        pb_int(&sub, 40, s->unk);
        pb_int(&sub, 41, s->bos);
        pb_int(&sub, 42, s->eos);
        pb_int(&sub, 43, s->pad);
        pb_str(&sub, 46, "<s>");
        pb_msg(&b, 2, &sub);
    }
    if (!s->no_normalizer) {
        pb_str(&sub, 1, s->norm_name);
        if (s->charsmap) {
            uint8_t *junk = calloc(1, s->charsmap);
            pb_len(&sub, 2, junk, s->charsmap);
            free(junk);
        } else {
            pb_len(&sub, 2, "", 0);
        }
        pb_int(&sub, 3, s->dummy);
        pb_int(&sub, 4, s->rmws);
        pb_int(&sub, 5, s->escape);
        if (s->unknown_fields) pb_unknown_fields(&sub, 20);
        pb_msg(&b, 3, &sub);
    }
    if (s->denorm_charsmap) {
        pb_str(&sub, 1, "denorm");
        uint8_t *junk = calloc(1, s->denorm_charsmap);
        pb_len(&sub, 2, junk, s->denorm_charsmap);
        free(junk);
        pb_msg(&b, 5, &sub);
    }
    if (s->unknown_fields) {
        pbuf sample = {0}; /* self_test_data: one Sample {input, expected} */
        pb_str(&sample, 1, "hello");
        pb_str(&sample, 2, "\xE2\x96\x81he ll o"); /* as SentencePiece's self-test wants it */
        pb_msg(&sub, 1, &sample);
        pb_msg(&b, 4, &sub);
    }
    return b;
}

static const char *write_model(const char *name, const pbuf *b)
{
    const char *path = t_tmp(name);
    assert_int_equal(t_write_file(path, b->p, b->n), 0);
    return path;
}

/* ---- a .model as the tokenizer of the llama2.c checkpoint ---- */

static void test_llama2c_checkpoint_with_model(void **state)
{
    (void)state;
    q35_err err;
    q35_ckpt g;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &g, &err)) fail_msg("%s", err.msg);
    spec s = base_spec(&g.vocab);
    pbuf b = make_model(&s);
    const char *model = write_model("stories.model", &b);

    /* read directly, through q35_vocab_from_file, and as the llama2.c model's tokenizer */
    q35_vocab v;
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&v, &g.vocab);
    q35_vocab_free(&v);
    if (q35_vocab_from_file(model, 512, &v, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&v, &g.vocab);
    q35_vocab_free(&v);
    q35_ckpt ck;
    if (q35_ckpt_open(t_fixture("stories260K.l2c.bin"), model, &ck, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&ck.vocab, &g.vocab);
    q35_ckpt_close(&ck);

    /* recognised by content under another name; tokenizer.bin is not mistaken for one */
    const char *noext = write_model("stories_tokenizer", &b);
    assert_int_equal(q35_vocab_looks_spm(noext, b.p, b.n), 1);
    if (q35_vocab_from_file(noext, 512, &v, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&v, &g.vocab);
    q35_vocab_free(&v);
    size_t tl;
    char *tokbin = t_slurp(t_fixture("tok512.bin"), &tl);
    assert_int_equal(q35_vocab_looks_spm(t_fixture("tok512.bin"), (const uint8_t *)tokbin, tl), 0);
    /* every max_token_length a tokenizer.bin may hold */
    for (int32_t m = 1; m <= 65536; m++) {
        uint8_t head[12] = {0};
        memcpy(head, &m, 4);
        assert_int_equal(q35_vocab_looks_spm("tokenizer.bin", head, sizeof head), 0);
    }
    free(tokbin);
    if (q35_vocab_from_file(t_fixture("tok512.bin"), 512, &v, &err)) fail_msg("%s", err.msg);
    q35_vocab_free(&v);

    /* a piece count that does not match the model */
    assert_int_equal(q35_vocab_from_file(model, 511, &v, &err), -1);
    assert_error_names(&err, model);
    assert_non_null(strstr(err.msg, "512 pieces, the model 511"));
    assert_int_equal(q35_ckpt_open(t_fixture("stories260K.l2c.bin"), t_fixture("llama2-tokenizer.model"), &ck, &err), -1);
    assert_error_names(&err, t_fixture("llama2-tokenizer.model"));

    /* SentencePiece reads the file written here and agrees with q35 on it */
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    q35_tokenizer *tok = q35_tokenizer_new(&v, &err);
    assert_non_null(tok);
    size_t len;
    char *text = t_slurp(t_fixture("reference/stories260K_samples_llama2c.txt"), &len);
    t_cases c = {0};
    for (size_t i = 0; i < sizeof EDGE_CASES / sizeof *EDGE_CASES; i++) t_cases_add(&c, EDGE_CASES[i], strlen(EDGE_CASES[i]));
    t_cases_add_lines(&c, text, len, 1 << 30, 0);
    t_spm_encode(model, &c, 1);
    check_cases(tok, &v, &c);
    printf("stories.model written from stories260K.gguf: %d cases agree with sentencepiece\n", c.n);
    t_cases_free(&c);
    free(text);
    q35_tokenizer_free(tok);
    q35_vocab_free(&v);

    /* without the dummy prefix and without BOS, as SentencePiece encodes then */
    s.dummy = 0;
    s.bos = -1;
    free(b.p);
    b = make_model(&s);
    model = write_model("stories_noprefix.model", &b);
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    assert_int_equal(v.add_space_prefix, 0);
    assert_int_equal(v.bos, -1);
    assert_int_equal(v.add_bos, 0);
    tok = q35_tokenizer_new(&v, &err);
    assert_non_null(tok);
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < sizeof EDGE_CASES / sizeof *EDGE_CASES; i++) t_cases_add(&c, EDGE_CASES[i], strlen(EDGE_CASES[i]));
    t_spm_encode(model, &c, 1);
    for (int i = 0; i < c.n; i++) {
        int32_t *ids;
        size_t n;
        assert_int_equal(q35_tokenize(tok, c.text[i], c.len[i], 1, &ids, &n, &err), 0);
        if (n != c.n_ref[i] || memcmp(ids, c.ref[i], n * sizeof *ids)) fail_msg("no-prefix case %d differs", i);
        free(ids);
    }
    t_cases_free(&c);
    q35_tokenizer_free(tok);
    q35_vocab_free(&v);
    remove(model);
    remove(noext);
    remove(t_tmp("stories.model"));
    free(b.p);
    q35_ckpt_close(&g);
}

/* ---- unknown fields are skipped; what the tokenizer cannot honour is refused ---- */

static void test_unknown_fields_skipped(void **state)
{
    (void)state;
    q35_err err;
    q35_ckpt g;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &g, &err)) fail_msg("%s", err.msg);
    spec s = base_spec(&g.vocab);
    s.unknown_fields = 1;
    pbuf b = make_model(&s);
    const char *model = write_model("unknown_fields.model", &b);
    q35_vocab v;
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    t_assert_same_vocab(&v, &g.vocab);
    q35_vocab_free(&v);
    /* SentencePiece reads it too (and passes its self-test) and agrees with q35 */
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    q35_tokenizer *tok = q35_tokenizer_new(&v, &err);
    assert_non_null(tok);
    t_cases c = {0};
    for (size_t i = 0; i < sizeof EDGE_CASES / sizeof *EDGE_CASES; i++) t_cases_add(&c, EDGE_CASES[i], strlen(EDGE_CASES[i]));
    t_spm_encode(model, &c, 1);
    check_cases(tok, &v, &c);
    t_cases_free(&c);
    q35_tokenizer_free(tok);
    q35_vocab_free(&v);
    /* fields repeated: the last value of a scalar wins, as in protobuf */
    spec t = base_spec(&g.vocab);
    pbuf b2 = make_model(&t);
    pbuf sub = {0};
    pb_int(&sub, 3, 1); /* a second trainer_spec: UNIGRAM... */
    pb_msg(&b2, 2, &sub);
    model = write_model("repeated.model", &b2);
    assert_int_equal(q35_vocab_from_spm_model(model, &v, &err), -1);
    assert_non_null(strstr(err.msg, "UNIGRAM"));
    pb_int(&sub, 3, 2); /* ...and a third: BPE again */
    pb_msg(&b2, 2, &sub);
    model = write_model("repeated.model", &b2);
    if (q35_vocab_from_spm_model(model, &v, &err)) fail_msg("%s", err.msg);
    q35_vocab_free(&v);
    remove(model);
    remove(t_tmp("unknown_fields.model"));
    free(b.p);
    free(b2.p);
    q35_ckpt_close(&g);
}

typedef struct refusal {
    const char *what;
    void (*edit)(spec *s);
    const char *expect;
} refusal;

static void e_unigram(spec *s) { s->model_type = 1; }
static void e_no_type(spec *s) { s->model_type = -1; }
static void e_word(spec *s) { s->model_type = 3; }
static void e_char(spec *s) { s->model_type = 4; }
static void e_bad_model_type(spec *s) { s->model_type = 77; }
static void e_no_trainer(spec *s) { s->no_trainer = 1; }
static void e_no_normalizer(spec *s) { s->no_normalizer = 1; }
static void e_nfkc(spec *s) { s->norm_name = "nmt_nfkc"; s->charsmap = 100; }
static void e_rmws(spec *s) { s->rmws = 1; }
static void e_noescape(spec *s) { s->escape = 0; }
static void e_suffix(spec *s) { s->ws_suffix = 1; }
static void e_denorm(spec *s) { s->denorm_charsmap = 50; }
static void e_no_fallback(spec *s) { s->byte_fallback = 0; }
static void e_bos_range(spec *s) { s->bos = 99999; }
static void e_bos_neg(spec *s) { s->bos = -5; }
static void e_eos_range(spec *s) { s->eos = 512; }
static void e_pad_range(spec *s) { s->pad = 100000; }
static void e_unk_range(spec *s) { s->unk = -2; }
static void e_bos_normal(spec *s) { s->bos = 300; }
static void e_unk_mismatch(spec *s) { s->unk = 1; }
static void e_bos_int64(spec *s) { s->bos = (int64_t)1 << 40; }

static void test_refused_models(void **state)
{
    (void)state;
    q35_err err;
    q35_ckpt g;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &g, &err)) fail_msg("%s", err.msg);
    const refusal list[] = {
        {"unigram", e_unigram, "UNIGRAM model"},
        {"no model_type (unigram by default)", e_no_type, "UNIGRAM model"},
        {"word", e_word, "WORD model"},
        {"char", e_char, "CHAR model"},
        {"model_type 77", e_bad_model_type, "unknown model"},
        {"no trainer_spec", e_no_trainer, "no trainer_spec"},
        {"no normalizer_spec (removes extra whitespace by default)", e_no_normalizer, "remove_extra_whitespaces"},
        {"nmt_nfkc normalizer", e_nfkc, "normalizer 'nmt_nfkc' rewrites text"},
        {"remove_extra_whitespaces", e_rmws, "remove_extra_whitespaces on"},
        {"escape_whitespaces off", e_noescape, "escape_whitespaces off"},
        {"treat_whitespace_as_suffix", e_suffix, "treat_whitespace_as_suffix"},
        {"denormalizer", e_denorm, "denormalizer"},
        {"byte pieces without byte_fallback", e_no_fallback, "byte_fallback is off"},
        {"bos_id out of range", e_bos_range, "bos_id = 99999 is not a piece id"},
        {"bos_id negative", e_bos_neg, "bos_id = -5 is not a piece id"},
        {"eos_id out of range", e_eos_range, "eos_id = 512 is not a piece id"},
        {"pad_id out of range", e_pad_range, "pad_id = 100000 is not a piece id"},
        {"unk_id -2", e_unk_range, "unk_id = -2 is not a piece id"},
        {"bos_id on a normal piece", e_bos_normal, "a NORMAL piece, not CONTROL"},
        {"unk_id not the UNKNOWN piece", e_unk_mismatch, "unk_id = 1, but the UNKNOWN piece is 0"},
        {"bos_id beyond int32", e_bos_int64, "is not an int32"},
    };
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) {
        spec s = base_spec(&g.vocab);
        list[i].edit(&s);
        pbuf b = make_model(&s);
        const char *model = write_model("refused.model", &b);
        q35_vocab v;
        if (q35_vocab_from_spm_model(model, &v, &err) == 0) fail_msg("%s: accepted", list[i].what);
        assert_error_names(&err, model);
        if (!strstr(err.msg, list[i].expect)) fail_msg("%s: \"%s\" lacks \"%s\"", list[i].what, err.msg, list[i].expect);
        assert_null(v.pieces);
        printf("refused %-55s %s\n", list[i].what, err.msg + strlen(model) + 2);
        remove(model);
        free(b.p);
    }
    q35_ckpt_close(&g);
}

/* ---- malformed files ---- */

/* Pieces (string, score, type) written one by one, with the usual specs after them. */
typedef struct raw_piece {
    const char *piece;
    size_t len;
    int type;
} raw_piece;

static pbuf model_of(const raw_piece *p, int n, const q35_vocab *bytes_from)
{
    pbuf b = {0}, sub = {0};
    for (int i = 0; i < n; i++) {
        pb_len(&sub, 1, p[i].piece, p[i].len);
        pb_f32(&sub, 2, -(float)i);
        pb_int(&sub, 3, p[i].type);
        pb_msg(&b, 1, &sub);
    }
    for (int i = 0; bytes_from && i < bytes_from->n; i++)
        if (bytes_from->types[i] == Q35_TOK_BYTE) {
            pb_str(&sub, 1, bytes_from->pieces[i]);
            pb_int(&sub, 3, Q35_TOK_BYTE);
            pb_msg(&b, 1, &sub);
        }
    pb_int(&sub, 3, 2);
    pb_int(&sub, 35, 1);
    pb_msg(&b, 2, &sub);
    pb_int(&sub, 4, 0);
    pb_msg(&b, 3, &sub);
    return b;
}

/* Expects path to be refused with a message containing `expect`. */
static void expect_error(const char *what, const pbuf *b, const char *expect)
{
    const char *path = write_model("malformed.model", b);
    q35_err err;
    q35_vocab v;
    if (q35_vocab_from_spm_model(path, &v, &err) == 0) fail_msg("%s: accepted", what);
    assert_error_names(&err, path);
    if (!strstr(err.msg, expect)) fail_msg("%s: \"%s\" lacks \"%s\"", what, err.msg, expect);
    assert_null(v.pieces);
    assert_int_equal(v.n, 0);
    printf("malformed %-44s %s\n", what, err.msg + strlen(path) + 2);
    remove(path);
}

static void test_malformed_files(void **state)
{
    (void)state;
    q35_err err;
    q35_ckpt g;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &g, &err)) fail_msg("%s", err.msg);
    spec s = base_spec(&g.vocab);
    pbuf good = make_model(&s);
    pbuf b = {0};

    /* truncations: in a piece's key, its length, its body; an empty file */
    b.p = good.p;
    b.n = 0;
    expect_error("empty file", &b, "empty file");
    b.n = 1;
    expect_error("truncated after one byte", &b, "truncated varint");
    b.n = 2;
    expect_error("truncated in the first piece", &b, "past the end");
    b.n = good.n - 1;
    expect_error("truncated by one byte", &b, "past the end");
    memset(&b, 0, sizeof b);

    /* bytes appended to a good model: varints, lengths and fixed fields past the end,
     * bad wire types and field numbers, stray or unclosed groups */
    static const struct {
        const char *what, *bytes;
        size_t n;
        const char *expect;
    } tail[] = {
        {"varint past the end", "\x08\xff\xff", 3, "truncated varint"},
        {"11-byte varint", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, "longer than 10 bytes"},
        {"varint over 64 bits", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11, "overflows 64 bits"},
        {"length past the end", "\x0a\x10" "abc", 5, "has length 16, past the end"},
        {"length near 2^64", "\x1a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, "past the end"},
        {"fixed32 past the end", "\x0d\x01\x02", 3, "truncated 4-byte"},
        {"fixed64 past the end", "\x09\x01\x02", 3, "truncated 8-byte"},
        {"wire type 6", "\x0e", 1, "invalid wire type 6"},
        {"wire type 7", "\x0f", 1, "invalid wire type 7"},
        {"field number 0", "\x00\x00", 2, "invalid field number 0"},
        {"end of group without start", "\x3c", 1, "without its start"},
        {"group never closed", "\x3b\x08\x01", 3, "never closed"},
        {"group closed by another", "\x3b\x44", 2, "closes group 7"},
    };
    pb_bytes(&b, good.p, good.n);
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        b.n = good.n;
        pb_bytes(&b, tail[i].bytes, tail[i].n);
        expect_error(tail[i].what, &b, tail[i].expect);
    }
    b.n = good.n;
    for (int i = 0; i < 100; i++) pb_bytes(&b, "\x3b", 1);
    expect_error("groups nested 100 deep", &b, "nested deeper than 64");
    /* a known field with the wrong wire type */
    b.n = good.n;
    pb_int(&b, 1, 5);
    expect_error("pieces as a varint", &b, "expected length-delimited");
    b.n = good.n;
    pbuf sub = {0};
    pb_int(&sub, 2, 5);
    pb_msg(&b, 1, &sub);
    expect_error("score as a varint", &b, "SentencePiece.score (field 2)");
    b.n = good.n;
    pb_str(&sub, 41, "one");
    pb_msg(&b, 2, &sub);
    expect_error("bos_id as a string", &b, "TrainerSpec.bos_id");
    /* a piece message cut inside */
    b.n = good.n;
    pb_bytes(&b, "\x0a\x03\x0a\x05" "a", 5);
    expect_error("piece string past its message", &b, "past the end at");
    free(b.p);
    memset(&b, 0, sizeof b);

    /* no pieces at all: just the specs, or nothing but unknown fields */
    pb_int(&sub, 3, 2);
    pb_msg(&b, 2, &sub);
    pb_int(&sub, 4, 0);
    pb_msg(&b, 3, &sub);
    expect_error("piece count 0", &b, "no pieces");
    free(b.p);
    memset(&b, 0, sizeof b);
    pb_int(&b, 100, 1);
    expect_error("only an unknown field", &b, "no pieces");
    free(b.p);

    /* bad pieces */
    const q35_vocab *V = &g.vocab;
    raw_piece ok[] = {{"<unk>", 5, 2}, {"<s>", 3, 3}, {"</s>", 4, 3}, {"a", 1, 1}};
    b = model_of(ok, 4, V);
    const char *path = write_model("good_small.model", &b);
    q35_vocab v;
    if (q35_vocab_from_spm_model(path, &v, &err)) fail_msg("%s", err.msg);
    assert_int_equal(v.n, 4 + 256);
    q35_vocab_free(&v);
    remove(path);
    free(b.p);
    struct {
        const char *what;
        raw_piece extra;
        const char *expect;
    } bad[] = {
        {"type 9", {"x", 1, 9}, "has type 9"},
        {"type 0", {"x", 1, 0}, "has type 0"},
        {"type -1 (2^64 - 1)", {"x", 1, -1}, "SentencePiece types are 1"},
        {"an empty piece", {"", 0, 1}, "is empty"},
        {"a NUL in a piece", {"a\0b", 3, 1}, "contains a NUL byte"},
        {"a duplicate piece", {"a", 1, 4}, "are both 'a'"},
        {"a second UNKNOWN piece", {"<unk2>", 6, 2}, "both of type UNKNOWN"},
        {"a BYTE piece with a bad name", {"<0xzz>", 6, 6}, "not named <0xNN>"},
        {"a duplicate BYTE piece", {"<0x41>", 6, 6}, "are both '<0x41>'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        raw_piece p[5];
        memcpy(p, ok, sizeof ok);
        p[4] = bad[i].extra;
        b = model_of(p, 5, V);
        expect_error(bad[i].what, &b, bad[i].expect);
        free(b.p);
    }
    raw_piece no_unk[] = {{"<s>", 3, 3}, {"</s>", 4, 3}, {"a", 1, 1}};
    b = model_of(no_unk, 3, V);
    expect_error("no UNKNOWN piece", &b, "no piece of type UNKNOWN");
    free(b.p);
    b = model_of(ok, 4, NULL);
    expect_error("byte_fallback without byte pieces", &b, "there are 0 byte pieces, not 256");
    free(b.p);

    /* files that are no model at all */
    expect_error("text", &(pbuf){(uint8_t *)"hello, world\n", 13, 0}, t_tmp("malformed.model"));
    size_t tl;
    char *tokbin = t_slurp(t_fixture("tok512.bin"), &tl);
    expect_error("a llama2.c tokenizer.bin", &(pbuf){(uint8_t *)tokbin, tl, 0}, t_tmp("malformed.model"));
    free(tokbin);
    assert_int_equal(q35_vocab_from_spm_model(t_fixtures(), &v, &err), -1);
    assert_error_names(&err, t_fixtures());
    assert_int_equal(q35_vocab_from_spm_model(t_tmp("no_such.model"), &v, &err), -1);
    assert_error_names(&err, t_tmp("no_such.model"));

    free(good.p);
    q35_ckpt_close(&g);
}

/* Reads path; success or a one-line error naming it, never a crash. Returns 0 if read. */
static int read_any(const char *path, const void *data, size_t n)
{
    assert_int_equal(t_write_file(path, data, n), 0);
    q35_err err;
    q35_vocab v;
    memset(&err, 0, sizeof err);
    if (q35_vocab_from_spm_model(path, &v, &err)) {
        assert_error_names(&err, path);
        assert_null(v.pieces);
        return -1;
    }
    assert_true(v.n > 0);
    for (int i = 0; i < v.n; i++) {
        assert_non_null(v.pieces[i]);
        assert_true(v.types[i] >= 1 && v.types[i] <= 6);
    }
    assert_true(v.unk >= 0 && v.unk < v.n);
    assert_true(v.bos >= -1 && v.bos < v.n && v.eos >= -1 && v.eos < v.n);
    q35_vocab_free(&v);
    return 0;
}

static void test_truncations_and_corruption(void **state)
{
    (void)state;
    q35_err err;
    uint64_t seed = t_seed();
    q35_ckpt g;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &g, &err)) fail_msg("%s", err.msg);
    spec s = base_spec(&g.vocab);
    pbuf good = make_model(&s);
    const char *path = t_tmp("corrupt.model");

    /* every truncation: the normalizer comes last, so every proper prefix is refused */
    for (size_t n = 0; n < good.n; n++)
        if (read_any(path, good.p, n) == 0) fail_msg("a prefix of %zu of %zu bytes was accepted", n, good.n);
    assert_int_equal(read_any(path, good.p, good.n), 0);
    printf("truncation: all %zu proper prefixes of a %zu-byte model refused\n", good.n, good.n);
    free(good.p);
    s.unknown_fields = 1; /* corrupt a model with unknown fields of every wire type */
    good = make_model(&s);

    /* fresh random corruption: flipped bits, random bytes, cut or repeated spans */
    uint8_t *buf = malloc(good.n * 2 + 64);
    int accepted = 0, rounds = 3000;
    for (int r = 0; r < rounds; r++) {
        size_t n = good.n;
        memcpy(buf, good.p, n);
        int edits = 1 + (int)(t_rand_u64(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            uint64_t x = t_rand_u64(&seed);
            size_t at = (size_t)(t_rand_u64(&seed) % n);
            switch (x % 5) {
            case 0: buf[at] ^= (uint8_t)(1u << (x >> 8) % 8); break;
            case 1: buf[at] = (uint8_t)(x >> 16); break;
            case 2: for (size_t k = at; k < n && k < at + 8; k++) buf[k] = (uint8_t)t_rand_u64(&seed); break;
            case 3: { /* cut a span */
                size_t l = 1 + (size_t)((x >> 8) % 32);
                if (at + l > n) l = n - at;
                memmove(buf + at, buf + at + l, n - at - l);
                n -= l;
                if (n == 0) n = 1;
                break;
            }
            default: { /* repeat a span */
                size_t l = 1 + (size_t)((x >> 8) % 32);
                if (at + l > n) l = n - at;
                memmove(buf + at + l, buf + at, n - at);
                n += l;
                break;
            }
            }
            if (n > good.n + 32) n = good.n + 32;
        }
        accepted += read_any(path, buf, n) == 0;
    }
    printf("random corruption: %d files, %d still valid models, the rest refused with a message\n", rounds, accepted);
    free(buf);

    /* and a few on the real LLaMA-2 model */
    size_t len;
    char *real = t_slurp(t_fixture("llama2-tokenizer.model"), &len);
    for (int r = 0; r < 12; r++) {
        size_t at = (size_t)(t_rand_u64(&seed) % len);
        char saved[8];
        memcpy(saved, real + at, at + 8 <= len ? 8 : len - at);
        for (size_t k = at; k < len && k < at + 8; k++) real[k] = (char)t_rand_u64(&seed);
        read_any(path, real, r % 3 ? len : at); /* some truncated there too */
        memcpy(real + at, saved, at + 8 <= len ? 8 : len - at);
    }
    free(real);
    remove(path);
    free(good.p);
    q35_ckpt_close(&g);
}

int main(void)
{
    t_need_sentencepiece();
    t_fixtures();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_refused_models),
        cmocka_unit_test(test_unknown_fields_skipped),
        cmocka_unit_test(test_truncations_and_corruption),
        cmocka_unit_test(test_llama2c_checkpoint_with_model),
        cmocka_unit_test(test_midi_model_native),
        cmocka_unit_test(test_llama2_model_native),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
