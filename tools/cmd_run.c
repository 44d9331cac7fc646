/* placeholder until the subcommand lands */
#include "cli.h"
int cmd_run(int argc, char **argv) { (void)argc; return cli_error(argv[0], "not built yet"); }
