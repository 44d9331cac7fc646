/* coq_split.h: cuts Coq source text into sentences the way CoqIDE does (its coq_lex),
 * so each can be sent to coqidetop on its own.
 *
 * A sentence ends at a '.' followed by whitespace or the end of the text; a '.' inside a
 * comment or a string, in a qualified name (Nat.add), before '(' (x.(f)) or in ".." does
 * not end one. At the start of a sentence, a bullet (a run of one of '-', '+', '*': "-",
 * "--", "**"), '{', '}' and a goal selector before a brace ("2: {") are sentences of their
 * own. Comments (* … *) nest and may contain strings; strings escape '"' as "".
 *
 * Comments and whitespace between sentences are skipped: a span starts at its first
 * character of code, so a comment before a sentence is dropped, while a comment inside
 * one (between its first character and its '.') stays in it. */
#ifndef Q35_PROVER_COQ_SPLIT_H
#define Q35_PROVER_COQ_SPLIT_H

#include <stddef.h>

#include "q35/common.h"

typedef enum {
    COQ_SENT_DOT,    /* ends with '.' */
    COQ_SENT_BULLET, /* -, +, *, --, ++, ** … */
    COQ_SENT_BRACE   /* {, } or "N: {" */
} coq_sent_kind;

typedef struct coq_span {
    size_t start, end; /* src[start, end): the sentence with its '.', without what follows */
    int line;          /* 1-based line of start */
    coq_sent_kind kind;
} coq_span;

/* Splits a whole file, src[0, len): *out (free() it) gets *n spans. Text after the last
 * sentence other than whitespace and comments is an error naming its line ("line 12:
 * sentence without its final '.'", "... unclosed comment", "... unclosed string"). */
int coq_split(const char *src, size_t len, coq_span **out, int *n, q35_err *err);

/* The same for text that may stop in the middle of a sentence (a model's output, a
 * growing buffer): what is complete, and where the rest starts. */
typedef struct coq_sentences {
    coq_span *v;
    int n;
    /* Where complete sentences stop: the length of the text when all is complete, else
     * the start of a final sentence without its '.', or of an unclosed comment. */
    size_t rest;
    int rest_line;
} coq_sentences;

/* Fails (-1) only when out of memory. */
int coq_split_prefix(const char *src, size_t len, coq_sentences *out, q35_err *err);
void coq_sentences_free(coq_sentences *s);

/* The offset of the first character at or after src[i] that is neither blank nor inside
 * a comment (len when there is none, or when a comment is left open). */
size_t coq_skip_blank(const char *src, size_t len, size_t i);

/* 1 if src[0, len) is exactly one sentence, give or take whitespace and comments around
 * it. */
int coq_is_one_sentence(const char *src, size_t len);

#endif
