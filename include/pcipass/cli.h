/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command-line face as the rest of the program sees it: its entry point and its command table
 * (for the man page generator). The commands themselves share src/cli/cli-private.h.
 *
 * Each command has one option table, and that table alone makes getopt's array, the command's
 * --help, the man page's option list and the bash completion's words (pcipass __complete CMD), as
 * virsh's vshCmdOptDef and git's OPT_* do. */
#ifndef PCIPASS_CLI_H
#define PCIPASS_CLI_H

#include <stdio.h>

#include "pcipass/app.h"

/* What completes a value (an option's or an operand): nothing, the guests, the host's functions,
 * or the words of the option's choices. */
typedef enum { PP_COMP_NONE, PP_COMP_GUEST, PP_COMP_DEVICE, PP_COMP_CHOICES } pp_cli_comp;

typedef struct pp_cli_opt {
    int id;              /* what getopt returns for it (cli-private.h's PP_OPT_*) */
    const char *name;    /* the long option, without "--" */
    const char *arg;     /* its value's name in --help, N_() ("SECONDS"); NULL: a flag */
    const char *help;    /* N_(): what it does; "\n" starts a line of its own */
    pp_cli_comp comp;    /* what completes its value */
    const char *choices; /* PP_COMP_CHOICES: the words, blank-separated ("yes no") */
} pp_cli_opt;

enum {
    PP_CMD_FLEET = 1 << 0,    /* a fleet runs it on every host; any other command goes to the one
                                 host its GUEST or DEVICE names */
    PP_CMD_OPTS_FIRST = 1 << 1, /* options end at the first operand */
};

typedef struct pp_cli_cmd {
    const char *name;
    const char *args;          /* the operands in the synopsis, NC_("operands", "GUEST DEVICE"),
                                  or "" */
    pp_cli_comp operands[2];   /* what completes the first and the second operand */
    bool more;                 /* the last operand repeats ("DEVICE...") */
    const char *summary;       /* N_() */
    const pp_cli_opt *opts;    /* its options, ending with { 0 } */
    const char *notes;         /* N_(): text after the options, or NULL */
    unsigned flags;            /* PP_CMD_* */
    int (*run)(pp_app *app, int argc, char **argv);
} pp_cli_cmd;

/* The command NAME, or NULL. */
const pp_cli_cmd *pp_cli_find(const char *name);
int pp_cli_main(pp_app *app, int argc, char **argv);
void pp_cli_print_commands(FILE *out);
void pp_print_version(FILE *out);
/* The options of CMD in its synopsis, "[--json] [--wait SECONDS]", untranslated (malloc'd). */
char *pp_cli_synopsis(const pp_cli_cmd *cmd);

#endif
