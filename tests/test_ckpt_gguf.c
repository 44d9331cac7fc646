/* Tests for checkpoints read from GGUF (src/io): the two fixture models' configs and
 * tensors, metadata pass-through and rebuilding (llama2.c -> GGUF gives the fixture's
 * GGUF back), the synthetic model, and GGUF files that are not usable LLaMA models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "q35/ckpt.h"
#include "q35/gguf.h"
#include "q35/synth.h"
#include "q35/types.h"
#include "test_support.h"

static void open_ok(const char *path, const char *tok, q35_ckpt *c)
{
    q35_err err;
    if (q35_ckpt_open(path, tok, c, &err)) fail_msg("%s", err.msg);
}

static void test_stories(void **state)
{
    (void)state;
    q35_ckpt c;
    open_ok(t_fixture("stories260K.gguf"), NULL, &c);
    assert_string_equal(c.format, "gguf");
    assert_non_null(c.gguf);
    const q35_llama_config *p = &c.cfg;
    assert_int_equal(p->dim, 64);
    assert_int_equal(p->hidden_dim, 172);
    assert_int_equal(p->n_layers, 5);
    assert_int_equal(p->n_heads, 8);
    assert_int_equal(p->n_kv_heads, 4);
    assert_int_equal(p->head_dim, 8);
    assert_int_equal(p->rope_dim, 8);
    assert_int_equal(p->vocab_size, 512);
    assert_int_equal(p->ctx_len, 2048);
    assert_true(p->norm_eps == 1e-5f);
    assert_true(p->rope_base == 10000.0f); /* absent from the file: the default */
    assert_int_equal(c.vocab.n, 512);
    assert_string_equal(c.vocab.pieces[0], "<unk>");
    assert_string_equal(c.vocab.pieces[1], "<s>");
    assert_int_equal(c.vocab.types[1], Q35_TOK_CONTROL);
    assert_int_equal(c.vocab.types[3], Q35_TOK_BYTE);
    assert_int_equal(c.vocab.bos, 1);
    assert_int_equal(c.vocab.eos, 2);
    assert_int_equal(c.vocab.unk, 0);
    assert_int_equal(c.vocab.add_bos, 1);          /* default */
    assert_int_equal(c.vocab.add_space_prefix, 1); /* default */
    assert_int_equal(c.n_tensors, 48);
    const q35_tensor *t = q35_ckpt_find(&c, "blk.4.ffn_down.weight");
    assert_non_null(t);
    assert_int_equal(t->type, Q35_TYPE_F32);
    assert_int_equal(t->n_dims, 2);
    assert_int_equal(t->ne[0], 172);
    assert_int_equal(t->ne[1], 64);
    assert_int_equal(t->nbytes, 172 * 64 * 4);
    assert_non_null(q35_ckpt_find(&c, "output.weight"));
    assert_null(q35_ckpt_find(&c, "blk.5.ffn_down.weight"));
    q35_ckpt_close(&c);
    q35_ckpt_close(&c); /* closing twice is harmless */
}

static void test_midi(void **state)
{
    (void)state;
    q35_ckpt c;
    open_ok(t_fixture("midi/midi23M.gguf"), NULL, &c);
    assert_int_equal(c.cfg.dim, 512);
    assert_int_equal(c.cfg.hidden_dim, 1536);
    assert_int_equal(c.cfg.n_layers, 6);
    assert_int_equal(c.cfg.n_heads, 8);
    assert_int_equal(c.cfg.n_kv_heads, 4);
    assert_int_equal(c.cfg.rope_dim, 64);
    assert_int_equal(c.cfg.ctx_len, 512);
    assert_int_equal(c.cfg.vocab_size, 4096);
    assert_int_equal(c.gguf->alignment, 32);
    assert_int_equal(c.n_tensors, 57);
    const q35_tensor *e = q35_ckpt_find(&c, "token_embd.weight");
    assert_int_equal(e->type, Q35_TYPE_F16);
    assert_int_equal(e->ne[0], 512);
    assert_int_equal(e->ne[1], 4096);
    assert_int_equal(q35_ckpt_find(&c, "blk.0.attn_norm.weight")->type, Q35_TYPE_F32);
    int n_f16 = 0;
    for (int i = 0; i < c.n_tensors; i++) n_f16 += c.tensors[i].type == Q35_TYPE_F16;
    assert_int_equal(n_f16, 44);
    q35_ckpt_close(&c);
}

