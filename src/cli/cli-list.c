/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass list: the host inventory, as aligned text or as JSON. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/host.h"
#include "pcipass/table.h"

json_object *pp_json_binding(const pp_app *app, const pp_function *f)
{
    pp_binding b;
    json_object *o;

    if (!pp_app_binding(app, f, &b))
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "source", json_object_new_string(pp_binding_source_name(b.source)));
    json_object_object_add(o, "detail", pp_json_str_or_null(b.detail));
    return o;
}

json_object *pp_json_reset_method(const pp_function *f)
{
    json_object *a;
    const char *p;

    if (!f->reset_method)
        return NULL;
    a = json_object_new_array();
    for (p = f->reset_method; *p;) {
        size_t n = strcspn(p, " ");
        if (n)
            json_object_array_add(a, json_object_new_string_len(p, (int)n));
        p += n + (p[n] == ' ');
    }
    return a;
}

/* Whether FILE is the identity file that holds no id (pp_function.ident_unknown). */
static bool id_unknown(const pp_function *f, const char *file)
{
    return f->ident_unknown && strcmp(f->ident_unknown, file) == 0;
}

json_object *pp_json_function(const pp_app *app, const pp_host *h, const pp_function *f,
                              const char *host)
{
    const pp_owner *first;
    size_t i, n = pp_owners_of(&app->owners, &f->addr, &first);
    json_object *owners = json_object_new_array();
    json_object *o = json_object_new_object();
    char buf[PP_PCI_ADDR_STRLEN];

    if (host)
        json_object_object_add(o, "host", json_object_new_string(host));
    json_object_object_add(o, "address", json_object_new_string(f->name));
    /* an id whose file holds none is null, not 0 */
    json_object_object_add(o, "class", id_unknown(f, "class") ? NULL : pp_json_hex(f->class_code, 6));
    json_object_object_add(o, "class_name", pp_json_str_or_null(f->class_name));
    json_object_object_add(o, "vendor_id",
                           id_unknown(f, "vendor") ? NULL : pp_json_hex(f->vendor_id, 4));
    json_object_object_add(o, "device_id",
                           id_unknown(f, "device") ? NULL : pp_json_hex(f->device_id, 4));
    json_object_object_add(o, "vendor", pp_json_str_or_null(f->vendor_name));
    json_object_object_add(o, "device", pp_json_str_or_null(f->device_name));
    /* node devices do not carry them: unknown, not zero */
    json_object_object_add(o, "subsystem_vendor_id",
                           h->partial ? NULL : pp_json_hex(f->subsys_vendor_id, 4));
    json_object_object_add(o, "subsystem_device_id",
                           h->partial ? NULL : pp_json_hex(f->subsys_device_id, 4));
    json_object_object_add(o, "driver", pp_json_str_or_null(f->driver));
    /* the one VFIO rule: true, false, or null where the host cannot tell */
    json_object_object_add(o, "vfio", f->vfio == PP_VFIO_UNKNOWN
                                          ? NULL
                                          : json_object_new_boolean(f->vfio == PP_VFIO_YES));
    json_object_object_add(o, "vfio_rule", json_object_new_string(pp_vfio_why_name(f->vfio_why)));
    json_object_object_add(o, "iommu_group",
                           f->iommu_group >= 0 ? json_object_new_int(f->iommu_group) : NULL);
    json_object_object_add(o, "numa_node",
                           f->numa_node >= 0 ? json_object_new_int(f->numa_node) : NULL);
    json_object_object_add(o, "bridge", json_object_new_boolean(f->bridge));
    if (f->is_vf) {
        pp_pci_addr_format(&f->physfn, buf);
        json_object_object_add(o, "physfn", json_object_new_string(buf));
    } else {
        json_object_object_add(o, "physfn", NULL);
    }
    if (f->is_pf) {
        json_object *s = json_object_new_object();
        json_object_object_add(s, "total", json_object_new_int((int)f->sriov_total));
        json_object_object_add(s, "enabled", json_object_new_int((int)f->sriov_enabled));
        json_object_object_add(o, "sriov", s);
    } else {
        json_object_object_add(o, "sriov", NULL);
    }
    if (f->has_zpci) {
        json_object *z = json_object_new_object();
        json_object_object_add(z, "fid", pp_json_hex(f->zpci.fid, 8));
        json_object_object_add(z, "uid", pp_json_hex(f->zpci.uid, 4));
        json_object_object_add(z, "uid_is_unique", json_object_new_boolean(f->zpci.uid_is_unique));
        json_object_object_add(z, "pchid", pp_json_hex(f->zpci.pchid, 4));
        json_object_object_add(o, "zpci", z);
    } else {
        json_object_object_add(o, "zpci", NULL);
    }
    for (i = 0; i < n; i++)
        json_object_array_add(owners, pp_json_owner(&first[i]));
    json_object_object_add(o, "owners", owners);
    json_object_object_add(o, "binding", pp_json_binding(app, f));
    json_object_object_add(o, "reset_method", pp_json_reset_method(f));
    return o;
}

/* The array one element at a time, byte for byte what pp_json_print() makes of the whole array: a
 * tree of 4096 functions would cost more memory than everything else together. */
void pp_json_stream(json_object *o, size_t *count)
{
    char *text;
    const char *p;

    if (!o) { /* the end */
        fputs(*count ? "\n]\n" : "[\n]\n", stdout);
        return;
    }
    text = pp_json_text(o);
    /* one level deeper: JSON strings never hold a raw newline, so every newline is layout; the
     * record goes out in one write (a write a line was a quarter of the stream's cost) */
    size_t lines = 1, used = 4;
    for (p = text; (p = strchr(p, '\n')); p++)
        lines++;
    char *out = xmalloc(strlen(text) + 2 * lines + 4);
    memcpy(out, *count ? ",\n  " : "[\n  ", 4);
    for (p = text; *p; p++) {
        out[used++] = *p;
        if (*p == '\n') {
            out[used++] = ' ';
            out[used++] = ' ';
        }
    }
    fwrite(out, 1, used, stdout);
    free(out);
    free(text);
    (*count)++;
    json_object_put(o);
}

