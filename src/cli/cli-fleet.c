/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fleet on the command line: the hosts read in parallel, `find` across them, and a change sent
 * to the one host it concerns (through the same command, and so the same change service). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-private.h"
#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/table.h"

int pp_cli_fleet_read(pp_app *app)
{
    size_t i;
    int rc = PP_EXIT_OK;

    pp_fleet_read(app, true);
    for (i = 0; i < app->nmembers; i++) {
        char *host = pp_escape_ctl(pp_app_host_label(&app->members[i]));
        if (app->members[i].unreachable || app->members[i].late) {
            fprintf(stderr, _("%s: %s: unreachable: %s\n"), pp_progname(), host,
                    app->members[i].late ? app->members[i].late : app->members[i].unreachable);
            rc = PP_EXIT_FAIL;
        } else if (app->members[i].host) {
            size_t k;
            for (k = 0; k < app->members[i].host->nwarnings; k++)
                fprintf(stderr, _("%s: %s: warning: %s\n"), pp_progname(), host,
                        app->members[i].host->warnings[k]);
        }
        free(host);
    }
    return rc;
}

/* ---- find ---- */

typedef struct find_query {
    bool has_class, has_vendor, has_device, free;
    unsigned long class_code;
    int class_shift; /* 16: base class, 8: base and sub, 0: with prog-if */
    unsigned long vendor, device;
} find_query;

static bool parse_hex(const char *s, unsigned maxdigits, unsigned long *out, unsigned *digits)
{
    const char *p = s;
    char *end;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!*p || strlen(p) > maxdigits || strspn(p, "0123456789abcdefABCDEF") != strlen(p))
        return false;
    errno = 0;
    *out = strtoul(p, &end, 16);
    if (digits)
        *digits = (unsigned)strlen(p);
    return !errno && !*end;
}

/* Free: what attach's guards let pass (pp_guard_free); guests unread: never. Where a guard could
 * not check (a host read through node devices), *UNKNOWN says so and the function is listed. */
static bool is_free(const pp_app *m, const pp_function *f, bool *unknown)
{
    pp_guard_in in = { m->host, m->have_guests ? &m->owners : NULL, NULL, 0 };

    return pp_guard_free(&in, &f->addr, unknown);
}

static bool matches(const find_query *q, const pp_app *m, const pp_function *f, bool *unknown)
{
    *unknown = false;
    if (q->has_class && (f->class_code >> q->class_shift) != q->class_code)
        return false;
    if (q->has_vendor && f->vendor_id != q->vendor)
        return false;
    if (q->has_device && f->device_id != q->device)
        return false;
    return !q->free || is_free(m, f, unknown);
}

/* What could not be checked for a function of M: "host-critical, reset: unknown on HOST" under
 * its row, and "unchecked" in JSON ([] where everything was). */
static char *unchecked_words(const pp_app *m)
{
    const char *const *facts;
    size_t i, n = pp_guard_unchecked(m->host, &facts);
    pp_buf b = PP_BUF_INIT;
    char *words, *host, *line;

    if (!n)
        return NULL;
    for (i = 0; i < n; i++)
        pp_buf_item(&b, ", ", _(facts[i]));
    words = pp_buf_take(&b);
    host = pp_escape_ctl(pp_app_host_label(m));
    line = xasprintf(_("%s: unknown on %s (libvirt's node devices do not say)"), words, host);
    free(words);
    free(host);
    return line;
}

static json_object *unchecked_json(const pp_app *m)
{
    const char *const *facts;
    size_t i, n = pp_guard_unchecked(m->host, &facts);
    json_object *a = json_object_new_array();

    for (i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(facts[i]));
    return a;
}

int pp_cmd_find(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("find");
    find_query q = { 0 };
    bool json = false, fleet = app->nmembers > 1, zpci = false;
    pp_app *one = app;
    pp_app *members = fleet ? app->members : one;
    size_t nm = fleet ? app->nmembers : 1, i, k, count = 0;
    pp_table *t = NULL;
    unsigned digits;
    int c, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &c)) == -1 && c != -1) {
        switch (c) {
        case PP_OPT_CLASS:
            if (!parse_hex(optarg, 6, &q.class_code, &digits))
                return pp_cli_usage_error(cmd, _("--class: '%s' is not a class in hex: 2 digits "
                                                 "(base class, 02), 4 (with subclass, 0200) or 6 "
                                                 "(with programming interface, 020000)"),
                                          optarg);
            q.has_class = true;
            q.class_shift = digits <= 2 ? 16 : digits <= 4 ? 8 : 0;
            break;
        case PP_OPT_VENDOR:
            if (!parse_hex(optarg, 4, &q.vendor, NULL))
                return pp_cli_usage_error(cmd, _("--vendor: '%s' is not a vendor id, hex 0000-ffff"),
                                          optarg);
            q.has_vendor = true;
            break;
        case PP_OPT_DEVICE:
            if (!parse_hex(optarg, 4, &q.device, NULL))
                return pp_cli_usage_error(cmd, _("--device: '%s' is not a device id, hex 0000-ffff"),
                                          optarg);
            q.has_device = true;
            break;
        case PP_OPT_FREE:
            q.free = true;
            break;
        case PP_OPT_JSON:
            json = true;
            break;
        }
    }
    if (rc != -1)
        return rc;
    if (optind < argc)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);

    if (fleet) {
        rc = pp_cli_fleet_read(app);
    } else {
        char *gerr = NULL;
        if (!pp_app_read(app, true, &gerr))
            return pp_cli_fail();
        pp_app_print_host_warnings(app);
        if (gerr) {
            fprintf(stderr, _("%s: warning: owners not known, so no function is called free: %s\n"),
                    pp_progname(), gerr);
            free(gerr);
        }
        rc = PP_EXIT_OK;
    }
    for (i = 0; i < nm; i++)
        if (nm == 1 || pp_fleet_usable(&members[i]))
            zpci = zpci || pp_host_is_s390(members[i].host);
    if (!json) {
        t = pp_table_new(zpci ? 8 : 6);
        if (fleet)
            pp_table_lead(t, _("HOST"));
        pp_list_header(t, zpci);
    }
    for (i = 0; i < nm; i++) {
        pp_app *m = &members[i];
        const char *host = fleet ? pp_app_host_label(m) : NULL;
        if (fleet && !pp_fleet_usable(m))
            continue;
        if (t)
            pp_table_lead_value(t, host);
        char *note = q.free ? unchecked_words(m) : NULL;
        for (k = 0; k < m->host->nfuncs; k++) {
            const pp_function *f = &m->host->funcs[k];
            bool unknown;
            if (!matches(&q, m, f, &unknown))
                continue;
            if (json) {
                json_object *o = pp_json_function(m, m->host, f, host);
                json_object_object_add(o, "unchecked", unchecked_json(m));
                pp_json_stream(o, &count);
            } else {
                pp_list_row(t, m, f, zpci);
                if (note)
                    pp_table_span(t, 1, note);
            }
        }
        free(note);
    }
    if (json) {
        pp_json_stream(NULL, &count);
    } else {
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    return rc;
}

