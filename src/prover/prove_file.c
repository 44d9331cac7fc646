/* q35 prove on one file: find the admitted theorems, search each in the context of the
 * file before it, write the proofs in place and re-check the result with coqc
 * (q35/prover.h). */
#include "q35/prover.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "q35/progress.h"
#include "coq_session.h"
#include "coq_split.h"
#include "mcts.h"
#include "policy.h"
#include "tactics.h"

typedef struct problem {
    int stmt;      /* span of the statement */
    int body;      /* first span after it that the proof replaces (Proof. or Admitted.) */
    int admitted;  /* span of Admitted. */
} problem;

static const char *skip_space_comments(const char *p, const char *end)
{
    return p + coq_skip_blank(p, (size_t)(end - p), 0);
}

static int span_is(const char *src, const coq_span *sp, const char *word)
{
    const char *p = skip_space_comments(src + sp->start, src + sp->end);
    size_t n = strlen(word);
    if ((size_t)(src + sp->end - p) < n || strncmp(p, word, n)) return 0;
    p += n;
    while (p < src + sp->end && isspace((unsigned char)*p)) p++;
    return p == src + sp->end;
}

static int is_statement(const char *src, const coq_span *sp, char *name, size_t name_len)
{
    static const char *const kw[] = {"Lemma", "Theorem", "Corollary", "Fact", "Remark", "Proposition", "Example"};
    const char *p = skip_space_comments(src + sp->start, src + sp->end), *end = src + sp->end;
    for (;;) { /* Local, Global, #[attributes] */
        if (p < end && *p == '#') {
            while (p < end && *p != ']') p++;
            p = skip_space_comments(p + 1, end);
        } else if (!strncmp(p, "Local ", 6) || !strncmp(p, "Global ", 7)) {
            p = skip_space_comments(p + 6, end);
        } else {
            break;
        }
    }
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        size_t n = strlen(kw[i]);
        if ((size_t)(end - p) > n && !strncmp(p, kw[i], n) && isspace((unsigned char)p[n])) {
            p += n;
            while (p < end && isspace((unsigned char)*p)) p++;
            size_t k = 0;
            while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '\'') && k + 1 < name_len)
                name[k++] = *p++;
            name[k] = 0;
            return k > 0;
        }
    }
    return 0;
}

static char *span_dup(const char *src, const coq_span *sp)
{
    const char *b = src + sp->start, *e = src + sp->end;
    while (b < e && isspace((unsigned char)*b)) b++;
    char *s = malloc((size_t)(e - b) + 1);
    if (!s) return NULL;
    memcpy(s, b, (size_t)(e - b));
    s[e - b] = 0;
    return s;
}

static char *str_printf(const char *fmt, const char *a)
{
    size_t n = strlen(fmt) + (a ? strlen(a) : 0) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, fmt, a ? a : "");
    return s;
}

/* ---- the output text ---- */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static int text_add(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = (t->n + n + 1) * 2;
        char *ns = realloc(t->s, cap);
        if (!ns) return -1;
        t->s = ns;
        t->cap = cap;
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = 0;
    return 0;
}

static size_t body_start(const char *src, const coq_span *sp)
{
    const char *p = src + sp->start;
    while (p < src + sp->end && isspace((unsigned char)*p)) p++;
    return (size_t)(p - src);
}

/* The file with the proofs of the theorems marked in `use` in place of their Admitted.
 * With `rejected` (for the coqc re-check), the sentences Coq rejected while the file was
 * sent to it become comments, so that the proofs are checked in the context they were
 * found in. lines[i] receives the first and last line of theorem i's proof. */
