/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command-line face as the rest of the program sees it: its entry point and its command table
 * (for the man page generator). The commands themselves share src/cli/cli-private.h. */
#ifndef PCIPASS_CLI_H
#define PCIPASS_CLI_H

#include <stdio.h>

#include "pcipass/app.h"

typedef struct pp_cli_cmd {
    const char *name;
    const char *args;    /* synopsis after the name, N_() */
    const char *summary; /* N_() */
    const char *options; /* help text of its options, N_() */
    int (*run)(pp_app *app, int argc, char **argv);
} pp_cli_cmd;

/* The command NAME, or NULL. */
const pp_cli_cmd *pp_cli_find(const char *name);
int pp_cli_main(pp_app *app, int argc, char **argv);
void pp_cli_print_commands(FILE *out);
void pp_print_version(FILE *out);

#endif
