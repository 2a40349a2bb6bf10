/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table and what every command shares: option parsing, usage errors, JSON output. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/cli.h"
#include "pcipass/common.h"

static const pp_cli_cmd commands[] = {
    { "list", N_("[--json]"), N_("list the host's PCI functions and who holds them"),
      N_("      --json   one JSON array, one object per function\n"), pp_cmd_list },
};

const pp_cli_cmd *pp_cli_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void pp_cli_print_commands(FILE *out)
{
    size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
}

static void cmd_help(const pp_cli_cmd *cmd, FILE *out)
{
    fprintf(out, _("Usage: %s [OPTIONS] %s %s\n"), pp_progname(), cmd->name, _(cmd->args));
    fprintf(out, "%s.\n\n", _(cmd->summary));
    fputs(_("Options:\n"), out);
    fputs(_(cmd->options), out);
    fputs(_("  -h, --help   show this help and exit\n"), out);
}

int pp_cli_usage_error(const pp_cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", pp_progname(), cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, _("\nTry '%s %s --help' for more information.\n"), pp_progname(), cmd->name);
    return PP_EXIT_USAGE;
}

int pp_cli_fail(void)
{
    fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
    return PP_EXIT_FAIL;
}

int pp_cli_getopt(const pp_cli_cmd *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts, int *opt)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);

    *opt = c;
    if (c == 'h') {
        cmd_help(cmd, stdout);
        return PP_EXIT_OK;
    }
    if (c == '?' || c == ':') {
        fprintf(stderr, _("Try '%s %s --help' for more information.\n"), pp_progname(), cmd->name);
        return PP_EXIT_USAGE;
    }
    return -1;
}

int pp_cli_main(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find(argv[0]);

    if (!cmd) {
        fprintf(stderr, _("%s: unknown command '%s'\nTry '%s --help' for the list of commands.\n"),
                pp_progname(), argv[0], pp_progname());
        return PP_EXIT_USAGE;
    }
    optind = 1;
    return cmd->run(app, argc, argv);
}

pp_host *pp_app_host(pp_app *app)
{
    if (!app->host)
        app->host = pp_host_load(app->sysfs_root);
    return app->host;
}

void pp_app_print_host_warnings(pp_app *app)
{
    size_t i;
    if (!app->host)
        return;
    for (i = 0; i < app->host->nwarnings; i++)
        fprintf(stderr, _("%s: warning: %s\n"), pp_progname(), app->host->warnings[i]);
}

void pp_json_print(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

json_object *pp_json_hex(unsigned long long v, int digits)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "0x%0*llx", digits, v);
    return json_object_new_string(buf);
}

json_object *pp_json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}
