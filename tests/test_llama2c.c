/* Tests for the llama2.c reader (src/io): the fixture in llama2.c format must give the
 * same config, the same vocabulary and bit-identical tensors as its GGUF conversion; a
 * version-1 ("ak42") file written here from those tensors must read back the same; and
 * malformed models and tokenizers fail with one line naming the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "q35/ckpt.h"
#include "q35/types.h"
#include "test_support.h"

static void open_ok(const char *path, const char *tok, q35_ckpt *c)
{
    q35_err err;
    if (q35_ckpt_open(path, tok, c, &err)) fail_msg("%s", err.msg);
}

static void expect_fail(const char *path, const char *tok, const char *name_in_msg, const char *what)
{
    q35_ckpt c;
    q35_err err = {{0}};
    if (q35_ckpt_open(path, tok, &c, &err) == 0) {
        q35_ckpt_close(&c);
        fail_msg("%s accepted (expected: %s)", path, what);
    }
    if (!strstr(err.msg, name_in_msg)) fail_msg("message does not name %s: %s", name_in_msg, err.msg);
    if (what && !strstr(err.msg, what)) fail_msg("message lacks '%s': %s", what, err.msg);
    assert_null(strchr(err.msg, '\n'));
}

/* Same hyper-parameters (context aside: the GGUF says 2048, llama2.c's seq_len 512),
 * same vocabulary, and the same tensors bit for bit. */
static void compare_ckpts(const q35_ckpt *a, const q35_ckpt *b, int same_ctx)
{
    const q35_llama_config *x = &a->cfg, *y = &b->cfg;
    assert_int_equal(x->dim, y->dim);
    assert_int_equal(x->hidden_dim, y->hidden_dim);
    assert_int_equal(x->n_layers, y->n_layers);
    assert_int_equal(x->n_heads, y->n_heads);
    assert_int_equal(x->n_kv_heads, y->n_kv_heads);
    assert_int_equal(x->head_dim, y->head_dim);
    assert_int_equal(x->rope_dim, y->rope_dim);
    assert_int_equal(x->vocab_size, y->vocab_size);
    if (same_ctx) assert_int_equal(x->ctx_len, y->ctx_len);
    assert_true(x->norm_eps == y->norm_eps);
    assert_true(x->rope_base == y->rope_base);

    t_assert_same_vocab(&a->vocab, &b->vocab);

    assert_int_equal(a->n_tensors, b->n_tensors);
    for (int i = 0; i < a->n_tensors; i++) {
        const q35_tensor *t = &a->tensors[i], *u = q35_ckpt_find(b, t->name);
        if (!u) fail_msg("tensor %s missing", t->name);
        assert_int_equal(t->type, u->type);
        assert_int_equal(t->n_dims, u->n_dims);
        for (int d = 0; d < 4; d++) assert_int_equal(t->ne[d], u->ne[d]);
        assert_int_equal(t->nbytes, u->nbytes);
        if (memcmp(t->data, u->data, t->nbytes)) fail_msg("tensor %s differs", t->name);
    }
}

static void test_fixture_matches_gguf(void **state)
{
    (void)state;
    q35_ckpt g, l;
    open_ok(t_fixture("stories260K.gguf"), NULL, &g);
    open_ok(t_fixture("stories260K.l2c.bin"), t_fixture("tok512.bin"), &l);
    assert_string_equal(l.format, "llama2c");
    assert_null(l.gguf);
    assert_int_equal(l.cfg.ctx_len, 512);
    assert_true(l.cfg.norm_eps == 1e-5f);
    assert_true(l.cfg.rope_base == 10000.0f);
    assert_string_equal(l.vocab.pieces[1], "<s>");
    assert_string_equal(l.vocab.pieces[2], "</s>");
    assert_int_equal(l.vocab.types[3], Q35_TOK_BYTE);
    assert_string_equal(l.vocab.pieces[259], "\xe2\x96\x81t"); /* " t" in SPM form */
    compare_ckpts(&g, &l, 0);
    q35_ckpt_close(&g);
    q35_ckpt_close(&l);
}

