/* SentencePiece tokenizer.model: the ModelProto protobuf (sentencepiece_model.proto),
 * read by a small bounds-checked protobuf reader, into the same q35_vocab as a GGUF
 * "llama" vocabulary (pieces in SentencePiece form, scores, GGUF token types, which are
 * SentencePiece's own type numbers).
 *
 *   ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec,
 *                   4 self_test_data (skipped), 5 denormalizer_spec
 *   SentencePiece   1 piece (string), 2 score (float), 3 type (1 NORMAL, 2 UNKNOWN,
 *                   3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE; default NORMAL)
 *   TrainerSpec     3 model_type (1 UNIGRAM default, 2 BPE, 3 WORD, 4 CHAR),
 *                   24 treat_whitespace_as_suffix, 35 byte_fallback, 40 unk_id (default 0),
 *                   41 bos_id (1), 42 eos_id (2), 43 pad_id (-1)
 *   NormalizerSpec  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix (default true),
 *                   4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
 * Every other field, of every wire type (groups included), is skipped.
 *
 * q35's tokenizer is SentencePiece's BPE encoder without text normalisation, so a model
 * is accepted only where that gives SentencePiece's ids:
 *   - model_type BPE (a unigram, word or char model is refused: Viterbi over piece
 *     scores is a different algorithm);
 *   - no precompiled_charsmap in the normalizer or denormalizer (nmt_nfkc and friends
 *     rewrite text before encoding; "identity", as in LLaMA and Mistral, has none),
 *     remove_extra_whitespaces off, escape_whitespaces on, whitespace as prefix;
 *   - SentencePiece's own load checks: non-empty unique pieces, exactly one UNKNOWN
 *     piece, BYTE pieces "<0xNN>" only with byte_fallback, and then all 256 of them.
 * Stricter than SentencePiece: a type outside 1..6 and special ids outside the pieces
 * are errors; bos_id/eos_id must name CONTROL pieces and unk_id the UNKNOWN piece.
 * Accepted with a known difference: SentencePiece matches USER_DEFINED pieces in the
 * text before BPE and splits merges that produce UNUSED pieces back; q35's tokenizer
 * merges both like NORMAL pieces (neither occurs in the LLaMA-2 tokenizer). */
#include <stdlib.h>
#include <string.h>

#include "ckpt_internal.h"

#define MAX_PIECES (1 << 24)
#define MAX_GROUP_DEPTH 64

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_FIXED32 = 5 };
enum { SPM_UNIGRAM = 1, SPM_BPE = 2, SPM_WORD = 3, SPM_CHAR = 4 };

/* One field as read: number, wire type and value (for WT_LEN, data/len into the map). */
typedef struct pb_field {
    uint32_t num;
    int wire;
    uint64_t u;           /* varint, fixed32 or fixed64 value */
    const uint8_t *data;  /* WT_LEN */
    size_t len;
    size_t at;            /* file offset of the field's key */
} pb_field;

/* A bounds-checked reader over d[pos, end) of the file at path. */
typedef struct pb {
    const char *path;
    const uint8_t *d;     /* the whole file: offsets in messages are file offsets */
    size_t pos, end;
    const char *msg;      /* the message being read, for errors */
    q35_err *err;
} pb;

static int rd_varint(pb *r, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = r->pos;
    for (int i = 0; i < 10; i++) { /* the 10th byte ends the varint or fails */
        if (r->pos >= r->end)
            return q35_fail(r->err, "%s: truncated varint at offset %zu in %s (it runs past the end at %zu)", r->path,
                            start, r->msg, r->end);
        uint8_t b = r->d[r->pos++];
        if (i == 9 && (b & 0x80))
            return q35_fail(r->err, "%s: varint at offset %zu in %s is longer than 10 bytes", r->path, start, r->msg);
        if (i == 9 && b > 1)
            return q35_fail(r->err, "%s: varint at offset %zu in %s overflows 64 bits", r->path, start, r->msg);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1; /* not reached */
}

static int rd_fixed(pb *r, int bytes, uint64_t *out)
{
    if (r->end - r->pos < (size_t)bytes)
        return q35_fail(r->err, "%s: truncated %d-byte field at offset %zu in %s (the message ends at %zu)", r->path,
                        bytes, r->pos, r->msg, r->end);
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)r->d[r->pos + (size_t)i] << (8 * i);
    r->pos += (size_t)bytes;
    *out = v;
    return 0;
}

