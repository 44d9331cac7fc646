/* q35 report: the "accuracy against bit width" figure from measured data. Each RESULT.json
 * (written by `q35 perplexity --base ... --json`) gives one q35 point: ΔPPL (%) against the
 * all-in bits/weight of the block matrices, labelled method/type from the file's GGUF
 * metadata. A peers TSV (name, bits/weight, ΔPPL %) adds llama.cpp's points. gnuplot
 * (Debian's gnuplot-nox) draws the PNG: it reads a script from a temp file and writes the
 * image to a pipe, which goes to the output through a temp file and rename, so a failed
 * plot never leaves a half-written PNG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "cli.h"
#include "q35/common.h"

static const char USAGE[] =
    "usage: q35 report --output PLOT.png [--title T] [--peers FILE.tsv] RESULT.json...\n\n"
    "Plots the PPL increase (%) against all-in bits/weight of the block matrices: one point per\n"
    "RESULT.json from `q35 perplexity --base BASE --json`, labelled method/type, and one per line\n"
    "of the peers TSV (tab-separated name, bits/weight, PPL increase in %; # starts a comment),\n"
    "e.g. docs/quality/llamacpp_midi23M.tsv. Needs gnuplot (Debian: gnuplot-nox).";

#define MAX_POINTS 256
#define MAX_LABEL 96

typedef struct point {
    char label[MAX_LABEL];
    double bpw, dppl_pct;
} point;

typedef struct points {
    int n;
    point p[MAX_POINTS];
} points;

static int add_point(points *ps, const char *label, double bpw, double dppl_pct, const char *path, q35_err *err)
{
    if (ps->n == MAX_POINTS) return q35_fail(err, "%s: more than %d points", path, MAX_POINTS);
    point *p = &ps->p[ps->n++];
    /* labels go into gnuplot strings in double quotes: keep them printable and plain */
    size_t j = 0;
    for (const char *c = label; *c && j + 1 < sizeof p->label; c++)
        p->label[j++] = (*c == '"' || *c == '\\' || (unsigned char)*c < 32) ? '_' : *c;
    p->label[j] = 0;
    p->bpw = bpw;
    p->dppl_pct = dppl_pct;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static double number_at(const cJSON *obj, const char *key, int *ok)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *ok = cJSON_IsNumber(v);
    return *ok ? v->valuedouble : 0.0;
}

/* One q35 point from a `q35 perplexity --json` result. */
static int read_result(const char *path, points *ps, q35_err *err)
{
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    cJSON *j = cJSON_ParseWithLength((const char *)m.data, m.size);
    q35_map_close(&m);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return q35_fail(err, "%s: not a JSON object", path);
    }
    int rc = 0, ok_b, ok_d;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "model_file");
    double bpw = number_at(f, "bpw_block_matrices", &ok_b), dppl = number_at(j, "dppl", &ok_d);
    if (!ok_b) {
        rc = q35_fail(err, "%s: no model_file.bpw_block_matrices (not from q35 perplexity --json, or an older one)", path);
    } else if (!ok_d) {
        rc = q35_fail(err, "%s: no dppl (q35 perplexity ran without --base)", path);
    } else {
        const cJSON *me = cJSON_GetObjectItemCaseSensitive(f, "quant_method");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(f, "quant_type");
        const cJSON *mp = cJSON_GetObjectItemCaseSensitive(f, "path");
        char label[MAX_LABEL];
        if (cJSON_IsString(me) || cJSON_IsString(ty))
            snprintf(label, sizeof label, "%s/%s", cJSON_IsString(me) ? me->valuestring : "?",
                     cJSON_IsString(ty) ? ty->valuestring : "?");
        else
            snprintf(label, sizeof label, "%s", base_name(cJSON_IsString(mp) ? mp->valuestring : path));
        rc = add_point(ps, label, bpw, 100.0 * dppl, path, err);
    }
    cJSON_Delete(j);
    return rc;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return !errno && end != s && *end == 0;
}

/* Peer points: "name<TAB>bits/weight<TAB>dPPL %" per line; blank lines and # comments skipped. */
static int read_peers(const char *path, points *ps, q35_err *err)
{
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    const char *p = (const char *)m.data, *end = p + m.size;
    int rc = 0, line = 0;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char buf[512];
        line++;
        if (len >= sizeof buf) {
            rc = q35_fail(err, "%s:%d: line longer than %zu bytes", path, line, sizeof buf - 1);
            break;
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        if (len && buf[len - 1] == '\r') buf[--len] = 0;
        p = nl ? nl + 1 : end;
        if (!len || buf[0] == '#') continue;
        char *f[4] = {buf, NULL, NULL, NULL};
        int nf = 1;
        for (char *c = buf; *c && nf < 4; c++)
            if (*c == '\t') {
                *c = 0;
                f[nf++] = c + 1;
            }
        double bpw, dppl;
        if (nf != 3 || !f[0][0])
            rc = q35_fail(err, "%s:%d: expected 3 tab-separated fields (name, bits/weight, dPPL %%)", path, line);
        else if (!parse_number(f[1], &bpw) || !(bpw > 0))
            rc = q35_fail(err, "%s:%d: bits/weight '%s' is not a positive number", path, line, f[1]);
        else if (!parse_number(f[2], &dppl))
            rc = q35_fail(err, "%s:%d: dPPL '%s' is not a number", path, line, f[2]);
        else
            rc = add_point(ps, f[0], bpw, dppl, path, err);
    }
    q35_map_close(&m);
    return rc;
}

