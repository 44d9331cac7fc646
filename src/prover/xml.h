/* xml.h: a small, bounds-checked reader for the XML that coqidetop writes.
 *
 * coqidetop answers on a byte stream as a sequence of top-level elements (any number of
 * <feedback> then one <value>). Two layers:
 *   - xml_frame() finds where the first complete top-level element of a buffer ends. It
 *     is resumable (it remembers how far it got), so feeding a growing buffer costs time
 *     linear in the bytes, however the reply is chopped up by the pipe.
 *   - xml_parse() builds the tree of one element: elements, attributes ('…' or "…"),
 *     text, self-closing tags, the five XML entities, &nbsp; (decoded to a plain space:
 *     Coq's pretty-printer puts it between every token) and &#N; / &#xN; (as UTF-8).
 * Not supported, and rejected as malformed: comments, CDATA, <?…?>, DOCTYPE.
 *
 * Hostile input cannot blow the stack or memory: nesting is limited to XML_MAX_DEPTH and
 * an element to max_bytes of input (its tree takes at most about 20 times that, for a
 * flood of tiny elements; a few times for real replies). Each call answers 1 (complete),
 * 0 (need more bytes) or -1 (malformed, with a one-line message). */
#ifndef Q35_PROVER_XML_H
#define Q35_PROVER_XML_H

#include <stddef.h>

#include "q35/common.h"

#define XML_MAX_DEPTH 256
#define XML_DEFAULT_MAX_BYTES ((size_t)64 << 20) /* max_bytes = 0 means this */

typedef struct xml_attr {
    const char *name;
    const char *value; /* entities decoded */
    struct xml_attr *next;
} xml_attr;

/* An element (name != NULL) or a run of text (name == NULL, text/len set). Children are
 * a linked list in document order, text and elements mixed. */
typedef struct xml_node {
    const char *name;
    const char *text; /* text nodes: decoded, NUL-terminated (&#0; is rejected, so no NUL inside) */
    size_t len;
    xml_attr *attrs;
    struct xml_node *first, *next;
    int n_elems; /* element children (text nodes not counted) */
} xml_node;

/* ---- framing ---- */

typedef struct xml_framer {
    size_t pos;   /* bytes scanned so far */
    size_t start; /* where the element's '<' is (leading whitespace is skipped) */
    int state, depth;
    char quote;
} xml_framer;

void xml_framer_reset(xml_framer *f);

/* Scans buf[0, len) from where the last call stopped (the buffer must hold the same
 * bytes as before, plus more at the end). Returns 1 with *end = bytes up to and including
 * the first complete top-level element, 0 when it needs more bytes, -1 when the bytes
 * cannot be the start of an element or the element passes max_bytes (0: default). It
 * counts depth but does not compare names (xml_parse does): "<a><b></a>" is incomplete
 * here, and a mismatch that closes the top level is found by xml_parse. */
int xml_frame(xml_framer *f, const char *buf, size_t len, size_t max_bytes, size_t *end,
              q35_err *err);

/* ---- trees ---- */

typedef struct xml_doc xml_doc; /* owns every node and string of one parsed element */

/* Parses the first top-level element of buf[0, len) (leading whitespace skipped).
 * 1: *out is the tree, *consumed the bytes it took; 0: incomplete; -1: malformed. */
int xml_parse(const char *buf, size_t len, size_t max_bytes, xml_doc **out, size_t *consumed,
              q35_err *err);
const xml_node *xml_root(const xml_doc *d);
void xml_doc_free(xml_doc *d);

/* 1 if n is an element called name. */
int xml_is(const xml_node *n, const char *name);
/* The attribute's decoded value, or NULL. */
const char *xml_attr_get(const xml_node *n, const char *name);
/* The i-th element child (text skipped), or NULL. O(i). */
const xml_node *xml_elem(const xml_node *n, int i);
/* The next element sibling after c (text skipped), or NULL: `for (c = xml_elem(n, 0); c;
 * c = xml_next(c))`. */
const xml_node *xml_next(const xml_node *c);
/* All descendant text concatenated, malloc'd (the caller frees). */
char *xml_text(const xml_node *n, q35_err *err);

#endif
