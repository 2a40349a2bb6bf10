/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Home screen: every host function, its owners, and a detail pane for the selected one. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/ui.h"

static const pp_function *func(size_t row)
{
    return &ui->app->host->funcs[row];
}

static size_t owners_of(const pp_function *f, const pp_owner **first)
{
    return pp_owners_of(&ui->app->owners, &f->addr, first);
}

typedef struct cols {
    int cls, dev, drv, grp, own;
} cols;

static cols columns(int w)
{
    cols c;
    c.cls = w >= 120 ? 22 : 12;
    c.own = w >= 120 ? 30 : 17;
    c.drv = w >= 120 ? 13 : 10;
    c.grp = 5;
    c.dev = w - 12 - c.cls - c.drv - c.grp - c.own - 5;
    if (c.dev < 10)
        c.dev = 10;
    return c;
}

static const char *title(ui_view *v)
{
    return v->hide_bridges ? _("Host PCI functions (bridges hidden)") : _("Host PCI functions");
}

static size_t rows(ui_view *v)
{
    return ui->app->host->nfuncs;
}

static bool hidden(ui_view *v, size_t row)
{
    return v->hide_bridges && func(row)->bridge;
}

static char *device_name(const pp_function *f, bool with_vendor)
{
    if (f->vendor_name && f->device_name && with_vendor)
        return xasprintf("%s %s", f->vendor_name, f->device_name);
    if (f->device_name)
        return xstrdup(f->device_name);
    return xasprintf("[%04x:%04x]", f->vendor_id, f->device_id);
}

static const char *heading(ui_view *v)
{
    static char buf[256];
    cols c = columns(ui_cols());
    const char *cells[] = { _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"),
                            _("OWNER  L=live C=config") };
    const int widths[] = { 12, c.cls, c.dev, c.drv, -c.grp, 0 };

    ui_columns(buf, sizeof(buf), cells, widths, 6);
    return buf;
}

static void draw_row(ui_view *v, size_t row, int y, int w, bool sel)
{
    const pp_function *f = func(row);
    const pp_owner *first;
    size_t n = owners_of(f, &first);
    bool conflict = pp_owners_conflict(first, n);
    enum ui_role role = sel ? UI_SELECTED : conflict ? UI_CONFLICT : f->bridge ? UI_DIM : UI_NORMAL;
    cols c = columns(w);
    /* narrow terminals: the device's name says more than its vendor's */
    char *dev = device_name(f, w >= 120), group[12], *own = NULL;
    int x = 0;

    if (n) {
        char *t;
        own = xstrdup("");
        for (size_t i = 0; i < n; i++) {
            t = xasprintf("%s%s%s[%s%s]", own, i ? "," : "", first[i].guest->name,
                          first[i].live ? "L" : "", first[i].config ? "C" : "");
            free(own);
            own = t;
        }
        if (conflict) {
            t = xasprintf("!%s", own);
            free(own);
            own = t;
        }
    }
    if (f->iommu_group >= 0)
        snprintf(group, sizeof(group), "%5d", f->iommu_group);
    else
        snprintf(group, sizeof(group), "%5s", "-");
    x += ui_cell(y, x, 13, role, f->name);
    x += ui_cell(y, x, c.cls + 1, role, f->class_name ? f->class_name : "?");
    x += ui_cell(y, x, c.dev + 1, role, dev);
    x += ui_cell(y, x, c.drv + 1, role, f->driver ? f->driver : "-");
    x += ui_cell(y, x, c.grp + 1, role, group);
    ui_put(y, x, w - x, role, own ? own : "-");
    free(dev);
    free(own);
}

static char *row_text(ui_view *v, size_t row)
{
    const pp_function *f = func(row);
    const pp_owner *first;
    size_t n = owners_of(f, &first), i;
    char *dev = device_name(f, true), *s, *t;

    s = xasprintf("%s %s %s %s", f->name, f->class_name ? f->class_name : "", dev,
                  f->driver ? f->driver : "");
    for (i = 0; i < n; i++) {
        t = xasprintf("%s %s", s, first[i].guest->name);
        free(s);
        s = t;
    }
    free(dev);
    return s;
}

static int detail_lines(ui_view *v)
{
    return 7;
}

/* Why it is on its driver and whether the kernel can reset it: facts the host module read. */
static void draw_host_facts(const pp_function *f, int y, int w)
{
    pp_binding b;
    char *line, *why;

    if (pp_app_binding(ui->app, f, &b)) {
        why = pp_binding_sentence(f, &b);
        line = xasprintf(_(" Driver: %s"), why);
        free(why);
    } else {
        line = xstrdup(_(" Driver: none bound"));
    }
    ui_put(y, 0, w, UI_NORMAL, line);
    free(line);
    if (ui->app->host->partial)
        line = xstrdup(_(" Reset: unknown on this host (libvirt's node devices do not say)"));
    else if (f->reset_method && *f->reset_method)
        line = xasprintf(_(" Reset: the kernel can reset it (reset_method: %s)"), f->reset_method);
    else if (f->resettable)
        line = xstrdup(_(" Reset: the kernel can reset it; this kernel does not list its methods"));
    else if (f->no_reset)
        line = xstrdup(_(" Reset: the kernel has no reset method for it; a guest restart may "
                         "leave it unusable"));
    else
        line = xstrdup(_(" Reset: unknown (its reset attributes are not readable)"));
    ui_put(y + 1, 0, w, f->no_reset ? UI_CONFLICT : UI_NORMAL, line);
    free(line);
}