/* One inline data block: x, y, label, and the label's y. Labels of points within xnear
 * of each other are pushed up until they are gap apart, so that close points (methods at
 * the same bits/weight) keep readable labels. */
static void write_block(FILE *f, const char *name, const points *ps, double gap, double xnear)
{
    double ly[MAX_POINTS];
    int order[MAX_POINTS];
    for (int i = 0; i < ps->n; i++) order[i] = i;
    for (int i = 1; i < ps->n; i++) /* insertion sort by y: a few dozen points */
        for (int j = i; j > 0 && ps->p[order[j]].dppl_pct < ps->p[order[j - 1]].dppl_pct; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int a = 0; a < ps->n; a++) {
        const point *p = &ps->p[order[a]];
        double y = p->dppl_pct;
        for (int b = 0; b < a; b++) {
            const point *r = &ps->p[order[b]];
            double d = p->bpw - r->bpw;
            if (d < xnear && d > -xnear && y < ly[order[b]] + gap) y = ly[order[b]] + gap;
        }
        ly[order[a]] = y;
    }
    fprintf(f, "%s << EOD\n", name);
    for (int i = 0; i < ps->n; i++)
        fprintf(f, "%.6f %.6f \"%s\" %.6f\n", ps->p[i].bpw, ps->p[i].dppl_pct, ps->p[i].label, ly[i]);
    fprintf(f, "EOD\n");
}

/* Writes the gnuplot script: terminal, axes, and the points as inline data blocks. */
static int write_script(FILE *f, const char *title, const points *q, const points *peers, const char *peers_path)
{
    fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
               "  set terminal pngcairo size 1100,750 noenhanced font 'Sans,11'\n"
               "} else {\n"
               "  set terminal png size 1100,750 noenhanced\n"
               "}\n");
    fprintf(f, "set title '"); /* in single quotes gnuplot only needs ' doubled */
    for (const char *c = title; *c; c++) {
        if (*c == '\'') fputc('\'', f);
        if ((unsigned char)*c >= 32) fputc(*c, f);
    }
    fprintf(f, "'\n");
    fprintf(f, "set xlabel 'bits/weight of the block matrices (all-in: scales and padding counted)'\n"
               "set ylabel 'PPL increase over the unquantized model (%%)'\n"
               "set grid\nset key top right box opaque\n");
    /* ranges from the data, with room for the labels (q35 labels sit left of their points) (gnuplot warns on a single point) */
    double x0 = 1e300, x1 = -1e300, y0 = 0.0, y1 = 0.0;
    for (int s = 0; s < 2; s++) {
        const points *ps = s ? peers : q;
        for (int i = 0; i < ps->n; i++) {
            x0 = ps->p[i].bpw < x0 ? ps->p[i].bpw : x0;
            x1 = ps->p[i].bpw > x1 ? ps->p[i].bpw : x1;
            y0 = ps->p[i].dppl_pct < y0 ? ps->p[i].dppl_pct : y0;
            y1 = ps->p[i].dppl_pct > y1 ? ps->p[i].dppl_pct : y1;
        }
    }
    double dx = x1 - x0 > 0.5 ? x1 - x0 : 0.5, dy = y1 - y0 > 1.0 ? y1 - y0 : 1.0;
    fprintf(f, "set xrange [%.6f:%.6f]\nset yrange [%.6f:%.6f]\n", x0 - 0.16 * dx, x1 + 0.14 * dx, y0 - 0.06 * dy,
            y1 + 0.12 * dy);
    /* q35 labels left of their points, peers' right, each set spread apart vertically */
    const double gap = 0.035 * (y1 + 0.12 * dy - (y0 - 0.06 * dy)), xnear = 0.08 * dx;
    write_block(f, "$q35", q, gap, xnear);
    write_block(f, "$peers", peers, gap, xnear);
    fprintf(f, "plot $q35 using 1:2 with points pt 7 ps 1.6 lc rgb '#1f5fbf' title 'q35', \\\n"
               "     $q35 using 1:4:3 with labels offset char -1,0 right tc rgb '#1f5fbf' notitle");
    if (peers->n) {
        char name[MAX_LABEL];
        snprintf(name, sizeof name, "%s", base_name(peers_path));
        for (char *c = name; *c; c++)
            if (*c == '\'') *c = '_';
        fprintf(f, ", \\\n     $peers using 1:2 with points pt 9 ps 1.6 lc rgb '#c0392b' title 'peers (%s)', \\\n"
                   "     $peers using 1:4:3 with labels offset char 1,0 left tc rgb '#c0392b' notitle",
                name);
    }
    fprintf(f, "\n");
    return ferror(f) ? -1 : 0;
}

