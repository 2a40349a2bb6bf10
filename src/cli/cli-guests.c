/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass guests, pcipass owners, and the owner objects `list` shares. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/table.h"

static json_object *pci_or_null(const pp_hostdev *d)
{
    char buf[PP_PCI_ADDR_STRLEN];
    if (!d->has_guest_addr || !d->guest_addr_full)
        return NULL;
    pp_pci_addr_format(&d->guest_addr, buf);
    return json_object_new_string(buf);
}

json_object *pp_json_owner(const pp_owner *o)
{
    json_object *j = json_object_new_object();
    const pp_hostdev *d = o->dev;

    json_object_object_add(j, "guest", json_object_new_string(o->guest->name));
    json_object_object_add(j, "live", json_object_new_boolean(o->live));
    json_object_object_add(j, "config", json_object_new_boolean(o->config));
    json_object_object_add(j, "managed",
                           d->managed == PP_MANAGED_UNSET
                               ? NULL
                               : json_object_new_boolean(d->managed == PP_MANAGED_YES));
    json_object_object_add(j, "type", json_object_new_string(d->kind == PP_HD_INTERFACE ? "interface"
                                                                                         : "hostdev"));
    if (d->has_uid || d->has_fid) {
        json_object *z = json_object_new_object();
        json_object_object_add(z, "uid", d->has_uid ? pp_json_hex(d->uid, 4) : NULL);
        json_object_object_add(z, "fid", d->has_fid ? pp_json_hex(d->fid, 8) : NULL);
        json_object_object_add(j, "zpci", z);
    } else {
        json_object_object_add(j, "zpci", NULL);
    }
    json_object_object_add(j, "guest_address", pci_or_null(d));
    json_object_object_add(j, "mac", d->mac[0] ? json_object_new_string(d->mac) : NULL);
    return j;
}

static int simple_args(const pp_cli_cmd *cmd, int argc, char **argv, bool *json)
{
    int c, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &c)) == -1 && c != -1)
        if (c == PP_OPT_JSON)
            *json = true;
    if (rc != -1)
        return rc;
    if (optind < argc)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);
    return -1;
}

/* The host addresses a guest holds in either configuration, each once, in address order. */
static void guests_header(pp_table *t);
static void guests_rows(pp_app *app, json_object *arr, pp_table *t, const char *host);

int pp_cmd_guests(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("guests");
    bool json = false;
    pp_table *t;
    int rc = simple_args(cmd, argc, argv, &json);

    if (rc != -1)
        return rc;
    if (app->nmembers > 1) {
        size_t m;
        json_object *arr = NULL;
        pp_table *tf = NULL;

        rc = pp_cli_fleet_read(app);
        if (json)
            arr = json_object_new_array();
        else {
            tf = pp_table_new(6);
            pp_table_lead(tf, _("HOST"));
            guests_header(tf);
        }
        for (m = 0; m < app->nmembers; m++)
            if (pp_fleet_usable(&app->members[m]))
                guests_rows(&app->members[m], arr, tf, pp_app_host_label(&app->members[m]));
        if (json)
            pp_json_print(arr);
        else {
            pp_table_print(tf, stdout);
            pp_table_free(tf);
        }
        return rc;
    }
    if (!pp_app_guests(app, true))
        return pp_cli_fail();
    if (json) {
        json_object *arr = json_object_new_array();
        guests_rows(app, arr, NULL, NULL);
        pp_json_print(arr);
        return PP_EXIT_OK;
    }
    t = pp_table_new(6);
    guests_header(t);
    guests_rows(app, NULL, t, NULL);
    pp_table_print(t, stdout);
    pp_table_free(t);
    return PP_EXIT_OK;
}

static void guests_header(pp_table *t)
{
    pp_table_row(t, _("NAME"), _("STATE"), _("ARCH"), _("MACHINE"), _("PERSISTENT"),
                 _("HOST FUNCTIONS"));
}

