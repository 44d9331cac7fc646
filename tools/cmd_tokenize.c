/* q35 tokenize: the token ids q35 gives a text, with the tokenizer of a model or of a
 * tokenizer file (tokenizer.json, tokenizer.model, tokenizer.bin), so they can be compared
 * with another implementation's. Ids go to stdout; sizes and speed to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/common.h"
#include "q35/tokenizer.h"

static const char USAGE[] =
    "usage: q35 tokenize (--model PATH | --tokenizer FILE) (--text FILE | --prompt TEXT) [--lines] [--bos]\n"
    "                    [--check]\n\n"
    "Prints the token ids of a text, separated by spaces: all on one line, or with --lines one line of\n"
    "ids per line of text (each line encoded alone, without its newline). The tokenizer is a model's\n"
    "(GGUF, llama2.c with --tokenizer, Hugging Face directory) or, without --model, a tokenizer file:\n"
    "tokenizer.json (byte-level BPE, as LLaMA-3's) or a SentencePiece tokenizer.model. --check decodes\n"
    "the ids again and fails unless every text comes back byte for byte. Bytes, tokens and the encoding\n"
    "speed go to stderr.";

typedef struct tok_opts {
    const char *model, *tokenizer, *text, *prompt;
    int lines, bos, check;
} tok_opts;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* decode(ids) == text? As HF's decode: added tokens give their content (q35_token_text
 * prints control tokens as nothing); SentencePiece's decoder drops the dummy-prefix space. */
static int round_trips(const q35_tokenizer *t, const q35_vocab *v, const int32_t *ids, size_t n, const char *text,
                       size_t len, char **buf, size_t *cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t m;
        const char *s = q35_token_text(t, i ? ids[i - 1] : -1, ids[i], &m);
        if (v->kind == Q35_VOCAB_BPE && v->types && v->types[ids[i]] == Q35_TOK_CONTROL) {
            s = v->pieces[ids[i]];
            m = strlen(s);
        }
        if (k + m > *cap) {
            size_t c = (*cap + m) * 2 + 64;
            char *q = realloc(*buf, c);
            if (!q) return 0;
            *buf = q;
            *cap = c;
        }
        memcpy(*buf + k, s, m);
        k += m;
    }
    const char *d = *buf;
    if (v->kind == Q35_VOCAB_SPM && v->add_space_prefix && k > 0 && d[0] == ' ') {
        d++;
        k--;
    }
    return k == len && (len == 0 || !memcmp(d, text, len));
}

static int print_ids(const int32_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[i]);
    return putchar('\n') == EOF ? -1 : 0;
}

int cmd_tokenize(int argc, char **argv)
{
    const char *cmd = "tokenize";
    tok_opts o = { 0 };
    const cli_opt opts[] = {
        {"--model", CLI_STR, &o.model, "PATH", "use this model's tokenizer (GGUF, llama2.c, HF directory)"},
        {"--tokenizer", CLI_STR, &o.tokenizer, "FILE",
         "tokenizer.json or tokenizer.model; with --model, the llama2.c tokenizer.bin or HF override"},
        {"--text", CLI_STR, &o.text, "FILE", "text to encode"},
        {"--prompt", CLI_STR, &o.prompt, "TEXT", "text to encode, given on the command line"},
        {"--lines", CLI_FLAG, &o.lines, NULL, "encode each line on its own, one line of ids each"},
        {"--bos", CLI_FLAG, &o.bos, NULL, "put BOS first (printed)"},
        {"--check", CLI_FLAG, &o.check, NULL, "fail unless decoding gives back every text byte for byte"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (!o.model && !o.tokenizer) return cli_error(cmd, "--model or --tokenizer is required (see --help)");
    if (!o.text == !o.prompt) return cli_error(cmd, "give exactly one of --text and --prompt (see --help)");

    q35_err err;
    q35_ckpt ck;
    q35_vocab own;
    const q35_vocab *v;
    int have_ck = 0, have_own = 0, status = 1;
    q35_map m = { 0 };
    q35_tokenizer *t = NULL;
    int32_t *ids = NULL;
    char *buf = NULL;
    size_t cap = 0;
    if (o.model) {
        if (q35_ckpt_open(o.model, o.tokenizer, &ck, &err)) return cli_error(cmd, "%s", err.msg);
        have_ck = 1;
        v = &ck.vocab;
    } else {
        int r = ends_with(o.tokenizer, ".json") ? q35_vocab_from_hfjson(o.tokenizer, &own, &err)
                                                : q35_vocab_from_file(o.tokenizer, 0, &own, &err);
        if (r) return cli_error(cmd, "%s", err.msg);
        have_own = 1;
        v = &own;
    }
    if (!(t = q35_tokenizer_new(v, &err))) {
        cli_error(cmd, "%s", err.msg);
        goto done;
    }
    const char *text = o.prompt;
    size_t len = o.prompt ? strlen(o.prompt) : 0;
    if (o.text) {
        if (q35_map_open(o.text, &m, &err)) {
            cli_error(cmd, "%s", err.msg);
            goto done;
        }
        text = (const char *)m.data;
        len = m.size;
    }

    size_t n_lines = 0, n_tokens = 0, bad = 0;
    double secs = 0;
    for (size_t pos = 0; pos < len || (pos == 0 && len == 0);) {
        size_t end = len;
        if (o.lines) {
            const char *nl = memchr(text + pos, '\n', len - pos);
            if (nl) end = (size_t)(nl - text);
        }
        size_t n;
        double t0 = q35_now();
        if (q35_tokenize(t, text + pos, end - pos, o.bos, &ids, &n, &err)) {
            cli_error(cmd, "%s", err.msg);
            goto done;
        }
        secs += q35_now() - t0;
        if (print_ids(ids, n)) {
            cli_error(cmd, "writing the ids failed");
            goto done;
        }
        size_t skip = o.bos && n > 0 && ids[0] == v->bos; /* BOS is not part of the text */
        if (o.check && !round_trips(t, v, ids + skip, n - skip, text + pos, end - pos, &buf, &cap)) {
            if (bad++ < 5)
                fprintf(stderr, "q35 tokenize: %s %zu does not decode back to itself\n", o.lines ? "line" : "text",
                        n_lines + 1);
        }
        free(ids);
        ids = NULL;
        n_tokens += n;
        n_lines++;
        pos = end + 1; /* past the newline */
        if (len == 0) break;
    }
    if (fflush(stdout)) {
        cli_error(cmd, "writing the ids failed");
        goto done;
    }
    fprintf(stderr, "q35 tokenize: %zu bytes, %zu %s, %zu tokens in %.3f s (%.2f MB/s)%s\n", len, n_lines,
            o.lines ? "lines" : "text", n_tokens, secs, secs > 0 ? (double)len / secs / 1e6 : 0.0,
            o.check ? (bad ? "" : ", every text decodes back to itself") : "");
    if (bad) {
        cli_error(cmd, "%zu of %zu texts do not decode back to themselves", bad, n_lines);
        goto done;
    }
    status = 0;
done:
    free(ids);
    free(buf);
    q35_tokenizer_free(t);
    q35_map_close(&m);
    if (have_own) q35_vocab_free(&own);
    if (have_ck) q35_ckpt_close(&ck);
    return status;
}
