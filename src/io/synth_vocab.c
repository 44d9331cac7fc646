/* The synthetic model's vocabulary: byte-level SentencePiece with byte fallback, so any
 * text encodes, plus a few hundred English pieces so the BPE merge loop has work. Every
 * multi-character piece comes with all its prefixes, which guarantees a merge path. */
#include <stdlib.h>
#include <string.h>

#include "q35/synth.h"

#define SPM_SPACE "\xe2\x96\x81"

static const char *const words[] = {
    /* word starts ("_" stands for U+2581) */
    "_the", "_and", "_a", "_to", "_of", "_in", "_is", "_it", "_was", "_he", "_she", "_that", "_with", "_for",
    "_on", "_you", "_they", "_his", "_her", "_said", "_one", "_day", "_little", "_big", "_happy", "_play",
    "_friend", "_time", "_once", "_upon", "_there", "_had", "_not", "_be", "_at", "_as", "_we", "_are",
    "_this", "_from", "_have", "_but", "_all", "_so", "_what", "_can", "_will", "_go", "_see", "_like",
    "_The", "_He", "_She", "_It", "_They", "_I", "_Once",
    /* frequent inner pieces */
    "th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ing", "ed", "es", "or", "ou", "is", "it",
    "al", "ar", "st", "to", "nt", "ng", "se", "ha", "le", "ly", "ion", "tion", "ent", "ter", "ver", "all",
};
#define N_WORDS (sizeof words / sizeof words[0])

typedef struct builder {
    q35_vocab *v;
    int cap;
} builder;

static int find(const q35_vocab *v, const char *s)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->pieces[i], s)) return i;
    return -1;
}

static int add(builder *b, const char *piece, float score, int type, q35_err *err)
{
    q35_vocab *v = b->v;
    if (find(v, piece) >= 0) return 0;
    if (v->n == b->cap) return q35_fail(err, "synthetic vocabulary overflow");
    if (!(v->pieces[v->n] = q35_strdup(piece, err))) return -1;
    v->scores[v->n] = score;
    v->types[v->n] = type;
    v->n++;
    return 0;
}

/* "_th" -> U+2581 "th" */
static void spm_form(const char *w, size_t len, char *out)
{
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        if (w[i] == '_') {
            memcpy(o, SPM_SPACE, 3);
            o += 3;
        } else {
            *o++ = w[i];
        }
    }
    *o = 0;
}

int q35_synth_vocab(q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    builder b = {v, 1024};
    v->pieces = q35_calloc((size_t)b.cap, sizeof *v->pieces, err);
    v->scores = q35_calloc((size_t)b.cap, sizeof *v->scores, err);
    v->types = q35_calloc((size_t)b.cap, sizeof *v->types, err);
    if (!v->pieces || !v->scores || !v->types) goto fail;
    if (add(&b, "<unk>", 0, Q35_TOK_UNKNOWN, err) || add(&b, "<s>", 0, Q35_TOK_CONTROL, err) ||
        add(&b, "</s>", 0, Q35_TOK_CONTROL, err))
        goto fail;
    for (int i = 0; i < 256; i++) {
        char piece[8];
        snprintf(piece, sizeof piece, "<0x%02X>", i);
        if (add(&b, piece, 0, Q35_TOK_BYTE, err)) goto fail;
    }
    if (add(&b, SPM_SPACE, 0, Q35_TOK_NORMAL, err)) goto fail;
    for (int c = 0x21; c < 0x7f; c++) {
        char piece[2] = {(char)c, 0};
        if (add(&b, piece, 0, Q35_TOK_NORMAL, err)) goto fail;
    }
    /* Merged pieces: shorter prefixes first, with higher scores, so they merge first. */
    float score = 1000.0f;
    for (size_t w = 0; w < N_WORDS; w++) {
        size_t len = strlen(words[w]);
        for (size_t k = 2; k <= len; k++) {
            char piece[64];
            spm_form(words[w], k, piece);
            if (find(v, piece) < 0) {
                if (add(&b, piece, score, Q35_TOK_NORMAL, err)) goto fail;
                score -= 1.0f;
            }
        }
    }
    v->unk = 0;
    v->bos = 1;
    v->eos = 2;
    v->add_bos = 1;
    v->add_space_prefix = 1;
    return 0;
fail:
    q35_vocab_free(v);
    return -1;
}