/* ---- a change in a fleet ---- */

/* Whether the option word W of CMD takes its value from the next word (its table says so). */
static bool takes_value(const pp_cli_cmd *cmd, const char *w)
{
    for (const pp_cli_opt *o = cmd->opts; o->name; o++)
        if (o->arg && w[0] == '-' && w[1] == '-' && strcmp(w + 2, o->name) == 0)
            return true;
    return false;
}

/* The NTH operand of ARGV (after the command), skipping options and the values of those that
 * take one. */
static const char *operand(const pp_cli_cmd *cmd, int argc, char **argv, int nth)
{
    int i, seen = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return i + 1 + nth - seen < argc ? argv[i + 1 + nth - seen] : NULL;
        if (argv[i][0] == '-') {
            i += takes_value(cmd, argv[i]);
            continue;
        }
        if (seen++ == nth)
            return argv[i];
    }
    return NULL;
}

static const char *option_value(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
            return argv[i] + len + 1;
    }
    return NULL;
}

int pp_cli_fleet_dispatch(pp_app *app, const pp_cli_cmd *cmd, int argc, char **argv)
{
    const char *guest = NULL, *device = NULL;
    pp_pci_addr addr;
    pp_app *hit = NULL;
    pp_buf found = PP_BUF_INIT;
    char *names;
    size_t i, nhit = 0;

    /* the one host: that of the command's GUEST (its first operand, or --guest), else of its
     * DEVICE; a command of several (audit GUEST..., check DEVICE...) or none concerns no one
     * host */
    if (!cmd->more && cmd->operands[0] == PP_COMP_GUEST)
        guest = operand(cmd, argc, argv, 0);
    else if (!cmd->more && cmd->operands[0] == PP_COMP_DEVICE)
        guest = option_value(argc, argv, "--guest"), device = operand(cmd, argc, argv, 0);
    for (int a = 1; a < argc; a++)
        if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help"))
            return cmd->run(&app->members[0], argc, argv);
    if (!guest && !device) {
        fprintf(stderr, _("%s %s: works on one host; name it with one -c URI (the fleet has "
                          "%zu)\n"),
                pp_progname(), cmd->name, app->nmembers);
        return PP_EXIT_USAGE;
    }
    if (device && !guest && !pp_pci_addr_parse(device, "device", &addr))
        return pp_cli_fail();
    pp_cli_fleet_read(app);
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        bool has;
        if (!pp_fleet_usable(m))
            continue;
        has = guest ? pp_guests_find(&m->guests, guest) != NULL
                    : pp_host_find(m->host, &addr) != NULL;
        if (!has)
            continue;
        hit = m;
        nhit++;
        pp_buf_item(&found, ", ", pp_app_host_label(m));
    }
    names = pp_buf_take_or_null(&found);
    if (nhit != 1) {
        char *what = pp_escape_ctl(guest ? guest : device),
             *hosts = names ? pp_escape_ctl(names) : NULL;
        if (nhit == 0)
            fprintf(stderr, guest ? _("%s %s: no reachable host of the fleet has a guest named "
                                      "'%s'\n")
                                  : _("%s %s: no reachable host of the fleet has the function "
                                      "%s\n"),
                    pp_progname(), cmd->name, what);
        else
            fprintf(stderr, guest ? _("%s %s: guest '%s' is on several hosts (%s); name one with "
                                      "-c\n")
                                  : _("%s %s: function %s is on several hosts (%s); name one "
                                      "with -c\n"),
                    pp_progname(), cmd->name, what, hosts);
        free(what);
        free(hosts);
        free(names);
        return PP_EXIT_FAIL;
    }
    free(names);
    /* the host's own connection and inventory: the change goes there, through the same command */
    return cmd->run(hit, argc, argv);
}
