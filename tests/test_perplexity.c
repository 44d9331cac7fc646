/* Tests for src/eval: the scoring arithmetic against plain formulas, and q35_perplexity
 * on stories260K against an independent token-by-token evaluation of the same chunks
 * (BOS at each chunk start, second half scored), plus its error cases. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/scoring.h"
#include "q35/ckpt.h"
#include "q35/eval.h"
#include "q35/model.h"
#include "q35/tokenizer.h"
#include "test_support.h"

static void test_scoring(void **state)
{
    (void)state;
    uint64_t seed = t_seed();
    enum { V = 300 };
    float a[V], b[V];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < V; i++) {
            a[i] = 8 * t_rand_normal(&seed) + 100; /* large offsets: max-subtraction matters */
            b[i] = a[i] + 0.5f * t_rand_normal(&seed);
        }
        int tok = (int)(t_rand_u64(&seed) % V);
        /* plain formulas in long double */
        long double za = 0, zb = 0;
        for (int i = 0; i < V; i++) {
            za += expl((long double)a[i] - 100);
            zb += expl((long double)b[i] - 100);
        }
        long double kl = 0;
        int ta = 0, tb = 0;
        for (int i = 0; i < V; i++) {
            long double pa = expl((long double)a[i] - 100) / za, pb = expl((long double)b[i] - 100) / zb;
            kl += pa * (logl(pa) - logl(pb));
            if (a[i] > a[ta]) ta = i;
            if (b[i] > b[tb]) tb = i;
        }
        const double nll_a = (double)(logl(za) + 100 - a[tok]);
        assert_true(fabs(q35_nll(a, V, tok) - nll_a) < 1e-9);
        q35_pos_score s = q35_score_pair(a, b, V, tok);
        assert_true(fabs(s.nll_base - nll_a) < 1e-9);
        assert_true(fabs(s.nll - (double)(logl(zb) + 100 - b[tok])) < 1e-9);
        assert_true(fabs(s.kld - (double)kl) < 1e-9);
        assert_true(s.kld >= 0);
        assert_int_equal(s.same_top, ta == tb);
        q35_pos_score self = q35_score_pair(a, a, V, tok);
        assert_true(self.kld == 0.0);
        assert_int_equal(self.same_top, 1);
    }
    /* llama.cpp's mean_and_uncertainty and percentile */
    double mean, err;
    q35_mean_err(10, 30, 5, &mean, &err); /* values with mean 2, E[x^2] 6: var 2 */
    assert_true(fabs(mean - 2) < 1e-12);
    assert_true(fabs(err - sqrt(2.0 / 4)) < 1e-12);
    q35_mean_err(0, 0, 0, &mean, &err);
    assert_true(mean == 0 && err == 0);
    const double v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    assert_true(fabs(q35_percentile(v, 11, 0.99) - 9.9) < 1e-12);
    assert_true(q35_percentile(v, 11, 0) == 0 && q35_percentile(v, 11, 1) == 10);
    assert_true(fabs(q35_percentile(v, 11, 0.5) - 5) < 1e-12);
}

typedef struct fixture {
    q35_ckpt ck;
    q35_model m;
    q35_backend be;
    q35_tokenizer *tok;
    char *text;
    size_t len;
} fixture;

static void open_fixture(fixture *f)
{
    q35_err err;
    if (q35_ckpt_open(t_fixture("stories260K.gguf"), NULL, &f->ck, &err)) fail_msg("%s", err.msg);
    if (q35_model_load(&f->ck, &f->m, &err)) fail_msg("%s", err.msg);
    if (q35_backend_get("ref", 1, &f->be, &err)) fail_msg("%s", err.msg);
    f->tok = q35_tokenizer_new(&f->ck.vocab, &err);
    assert_non_null(f->tok);
    FILE *fp = fopen(t_fixture("reference/stories260K_samples_llama2c.txt"), "rb");
    assert_non_null(fp);
    f->text = malloc(20000);
    f->len = fread(f->text, 1, 20000, fp);
    fclose(fp);
}

static void close_fixture(fixture *f)
{
    free(f->text);
    q35_tokenizer_free(f->tok);
    q35_model_free(&f->m);
    q35_ckpt_close(&f->ck);
}

/* The same chunks scored one position at a time, with nothing shared with
 * src/eval/perplexity.c but the tokenizer and the forward pass. */
