/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds the manual page from its hand-written template and the program's own tables: the line
 * "@COMMANDS@" becomes every command of the CLI's command table with its synopsis, summary and
 * options, "@KEYS@" every key of the console's binding table (the one its help screen shows);
 * "@VERSION@" and "@PKGDATADIR@" anywhere become the package's version and data directory. So the
 * page cannot drift from either table.
 *
 * A build-time helper, not installed: it keeps this roff out of the program users run. It never
 * calls setlocale(), so gettext returns the tables' English source strings. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/cli.h"
#include "pcipass/common.h"
#include "pcipass/ui.h"

/* Text for roff: backslashes and minus signs escaped, and a control character at the start of a
 * line (. or ') made plain. */
static void roff_text(FILE *out, const char *s, size_t n, int at_line_start)
{
    size_t i;

    for (i = 0; i < n && s[i]; i++) {
        if (at_line_start && (s[i] == '.' || s[i] == '\''))
            fputs("\\&", out);
        at_line_start = 0;
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else if (s[i] == '\n') {
            fputc('\n', out);
            at_line_start = 1;
        } else
            fputc(s[i], out);
    }
}

static void roff_str(FILE *out, const char *s, int at_line_start)
{
    roff_text(out, s, strlen(s), at_line_start);
}

/* A synopsis: option names (--xyz) in bold, placeholders (two or more capitals: GUEST, DEVICE) in
 * italics, the rest as it is. */
static void roff_synopsis(FILE *out, const char *s)
{
    while (*s) {
        size_t n = 0;
        if (s[0] == '-' && s[1] == '-') {
            n = 2;
            while (s[n] == '-' || islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]))
                n++;
            fputs("\\fB", out);
            roff_text(out, s, n, 0);
            fputs("\\fR", out);
        } else if (isupper((unsigned char)s[0]) && isupper((unsigned char)s[1])) {
            while (isupper((unsigned char)s[n]) || s[n] == '.')
                n++;
            fputs("\\fI", out);
            roff_text(out, s, n, 0);
            fputs("\\fR", out);
        } else {
            n = 1;
            roff_text(out, s, n, 0);
        }
        s += n;
    }
}

/* A command's options from its option table: a tagged paragraph each, "--name ARG" and its help;
 * then --help, and the command's notes as a plain paragraph. */
static void roff_options(FILE *out, const pp_cli_cmd *cmd)
{
    for (const pp_cli_opt *o = cmd->opts; o->name; o++) {
        char *tag = o->arg ? xasprintf("--%s %s", o->name, o->arg) : xasprintf("--%s", o->name);
        fputs(".TP\n", out);
        roff_synopsis(out, tag);
        fputc('\n', out);
        roff_str(out, o->help, 1);
        fputc('\n', out);
        free(tag);
    }
    fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the command's options and exit\n", out);
    if (cmd->notes) {
        fputs(".PP\n", out);
        roff_str(out, cmd->notes, 1);
    }
}

/* The command names in table order, read back from the listing `pcipass --help` prints: the
 * table itself is private to the CLI, and pp_cli_find() gives each entry by name. */
static char **command_names(size_t *count)
{
    char *buf = NULL, *line, *next;
    size_t size = 0, n = 0;
    char **names = NULL;
    FILE *mem = open_memstream(&buf, &size);

    if (!mem)
        pp_die("open_memstream failed");
    pp_cli_print_commands(mem);
    fclose(mem);
    for (line = buf; line && *line; line = next) {
        char name[64];
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (sscanf(line, " %63s", name) == 1 && pp_cli_find(name)) {
            names = xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = xstrdup(name);
        }
    }
    free(buf);
    *count = n;
    return names;
}

static void print_commands(FILE *out)
{
    size_t i, n;
    char **names = command_names(&n);

    if (n == 0)
        pp_die("no commands found in the command table");
    for (i = 0; i < n; i++) {
        const pp_cli_cmd *cmd = pp_cli_find(names[i]);
        char *summary = xstrdup(cmd->summary), *synopsis;

        summary[0] = (char)toupper((unsigned char)summary[0]);
        fprintf(out, ".SS \"%s\"\n", cmd->name);
        fputs(".B pcipass\n.RI [ OPTIONS ]\n", out);
        fprintf(out, ".B %s\n", cmd->name);
        synopsis = pp_cli_synopsis(cmd);
        roff_synopsis(out, *cmd->args ? pp_cgettext(cmd->args) : "");
        fputs(*cmd->args ? " " : "", out);
        roff_synopsis(out, synopsis);
        free(synopsis);
        fputs("\n.PP\n", out);
        roff_str(out, summary, 1);
        fputs(".\n", out);
        /* the table's own order, then --help and the notes, as the command's --help lists them */
        roff_options(out, cmd);
        free(summary);
        free(names[i]);
    }
    free(names);
}

/* Whether bindings A and B are one key doing the same on two screens (one entry, as on the help
 * screen). */
static bool same_key(const ui_binding *a, const ui_binding *b)
{
    return a->key == b->key && a->action == b->action && a->help && b->help && a->screen &&
           b->screen && strcmp(a->help, b->help) == 0;
}

static void print_keys(FILE *out)
{
    size_t i, k, n = 0;

    for (i = 0; i < ui_nbindings; i++) {
        const ui_binding *b = &ui_bindings[i];
        bool later = false;
        if (!b->help) /* an alias, named in another entry's key name */
            continue;
        for (k = 0; k < i && !later; k++)
            later = same_key(&ui_bindings[k], b);
        if (later)
            continue;
        fputs(".TP\n\\fB", out);
        roff_str(out, b->keyname, 0);
        fputs("\\fR", out);
        if (b->screen) {
            fprintf(out, " (\\fI%s\\fR", ui_screen_word(b->screen));
            for (k = i + 1; k < ui_nbindings; k++)
                if (same_key(b, &ui_bindings[k]))
                    fprintf(out, ", \\fI%s\\fR", ui_screen_word(ui_bindings[k].screen));
            fputc(')', out);
        }
        fputc('\n', out);
        roff_str(out, b->help, 1);
        fputc('\n', out);
        n++;
    }
    if (n == 0)
        pp_die("no keys found in the binding table");
}

int main(int argc, char **argv)
{
    char line[4096];
    FILE *in;

    if (argc != 2) {
        fprintf(stderr, "usage: %s TEMPLATE > PAGE\n", argv[0]);
        return PP_EXIT_USAGE;
    }
    in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return PP_EXIT_FAIL;
    }
    while (fgets(line, sizeof(line), in)) {
        char *at;
        if (strcmp(line, "@COMMANDS@\n") == 0) {
            print_commands(stdout);
            continue;
        }
        if (strcmp(line, "@KEYS@\n") == 0) {
            print_keys(stdout);
            continue;
        }
        for (at = line; *at;) {
            static const struct {
                const char *name, *value;
            } vars[] = { { "@VERSION@", PACKAGE_VERSION }, { "@PKGDATADIR@", PKGDATADIR } };
            size_t v, len = 1;
            for (v = 0; v < sizeof(vars) / sizeof(vars[0]); v++)
                if (strncmp(at, vars[v].name, strlen(vars[v].name)) == 0)
                    break;
            if (v < sizeof(vars) / sizeof(vars[0])) {
                fputs(vars[v].value, stdout);
                len = strlen(vars[v].name);
            } else
                fputc(*at, stdout);
            at += len;
        }
    }
    fclose(in);
    if (ferror(stdout) || fflush(stdout) != 0) {
        perror("stdout");
        return PP_EXIT_FAIL;
    }
    return PP_EXIT_OK;
}