/* Writes c's metadata and tensors (optionally edited) into a new GGUF. */
typedef void (*edit_fn)(q35_gguf_writer *w, q35_err *err);

static void write_copy(const q35_ckpt *c, const char *path, edit_fn edit, const char *skip_tensor)
{
    q35_err err;
    q35_gguf_writer *w = q35_gguf_writer_new(&err);
    if (q35_ckpt_write_metadata(c, w, &err)) fail_msg("%s", err.msg);
    if (edit) edit(w, &err);
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        if (skip_tensor && !strcmp(t->name, skip_tensor)) continue;
        if (q35_gguf_add_tensor(w, t->name, t->type, t->n_dims, t->ne, &err) < 0) fail_msg("%s", err.msg);
    }
    assert_int_equal(q35_gguf_write_begin(w, path, &err), 0);
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        if (skip_tensor && !strcmp(t->name, skip_tensor)) continue;
        assert_int_equal(q35_gguf_write_tensor(w, t->data, t->nbytes, &err), 0);
    }
    assert_int_equal(q35_gguf_write_end(w, &err), 0);
    q35_gguf_writer_free(w);
}

static void compare(const q35_ckpt *a, const q35_ckpt *b)
{
    assert_memory_equal(&a->cfg, &b->cfg, sizeof a->cfg);
    t_assert_same_vocab(&a->vocab, &b->vocab);
    assert_int_equal(a->n_tensors, b->n_tensors);
    for (int i = 0; i < a->n_tensors; i++) {
        const q35_tensor *t = &a->tensors[i], *u = q35_ckpt_find(b, t->name);
        assert_non_null(u);
        assert_int_equal(t->type, u->type);
        assert_memory_equal(t->ne, u->ne, sizeof t->ne);
        assert_int_equal(t->nbytes, u->nbytes);
        assert_memory_equal(t->data, u->data, t->nbytes);
    }
}

static void set_align_and_type(q35_gguf_writer *w, q35_err *err)
{
    assert_int_equal(q35_gguf_set_u32(w, "general.alignment", 64, err), 0);
    assert_int_equal(q35_gguf_set_u32(w, "general.file_type", 7, err), 0);
}

/* GGUF -> GGUF keeps every key except general.alignment and general.file_type. */
static void test_metadata_passthrough(void **state)
{
    (void)state;
    q35_ckpt src, mid, out;
    open_ok(t_fixture("stories260K.gguf"), NULL, &src);
    const char *p1 = t_tmp("meta1.gguf"), *p2 = t_tmp("meta2.gguf");
    write_copy(&src, p1, set_align_and_type, NULL);
    open_ok(p1, NULL, &mid);
    assert_int_equal(mid.gguf->alignment, 64);
    compare(&src, &mid);
    write_copy(&mid, p2, NULL, NULL);
    open_ok(p2, NULL, &out);
    assert_null(q35_gguf_find(out.gguf, "general.alignment"));
    assert_null(q35_gguf_find(out.gguf, "general.file_type"));
    assert_int_equal(out.gguf->n_kv, src.gguf->n_kv);
    for (uint64_t i = 0; i < src.gguf->n_kv; i++) {
        const q35_gguf_kv *a = &src.gguf->kv[i], *b = q35_gguf_find(out.gguf, a->key.ptr);
        assert_non_null(b);
        assert_int_equal(a->type, b->type);
        assert_true(a->num.u64 == b->num.u64);
        assert_int_equal(a->arr_n, b->arr_n);
    }
    compare(&src, &out);
    q35_ckpt_close(&src);
    q35_ckpt_close(&mid);
    q35_ckpt_close(&out);
    unlink(p1);
    unlink(p2);
}