/* ---- helpers that write llama2.c files ---- */
typedef struct mem {
    uint8_t *d;
    size_t n, cap;
} mem;

static void m_put(mem *m, const void *p, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->d = realloc(m->d, m->cap);
        assert_non_null(m->d);
    }
    memcpy(m->d + m->n, p, n);
    m->n += n;
}

static void m_tensor(mem *m, const q35_ckpt *c, const char *fmt, int layer)
{
    char name[64];
    snprintf(name, sizeof name, fmt, layer);
    const q35_tensor *t = q35_ckpt_find(c, name);
    assert_non_null(t);
    m_put(m, t->data, t->nbytes);
}

/* export.py version1_export: magic, version, 7 params, shared flag, pad to 256, then
 * norms (attention, ffn, final), the embedding, then each weight stack, then the output. */
static void write_v1(const char *path, const q35_ckpt *c, int shared)
{
    mem m = {0};
    uint32_t magic = 0x616b3432u;
    int32_t version = 1;
    const q35_llama_config *p = &c->cfg;
    int32_t params[7] = {p->dim, p->hidden_dim, p->n_layers, p->n_heads, p->n_kv_heads, p->vocab_size, p->ctx_len};
    m_put(&m, &magic, 4);
    m_put(&m, &version, 4);
    m_put(&m, params, sizeof params);
    uint8_t flag = (uint8_t)shared, zero[256] = {0};
    m_put(&m, &flag, 1);
    m_put(&m, zero, 256 - m.n);
    int L = p->n_layers;
    for (int l = 0; l < L; l++) m_tensor(&m, c, "blk.%d.attn_norm.weight", l);
    for (int l = 0; l < L; l++) m_tensor(&m, c, "blk.%d.ffn_norm.weight", l);
    m_tensor(&m, c, "output_norm.weight", 0);
    m_tensor(&m, c, "token_embd.weight", 0);
    static const char *const stacks[] = {"blk.%d.attn_q.weight", "blk.%d.attn_k.weight", "blk.%d.attn_v.weight",
                                         "blk.%d.attn_output.weight", "blk.%d.ffn_gate.weight",
                                         "blk.%d.ffn_down.weight", "blk.%d.ffn_up.weight"};
    for (int s = 0; s < 7; s++)
        for (int l = 0; l < L; l++) m_tensor(&m, c, stacks[s], l);
    if (!shared) m_tensor(&m, c, "output.weight", 0);
    assert_int_equal(t_write_file(path, m.d, m.n), 0);
    free(m.d);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    q35_map m;
    q35_err err;
    assert_int_equal(q35_map_open(path, &m, &err), 0);
    uint8_t *d = malloc(m.size + 64);
    memcpy(d, m.data, m.size);
    *n = m.size;
    q35_map_close(&m);
    return d;
}

static void test_version1(void **state)
{
    (void)state;
    q35_ckpt g, v;
    open_ok(t_fixture("stories260K.gguf"), NULL, &g);
    const char *path = t_tmp("v1.bin");
    g.cfg.ctx_len = 512; /* what the llama2.c header can carry */
    write_v1(path, &g, 0);
    open_ok(path, t_fixture("tok512.bin"), &v);
    compare_ckpts(&g, &v, 1);
    q35_ckpt_close(&v);

    /* shared classifier: no output.weight */
    write_v1(path, &g, 1);
    open_ok(path, t_fixture("tok512.bin"), &v);
    assert_int_equal(v.n_tensors, g.n_tensors - 1);
    assert_null(q35_ckpt_find(&v, "output.weight"));
    assert_memory_equal(q35_ckpt_find(&v, "token_embd.weight")->data, q35_ckpt_find(&g, "token_embd.weight")->data,
                        q35_ckpt_find(&g, "token_embd.weight")->nbytes);
    q35_ckpt_close(&v);

    /* version 2 (int8) and unknown versions are refused by name */
    size_t n;
    uint8_t *d = read_all(path, &n);
    int32_t ver = 2;
    memcpy(d + 4, &ver, 4);
    assert_int_equal(t_write_file(path, d, n), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, "version 2");
    ver = 9;
    memcpy(d + 4, &ver, 4);
    assert_int_equal(t_write_file(path, d, n), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, "version 9");
    d[4] = 1, d[5] = d[6] = d[7] = 0;
    d[36] = 7; /* shared flag neither 0 nor 1 */
    assert_int_equal(t_write_file(path, d, n), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, "shared_classifier");
    assert_int_equal(t_write_file(path, d, 100), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, "too short");
    free(d);
    q35_ckpt_close(&g);
    unlink(path);
}

