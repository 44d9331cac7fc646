/* coq_proto.h: the calls q35 sends to coqidetop (XML protocol 20220205, Coq 8.16) and
 * the decoding of its <value> replies into the structs of coq_session.h.
 *
 * Pure text and tree work, no I/O: coq_session.c does the pipes and the timing. The
 * shapes below were checked against coqidetop.opt 8.16.1:
 *   Init    <call val="Init"><option val="none"/></call>  -> good: <state_id val="1"/>
 *   Add     pair(pair(pair(pair(string,int),pair(state_id,bool)),int),pair(int,int))
 *           -> good: pair(state_id, union in_l unit | in_r state_id)
 *   Goal    <call val="Goal"><unit/></call> -> good: option none | some <goals>
 *   Edit_at <call val="Edit_at"><state_id val="N"/></call> -> good: union in_l unit | in_r …
 *   fail    <value val="fail" loc_s=".." loc_e=".."><state_id/><richpp>msg</richpp></value> */
#ifndef Q35_PROVER_COQ_PROTO_H
#define Q35_PROVER_COQ_PROTO_H

#include "prover/coq_session.h"
#include "prover/xml.h"

#define COQ_CALL_INIT "<call val=\"Init\"><option val=\"none\"/></call>"
#define COQ_CALL_GOAL "<call val=\"Goal\"><unit/></call>"
#define COQ_CALL_QUIT "<call val=\"Quit\"><unit/></call>"

/* The Add call for `sentence` on top of state `tip`, XML-escaped; malloc'd. */
char *coq_call_add(const char *sentence, int tip, q35_err *err);

/* The Edit_at call for `state` into buf (always fits 64 bytes). */
#define COQ_CALL_EDIT_AT_MAX 64
void coq_call_edit_at(int state, char buf[COQ_CALL_EDIT_AT_MAX]);

/* A <value> element: good or fail. For fail: the state Coq says is the last good one
 * (0 when it names none), the error's character range in the sentence (-1 when absent)
 * and the message (malloc'd, the caller frees). */
typedef struct coq_value {
    int good;
    int fail_state;
    int loc_s, loc_e;
    char *msg;
} coq_value;

/* -1 when v is not a <value val="good|fail">. */
int coq_decode_value(const xml_node *v, coq_value *out, q35_err *err);

/* Payloads of good values. */
int coq_decode_init(const xml_node *v, int *state, q35_err *err);
/* *state: the new sentence's state; *unfocus: -1 (in_l), else the in_r state id. */
int coq_decode_add(const xml_node *v, int *state, int *unfocus, q35_err *err);
/* *focus: 0 for in_l (plain new tip), 1 for in_r (Coq focused on a closed proof). */
int coq_decode_edit_at(const xml_node *v, int *focus, q35_err *err);
/* Fills out (which the caller frees with coq_goals_free, also after a failure). */
int coq_decode_goals(const xml_node *v, coq_goals *out, q35_err *err);

/* The plain text of a <richpp> (or any element): tags stripped, entities decoded
 * (&nbsp; as a space), newlines kept, leading and trailing whitespace trimmed. */
char *coq_richpp_text(const xml_node *n, q35_err *err);

#endif
