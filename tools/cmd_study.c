/* placeholder until the subcommand lands */
#include "cli.h"
int cmd_study(int argc, char **argv) { (void)argc; return cli_error(argv[0], "not built yet"); }
