/* Test helpers for comparing q35's tokenizer with SentencePiece (python3-sentencepiece
 * through tests/tools/spm_ref.py): a list of text cases and the ids SentencePiece gives
 * each. Used by tests/test_tokenizer.c and tests/test_spm_model.c. */
#ifndef Q35_SPM_CASES_H
#define Q35_SPM_CASES_H

#include <stddef.h>
#include <stdint.h>

typedef struct t_cases {
    int n;
    const char **text; /* not owned */
    size_t *len;
    int32_t **ref;     /* SentencePiece's ids per case (t_spm_encode) */
    size_t *n_ref;
    int *roundtrip;    /* SentencePiece's decode(encode(text)) == text (with_roundtrip only) */
} t_cases;

/* The whole file, NUL-terminated; fails the test if it cannot be read. */
char *t_slurp(const char *path, size_t *len);
/* Runs /usr/bin/python3 tests/tools/spm_ref.py ARGS (from $Q35_SRC); returns system()'s status. */
int t_spm_ref(const char *args);
/* Prints "skipped: python3-sentencepiece not found" and exits 77 without it. */
void t_need_sentencepiece(void);

void t_cases_add(t_cases *c, const char *text, size_t len);
/* Splits buf into lines (without their '\n'), adding up to max of them. */
void t_cases_add_lines(t_cases *c, const char *buf, size_t len, int max, int skip_empty);
void t_cases_free(t_cases *c);
/* SentencePiece's ids for every case (spm_ref.py encode, or encode-rt which also reports
 * whether decoding gives the text back). */
void t_spm_encode(const char *model, t_cases *c, int with_roundtrip);
/* Where case i's ids first differ from SentencePiece's, on stderr. */
void t_print_case(const t_cases *c, int i, const int32_t *got, size_t n_got);

#endif