/* A v0 file with a positive vocabulary size has a tied classifier: drop the trailing
 * output weights and flip the sign. */
static void test_v0_tied(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = read_all(t_fixture("stories260K.l2c.bin"), &n);
    int32_t vocab = 512;
    memcpy(d + 20, &vocab, 4);
    const char *path = t_tmp("tied.bin");
    assert_int_equal(t_write_file(path, d, n - 512 * 64 * 4), 0);
    q35_ckpt c;
    open_ok(path, t_fixture("tok512.bin"), &c);
    assert_null(q35_ckpt_find(&c, "output.weight"));
    assert_int_equal(c.n_tensors, 47);
    q35_ckpt_close(&c);
    free(d);
    unlink(path);
}

static void bad_header(int field, int32_t value, const char *what)
{
    size_t n;
    uint8_t *d = read_all(t_fixture("stories260K.l2c.bin"), &n);
    memcpy(d + 4 * field, &value, 4);
    const char *path = t_tmp("badhdr.bin");
    assert_int_equal(t_write_file(path, d, n), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, what);
    free(d);
    unlink(path);
}

static void bad_size(long delta, const char *what)
{
    size_t n;
    uint8_t *d = read_all(t_fixture("stories260K.l2c.bin"), &n);
    memset(d + n, 0, 64);
    const char *path = t_tmp("badsize.bin");
    assert_int_equal(t_write_file(path, d, (size_t)((long)n + delta)), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, what);
    free(d);
    unlink(path);
}

static void test_bad_models(void **state)
{
    (void)state;
    bad_header(0, 0, "dim = 0");
    bad_header(0, -64, "dim = -64");
    bad_header(0, 1 << 30, "out of range");
    bad_header(1, -172, "hidden_dim");
    bad_header(2, 0, "n_layers");
    bad_header(2, 6, "needs");
    bad_header(3, 7, "does not divide dim");
    bad_header(3, 0, "n_heads");
    bad_header(4, 3, "does not divide n_heads");
    bad_header(4, 16, "does not divide n_heads");
    bad_header(5, -511, "needs");
    bad_header(5, 512, "needs"); /* claims tied: the file is then too long */
    bad_header(5, (int32_t)0x80000000u, "vocab_size");
    bad_header(6, 0, "seq_len");
    bad_header(6, 1 << 30, "seq_len");
    bad_header(6, 511, "needs");
    bad_header(1, 173, "needs");
    bad_header(0, 32, "needs");
    bad_size(-4, "needs");
    bad_size(-1, "needs");
    bad_size(4, "needs");
    bad_size(1, "needs");
    const char *path = t_tmp("short.bin");
    assert_int_equal(t_write_file(path, "abc", 3), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, "too short");
    assert_int_equal(t_write_file(path, "", 0), 0);
    expect_fail(path, t_fixture("tok512.bin"), path, NULL);
    unlink(path);
    /* no tokenizer given and none beside the model */
    expect_fail(t_fixture("stories260K.l2c.bin"), NULL, "tokenizer.bin", "tokenizer");
    expect_fail("/nonexistent/m.bin", NULL, "/nonexistent/m.bin", NULL);
}