static void draw_detail(ui_view *v, size_t row, int y, int h, int w)
{
    const pp_function *f = func(row);
    const pp_function *members[64];
    size_t nm = pp_host_group_members(ui->app->host, f, members, 64), i, n;
    const pp_owner *first;
    char *line, *t;

    char numa[12] = "-";

    if (f->numa_node >= 0)
        snprintf(numa, sizeof(numa), "%d", f->numa_node);
    if (ui->app->host->partial) /* node devices carry no revision, subsystem or class name */
        ui_putf(y, 0, w, UI_NORMAL, _(" %s [%04x:%04x] rev unknown sub unknown NUMA %s  class %06x: %s %s"),
                f->name, f->vendor_id, f->device_id, numa, (unsigned)f->class_code,
                f->vendor_name ? f->vendor_name : "", f->device_name ? f->device_name : "");
    else
        ui_putf(y, 0, w, UI_NORMAL, " %s [%04x:%04x] rev %02x sub %04x:%04x NUMA %s  %s: %s %s", f->name,
                f->vendor_id, f->device_id, f->revision, f->subsys_vendor_id, f->subsys_device_id,
                numa, f->class_name ? f->class_name : "?", f->vendor_name ? f->vendor_name : "",
                f->device_name ? f->device_name : "");

    if (f->is_vf) {
        char pf[PP_PCI_ADDR_STRLEN];
        pp_pci_addr_format(&f->physfn, pf);
        line = xasprintf(_(" SR-IOV: virtual function of %s"), pf);
    } else if (f->is_pf) {
        line = xasprintf(_(" SR-IOV: physical function, %u of %u VFs enabled"), f->sriov_enabled,
                         f->sriov_total);
    } else {
        line = xstrdup(_(" SR-IOV: -"));
    }
    if (f->has_zpci) {
        t = f->zpci.uid_is_unique
                ? xasprintf(_("%s   zPCI: fid 0x%08x uid 0x%04x (unique) pchid 0x%04x"), line,
                            f->zpci.fid, f->zpci.uid, f->zpci.pchid)
                : xasprintf(_("%s   zPCI: fid 0x%08x uid 0x%04x pchid 0x%04x"), line, f->zpci.fid,
                            f->zpci.uid, f->zpci.pchid);
        free(line);
        line = t;
    }
    if (f->bridge) {
        t = xasprintf(_("%s   bridge: not assignable"), line);
        free(line);
        line = t;
    }
    if (f->boot_vga) {
        t = xasprintf(_("%s   boot VGA of the host"), line);
        free(line);
        line = t;
    }
    ui_put(y + 1, 0, w, UI_NORMAL, line);
    free(line);

    if (f->iommu_group < 0)
        line = xstrdup(_(" IOMMU group: none (no IOMMU, or not enabled)"));
    else if (nm == 0)
        line = xasprintf(_(" IOMMU group %d: this function alone"), f->iommu_group);
    else
        line = xasprintf(_(" IOMMU group %d also holds:"), f->iommu_group);
    for (i = 0; i < nm; i++) {
        n = pp_owners_of(&ui->app->owners, &members[i]->addr, &first);
        t = xasprintf("%s %s (%s%s%s)", line, members[i]->name,
                      members[i]->driver ? members[i]->driver : _("no driver"), n ? ", " : "",
                      n ? first[0].guest->name : "");
        free(line);
        line = t;
    }
    ui_put(y + 2, 0, w, nm ? UI_NORMAL : UI_DIM, line);
    free(line);

    n = owners_of(f, &first);
    if (!n) {
        line = xstrdup(_(" Held by: no guest"));
    } else {
        line = xstrdup(_(" Held by:"));
        for (i = 0; i < n; i++) {
            t = xasprintf("%s %s (%s)", line, first[i].guest->name,
                          first[i].live && first[i].config ? _("running and persistent config")
                          : first[i].live                  ? _("running only")
                                                           : _("persistent config"));
            free(line);
            line = t;
        }
    }
    ui_put(y + 3, 0, w, pp_owners_conflict(first, n) ? UI_CONFLICT : UI_NORMAL, line);
    free(line);
    draw_host_facts(f, y + 4, w);
    if (pp_owners_conflict(first, n))
        ui_put(y + 6, 0, w, UI_CONFLICT,
               _(" CONFLICT: more than one guest holds this function; only one can start with it"));
    else
        ui_put(y + 6, 0, w, UI_NORMAL, "");
    (void)h;
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    bool any;
    size_t row;

    switch (a) {
    case ACT_ENTER:
    case ACT_ASSIGN:
        row = ui_view_selected(v, &any);
        if (!any)
            return true;
        if (func(row)->bridge) {
            ui_status(UI_ERROR, _("%s is a bridge: bridges cannot be assigned to a guest"),
                      func(row)->name);
            return true;
        }
        ui_push(ui_guests_view(func(row)));
        return true;
    case ACT_BRIDGES:
        v->hide_bridges = !v->hide_bridges;
        ui_view_invalidate(v);
        return true;
    default:
        return false;
    }
}

static const ui_view_ops ops = {
    .name = "functions",
    .title = title,
    .rows = rows,
    .draw_row = draw_row,
    .heading = heading,
    .row_text = row_text,
    .detail_lines = detail_lines,
    .draw_detail = draw_detail,
    .key = key,
    .hidden = hidden,
};

ui_view *ui_functions_view(void)
{
    return ui_view_new(&ops, NULL);
}
