/* Table-driven option parsing shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_help(const char *usage, const cli_opt *opts, int n_opts)
{
    printf("%s\n\nOptions:\n", usage);
    for (int i = 0; i < n_opts; i++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        printf("  %-24s %s\n", left, opts[i].help);
    }
    printf("  %-24s %s\n", "--help", "show this help");
}

int cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "q35 %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_parse(int argc, char **argv, const char *usage, const cli_opt *opts, int n_opts)
{
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_help(usage, opts, n_opts);
            return 1;
        }
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const cli_opt *o = NULL;
        for (int k = 0; k < n_opts; k++)
            if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, a, nlen)) o = &opts[k];
        if (!o) {
            cli_error(cmd, "unknown option '%s' (see --help)", a);
            return 2;
        }
        if (o->kind == CLI_FLAG) {
            if (eq) {
                cli_error(cmd, "option %s takes no value", o->name);
                return 2;
            }
            *(int *)o->dst = 1;
            continue;
        }
        if (eq) val = eq + 1;
        else if (i + 1 < argc) val = argv[++i];
        else {
            cli_error(cmd, "option %s needs a value", o->name);
            return 2;
        }
        char *end = NULL;
        errno = 0;
        switch (o->kind) {
        case CLI_STR: *(const char **)o->dst = val; break;
        case CLI_INT: {
            long v = strtol(val, &end, 10);
            if (errno || end == val || *end || v < -2147483647L || v > 2147483647L) {
                cli_error(cmd, "option %s: '%s' is not an integer", o->name, val);
                return 2;
            }
            *(int *)o->dst = (int)v;
            break;
        }
        case CLI_U64: {
            unsigned long long v = strtoull(val, &end, 10);
            if (errno || end == val || *end || val[0] == '-') {
                cli_error(cmd, "option %s: '%s' is not a non-negative integer", o->name, val);
                return 2;
            }
            *(uint64_t *)o->dst = (uint64_t)v;
            break;
        }
        case CLI_FLOAT: {
            float v = strtof(val, &end);
            if (errno || end == val || *end) {
                cli_error(cmd, "option %s: '%s' is not a number", o->name, val);
                return 2;
            }
            *(float *)o->dst = v;
            break;
        }
        case CLI_FLAG: break;
        }
    }
    return 0;
}