/* ---- tokenizer.bin ---- */
static void expect_vocab_fail(const void *d, size_t n, int n_tokens, const char *what)
{
    const char *path = t_tmp("badtok.bin");
    assert_int_equal(t_write_file(path, d, n), 0);
    q35_vocab v;
    q35_err err = {{0}};
    if (q35_vocab_from_llama2c(path, n_tokens, &v, &err) == 0) {
        q35_vocab_free(&v);
        fail_msg("tokenizer accepted (expected: %s)", what ? what : "failure");
    }
    if (!strstr(err.msg, path)) fail_msg("message does not name the file: %s", err.msg);
    if (what && !strstr(err.msg, what)) fail_msg("message lacks '%s': %s", what, err.msg);
    unlink(path);
}

/* Byte offset of token i's record in tok512.bin. */
static size_t record_offset(const uint8_t *d, int i)
{
    size_t off = 4;
    for (int k = 0; k < i; k++) {
        int32_t len;
        memcpy(&len, d + off + 4, 4);
        off += 8 + (size_t)len;
    }
    return off;
}

static void test_tokenizer(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = read_all(t_fixture("tok512.bin"), &n);
    q35_vocab v;
    q35_err err;
    assert_int_equal(q35_vocab_from_llama2c(t_fixture("tok512.bin"), 512, &v, &err), 0);
    assert_int_equal(v.n, 512);
    assert_int_equal(v.types[0], Q35_TOK_UNKNOWN);
    assert_int_equal(v.types[1], Q35_TOK_CONTROL);
    assert_int_equal(v.types[2], Q35_TOK_CONTROL);
    assert_int_equal(v.types[3 + 0x41], Q35_TOK_BYTE);
    assert_string_equal(v.pieces[3 + 0x41], "<0x41>");
    assert_int_equal(v.types[300], Q35_TOK_NORMAL);
    assert_int_equal(v.bos, 1);
    assert_int_equal(v.eos, 2);
    assert_int_equal(v.unk, 0);
    assert_int_equal(v.add_bos, 1);
    assert_int_equal(v.add_space_prefix, 1);
    q35_vocab_free(&v);

    /* wrong token count both ways */
    expect_vocab_fail(d, n, 513, "has 512 tokens, the model has 513");
    expect_vocab_fail(d, n, 511, "more than 511");
    expect_vocab_fail(d, n, 0, "not positive");
    /* a model whose header says 511 tokens cannot pair with tok512.bin */
    size_t off300 = record_offset(d, 300);
    int32_t len;
    memcpy(&len, d + off300 + 4, 4);
    uint8_t *e = malloc(n);
    memcpy(e, d, n);
    int32_t bad = -1;
    memcpy(e + off300 + 4, &bad, 4);
    expect_vocab_fail(e, n, 512, "length -1");
    bad = 10; /* > max_token_length 9 */
    memcpy(e + off300 + 4, &bad, 4);
    expect_vocab_fail(e, n, 512, "outside");
    bad = 0x7fffffff;
    memcpy(e + off300 + 4, &bad, 4);
    expect_vocab_fail(e, n, 512, NULL);
    memcpy(e, d, n);
    int32_t maxlen = 0;
    memcpy(e, &maxlen, 4);
    expect_vocab_fail(e, n, 512, "max_token_length");
    maxlen = -5;
    memcpy(e, &maxlen, 4);
    expect_vocab_fail(e, n, 512, "max_token_length");
    /* a piece with a NUL byte */
    memcpy(e, d, n);
    e[off300 + 8] = 0;
    expect_vocab_fail(e, n, 512, "NUL");
    free(e);
    /* every truncation */
    for (size_t k = 0; k < n; k++) expect_vocab_fail(d, k, 512, NULL);
    /* through the model reader: the tokenizer file is named */
    const char *tpath = t_tmp("trunc_tok.bin");
    assert_int_equal(t_write_file(tpath, d, n - 3), 0);
    expect_fail(t_fixture("stories260K.l2c.bin"), tpath, tpath, "runs past end of file");
    unlink(tpath);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_matches_gguf), cmocka_unit_test(test_version1),
        cmocka_unit_test(test_v0_tied),              cmocka_unit_test(test_bad_models),
        cmocka_unit_test(test_tokenizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