static void json_rows(const pp_app *app, const pp_host *h, const char *host, size_t *count)
{
    size_t i;
    for (i = 0; i < h->nfuncs; i++)
        pp_json_stream(pp_json_function(app, h, &h->funcs[i], host), count);
}

static char *device_label(const pp_function *f)
{
    if (f->ident_unknown && !id_unknown(f, "class"))
        return xasprintf(_("identity unknown ('%s' holds no id)"), f->ident_unknown);
    if (f->vendor_name && f->device_name)
        return xasprintf("%s %s", f->vendor_name, f->device_name);
    if (f->vendor_name)
        return xasprintf(_("%s device %04x"), f->vendor_name, f->device_id);
    return xasprintf(_("unknown device [%04x:%04x]"), f->vendor_id, f->device_id);
}

static char *class_label(const pp_function *f)
{
    if (f->class_name)
        return xstrdup(f->class_name);
    if (id_unknown(f, "class"))
        return xstrdup(_("class unknown"));
    return xasprintf(_("class %04x"), f->class_code >> 8);
}

void pp_list_header(pp_table *t, bool zpci)
{
    pp_table_right(t, 4);
    if (zpci)
        pp_table_row(t, _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"), _("FID"),
                     _("UID"), _("OWNER"));
    else
        pp_table_row(t, _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"),
                     _("OWNER"));
}

void pp_list_row(pp_table *t, const pp_app *app, const pp_function *f, bool zpci)
{
    char group[16] = "-", fid[16] = "-", uid[16] = "-", *owner, *cls, *dev;
    const pp_owner *first;
    size_t n = pp_owners_of(&app->owners, &f->addr, &first);

    owner = n ? pp_owners_label(first, n) : NULL;
    cls = class_label(f);
    dev = device_label(f);
    if (f->iommu_group >= 0)
        snprintf(group, sizeof(group), "%d", f->iommu_group);
    if (f->has_zpci) {
        snprintf(fid, sizeof(fid), "0x%08x", f->zpci.fid);
        snprintf(uid, sizeof(uid), "0x%04x", f->zpci.uid);
    }
    if (zpci)
        pp_table_row(t, f->name, cls, dev, f->driver, group, fid, uid, owner);
    else
        pp_table_row(t, f->name, cls, dev, f->driver, group, owner);
    free(owner);
    free(cls);
    free(dev);
}

/* A fleet: every reachable host's functions, with the HOST column or key. */
static int list_fleet(pp_app *app, bool json)
{
    size_t i, k, count = 0;
    bool zpci = false;
    pp_table *t;
    int rc = pp_cli_fleet_read(app);

    if (json) {
        for (i = 0; i < app->nmembers; i++)
            if (pp_fleet_usable(&app->members[i]))
                json_rows(&app->members[i], app->members[i].host,
                          pp_app_host_label(&app->members[i]), &count);
        pp_json_stream(NULL, &count);
        return rc;
    }
    for (i = 0; i < app->nmembers; i++)
        if (pp_fleet_usable(&app->members[i]))
            zpci = zpci || pp_host_is_s390(app->members[i].host);
    t = pp_table_new(zpci ? 8 : 6);
    pp_table_lead(t, _("HOST"));
    pp_list_header(t, zpci);
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        if (!pp_fleet_usable(m))
            continue;
        pp_table_lead_value(t, pp_app_host_label(m));
        for (k = 0; k < m->host->nfuncs; k++)
            pp_list_row(t, m, &m->host->funcs[k], zpci);
    }
    pp_table_print(t, stdout);
    pp_table_free(t);
    return rc;
}

int pp_cmd_list(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("list");
    bool json = false;
    pp_host *h;
    char *gerr = NULL;
    int c, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &c)) == -1 && c != -1)
        if (c == PP_OPT_JSON)
            json = true;
    if (rc != -1)
        return rc;
    if (optind < argc)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);

    if (app->nmembers > 1)
        return list_fleet(app, json);
    /* the guests are read while the inventory is scanned */
    if (!pp_app_read(app, true, &gerr))
        return pp_cli_fail();
    h = app->host;
    pp_app_print_host_warnings(app);
    /* for the benchmark: what the remote inventory cost */
    if (getenv("PCIPASS_STATS") && h->partial)
        fprintf(stderr,
                _("%s: stats: %zu node devices in %u libvirt calls, %zu guests in %u; %u in "
                  "all\n"),
                pp_progname(), h->nfuncs, h->round_trips, app->guests.n, app->guests.round_trips,
                h->round_trips + app->guests.round_trips);
    /* The inventory stands on its own: without libvirt it is listed, with a warning, unowned. */
    if (gerr)
        fprintf(stderr, _("%s: warning: owners not shown: %s\n"), pp_progname(), gerr);
    free(gerr);
    if (json) {
        size_t count = 0;
        json_rows(app, h, NULL, &count);
        pp_json_stream(NULL, &count);
    } else {
        bool zpci = pp_host_is_s390(h);
        pp_table *t = pp_table_new(zpci ? 8 : 6);
        size_t i;
        pp_list_header(t, zpci);
        for (i = 0; i < h->nfuncs; i++)
            pp_list_row(t, app, &h->funcs[i], zpci);
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    return PP_EXIT_OK;
}