/* Runs gnuplot on the script and writes what it prints (the PNG) through q35_out. */
static int run_gnuplot(const char *script, const char *out_path, q35_err *err)
{
    int fd[2];
    if (pipe(fd)) return q35_fail(err, "%s: pipe: %s", out_path, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return q35_fail(err, "%s: fork: %s", out_path, strerror(errno));
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127); /* not found: the parent says so */
    }
    close(fd[1]);
    q35_out o;
    int rc = q35_out_open(&o, out_path, err), wrc = 0;
    const int opened_failed = rc;
    size_t total = 0;
    unsigned char head[8] = {0};
    char buf[1 << 16];
    for (;;) {
        ssize_t k = read(fd[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        if (total < 8) memcpy(head + total, buf, (size_t)k < 8 - total ? (size_t)k : 8 - total);
        total += (size_t)k;
        if (!rc && !wrc) wrc = q35_out_write(&o, buf, (size_t)k, err);
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!rc && !wrc) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            rc = q35_fail(err, "%s: gnuplot not found (install Debian's gnuplot-nox)", out_path);
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = q35_fail(err, "%s: gnuplot failed (exit status %d; its message is above)", out_path,
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        else if (total < 8 || memcmp(head, png_magic, 8))
            rc = q35_fail(err, "%s: gnuplot wrote no PNG (%zu bytes)", out_path, total);
    }
    if (!rc && wrc) rc = -1;
    if (rc) {
        if (!opened_failed) q35_out_abort(&o);
        return -1;
    }
    return q35_out_commit(&o, err);
}

/* cli_parse knows only options: move the positional RESULT.json files out first. */
static int take_positionals(int *argc, char **argv, const cli_opt *opts, int n_opts, const char **pos, int max_pos)
{
    int j = 1, n = 0;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1]) {
            argv[j++] = argv[i];
            for (int k = 0; k < n_opts; k++)
                if (!strcmp(a, opts[k].name) && opts[k].kind != CLI_FLAG && i + 1 < *argc) argv[j++] = argv[++i];
        } else if (n < max_pos) {
            pos[n++] = a;
        } else {
            return -1;
        }
    }
    *argc = j;
    return n;
}

int cmd_report(int argc, char **argv)
{
    const char *cmd = argv[0], *output = NULL, *title = "PPL increase against bits/weight", *peers_path = NULL;
    const cli_opt opts[] = {
        {"--output", CLI_STR, &output, "PLOT.png", "the PNG to write (temp file + rename)"},
        {"--title", CLI_STR, &title, "T", "plot title"},
        {"--peers", CLI_STR, &peers_path, "FILE.tsv", "peer points: name, bits/weight, dPPL % (tab-separated)"},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *results[MAX_POINTS];
    int n_res = take_positionals(&argc, argv, opts, n_opts, results, MAX_POINTS);
    if (n_res < 0) return cli_error(cmd, "more than %d result files", MAX_POINTS), 2;
    int rc = cli_parse(argc, argv, USAGE, opts, n_opts);
    if (rc) return rc == 1 ? 0 : 2;
    if (!output) return cli_error(cmd, "--output is required (see --help)"), 2;
    if (n_res == 0) return cli_error(cmd, "no RESULT.json given (see --help)"), 2;

    q35_err err;
    points *q = calloc(1, sizeof *q), *peers = calloc(1, sizeof *peers);
    if (!q || !peers) {
        free(q);
        free(peers);
        return cli_error(cmd, "out of memory");
    }
    rc = 0;
    for (int i = 0; i < n_res && !rc; i++)
        if (read_result(results[i], q, &err)) rc = cli_error(cmd, "%s", err.msg);
    if (!rc && peers_path && read_peers(peers_path, peers, &err)) rc = cli_error(cmd, "%s", err.msg);
    char script[4096];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(script, sizeof script, "%s/q35-report-XXXXXX.gp", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int sfd = -1;
    if (!rc) {
        sfd = mkstemps(script, 3);
        if (sfd < 0) rc = cli_error(cmd, "%s: cannot create the gnuplot script: %s", script, strerror(errno));
    }
    if (!rc) {
        FILE *f = fdopen(sfd, "w");
        if (!f) {
            close(sfd);
            rc = cli_error(cmd, "%s: %s", script, strerror(errno));
        } else {
            int wr = write_script(f, title, q, peers, peers_path ? peers_path : "");
            if (fclose(f) || wr) rc = cli_error(cmd, "%s: cannot write the gnuplot script", script);
        }
        if (!rc && run_gnuplot(script, output, &err)) rc = cli_error(cmd, "%s", err.msg);
        unlink(script);
    }
    if (!rc)
        printf("%s: %d q35 point%s, %d peer point%s\n", output, q->n, q->n == 1 ? "" : "s", peers->n,
               peers->n == 1 ? "" : "s");
    free(q);
    free(peers);
    return rc;
}
