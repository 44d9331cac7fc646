/* The JSON report of q35 prove: per theorem, proved or not, time, expansions, proof. */
#include <cJSON.h>
#include <stdlib.h>

#include "q35/prover.h"

char *q35_prove_report_json(const q35_prove_opts *o, const q35_prove_report *rep)
{
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "file", o->theorems);
    cJSON_AddStringToObject(j, "policy", o->policy ? o->policy : "heuristic");
    cJSON_AddNumberToObject(j, "budget_seconds", o->budget_seconds);
    cJSON_AddNumberToObject(j, "max_expansions", (double)o->max_expansions);
    cJSON_AddNumberToObject(j, "tactic_timeout", o->tactic_timeout);
    cJSON_AddBoolToObject(j, "recheck", o->recheck);
    cJSON_AddNumberToObject(j, "proved", rep->proved);
    cJSON_AddNumberToObject(j, "total", rep->n);
    cJSON_AddNumberToObject(j, "seconds", rep->seconds);
    cJSON_AddNumberToObject(j, "recheck_seconds", rep->recheck_seconds);
    cJSON_AddNumberToObject(j, "context_errors", rep->context_errors);
    if (rep->first_context_error) cJSON_AddStringToObject(j, "first_context_error", rep->first_context_error);
    cJSON *c = cJSON_AddObjectToObject(j, "coq");
    cJSON_AddNumberToObject(c, "starts", rep->coq_starts);
    cJSON_AddNumberToObject(c, "timeouts", rep->coq_timeouts);
    cJSON_AddNumberToObject(c, "deaths", rep->coq_deaths);
    cJSON *arr = cJSON_AddArrayToObject(j, "theorems");
    for (int i = 0; i < rep->n; i++) {
        const q35_prove_theorem *t = &rep->th[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", t->name ? t->name : "");
        cJSON_AddNumberToObject(x, "line", t->line);
        cJSON_AddBoolToObject(x, "proved", t->proved);
        cJSON_AddBoolToObject(x, "found", t->found);
        cJSON_AddBoolToObject(x, "rechecked", t->rechecked);
        cJSON_AddNumberToObject(x, "seconds", t->seconds);
        cJSON_AddNumberToObject(x, "expansions", (double)t->expansions);
        cJSON_AddNumberToObject(x, "failed_tactics", (double)t->failed);
        cJSON_AddNumberToObject(x, "states", t->nodes);
        cJSON_AddNumberToObject(x, "proof_length", t->proof_length);
        if (t->proof) cJSON_AddStringToObject(x, "proof", t->proof);
        if (t->note) cJSON_AddStringToObject(x, "note", t->note);
        cJSON_AddItemToArray(arr, x);
    }
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}