/* llama2.c -> GGUF (metadata built from cfg and vocab) reads back as the fixture GGUF. */
static void test_llama2c_to_gguf(void **state)
{
    (void)state;
    q35_ckpt l, g, ref;
    open_ok(t_fixture("stories260K.l2c.bin"), t_fixture("tok512.bin"), &l);
    const char *path = t_tmp("from_l2c.gguf");
    write_copy(&l, path, NULL, NULL);
    open_ok(path, NULL, &g);
    open_ok(t_fixture("stories260K.gguf"), NULL, &ref);
    ref.cfg.ctx_len = l.cfg.ctx_len; /* llama2.c's seq_len is 512, the GGUF says 2048 */
    compare(&ref, &g);
    const char *s;
    q35_err err;
    assert_int_equal(q35_gguf_get_str(g.gguf, "general.architecture", &s, &err), 0);
    assert_string_equal(s, "llama");
    assert_int_equal(q35_gguf_get_str(g.gguf, "tokenizer.ggml.model", &s, &err), 0);
    assert_string_equal(s, "llama");
    assert_int_equal(q35_gguf_get_str(g.gguf, "general.name", &s, &err), 0);
    assert_string_equal(s, "stories260K.l2c");
    q35_ckpt_close(&l);
    q35_ckpt_close(&g);
    q35_ckpt_close(&ref);
    unlink(path);
}

static void test_synth(void **state)
{
    (void)state;
    const char *p1 = t_tmp("synth1.gguf"), *p2 = t_tmp("synth2.gguf");
    q35_synth_opts o;
    q35_synth_defaults(&o);
    q35_err err;
    assert_int_equal(q35_synth_write(p1, &o, &err), 0);
    assert_int_equal(q35_synth_write(p2, &o, &err), 0);
    q35_map a, b;
    assert_int_equal(q35_map_open(p1, &a, &err), 0);
    assert_int_equal(q35_map_open(p2, &b, &err), 0);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size); /* deterministic */
    q35_map_close(&b);
    o.seed = 2;
    assert_int_equal(q35_synth_write(p2, &o, &err), 0);
    assert_int_equal(q35_map_open(p2, &b, &err), 0);
    assert_int_equal(a.size, b.size);
    assert_true(memcmp(a.data, b.data, a.size) != 0);
    q35_map_close(&a);
    q35_map_close(&b);

    q35_ckpt c;
    open_ok(p1, NULL, &c);
    assert_int_equal(c.cfg.dim, 64);
    assert_int_equal(c.cfg.hidden_dim, 176);
    assert_int_equal(c.cfg.n_layers, 2);
    assert_int_equal(c.cfg.n_heads, 4);
    assert_int_equal(c.cfg.n_kv_heads, 2);
    assert_int_equal(c.cfg.ctx_len, 256);
    assert_int_equal(c.n_tensors, 3 + 9 * 2);
    const q35_vocab *v = &c.vocab;
    assert_string_equal(v->pieces[0], "<unk>");
    assert_string_equal(v->pieces[1], "<s>");
    assert_string_equal(v->pieces[2], "</s>");
    assert_int_equal(v->types[1], Q35_TOK_CONTROL);
    for (int i = 0; i < 256; i++) {
        char want[8];
        snprintf(want, sizeof want, "<0x%02X>", i);
        assert_string_equal(v->pieces[3 + i], want);
        assert_int_equal(v->types[3 + i], Q35_TOK_BYTE);
    }
    assert_string_equal(v->pieces[259], "\xe2\x96\x81");
    int merges = 0, found_the = 0;
    for (int i = 0; i < v->n; i++) {
        for (int j = 0; j < i; j++) assert_true(strcmp(v->pieces[i], v->pieces[j]) != 0);
        merges += v->scores[i] > 0;
        found_the |= !strcmp(v->pieces[i], "\xe2\x96\x81the");
    }
    assert_true(merges > 50);
    assert_true(found_the);
    /* norms are 1, matrices small and centred */
    const q35_tensor *n = q35_ckpt_find(&c, "blk.1.ffn_norm.weight");
    for (int i = 0; i < 64; i++) assert_true(((const float *)n->data)[i] == 1.0f);
    const q35_tensor *q = q35_ckpt_find(&c, "blk.0.attn_q.weight");
    double s = 0, s2 = 0;
    for (int i = 0; i < 64 * 64; i++) {
        double x = ((const float *)q->data)[i];
        s += x;
        s2 += x * x;
    }
    assert_true(s / 4096 < 0.003 && s / 4096 > -0.003);
    assert_true(s2 / 4096 > 0.015 * 0.015 && s2 / 4096 < 0.025 * 0.025);
    q35_ckpt_close(&c);

    q35_synth_defaults(&o);
    o.n_heads = 5;
    assert_int_equal(q35_synth_write(p2, &o, &err), -1);
    assert_non_null(strstr(err.msg, p2));
    q35_synth_defaults(&o);
    o.n_kv_heads = 3;
    assert_int_equal(q35_synth_write(p2, &o, &err), -1);
    q35_synth_defaults(&o);
    o.dim = -1;
    assert_int_equal(q35_synth_write(p2, &o, &err), -1);
    unlink(p1);
    unlink(p2);
}