static char *render(const char *src, size_t len, const coq_span *sp, int n_sp, const problem *pb, int n_pb,
                    const q35_prove_theorem *th, const int *use, const unsigned char *rejected, int (*lines)[2])
{
    text t = {0};
    size_t at = 0;
    int line = 1, k = 0;
    for (int i = 0; i < n_sp; i++) {
        int is_proof = k < n_pb && i == pb[k].body;
        int drop = rejected && rejected[i];
        if (!is_proof && !drop) {
            if (k < n_pb && i == pb[k].admitted) k++;
            continue;
        }
        size_t b = body_start(src, &sp[i]);
        size_t e = is_proof ? sp[pb[k].admitted].end : sp[i].end;
        if (is_proof && !use[k] && !drop) {
            i = pb[k].admitted;
            k++;
            continue;
        }
        if (text_add(&t, src + at, b - at)) goto fail;
        for (size_t x = at; x < b; x++) line += src[x] == '\n';
        if (drop) {
            /* keep the line count: a comment per line of the sentence */
            const char *c = "(* q35 prove: rejected by Coq *)";
            if (text_add(&t, c, strlen(c))) goto fail;
            for (size_t x = b; x < e; x++)
                if (src[x] == '\n') {
                    if (text_add(&t, "\n", 1)) goto fail;
                    line++;
                }
            e = sp[i].end;
            if (is_proof) k++;
        } else {
            lines[k][0] = line;
            if (text_add(&t, "Proof.\n", 7)) goto fail;
            line++;
            const char *p = th[k].proof;
            while (*p) {
                const char *q = strchr(p, '\n');
                size_t n = q ? (size_t)(q - p) : strlen(p);
                if (text_add(&t, "  ", 2) || text_add(&t, p, n) || text_add(&t, "\n", 1)) goto fail;
                line++;
                p += n + (q ? 1 : 0);
            }
            if (text_add(&t, "Qed.", 4)) goto fail;
            lines[k][1] = line;
            i = pb[k].admitted;
            k++;
        }
        at = e;
    }
    if (text_add(&t, src + at, len - at)) goto fail;
    return t.s ? t.s : strdup("");
fail:
    free(t.s);
    return NULL;
}

/* ---- coqc ---- */

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Runs coqc on `src_text` saved as DIR/base.v; returns its exit status (or -1), with
 * its output in *log. */
