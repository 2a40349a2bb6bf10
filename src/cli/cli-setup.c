/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass check, prepare and release: the host side of pass-through. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/check.h"
#include "pcipass/cli.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"

enum { OPT_JSON = 256, OPT_FORCE, OPT_DRY, OPT_NO_WAIT };

static const char *status_word(pp_check_status s)
{
    /* TRANSLATORS: check results, kept to four letters so that the list lines up */
    return s == PP_CHECK_PASS ? _("pass") : s == PP_CHECK_WARN ? _("warn") : _("FAIL");
}

int pp_cmd_check(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("check");
    pp_pci_addr *sel;
    pp_checks c;
    bool json = false;
    size_t i, nsel;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, "h", opts, &ch)) == -1 && ch != -1)
        json = true;
    if (rc != -1)
        return rc;
    nsel = (size_t)(argc - optind);
    sel = xcalloc(nsel, sizeof(*sel));
    for (i = 0; i < nsel; i++) {
        if (!pp_pci_addr_parse(argv[optind + (int)i], "device", &sel[i])) {
            free(sel);
            return pp_cli_fail();
        }
    }
    pp_checks_run(app, sel, nsel, &c);
    free(sel);
    if (json) {
        json_object *a = json_object_new_array();
        for (i = 0; i < c.n; i++) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "check", json_object_new_string(c.v[i].id));
            json_object_object_add(o, "status",
                                   json_object_new_string(pp_check_status_name(c.v[i].status)));
            json_object_object_add(o, "message", json_object_new_string(c.v[i].message));
            json_object_object_add(o, "fix", pp_json_str_or_null(c.v[i].fix));
            json_object_array_add(a, o);
        }
        pp_json_print(a);
    } else {
        for (i = 0; i < c.n; i++) {
            printf("[%s] %-9s %s\n", status_word(c.v[i].status), c.v[i].id, c.v[i].message);
            if (c.v[i].fix)
                printf(_("       %-9s fix: %s\n"), "", c.v[i].fix);
        }
    }
    rc = pp_checks_failed(&c) ? PP_EXIT_FAIL : PP_EXIT_OK;
    pp_checks_clear(&c);
    return rc;
}

static int prepare_or_release(pp_app *app, int argc, char **argv, bool release)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, OPT_FORCE },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "no-wait", no_argument, NULL, OPT_NO_WAIT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find(release ? "release" : "prepare");
    bool dry = false;
    pp_change c = { 0 };
    pp_hostdev hd = { 0 };
    char name[PP_PCI_ADDR_STRLEN];
    int ch, rc;

    c.kind = release ? PP_CHANGE_RELEASE : PP_CHANGE_PREPARE;
    while ((rc = pp_cli_getopt(cmd, argc, argv, "h", opts, &ch)) == -1 && ch != -1) {
        if (ch == OPT_FORCE)
            c.force = true;
        else if (ch == OPT_DRY)
            dry = true;
        else if (ch == OPT_NO_WAIT)
            c.no_lock_wait = true;
    }
    if (rc != -1)
        return rc;
    if (argc - optind != 1)
        return pp_cli_usage_error(cmd, argc - optind < 1 ? _("missing argument")
                                                         : _("unexpected argument '%s'"),
                                  argv[argc - 1]);
    if (!pp_pci_addr_parse(argv[optind], "device", &hd.source))
        return pp_cli_fail();
    pp_pci_addr_format(&hd.source, name);
    c.hds = &hd;
    c.n = 1;
    rc = PP_EXIT_FAIL;
    if (dry) {
        if (!pp_change_check(app, &c)) {
            rc = pp_cli_fail();
        } else if (pp_cli_findings(&c.findings, c.force)) {
            printf(release ? _("# dry run: would give %s back to its host driver\n")
                           : _("# dry run: would bind %s to vfio-pci\n"),
                   name);
            rc = PP_EXIT_OK;
        }
    } else {
        switch (pp_cli_apply(app, &c)) {
        case PP_CHANGE_DONE:
            printf(release ? _("# gave %s back to its host driver\n")
                           : _("# bound %s to vfio-pci\n"),
                   name);
            rc = PP_EXIT_OK;
            break;
        case PP_CHANGE_REQUESTED:
            fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
            break;
        default:
            break;
        }
    }
    pp_change_clear(&c);
    return rc;
}

int pp_cmd_prepare(pp_app *app, int argc, char **argv)
{
    return prepare_or_release(app, argc, argv, false);
}

int pp_cmd_release(pp_app *app, int argc, char **argv)
{
    return prepare_or_release(app, argc, argv, true);
}