/* One host's guests into ARR (JSON) or T (text); HOST non-NULL: a fleet's member. */
static void guests_rows(pp_app *app, json_object *arr, pp_table *t, const char *host)
{
    size_t i, j;

    if (t)
        pp_table_lead_value(t, host);
    if (arr) {
        for (i = 0; i < app->guests.n; i++) {
            const pp_guest *g = &app->guests.v[i];
            const pp_domain_info *d = pp_guest_info(g);
            const pp_owner **held;
            size_t n = pp_owners_of_guest(&app->owners, g, &held);
            json_object *o = json_object_new_object(), *h = json_object_new_array();

            if (host)
                json_object_object_add(o, "host", json_object_new_string(host));
            json_object_object_add(o, "name", json_object_new_string(g->name));
            json_object_object_add(o, "uuid", json_object_new_string(g->uuid));
            json_object_object_add(o, "state", json_object_new_string(pp_guest_state_name(g)));
            json_object_object_add(o, "persistent", json_object_new_boolean(g->persistent));
            json_object_object_add(o, "arch", pp_json_str_or_null(d->arch));
            json_object_object_add(o, "machine", pp_json_str_or_null(d->machine));
            for (j = 0; j < n; j++) {
                char buf[PP_PCI_ADDR_STRLEN];
                pp_pci_addr_format(&held[j]->source, buf);
                json_object_array_add(h, json_object_new_string(buf));
            }
            json_object_object_add(o, "hostdevs", h);
            json_object_array_add(arr, o);
            free(held);
        }
        return;
    }
    for (i = 0; i < app->guests.n; i++) {
        const pp_guest *g = &app->guests.v[i];
        const pp_domain_info *d = pp_guest_info(g);
        char *funcs = pp_owners_guest_text(&app->owners, g);

        pp_table_row(t, g->name, _(pp_guest_state_name(g)), d->arch, d->machine,
                     g->persistent ? _("yes") : _("no"), *funcs ? funcs : NULL);
        free(funcs);
    }
}

static void owners_header(pp_table *t)
{
    pp_table_row(t, _("ADDRESS"), _("CONFLICT"), _("GUEST"), _("IN"), _("TYPE"), _("MANAGED"),
                 _("UID"), _("FID"), _("GUEST ADDRESS"));
}

/* One host's held functions into ARR (JSON) or T (text); HOST non-NULL: a fleet's member (a
 * conflict is always within one host). */
static void owners_rows(pp_app *app, json_object *arr, pp_table *t, const char *host)
{
    size_t i, n;

    if (t)
        pp_table_lead_value(t, host);
    for (i = 0; i < app->owners.n; i += n) {
        const pp_owner *first;
        char addr[PP_PCI_ADDR_STRLEN];
        bool conflict;
        size_t j;

        n = pp_owners_of(&app->owners, &app->owners.v[i].source, &first);
        conflict = pp_owners_conflict(first, n);
        pp_pci_addr_format(&first->source, addr);
        if (arr) {
            json_object *o = json_object_new_object(), *list = json_object_new_array();
            if (host)
                json_object_object_add(o, "host", json_object_new_string(host));
            json_object_object_add(o, "address", json_object_new_string(addr));
            for (j = 0; j < n; j++)
                json_object_array_add(list, pp_json_owner(&first[j]));
            json_object_object_add(o, "owners", list);
            json_object_object_add(o, "conflict", json_object_new_boolean(conflict));
            json_object_array_add(arr, o);
            continue;
        }
        for (j = 0; j < n; j++) {
            const pp_hostdev *d = first[j].dev;
            char uid[8] = "-", fid[12] = "-", gaddr[PP_PCI_ADDR_STRLEN] = "-";
            if (d->has_uid)
                snprintf(uid, sizeof(uid), "0x%04x", d->uid);
            if (d->has_fid)
                snprintf(fid, sizeof(fid), "0x%08x", d->fid);
            if (d->has_guest_addr && d->guest_addr_full)
                pp_pci_addr_format(&d->guest_addr, gaddr);
            pp_table_row(t, j ? "" : addr, j ? "" : conflict ? _("yes") : _("no"),
                   first[j].guest->name,
                   pp_owner_where(&first[j]),
                   d->kind == PP_HD_INTERFACE ? "interface" : "hostdev",
                   d->managed == PP_MANAGED_UNSET ? "-" : d->managed == PP_MANAGED_YES ? _("yes") : _("no"),
                   uid, fid, gaddr);
        }
    }
}

int pp_cmd_owners(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("owners");
    bool json = false;
    size_t m;
    int rc = simple_args(cmd, argc, argv, &json);
    json_object *arr = NULL;
    pp_table *t = NULL;

    if (rc != -1)
        return rc;
    if (app->nmembers > 1)
        rc = pp_cli_fleet_read(app);
    else if (!pp_app_guests(app, true))
        return pp_cli_fail();
    else
        rc = PP_EXIT_OK;
    if (json)
        arr = json_object_new_array();
    else {
        t = pp_table_new(9);
        if (app->nmembers > 1)
            pp_table_lead(t, _("HOST"));
        owners_header(t);
    }
    if (app->nmembers > 1) {
        for (m = 0; m < app->nmembers; m++)
            if (pp_fleet_usable(&app->members[m]))
                owners_rows(&app->members[m], arr, t, pp_app_host_label(&app->members[m]));
    } else {
        owners_rows(app, arr, t, NULL);
    }
    if (json) {
        pp_json_print(arr);
    } else {
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    return rc;
}
