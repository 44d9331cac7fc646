/* q35 prove: Monte-Carlo tree search for the admitted theorems of a Coq file, run in
 * Coq itself (coqidetop), every proof found re-checked by coqc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "q35/prover.h"

static const char USAGE[] =
    "usage: q35 prove --theorems FILE.v [--output FILE.proved.v] [--budget-seconds N] [--json PATH]\n"
    "                 [--policy heuristic] [--max-expansions N] [--tactic-timeout S] [--coq-args \"...\"]\n\n"
    "Every Lemma/Theorem of FILE.v whose proof is `Admitted.` is a problem, stated in the context\n"
    "of the file before it. A Monte-Carlo tree search (PUCT, policy priors, heuristic values)\n"
    "runs tactics in coqidetop until it finds a proof or the budget per theorem runs out.\n"
    "The output has the proofs in place of their Admitted. (the others keep it) and is\n"
    "re-checked with coqc: a proof counts only if coqc accepts it.";

int cmd_prove(int argc, char **argv)
{
    const char *theorems = NULL, *output = NULL, *json = NULL, *policy = "heuristic", *coq_args = NULL,
               *only = NULL, *coqidetop = NULL, *coqc = NULL, *trace = NULL, *extra = NULL;
    float budget = 20.0f, tactic_timeout = 3.0f;
    int max_exp = 0, no_recheck = 0, quiet = 0;
    const cli_opt opts[] = {
        {"--theorems", CLI_STR, &theorems, "FILE.v", "the Coq file whose Admitted. theorems are the problems"},
        {"--output", CLI_STR, &output, "PATH", "write the file with the proofs found (temp file + rename)"},
        {"--budget-seconds", CLI_FLOAT, &budget, "N", "wall time of the search per theorem, default 20"},
        {"--max-expansions", CLI_INT, &max_exp, "N", "tactics run per theorem at most, default no limit"},
        {"--tactic-timeout", CLI_FLOAT, &tactic_timeout, "S", "seconds one tactic may run (Coq Timeout), default 3"},
        {"--policy", CLI_STR, &policy, "NAME", "heuristic (the default)"},
        {"--json", CLI_STR, &json, "PATH", "per theorem: proved, time, expansions, proof length and proof"},
        {"--only", CLI_STR, &only, "NAME", "prove only this theorem"},
        {"--coq-args", CLI_STR, &coq_args, "\"ARGS\"", "extra arguments for coqidetop and coqc, e.g. \"-Q dir Lib\""},
        {"--coqidetop", CLI_STR, &coqidetop, "PROG", "default coqidetop.opt"},
        {"--coqc", CLI_STR, &coqc, "PROG", "default coqc"},
        {"--no-recheck", CLI_FLAG, &no_recheck, NULL, "skip the coqc re-check (proofs then count unchecked)"},
        {"--extra-tactic", CLI_STR, &extra, "TAC", "a tactic of your own, tried first at every state (e.g. \"my_solver.\")"},
        {"--trace", CLI_STR, &trace, "PATH", "write every tactic tried and its outcome (- for stderr)"},
        {"--quiet", CLI_FLAG, &quiet, NULL, "print only the summary line"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc == 1) return 0;
    if (rc) return 2;
    if (!theorems) return cli_error("prove", "--theorems FILE.v is required");
    if (budget <= 0 || tactic_timeout <= 0) return cli_error("prove", "--budget-seconds and --tactic-timeout must be > 0");

    /* --coq-args split at spaces */
    char *args_buf = coq_args ? strdup(coq_args) : NULL;
    const char *args[33] = {0};
    int na = 0;
    for (char *tok = args_buf ? strtok(args_buf, " ") : NULL; tok && na < 32; tok = strtok(NULL, " ")) args[na++] = tok;

    q35_prove_opts o = {theorems, output, policy, budget, max_exp, tactic_timeout, coqidetop, coqc,
                        na ? args : NULL, !no_recheck, 1, only, NULL, trace};
    const char *extra_list[2] = {extra, NULL};
    if (extra) o.extra_tactics = extra_list;
    q35_prove_report rep;
    q35_err err = {{0}};
    int bad = q35_prove_file(&o, &rep, &err);
    if (bad) {
        q35_prove_report_free(&rep);
        free(args_buf);
        return cli_error("prove", "%s", err.msg);
    }
    if (!quiet) {
        for (int i = 0; i < rep.n; i++) {
            const q35_prove_theorem *t = &rep.th[i];
            printf("%-8s %-40s %7.2f s %6ld tactics", t->proved ? "proved" : "failed", t->name, t->seconds, t->expansions);
            if (t->proved) printf("  %d steps", t->proof_length);
            else if (t->note) printf("  %s", t->note);
            printf("\n");
        }
    }
    if (rep.first_context_error) fprintf(stderr, "q35 prove: %s: %d context sentence(s) rejected, first: %s\n", theorems, rep.context_errors, rep.first_context_error);
    printf("proved %d of %d (%.1f%%) in %.1f s (budget %.0f s per theorem, policy %s%s)\n", rep.proved, rep.n,
           rep.n ? 100.0 * rep.proved / rep.n : 0.0, rep.seconds, (double)budget, policy,
           o.recheck ? ", every proof re-checked by coqc" : ", not re-checked");
    if (json) {
        char *text = q35_prove_report_json(&o, &rep);
        q35_out out;
        bad = !text || q35_out_open(&out, json, &err) || q35_out_write(&out, text, strlen(text), &err) ||
              q35_out_write(&out, "\n", 1, &err) || q35_out_commit(&out, &err);
        free(text);
        if (bad) {
            q35_prove_report_free(&rep);
            free(args_buf);
            return cli_error("prove", "%s", err.msg[0] ? err.msg : "out of memory");
        }
    }
    q35_prove_report_free(&rep);
    free(args_buf);
    return 0;
}