/* ---- GGUF files that are valid containers but not usable LLaMA models ---- */
static void set_arch_gpt2(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_str(w, "general.architecture", "gpt2", err); }
static void set_tok_gpt2(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_str(w, "tokenizer.ggml.model", "gpt2", err); }
static void set_tok_t5(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_str(w, "tokenizer.ggml.model", "t5", err); }
static void drop_tokens(q35_gguf_writer *w, q35_err *err) { (void)err; q35_gguf_remove_kv(w, "tokenizer.ggml.tokens"); }
static void drop_dim(q35_gguf_writer *w, q35_err *err) { (void)err; q35_gguf_remove_kv(w, "llama.embedding_length"); }
static void bad_heads(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_u32(w, "llama.attention.head_count", 7, err); }
static void bad_kv_heads(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_u32(w, "llama.attention.head_count_kv", 3, err); }
static void dim_as_string(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_str(w, "llama.embedding_length", "64", err); }
static void bad_bos(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", 512, err); }
static void short_scores(q35_gguf_writer *w, q35_err *err)
{
    float s[3] = {0};
    q35_gguf_set_arr_num(w, "tokenizer.ggml.scores", Q35_GGUF_FLOAT32, s, 3, err);
}
static void bad_dim(q35_gguf_writer *w, q35_err *err) { q35_gguf_set_u32(w, "llama.embedding_length", 72, err); }

static void expect_bad(edit_fn edit, const char *skip, const char *what)
{
    q35_ckpt src, c;
    open_ok(t_fixture("stories260K.gguf"), NULL, &src);
    const char *path = t_tmp("bad_ckpt.gguf");
    write_copy(&src, path, edit, skip);
    q35_ckpt_close(&src);
    q35_err err = {{0}};
    if (q35_ckpt_open(path, NULL, &c, &err) == 0) {
        q35_ckpt_close(&c);
        fail_msg("accepted (expected: %s)", what);
    }
    if (!strstr(err.msg, path) || !strstr(err.msg, what)) fail_msg("unexpected message: %s", err.msg);
    unlink(path);
}

static void test_not_llama(void **state)
{
    (void)state;
    expect_bad(set_arch_gpt2, NULL, "architecture 'gpt2'");
    expect_bad(set_tok_t5, NULL, "tokenizer.ggml.model is 't5'");
    expect_bad(set_tok_gpt2, NULL, "tokenizer.ggml.merges missing"); /* byte-level BPE needs merges */
    expect_bad(drop_tokens, NULL, "tokenizer.ggml.tokens missing");
    expect_bad(drop_dim, NULL, "llama.embedding_length missing");
    expect_bad(bad_heads, NULL, "does not divide");
    expect_bad(bad_kv_heads, NULL, "head_count_kv 3 does not divide");
    expect_bad(dim_as_string, NULL, "expected an integer");
    expect_bad(bad_bos, NULL, "bos_token_id");
    expect_bad(short_scores, NULL, "tokenizer.ggml.scores has 3 entries");
    expect_bad(bad_dim, NULL, "has shape");
    expect_bad(NULL, "blk.3.ffn_up.weight", "missing tensor 'blk.3.ffn_up.weight'");
    /* a garbage file is reported as a llama2.c header problem, naming the file */
    const char *path = t_tmp("garbage.bin");
    assert_int_equal(t_write_file(path, "this is not a model at all, just text", 37), 0);
    q35_ckpt c;
    q35_err err;
    assert_int_equal(q35_ckpt_open(path, NULL, &c, &err), -1);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stories),         cmocka_unit_test(test_midi),
        cmocka_unit_test(test_metadata_passthrough), cmocka_unit_test(test_llama2c_to_gguf),
        cmocka_unit_test(test_synth),           cmocka_unit_test(test_not_llama),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
