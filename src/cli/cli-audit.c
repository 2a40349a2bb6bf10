/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass audit: are the assignments the guests hold still right on this host? */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/audit.h"
#include "cli-private.h"
#include "pcipass/common.h"

/* --record: the current identity of every assignment that has none, guest by guest, through the
 * change service's lock. The operator asked for it by the option: it is done without a question,
 * and exactly what was stored is said. */
static bool record(pp_app *app, const pp_audit *a, bool json, json_object *jrec)
{
    bool ok = true;
    size_t i, k;

    for (i = 0; i < a->n; i++) {
        pp_pci_addr *addrs;
        size_t n = 0;
        char *what = NULL, *line, *save = NULL, *guest;

        if (a->v[i].kind != PP_AUDIT_UNRECORDED)
            continue;
        for (k = 0; k < i; k++)
            if (a->v[k].kind == PP_AUDIT_UNRECORDED && strcmp(a->v[k].guest, a->v[i].guest) == 0)
                break;
        if (k < i)
            continue; /* this guest was done with its first one */
        addrs = xcalloc(a->n, sizeof(*addrs));
        for (k = i; k < a->n; k++)
            if (a->v[k].kind == PP_AUDIT_UNRECORDED && strcmp(a->v[k].guest, a->v[i].guest) == 0)
                addrs[n++] = a->v[k].addr;
        guest = pp_escape_ctl(a->v[i].guest);
        if (!pp_change_record_identity(app, a->v[i].guest, addrs, n, &what)) {
            fprintf(stderr, _("%s: recording the identities in guest '%s' failed: %s\n"),
                    pp_progname(), guest, pp_error_get());
            ok = false;
        }
        for (line = what ? strtok_r(what, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
            if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "guest", json_object_new_string(a->v[i].guest));
                json_object_object_add(o, "identity", json_object_new_string(line));
                json_object_array_add(jrec, o);
            } else {
                printf(_("recorded in guest '%s': %s\n"), guest, line);
            }
        }
        free(guest);
        free(what);
        free(addrs);
    }
    return ok;
}

int pp_cmd_audit(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("audit");
    bool json = false, rec = false, rec_ok = true;
    json_object *jrec = NULL;
    const pp_host *h;
    pp_audit a;
    int c, rc;
    size_t i;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &c)) == -1 && c != -1) {
        if (c == PP_OPT_JSON)
            json = true;
        else if (c == PP_OPT_RECORD)
            rec = true;
    }
    if (rc != -1)
        return rc;
    if (!(h = pp_app_host(app)) || !pp_app_guests(app, !rec))
        return pp_cli_fail();
    pp_app_print_host_warnings(app);
    if (!pp_audit_run(h, &app->guests, &app->owners, argv + optind, (size_t)(argc - optind), &a))
        return pp_cli_fail();
    if (rec) {
        jrec = json_object_new_array();
        rec_ok = record(app, &a, json, jrec);
        /* and audited again, as libvirt now holds the guests */
        pp_audit_clear(&a);
        if (!pp_app_guests(app, false) ||
            !pp_audit_run(h, &app->guests, &app->owners, argv + optind, (size_t)(argc - optind),
                          &a)) {
            json_object_put(jrec);
            return pp_cli_fail();
        }
    }
    if (json) {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(o, "guests", json_object_new_int64((int64_t)a.guests));
        json_object_object_add(o, "assignments", json_object_new_int64((int64_t)a.assignments));
        if (jrec)
            json_object_object_add(o, "recorded", jrec);
        for (i = 0; i < a.n; i++) {
            json_object *f = json_object_new_object();
            char name[PP_PCI_ADDR_STRLEN];
            pp_pci_addr_format(&a.v[i].addr, name);
            json_object_object_add(f, "kind", json_object_new_string(pp_audit_kind_name(a.v[i].kind)));
            json_object_object_add(f, "severity", json_object_new_int(a.v[i].severity));
            json_object_object_add(f, "guest", json_object_new_string(a.v[i].guest));
            json_object_object_add(f, "address", json_object_new_string(name));
            json_object_object_add(f, "message", json_object_new_string(a.v[i].msg));
            json_object_object_add(f, "advice", json_object_new_string(a.v[i].advice));
            json_object_array_add(arr, f);
        }
        json_object_object_add(o, "findings", arr);
        pp_json_print(o);
    } else {
        if (jrec) /* the text said what was recorded as it went */
            json_object_put(jrec);
        for (i = 0; i < a.n; i++) {
            char *msg = pp_escape_ctl(a.v[i].msg), *adv = pp_escape_ctl(a.v[i].advice);
            char *guest = pp_escape_ctl(a.v[i].guest);
            /* the kind as JSON names it, a stable word to grep for */
            printf(_("%s in guest '%s': %s\n"), pp_audit_kind_name(a.v[i].kind), guest, msg);
            free(guest);
            printf(_("  what to do: %s\n"), adv);
            free(msg);
            free(adv);
        }
        if (a.n)
            printf(P_("%zu finding in %zu assignments of %zu guests.\n",
                      "%zu findings in %zu assignments of %zu guests.\n", a.n),
                   a.n, a.assignments, a.guests);
        else
            printf(_("No findings: %zu assignments of %zu guests are as recorded.\n"),
                   a.assignments, a.guests);
    }
    rc = a.n || !rec_ok ? PP_EXIT_FAIL : PP_EXIT_OK;
    pp_audit_clear(&a);
    return rc;
}
