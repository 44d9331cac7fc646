/* cli.h: the small option parser every q35 subcommand uses, and the subcommand entry
 * points (one tools/cmd_*.c each). Options are declared in a table, so --help is
 * generated from the same table that parses. */
#ifndef Q35_TOOLS_CLI_H
#define Q35_TOOLS_CLI_H

#include <stdint.h>

typedef enum { CLI_STR, CLI_INT, CLI_FLOAT, CLI_FLAG, CLI_U64 } cli_kind;

typedef struct cli_opt {
    const char *name; /* "--model" */
    cli_kind kind;
    void *dst;        /* const char **, int *, float *, int * (flag), uint64_t * */
    const char *arg;  /* placeholder shown in help, e.g. "PATH" */
    const char *help;
} cli_opt;

typedef struct cli_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} cli_cmd;

/* Parses argv[1..argc) (argv[0] is the subcommand name). Returns 0 to go on, 1 when
 * --help was printed (exit 0), 2 after printing a one-line error (exit 2). */
int cli_parse(int argc, char **argv, const char *usage, const cli_opt *opts, int n_opts);
void cli_help(const char *usage, const cli_opt *opts, int n_opts);
/* Prints "q35 CMD: message" on stderr and returns 1, for `return cli_error(...)`. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_run(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_perplexity(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bench_gemm(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_export_hf(int argc, char **argv);
int cmd_prove(int argc, char **argv);

#endif
