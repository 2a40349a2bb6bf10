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

static json_object *function_json(const pp_app *app, const pp_function *f)
{
    const pp_owner *first;
    size_t i, n = pp_owners_of(&app->owners, &f->addr, &first);
    json_object *owners = json_object_new_array();
    json_object *o = json_object_new_object();
    char buf[PP_PCI_ADDR_STRLEN];

    json_object_object_add(o, "address", json_object_new_string(f->name));
    json_object_object_add(o, "class", pp_json_hex(f->class_code, 6));
    json_object_object_add(o, "class_name", pp_json_str_or_null(f->class_name));
    json_object_object_add(o, "vendor_id", pp_json_hex(f->vendor_id, 4));
    json_object_object_add(o, "device_id", pp_json_hex(f->device_id, 4));
    json_object_object_add(o, "vendor", pp_json_str_or_null(f->vendor_name));
    json_object_object_add(o, "device", pp_json_str_or_null(f->device_name));
    json_object_object_add(o, "subsystem_vendor_id", pp_json_hex(f->subsys_vendor_id, 4));
    json_object_object_add(o, "subsystem_device_id", pp_json_hex(f->subsys_device_id, 4));
    json_object_object_add(o, "driver", pp_json_str_or_null(f->driver));
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
static void print_json(const pp_app *app, const pp_host *h)
{
    size_t i;

    if (h->nfuncs == 0) {
        pp_json_print(json_object_new_array());
        return;
    }
    fputs("[\n", stdout);
    for (i = 0; i < h->nfuncs; i++) {
        json_object *o = function_json(app, &h->funcs[i]);
        char *text = pp_json_text(o);
        const char *p = text;

        /* one level deeper: JSON strings never hold a raw newline, so every newline is layout */
        fputs("  ", stdout);
        for (; *p; p++) {
            putchar(*p);
            if (*p == '\n')
                fputs("  ", stdout);
        }
        fputs(i + 1 < h->nfuncs ? ",\n" : "\n", stdout);
        free(text);
        json_object_put(o);
    }
    fputs("]\n", stdout);
}

static char *device_label(const pp_function *f)
{
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
    return xasprintf(_("class %04x"), f->class_code >> 8);
}

static void print_text(const pp_app *app, const pp_host *h)
{
    /* s390: the ids the firmware gave each function, as the operator's HMC shows them */
    bool zpci = pp_host_is_s390(h);
    pp_table *t = pp_table_new(zpci ? 8 : 6);
    size_t i;

    pp_table_right(t, 4);
    if (zpci)
        pp_table_row(t, _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"), _("FID"),
                     _("UID"), _("OWNER"));
    else
        pp_table_row(t, _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"),
                     _("OWNER"));
    for (i = 0; i < h->nfuncs; i++) {
        const pp_function *f = &h->funcs[i];
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
    pp_table_print(t, stdout);
    pp_table_free(t);
}

int pp_cmd_list(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("list");
    bool json = false;
    pp_host *h;
    int c, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, "+h", opts, &c)) == -1 && c != -1)
        if (c == 'j')
            json = true;
    if (rc != -1)
        return rc;
    if (optind < argc)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);

    h = pp_app_host(app);
    if (!h)
        return pp_cli_fail();
    pp_app_print_host_warnings(app);
    /* The inventory stands on its own: without libvirt it is listed, with a warning, unowned. */
    if (!pp_app_guests(app, true))
        fprintf(stderr, _("%s: warning: owners not shown: %s\n"), pp_progname(), pp_error_get());
    if (json)
        print_json(app, h);
    else {
        print_text(app, h);
    }
    return PP_EXIT_OK;
}