static int rd_key(pb *r, pb_field *f)
{
    uint64_t key;
    f->at = r->pos;
    if (rd_varint(r, &key)) return -1;
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return q35_fail(r->err, "%s: invalid field number %llu at offset %zu in %s (not a SentencePiece model?)",
                        r->path, (unsigned long long)(key >> 3), f->at, r->msg);
    if (f->wire > WT_FIXED32)
        return q35_fail(r->err, "%s: invalid wire type %d at offset %zu in %s (not a SentencePiece model?)", r->path,
                        f->wire, f->at, r->msg);
    return 0;
}

/* Skips the body of a group whose start-group key (field num) was just read. */
static int skip_group(pb *r, uint32_t num, size_t at)
{
    uint32_t stack[MAX_GROUP_DEPTH];
    int depth = 0;
    stack[depth++] = num;
    while (depth > 0) {
        if (r->pos >= r->end)
            return q35_fail(r->err, "%s: group (field %u) started at offset %zu in %s is never closed", r->path,
                            stack[depth - 1], at, r->msg);
        pb_field f;
        uint64_t u;
        if (rd_key(r, &f)) return -1;
        switch (f.wire) {
        case WT_VARINT: if (rd_varint(r, &u)) return -1; break;
        case WT_FIXED64: if (rd_fixed(r, 8, &u)) return -1; break;
        case WT_FIXED32: if (rd_fixed(r, 4, &u)) return -1; break;
        case WT_LEN:
            if (rd_varint(r, &u)) return -1;
            if (u > r->end - r->pos)
                return q35_fail(r->err, "%s: field %u at offset %zu in %s has length %llu, past the end at %zu",
                                r->path, f.num, f.at, r->msg, (unsigned long long)u, r->end);
            r->pos += (size_t)u;
            break;
        case WT_SGROUP:
            if (depth == MAX_GROUP_DEPTH)
                return q35_fail(r->err, "%s: groups nested deeper than %d at offset %zu in %s", r->path,
                                MAX_GROUP_DEPTH, f.at, r->msg);
            stack[depth++] = f.num;
            break;
        case WT_EGROUP:
            if (f.num != stack[depth - 1])
                return q35_fail(r->err, "%s: end of group %u at offset %zu in %s closes group %u", r->path, f.num,
                                f.at, r->msg, stack[depth - 1]);
            depth--;
            break;
        }
    }
    return 0;
}

/* Reads the next field of the message into f; its value is read whatever the wire
 * type, and a group is skipped whole (SentencePiece uses none). Returns 1 at the end of
 * the message, 0 for a field, -1 on error. */
static int rd_field(pb *r, pb_field *f)
{
    if (r->pos >= r->end) return 1;
    memset(f, 0, sizeof *f);
    if (rd_key(r, f)) return -1;
    switch (f->wire) {
    case WT_VARINT: return rd_varint(r, &f->u);
    case WT_FIXED64: return rd_fixed(r, 8, &f->u);
    case WT_FIXED32: return rd_fixed(r, 4, &f->u);
    case WT_LEN:
        if (rd_varint(r, &f->u)) return -1;
        if (f->u > r->end - r->pos)
            return q35_fail(r->err, "%s: field %u at offset %zu in %s has length %llu, past the end at %zu", r->path,
                            f->num, f->at, r->msg, (unsigned long long)f->u, r->end);
        f->data = r->d + r->pos;
        f->len = (size_t)f->u;
        r->pos += f->len;
        return 0;
    case WT_SGROUP: return skip_group(r, f->num, f->at);
    default: /* WT_EGROUP */
        return q35_fail(r->err, "%s: end of group %u at offset %zu in %s without its start", r->path, f->num, f->at,
                        r->msg);
    }
}

