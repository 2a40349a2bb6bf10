/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass check, prepare and release: the host side of pass-through. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/check.h"
#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/table.h"


int pp_cmd_check(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("check");
    pp_pci_addr *sel;
    pp_checks c;
    bool json = false;
    size_t i, nsel;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1)
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
        pp_table *t = pp_table_new(3);
        for (i = 0; i < c.n; i++) {
            char *st = xasprintf("[%s]", pp_check_status_label(c.v[i].status));
            pp_table_row(t, st, c.v[i].id, c.v[i].message);
            free(st);
            if (c.v[i].fix) {
                char *fix = xasprintf(_("fix: %s"), c.v[i].fix);
                pp_table_span(t, 2, fix);
                free(fix);
            }
        }
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    rc = pp_checks_failed(&c) ? PP_EXIT_FAIL : PP_EXIT_OK;
    pp_checks_clear(&c);
    return rc;
}

/* prepare binds for now only (nodedev-detach): what would keep the function on vfio-pci after a
 * reboot, and which host-critical function an ids= rule would take along. */
static void persist_advice(pp_app *app, const pp_host *h, const pp_pci_addr *a)
{
    const pp_function *f = pp_host_find(h, a), *crit = NULL;
    const pp_critical *c[1];
    char **rules;
    size_t i, n;

    if (!f)
        return;
    n = pp_host_vfio_id_rules(pp_app_conf_root(app), f->vendor_id, f->device_id, &rules);
    if (n) {
        printf(_("# %s stays on vfio-pci after a reboot: %s\n"), f->name, rules[0]);
    } else if (pp_host_has_driverctl(pp_app_conf_root(app))) {
        printf(_("# To keep %s on vfio-pci after a reboot, run: driverctl set-override %s "
                 "vfio-pci\n"),
               f->name, f->name);
    } else if (f->driver && strcmp(f->driver, "vfio-pci") != 0) {
        printf(_("# To keep %s on vfio-pci after a reboot, add 'options vfio-pci ids=%04x:%04x' "
                 "and 'softdep %s pre: vfio-pci' (so that vfio-pci comes first) to a file in "
                 "/etc/modprobe.d, then run update-initramfs -u.\n"),
               f->name, f->vendor_id, f->device_id, f->driver);
    } else {
        printf(_("# To keep %s on vfio-pci after a reboot, add 'options vfio-pci ids=%04x:%04x' "
                 "to a file in /etc/modprobe.d, then run update-initramfs -u.\n"),
               f->name, f->vendor_id, f->device_id);
    }
    for (i = 0; i < n; i++)
        free(rules[i]);
    free(rules);
    if (n || pp_host_has_driverctl(pp_app_conf_root(app)))
        return;
    for (i = 0; i < h->nfuncs && !crit; i++)
        if (&h->funcs[i] != f && h->funcs[i].vendor_id == f->vendor_id &&
            h->funcs[i].device_id == f->device_id &&
            pp_host_critical_of(h, &h->funcs[i].addr, c, 1))
            crit = &h->funcs[i];
    if (crit)
        fprintf(stderr,
                _("%s: warning: an ids=%04x:%04x rule would also bind %s to vfio-pci at boot, "
                  "and the host needs it (%s); bind %s by its address (driverctl) instead\n"),
                pp_progname(), f->vendor_id, f->device_id, crit->name, c[0]->detail, f->name);
}

static int prepare_or_release(pp_app *app, int argc, char **argv, bool release)
{
    const pp_cli_cmd *cmd = pp_cli_find(release ? "release" : "prepare");
    bool dry = false;
    pp_change c = { 0 };
    pp_hostdev hd = { 0 };
    char name[PP_PCI_ADDR_STRLEN];
    int ch, rc;

    c.kind = release ? PP_CHANGE_RELEASE : PP_CHANGE_PREPARE;
    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1) {
        if (ch == PP_OPT_FORCE)
            c.force = true;
        else if (ch == PP_OPT_DRY_RUN)
            dry = true;
        else if (ch == PP_OPT_NO_WAIT)
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
            if (!release)
                persist_advice(app, pp_app_host(app), &hd.source);
            rc = PP_EXIT_OK;
        }
    } else {
        switch (pp_cli_apply(app, &c)) {
        case PP_CHANGE_DONE:
            printf(release ? _("# gave %s back to its host driver\n")
                           : _("# bound %s to vfio-pci\n"),
                   name);
            if (!release)
                persist_advice(app, pp_app_host(app), &hd.source);
            rc = PP_EXIT_OK;
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