static void test_matches_token_by_token(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f);
    q35_err err;
    const int ctx = 64, chunks = 3, V = f.m.cfg.vocab_size;
    int32_t *toks;
    size_t n;
    assert_int_equal(q35_tokenize(f.tok, f.text, f.len, 1, &toks, &n, &err), 0);
    q35_state st;
    assert_int_equal(q35_state_init(&st, &f.m.cfg, ctx, 1, &err), 0);
    double sum = 0, sum2 = 0;
    int count = 0;
    for (int c = 0; c < chunks; c++) {
        int32_t *chunk = toks + c * ctx;
        for (int j = 0; j < ctx - 1; j++) {
            int32_t t = j == 0 ? f.ck.vocab.bos : chunk[j];
            const float *lg = q35_forward(&f.m, &f.be, &st, &t, 1, j, 0);
            assert_non_null(lg);
            if (j < ctx / 2) continue;
            double mx = lg[0], z = 0;
            for (int i = 1; i < V; i++) mx = lg[i] > mx ? lg[i] : mx;
            for (int i = 0; i < V; i++) z += exp(lg[i] - mx);
            double nll = mx + log(z) - lg[chunk[j + 1]];
            sum += nll;
            sum2 += nll * nll;
            count++;
        }
    }
    q35_state_free(&st);
    const double ppl = exp(sum / count);
    const double var = sum2 / count - (sum / count) * (sum / count);
    const double ppl_err = ppl * sqrt(var / (count - 1));

    q35_ppl_opts o = { .ctx = ctx, .max_chunks = chunks };
    q35_ppl_result r;
    if (q35_perplexity(&f.m, &f.be, f.tok, f.text, f.len, &o, &r, &err)) fail_msg("%s", err.msg);
    printf("token by token: PPL %.6f +/- %.6f; q35_perplexity: %.6f +/- %.6f\n", ppl, ppl_err, r.ppl, r.ppl_err);
    assert_int_equal(r.n_chunks, chunks);
    assert_int_equal(r.n_scored, chunks * (ctx - ctx / 2 - 1));
    assert_int_equal(r.n_scored, count);
    assert_int_equal(r.n_tokens, (int64_t)n);
    assert_true(fabs(r.ppl - ppl) < 1e-4 * ppl);
    assert_true(fabs(r.ppl_err - ppl_err) < 1e-3 * ppl_err);
    assert_int_equal(r.has_base, 0);
    assert_true(r.tok_per_s > 0 && r.peak_rss > 0);

    /* odd ctx: first = ctx/2 rounds down, as llama.cpp */
    o.ctx = 33;
    if (q35_perplexity(&f.m, &f.be, f.tok, f.text, f.len, &o, &r, &err)) fail_msg("%s", err.msg);
    assert_int_equal(r.n_scored, chunks * (33 - 16 - 1));

    /* the model against itself */
    o.ctx = ctx;
    o.base = &f.m;
    o.base_backend = &f.be;
    if (q35_perplexity(&f.m, &f.be, f.tok, f.text, f.len, &o, &r, &err)) fail_msg("%s", err.msg);
    assert_int_equal(r.has_base, 1);
    assert_true(r.kld_mean == 0 && r.kld_p99 == 0 && r.top1 == 1.0);
    assert_true(r.ppl == r.base_ppl && r.dppl == 0);
    free(toks);
    close_fixture(&f);
}

static void test_errors(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f);
    q35_err err;
    q35_ppl_result r;
    q35_ppl_opts o = { .ctx = 256 };
    /* fewer than 2 * ctx tokens: llama-perplexity's message */
    assert_int_equal(q35_perplexity(&f.m, &f.be, f.tok, f.text, 300, &o, &r, &err), -1);
    assert_non_null(strstr(err.msg, "you need at least 512 tokens"));
    assert_int_equal(q35_perplexity(&f.m, &f.be, f.tok, "", 0, &o, &r, &err), -1);
    o.ctx = 3;
    assert_int_equal(q35_perplexity(&f.m, &f.be, f.tok, f.text, f.len, &o, &r, &err), -1);
    /* a base of another vocabulary size */
    q35_model other = f.m;
    other.cfg.vocab_size = 100;
    o.ctx = 64;
    o.base = &other;
    o.base_backend = &f.be;
    assert_int_equal(q35_perplexity(&f.m, &f.be, f.tok, f.text, f.len, &o, &r, &err), -1);
    assert_non_null(strstr(err.msg, "vocabulary"));
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scoring),
        cmocka_unit_test(test_matches_token_by_token),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