static const char *const wire_name[6] = {"varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32"};

static int want_wire(pb *r, const pb_field *f, const char *name, int wire)
{
    if (f->wire == wire) return 0;
    return q35_fail(r->err, "%s: %s.%s (field %u) at offset %zu is %s, expected %s", r->path, r->msg, name, f->num, f->at,
                    wire_name[f->wire], wire_name[wire]);
}

/* An int32 field: protobuf writes negative values as 64-bit two's complement. */
static int want_int32(pb *r, const pb_field *f, const char *name, int64_t *out)
{
    if (want_wire(r, f, name, WT_VARINT)) return -1;
    int64_t v = (int64_t)f->u;
    if (v < INT32_MIN || v > INT32_MAX)
        return q35_fail(r->err, "%s: %s.%s = %lld at offset %zu is not an int32", r->path, r->msg, name, (long long)v,
                        f->at);
    *out = v;
    return 0;
}

static void sub_reader(const pb *parent, const pb_field *f, const char *msg, pb *r)
{
    *r = *parent;
    r->pos = (size_t)(f->data - parent->d);
    r->end = r->pos + f->len;
    r->msg = msg;
}

/* A piece as an error message may show it: printable ASCII, other bytes as \xNN. */
static const char *show(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 8 >= cap) { /* room for one escape and "..." */
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') buf[o++] = (char)p[i];
        else o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", p[i]);
    }
    buf[o] = 0;
    return buf;
}

typedef struct spm_trainer {
    int64_t model_type, unk_id, bos_id, eos_id, pad_id;
    int byte_fallback, ws_suffix;
} spm_trainer;

typedef struct spm_norm {
    const uint8_t *name;
    size_t name_len, charsmap_len;
    int add_dummy_prefix, remove_extra_ws, escape_ws;
} spm_norm;

static int read_trainer(pb *r, spm_trainer *t)
{
    pb_field f;
    int rc;
    int64_t v;
    while ((rc = rd_field(r, &f)) == 0) {
        switch (f.num) {
        case 3:
            if (want_int32(r, &f, "model_type", &t->model_type)) return -1;
            break;
        case 24:
            if (want_wire(r, &f, "treat_whitespace_as_suffix", WT_VARINT)) return -1;
            t->ws_suffix = f.u != 0;
            break;
        case 35:
            if (want_wire(r, &f, "byte_fallback", WT_VARINT)) return -1;
            t->byte_fallback = f.u != 0;
            break;
        case 40: if (want_int32(r, &f, "unk_id", &v)) return -1; t->unk_id = v; break;
        case 41: if (want_int32(r, &f, "bos_id", &v)) return -1; t->bos_id = v; break;
        case 42: if (want_int32(r, &f, "eos_id", &v)) return -1; t->eos_id = v; break;
        case 43: if (want_int32(r, &f, "pad_id", &v)) return -1; t->pad_id = v; break;
        default: break;
        }
    }
    return rc < 0 ? -1 : 0;
}