static int run_coqc(const q35_prove_opts *o, const char *base, const char *src_text, char **log, double limit)
{
    *log = NULL;
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/q35prove.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return -1;
    char vpath[4200], lpath[4200];
    snprintf(vpath, sizeof vpath, "%s/%s.v", dir, base);
    snprintf(lpath, sizeof lpath, "%s/coqc.log", dir);
    FILE *f = fopen(vpath, "w");
    if (!f) {
        rm_tree(dir);
        return -1;
    }
    fputs(src_text, f);
    if (fclose(f)) {
        rm_tree(dir);
        return -1;
    }
    const char *argv[64];
    int a = 0;
    argv[a++] = o->coqc ? o->coqc : "coqc";
    for (int i = 0; o->coq_args && o->coq_args[i] && a < 60; i++) argv[a++] = o->coq_args[i];
    argv[a++] = vpath;
    argv[a] = NULL;
    pid_t pid = fork();
    if (pid < 0) {
        rm_tree(dir);
        return -1;
    }
    if (pid == 0) {
        int fd = open(lpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) dup2(nul, 0);
        setpgid(0, 0);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    double t0 = q35_now();
    int status = 0, rc = -1;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        if (w < 0 && errno != EINTR) break;
        if (q35_now() - t0 > limit) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            rc = -2;
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    q35_map m;
    q35_err e2;
    if (!q35_map_open(lpath, &m, &e2)) {
        *log = malloc(m.size + 1);
        if (*log) {
            memcpy(*log, m.data, m.size);
            (*log)[m.size] = 0;
        }
        q35_map_close(&m);
    }
    rm_tree(dir);
    return rc;
}

/* `File "...", line N, characters ...` of coqc's first error. */
static int error_line(const char *log)
{
    const char *p = log ? strstr(log, ", line ") : NULL;
    return p ? atoi(p + 7) : 0;
}

static void one_line(char *s)
{
    if (!s) return;
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    if (n > 300) strcpy(s + 296, "...");
}

static void module_base(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t k = 0;
    for (; b[k] && b[k] != '.' && k + 1 < n; k++) out[k] = (isalnum((unsigned char)b[k]) || b[k] == '_') ? b[k] : '_';
    out[k] = 0;
    if (!k || isdigit((unsigned char)out[0])) snprintf(out, n, "Q35Recheck");
}

/* ---- the run ---- */

void q35_prove_report_free(q35_prove_report *rep)
{
    for (int i = 0; i < rep->n; i++) {
        free(rep->th[i].name);
        free(rep->th[i].proof);
        free(rep->th[i].note);
    }
    free(rep->th);
    free(rep->first_context_error);
    memset(rep, 0, sizeof *rep);
}

/* coq_exec, with the result freed when it fails outright (it may be partly filled). */
static int exec_checked(coq_session *s, const char *sentence, double timeout, coq_result *r, q35_err *err)
{
    memset(r, 0, sizeof *r);
    if (coq_exec(s, sentence, timeout, r, err)) {
        coq_result_free(r);
        return -1;
    }
    return 0;
}

static char *join_proof(const pv_search_result *r)
{
    size_t n = 1;
    for (int i = 0; i < r->n_tactics; i++) n += strlen(r->tactics[i]) + 1;
    char *s = malloc(n), *p = s;
    if (!s) return NULL;
    *p = 0;
    for (int i = 0; i < r->n_tactics; i++) p += sprintf(p, "%s%s", i ? "\n" : "", r->tactics[i]);
    return s;
}

int q35_prove_file(const q35_prove_opts *o, q35_prove_report *rep, q35_err *err)
{
    memset(rep, 0, sizeof *rep);
    double t_start = q35_now();
    q35_map m;
    if (q35_map_open(o->theorems, &m, err)) return -1;
    size_t len = m.size;
    char *src = malloc(len + 1);
    if (!src) {
        q35_map_close(&m);
        return q35_fail(err, "%s: out of memory", o->theorems);
    }
    memcpy(src, m.data, len);
    src[len] = 0;
    q35_map_close(&m);
    if (memchr(src, 0, len)) {
        free(src);
        return q35_fail(err, "%s: not a Coq source file (it contains NUL bytes)", o->theorems);
    }

    coq_span *sp = NULL;
    int n_sp = 0;
    if (coq_split(src, len, &sp, &n_sp, err)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        free(src);
        return q35_fail(err, "%s: %s", o->theorems, msg);
    }
    unsigned char *rejected = calloc((size_t)n_sp + 1, 1);
    problem *pb = calloc((size_t)n_sp + 1, sizeof *pb);
    q35_prove_theorem *th = calloc((size_t)n_sp + 1, sizeof *th);
    int n_pb = 0;
    for (int i = 0; pb && th && i < n_sp; i++) {
        char name[256];
        if (!is_statement(src, &sp[i], name, sizeof name)) continue;
        int j = i + 1;
        if (j < n_sp && span_is(src, &sp[j], "Proof.")) j++;
        if (j < n_sp && span_is(src, &sp[j], "Admitted.")) {
            if (o->only && strcmp(o->only, name)) continue;
            pb[n_pb] = (problem){i, i + 1, j};
            th[n_pb].name = strdup(name);
            th[n_pb].line = sp[i].line;
            n_pb++;
        }
    }
    rep->th = th;
    rep->n = n_pb;
    pv_policy pol = {0};
    coq_session *s = NULL;
    FILE *trace = NULL;
    int rc = 0;
    if (!pb || !th || !rejected) {
        rc = q35_fail(err, "%s: out of memory", o->theorems);
        goto early;
    }
    if (!n_pb) {
        rc = q35_fail(err, "%s: no theorem ends with Admitted. (nothing to prove)", o->theorems);
        goto early;
    }
    if (pv_policy_open(o->policy, &pol, err)) {
        rc = -1;
        goto early;
    }
    coq_opts co = {o->coqidetop, o->coq_args, 600};
    s = coq_open(&co, err);
    if (!s) {
        rc = -1;
        goto early;
    }
    if (o->trace) trace = !strcmp(o->trace, "-") ? stderr : fopen(o->trace, "w");
    if (o->trace && !trace) {
        rc = q35_fail(err, "%s: cannot write the trace", o->trace);
        goto early;
    }
    pv_context ctx = {0};
    pv_search_opts so = {o->budget_seconds, o->max_expansions, o->tactic_timeout, 0, 0, 0, NULL, NULL};
    so.trace = trace;
    so.extra_tactics = o->extra_tactics;
    q35_progress bar;
    if (o->progress) q35_progress_begin(&bar, "prove", (uint64_t)n_pb, "thm");
    int k = 0;
    for (int i = 0; i < n_sp && !rc; i++) {
        char *sent = span_dup(src, &sp[i]);
        if (!sent) {
            rc = q35_fail(err, "out of memory");
            break;
        }
        if (k < n_pb && i == pb[k].stmt) {
            q35_prove_theorem *t = &th[k];
            coq_result r;
            if (exec_checked(s, sent, 0, &r, err)) {
                free(sent);
                rc = -1;
                break;
            }
            int ok = r.status == COQ_OK && r.goals.in_proof;
            if (!ok) {
                t->note = str_printf("Coq rejected the statement: %s", r.msg ? r.msg : "no proof opened");
                one_line(t->note);
                for (int j = pb[k].stmt; j <= pb[k].admitted; j++) rejected[j] = 1;
            }
            coq_result_free(&r);
            for (int j = pb[k].body; ok && j < pb[k].admitted; j++) { /* Proof. */
                char *ps = span_dup(src, &sp[j]);
                if (!ps || exec_checked(s, ps, 0, &r, err)) {
                    free(ps);
                    rc = -1;
                    break;
                }
                free(ps);
                coq_result_free(&r);
            }
            if (ok && !rc) {
                int d = coq_depth(s);
                if (trace) fprintf(trace, "== %s (line %d)\n", t->name, t->line);
                pv_search_result sr;
                if (pv_search(s, &pol, &ctx, &so, &sr, err)) {
                    rc = -1;
                } else {
                    t->seconds = sr.seconds;
                    t->expansions = sr.expansions;
                    t->failed = sr.failed;
                    t->nodes = sr.nodes;
                    int closed = 0;
                    if (sr.proved) {
                        /* replay the bare tactics, then Qed */
                        int good = 1;
                        for (int j = 0; j < sr.n_tactics && good; j++) {
                            if (exec_checked(s, sr.tactics[j], o->tactic_timeout * 4 + 10, &r, err)) {
                                rc = -1;
                                good = 0;
                                break;
                            }
                            good = r.status == COQ_OK;
                            coq_result_free(&r);
                        }
                        if (good && !rc) {
                            if (exec_checked(s, "Qed.", 0, &r, err)) rc = -1;
                            else closed = r.status == COQ_OK;
                            if (!rc && !closed) {
                                t->note = str_printf("Qed rejected the proof found: %s", r.msg);
                                one_line(t->note);
                            }
                            coq_result_free(&r);
                        } else if (!rc && !t->note) {
                            t->note = str_printf("%s", "the proof found did not replay without its timeouts");
                        }
                        if (closed) {
                            t->found = 1;
                            t->proof = join_proof(&sr);
                            t->proof_length = sr.n_tactics;
                        }
                    } else {
                        char buf[160];
                        snprintf(buf, sizeof buf, "not found (%s: %ld tactics tried, %d states)", sr.stop,
                                 sr.expansions, sr.nodes);
                        t->note = strdup(buf);
                    }
                    pv_search_result_free(&sr);
                    if (!rc && !closed) {
                        if (coq_depth(s) > d && coq_rewind(s, d, err)) rc = -1;
                        if (!rc && exec_checked(s, "Admitted.", 0, &r, err)) rc = -1;
                        else if (!rc) coq_result_free(&r);
                    }
                }
            }
            if (pv_context_note(&ctx, sent)) rc = q35_fail(err, "out of memory");
            i = pb[k].admitted;
            k++;
            if (o->progress) q35_progress_update(&bar, (uint64_t)k);
        } else {
            coq_result r;
            if (exec_checked(s, sent, 0, &r, err)) {
                rc = -1;
            } else {
                if (r.status != COQ_OK) {
                    rejected[i] = 1;
                    rep->context_errors++;
                    if (!rep->first_context_error) {
                        char buf[600];
                        snprintf(buf, sizeof buf, "line %d: %s", sp[i].line, r.msg ? r.msg : "rejected");
                        rep->first_context_error = strdup(buf);
                        one_line(rep->first_context_error);
                    }
                }
                coq_result_free(&r);
                if (pv_context_note(&ctx, sent)) rc = q35_fail(err, "out of memory");
            }
        }
        free(sent);
    }
    if (o->progress) q35_progress_end(&bar);
    coq_stats st = coq_session_stats(s);
    rep->coq_starts = st.starts;
    rep->coq_timeouts = st.timeouts;
    rep->coq_deaths = st.deaths;
    coq_close(s);
    s = NULL;
    pv_context_free(&ctx);

    /* re-check with coqc, dropping proofs it rejects */
    int *use = calloc((size_t)n_pb, sizeof *use);
    int (*lines)[2] = calloc((size_t)n_pb, sizeof *lines);
    char *out_text = NULL;
    if (!rc && (!use || !lines)) rc = q35_fail(err, "out of memory");
    for (int i = 0; !rc && i < n_pb; i++) use[i] = th[i].found;
    if (!rc) {
        double t0 = q35_now();
        char base[128];
        module_base(o->theorems, base, sizeof base);
        for (int attempt = 0; attempt <= n_pb + 1 && !rc; attempt++) {
            free(out_text);
            out_text = render(src, len, sp, n_sp, pb, n_pb, th, use, rejected, lines);
            if (!out_text) {
                rc = q35_fail(err, "out of memory");
                break;
            }
            if (!o->recheck) break;
            char *log = NULL;
            int st2 = run_coqc(o, base, out_text, &log, 3600);
            if (st2 == 0) {
                for (int i = 0; i < n_pb; i++) th[i].rechecked = use[i];
                free(log);
                break;
            }
            int line = error_line(log), culprit = -1;
            for (int i = 0; i < n_pb; i++)
                if (use[i] && line >= lines[i][0] && line <= lines[i][1]) culprit = i;
            if (culprit < 0) {
                /* the file fails outside the proofs: nothing counts as re-checked */
                one_line(log);
                if (!rep->first_context_error)
                    rep->first_context_error = str_printf("coqc rejects the file outside the proofs found: %s", log ? log : "(no output)");
                free(log);
                break;
            }
            use[culprit] = 0;
            free(th[culprit].note);
            one_line(log);
            th[culprit].note = str_printf("coqc rejected the proof: %s", log ? log : "");
            free(log);
        }
        rep->recheck_seconds = q35_now() - t0;
    }
    for (int i = 0; i < n_pb; i++) {
        th[i].proved = th[i].found && (!o->recheck || th[i].rechecked);
        rep->proved += th[i].proved;
    }
    if (!rc && o->output) {
        free(out_text);
        out_text = render(src, len, sp, n_sp, pb, n_pb, th, use, NULL, lines);
        if (!out_text) rc = q35_fail(err, "out of memory");
    }
    if (!rc && o->output) {
        q35_out out;
        if (q35_out_open(&out, o->output, err) || q35_out_write(&out, out_text, strlen(out_text), err) ||
            q35_out_commit(&out, err))
            rc = -1;
    }
    free(out_text);
    free(use);
    free(lines);
early:
    if (s) coq_close(s);
    if (trace && trace != stderr) fclose(trace);
    pv_policy_close(&pol);
    free(rejected);
    free(pb);
    free(sp);
    free(src);
    rep->seconds = q35_now() - t_start;
    return rc;
}
