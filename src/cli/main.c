/* SPDX-License-Identifier: MIT
 * etw2kusto entry point: hands the command line to the CLI module. Holds no
 * logic of its own (see src/cli/cli.h). */
#include "cli/cli.h"

int main(int argc, char **argv) { return e2k_cli_main(argc, argv); }