static int read_normalizer(pb *r, spm_norm *n)
{
    pb_field f;
    int rc;
    while ((rc = rd_field(r, &f)) == 0) {
        switch (f.num) {
        case 1:
            if (want_wire(r, &f, "name", WT_LEN)) return -1;
            n->name = f.data;
            n->name_len = f.len;
            break;
        case 2:
            if (want_wire(r, &f, "precompiled_charsmap", WT_LEN)) return -1;
            n->charsmap_len = f.len;
            break;
        case 3:
            if (want_wire(r, &f, "add_dummy_prefix", WT_VARINT)) return -1;
            n->add_dummy_prefix = f.u != 0;
            break;
        case 4:
            if (want_wire(r, &f, "remove_extra_whitespaces", WT_VARINT)) return -1;
            n->remove_extra_ws = f.u != 0;
            break;
        case 5:
            if (want_wire(r, &f, "escape_whitespaces", WT_VARINT)) return -1;
            n->escape_ws = f.u != 0;
            break;
        default: break;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* One SentencePiece message: piece bytes, score and type (defaults "", 0, NORMAL). */
static int read_piece(pb *r, int id, const uint8_t **piece, size_t *len, float *score, int32_t *type)
{
    pb_field f;
    int rc;
    *piece = NULL;
    *len = 0;
    *score = 0.0f;
    uint64_t t = Q35_TOK_NORMAL;
    size_t type_at = r->pos;
    while ((rc = rd_field(r, &f)) == 0) {
        switch (f.num) {
        case 1:
            if (want_wire(r, &f, "piece", WT_LEN)) return -1;
            *piece = f.data;
            *len = f.len;
            break;
        case 2: {
            if (want_wire(r, &f, "score", WT_FIXED32)) return -1;
            uint32_t bits = (uint32_t)f.u;
            memcpy(score, &bits, 4);
            break;
        }
        case 3:
            if (want_wire(r, &f, "type", WT_VARINT)) return -1;
            t = f.u;
            type_at = f.at;
            break;
        default: break;
        }
    }
    if (rc < 0) return -1;
    char buf[96];
    if (*len == 0) return q35_fail(r->err, "%s: piece %d is empty", r->path, id);
    if (memchr(*piece, 0, *len))
        return q35_fail(r->err, "%s: piece %d ('%s') contains a NUL byte", r->path, id, show(*piece, *len, buf, sizeof buf));
    if (t < Q35_TOK_NORMAL || t > Q35_TOK_BYTE)
        return q35_fail(r->err, "%s: piece %d ('%s') has type %llu at offset %zu; SentencePiece types are 1 (NORMAL) to "
                                "6 (BYTE)", r->path, id, show(*piece, *len, buf, sizeof buf), (unsigned long long)t,
                        type_at);
    *type = (int32_t)t;
    return 0;
}

static const char *type_name(int t)
{
    static const char *const names[] = {"?", "NORMAL", "UNKNOWN", "CONTROL", "USER_DEFINED", "UNUSED", "BYTE"};
    return t >= 1 && t <= 6 ? names[t] : "?";
}

typedef struct sorted_piece {
    const char *s;
    int id;
} sorted_piece;

static int cmp_piece(const void *a, const void *b)
{
    const sorted_piece *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* SentencePiece's load checks on the pieces, and the special ids. */
static int check_pieces(const char *path, q35_vocab *v, const spm_trainer *t, q35_err *err)
{
    int n = v->n, unk = -1, bytes = 0;
    char buf[96];
    for (int i = 0; i < n; i++) {
        const char *p = v->pieces[i];
        if (v->types[i] == Q35_TOK_UNKNOWN) {
            if (unk >= 0) return q35_fail(err, "%s: pieces %d and %d are both of type UNKNOWN", path, unk, i);
            unk = i;
        }
        if (v->types[i] == Q35_TOK_BYTE) {
            if (!q35_piece_is_byte(p))
                return q35_fail(err, "%s: piece %d ('%s') has type BYTE but is not named <0xNN>", path, i,
                                show((const uint8_t *)p, strlen(p), buf, sizeof buf));
            if (!t->byte_fallback)
                return q35_fail(err, "%s: byte piece %d (%s) found although byte_fallback is off", path, i, p);
            bytes++;
        }
    }

    sorted_piece *s = q35_malloc((size_t)n * sizeof *s, err);
    if (!s) return -1;
    for (int i = 0; i < n; i++) s[i] = (sorted_piece){v->pieces[i], i};
    qsort(s, (size_t)n, sizeof *s, cmp_piece);
    for (int i = 1; i < n; i++)
        if (!strcmp(s[i - 1].s, s[i].s)) {
            q35_fail(err, "%s: pieces %d and %d are both '%s'", path, s[i - 1].id, s[i].id,
                     show((const uint8_t *)s[i].s, strlen(s[i].s), buf, sizeof buf));
            free(s);
            return -1;
        }
    free(s);
    if (unk < 0) return q35_fail(err, "%s: no piece of type UNKNOWN (<unk>)", path);
    if (t->byte_fallback && bytes != 256)
        return q35_fail(err, "%s: byte_fallback is on but there are %d byte pieces, not 256", path, bytes);

    static const char *const names[4] = {"unk_id", "bos_id", "eos_id", "pad_id"};
    const int64_t ids[4] = {t->unk_id, t->bos_id, t->eos_id, t->pad_id};
    for (int k = 0; k < 4; k++)
        if (ids[k] < -1 || ids[k] >= n)
            return q35_fail(err, "%s: trainer_spec.%s = %lld is not a piece id (%d pieces; -1 = none)", path, names[k],
                            (long long)ids[k], n);
    if (t->unk_id != unk)
        return q35_fail(err, "%s: trainer_spec.unk_id = %lld, but the UNKNOWN piece is %d", path, (long long)t->unk_id,
                        unk);
    for (int k = 1; k <= 2; k++) {
        int id = (int)ids[k];
        if (id >= 0 && v->types[id] != Q35_TOK_CONTROL)
            return q35_fail(err, "%s: trainer_spec.%s = %d is '%s', a %s piece, not CONTROL", path, names[k], id,
                            show((const uint8_t *)v->pieces[id], strlen(v->pieces[id]), buf, sizeof buf),
                            type_name(v->types[id]));
    }
    v->unk = unk;
    v->bos = (int)t->bos_id;
    v->eos = (int)t->eos_id;
    return 0;
}

/* What q35's tokenizer cannot honour (see the top of the file). */
static int check_specs(const char *path, const spm_trainer *t, int have_trainer, const spm_norm *nz,
                       const spm_norm *dn, q35_err *err)
{
    char buf[96];
    if (t->model_type != SPM_BPE) {
        static const char *const names[] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
        const char *name = t->model_type >= 1 && t->model_type <= 4 ? names[t->model_type] : "unknown";
        return q35_fail(err, "%s: a SentencePiece %s model (model_type %lld%s); q35's tokenizer implements BPE models "
                             "only (LLaMA, Mistral)", path, name, (long long)t->model_type,
                        have_trainer ? "" : ", the default: no trainer_spec");
    }
    if (t->ws_suffix)
        return q35_fail(err, "%s: treat_whitespace_as_suffix is on; q35's tokenizer puts whitespace before words", path);
    const char *name = nz->name ? show(nz->name, nz->name_len, buf, sizeof buf) : "(unnamed)";
    if (nz->charsmap_len)
        return q35_fail(err, "%s: normalizer '%s' rewrites text (%zu-byte precompiled_charsmap); q35's tokenizer does "
                             "not normalise text, so only models without one ('identity', as LLaMA's) are supported",
                        path, name, nz->charsmap_len);
    if (nz->remove_extra_ws)
        return q35_fail(err, "%s: normalizer '%s' has remove_extra_whitespaces on (the default); q35's tokenizer keeps "
                             "every space, as LLaMA's tokenizer does", path, name);
    if (!nz->escape_ws)
        return q35_fail(err, "%s: normalizer '%s' has escape_whitespaces off; q35's tokenizer writes spaces as U+2581",
                        path, name);
    if (dn->charsmap_len)
        return q35_fail(err, "%s: denormalizer rewrites decoded text (%zu-byte precompiled_charsmap); not supported",
                        path, dn->charsmap_len);
    return 0;
}

int q35_vocab_from_spm_model(const char *path, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    v->bos = v->eos = v->unk = -1;
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    int rc = -1;
    if (m.size == 0) {
        q35_fail(err, "%s: empty file, not a SentencePiece model", path);
        goto done;
    }
    spm_trainer t = {.model_type = SPM_UNIGRAM, .unk_id = 0, .bos_id = 1, .eos_id = 2, .pad_id = -1};
    spm_norm nz = {.add_dummy_prefix = 1, .remove_extra_ws = 1, .escape_ws = 1}, dn = nz;
    int have_trainer = 0;
    pb top = {path, m.data, 0, m.size, "ModelProto", err};

    /* Pass 1: the specs, and count the pieces (each piece message is read in pass 2). */
    pb_field f;
    int r, count = 0;
    while ((r = rd_field(&top, &f)) == 0) {
        pb sub;
        switch (f.num) {
        case 1:
            if (want_wire(&top, &f, "pieces", WT_LEN)) goto done;
            if (++count > MAX_PIECES) {
                q35_fail(err, "%s: more than %d pieces", path, MAX_PIECES);
                goto done;
            }
            break;
        case 2:
            if (want_wire(&top, &f, "trainer_spec", WT_LEN)) goto done;
            sub_reader(&top, &f, "TrainerSpec", &sub);
            if (read_trainer(&sub, &t)) goto done;
            have_trainer = 1;
            break;
        case 3:
        case 5:
            if (want_wire(&top, &f, f.num == 3 ? "normalizer_spec" : "denormalizer_spec", WT_LEN)) goto done;
            sub_reader(&top, &f, "NormalizerSpec", &sub);
            if (read_normalizer(&sub, f.num == 3 ? &nz : &dn)) goto done;
            break;
        default: break;
        }
    }
    if (r < 0) goto done;
    if (count == 0) {
        q35_fail(err, "%s: no pieces (not a SentencePiece model?)", path);
        goto done;
    }
    if (check_specs(path, &t, have_trainer, &nz, &dn, err)) goto done;

    /* Pass 2: the pieces. */
    v->n = count;
    v->pieces = q35_calloc((size_t)count, sizeof *v->pieces, err);
    v->scores = q35_calloc((size_t)count, sizeof *v->scores, err);
    v->types = q35_calloc((size_t)count, sizeof *v->types, err);
    if (!v->pieces || !v->scores || !v->types) goto done;
    top.pos = 0;
    for (int i = 0; i < count;) {
        if (rd_field(&top, &f) != 0) { /* pass 1 read the same bytes */
            q35_fail(err, "%s: internal error re-reading piece %d", path, i);
            goto done;
        }
        if (f.num != 1) continue;
        pb sub;
        sub_reader(&top, &f, "SentencePiece", &sub);
        const uint8_t *p;
        size_t len;
        if (read_piece(&sub, i, &p, &len, &v->scores[i], &v->types[i])) goto done;
        if (!(v->pieces[i] = q35_malloc(len + 1, err))) goto done;
        memcpy(v->pieces[i], p, len);
        v->pieces[i][len] = 0;
        i++;
    }
    if (check_pieces(path, v, &t, err)) goto done;
    v->add_bos = v->bos >= 0;
    v->add_space_prefix = nz.add_dummy_prefix;
    rc = 0;
done:
    if (rc) {
        q35_vocab_free(v);
        v->bos = v->eos = v->unk = -1;
    }
    q35_map_close(&m);
    return rc;
}

int q35_vocab_looks_spm(const char *path, const uint8_t *data, size_t size)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= 6 && !strcmp(path + n - 6, ".model")) return 1;
    /* A ModelProto starts with its first piece: key 0x0A, a length varint, then the
     * piece's own key 0x0A. A llama2.c tokenizer.bin starts with max_token_length as a
     * little-endian int32 in [1, 65536], whose bytes 2 and 3 are 0 or 1, so it never
     * shows 0x0A right after a one- or two-byte varint. */
    if (size < 3 || data[0] != 0x0A) return 0;
    size_t i = 1;
    while (i < size && i < 6 && (data[i] & 0x80)) i++;
    return i + 1 < size && !(data[i] & 0x80) && data[i + 1] == 0x0A;
}

int q35_vocab_from_file(const char *path, int n, q35_vocab *v, q35_err *err)
{
    memset(v, 0, sizeof *v);
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    int spm = q35_vocab_looks_spm(path, m.data, m.size);
    q35_map_close(&m);
    if (!spm && n <= 0)
        return q35_fail(err, "%s: not a SentencePiece model, and a llama2.c tokenizer.bin needs its model's "
                             "vocabulary size", path);
    if (!spm) return q35_vocab_from_llama2c(path, n, v, err);
    if (q35_vocab_from_spm_model(path, v, err)) return -1;
    if (n > 0 && v->n != n) {
        q35_fail(err, "%s: tokenizer has %d pieces, the model %d", path, v->n, n);
        q35_vocab_free(v);
        return -1;
    }
    return 0;
}
