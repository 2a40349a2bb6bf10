/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ownership review: every held function and its guests, the audit's worst findings first, then
 * conflicts; detach from here. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/audit.h"
#include "pcipass/change.h"
#include "pcipass/common.h"
#include "ui-private.h"

typedef struct orow {
    size_t owner; /* index into app->owners */
    bool conflict;
    const pp_audit_finding *finding; /* the worst of this function in this guest, or NULL */
} orow;

typedef struct oview {
    orow *rows;
    size_t n;
    pp_audit audit;
    unsigned built_gen; /* the read of guests the rows were built from */
    bool built;
} oview;

/* Conflicts first, then by address: the owner index is already by address. */
static void build(oview *o)
{
    const pp_owners *ow = &ui->app->owners;
    size_t i, n, k = 0;
    const pp_owner *first;

    free(o->rows);
    o->rows = xcalloc(ow->n ? ow->n : 1, sizeof(*o->rows));
    for (int pass = 0; pass < 2; pass++) {
        for (i = 0; i < ow->n; i += n) {
            bool c;
            n = pp_owners_of(ow, &ow->v[i].source, &first);
            c = pp_owners_conflict(first, n);
            if (c != (pass == 0))
                continue;
            for (size_t j = 0; j < n; j++)
                o->rows[k++] = (orow){ i + j, c, NULL };
        }
    }
    o->n = k;
    /* the audit's findings per function and guest, worst first (stable: conflicts, address) */
    pp_audit_clear(&o->audit);
    if (ui->app->host &&
        pp_audit_run(ui->app->host, &ui->app->guests, ow, NULL, 0, &o->audit)) {
        orow *sorted = xcalloc(k ? k : 1, sizeof(*sorted));
        size_t m = 0;
        for (i = 0; i < k; i++)
            o->rows[i].finding = pp_audit_worst(&o->audit, &ow->v[o->rows[i].owner].source,
                                                ow->v[o->rows[i].owner].guest->name);
        for (int sev = 3; sev >= 0; sev--)
            for (i = 0; i < k; i++)
                if ((o->rows[i].finding ? o->rows[i].finding->severity : 0) == sev)
                    sorted[m++] = o->rows[i];
        free(o->rows);
        o->rows = sorted;
    }
    o->built_gen = ui->app->guests_gen;
    o->built = true;
}

static oview *data(ui_view *v)
{
    oview *o = v->data;
    /* owners are re-read after every change; rebuild when they were */
    if (!o->built || o->built_gen != ui->app->guests_gen)
        build(o);
    return o;
}

static const pp_owner *owner(ui_view *v, size_t row)
{
    return &ui->app->owners.v[data(v)->rows[row].owner];
}

static const char *title(ui_view *v)
{
    return _("Who owns what (findings and conflicts first)");
}

static size_t rows(ui_view *v)
{
    return data(v)->n;
}

static const char *heading(ui_view *v)
{
    static char buf[256];
    const char *cells[] = { _("ADDRESS"), _("CONFLICT"), _("GUEST"), _("IN"), _("TYPE"),
                            _("MANAGED"), _("UID"), _("FID"), _("DEVICE OR FINDING") };
    const int widths[] = { 12, 9, 20, 4, 10, 8, 7, 11, 0 };

    ui_columns(buf, sizeof(buf), cells, widths, 9);
    return buf;
}

static void draw_row(ui_view *v, size_t row, int y, int w, bool sel)
{
    const pp_owner *o = owner(v, row);
    const pp_function *f = pp_host_find(ui->app->host, &o->source);
    bool c = data(v)->rows[row].conflict;
    enum ui_role r = sel ? UI_SELECTED : c ? UI_CONFLICT : UI_NORMAL;
    char addr[PP_PCI_ADDR_STRLEN], uid[8] = "-", fid[12] = "-";
    int x = 0;

    pp_pci_addr_format(&o->source, addr);
    if (o->dev->has_uid)
        snprintf(uid, sizeof(uid), "0x%04x", o->dev->uid);
    if (o->dev->has_fid)
        snprintf(fid, sizeof(fid), "0x%08x", o->dev->fid);
    x += ui_cell(y, x, 13, r, addr);
    x += ui_cell(y, x, 10, r, c ? _("yes") : _("no"));
    x += ui_cell(y, x, 21, r, o->guest->name);
    x += ui_cell(y, x, 5, r, pp_owner_where(o));
    x += ui_cell(y, x, 11, r, o->dev->kind == PP_HD_INTERFACE ? "interface" : "hostdev");
    x += ui_cell(y, x, 9, r, o->dev->managed == PP_MANAGED_NO ? _("no") : _("yes"));
    x += ui_cell(y, x, 8, r, uid);
    x += ui_cell(y, x, 12, r, fid);
    const pp_audit_finding *fd = data(v)->rows[row].finding;
    if (fd) { /* what the audit says is wrong, in place of the name: its kind first */
        char *t = xasprintf("%s: %s", pp_audit_kind_name(fd->kind), fd->msg);
        ui_put(y, x, w - x, sel ? UI_SELECTED : UI_CONFLICT, t);
        free(t);
    } else
        ui_put(y, x, w - x, r,
               f ? (f->device_name ? f->device_name : "?") : _("(not on this host)"));
}

static char *row_text(ui_view *v, size_t row)
{
    const pp_owner *o = owner(v, row);
    char addr[PP_PCI_ADDR_STRLEN];
    pp_pci_addr_format(&o->source, addr);
    return xasprintf("%s %s", addr, o->guest->name);
}

/* Where the connection changes persistent definitions only (pp_virt_affect_choices), only that
 * part of *AFFECT is offered; none left: the status line says why. */
static bool live_detachable(const pp_app *app, const pp_guest *g, unsigned *affect)
{
    unsigned choices[3];
    const char *why;

    pp_virt_affect_choices(app->virt, g, choices, &why);
    if (!why)
        return true;
    *affect &= PP_AFFECT_CONFIG;
    if (!*affect)
        ui_status(UI_ERROR, "%s", _(why));
    return *affect != 0;
}

static void detach(ui_view *v, size_t row)
{
    const pp_owner *o = owner(v, row);
    char addr[PP_PCI_ADDR_STRLEN], *gname = xstrdup(o->guest->name), *q = NULL;
    pp_hostdev hd = { 0 };
    pp_change c = { 0 };
    unsigned affect = (o->live ? PP_AFFECT_LIVE : 0) | (o->config ? PP_AFFECT_CONFIG : 0);

    hd.source = o->source;
    pp_pci_addr_format(&hd.source, addr);
    c.kind = PP_CHANGE_DETACH;
    c.guest = gname;
    c.hds = &hd;
    c.n = 1;
    if (!live_detachable(ui->app, o->guest, &affect))
        goto out;
    /* held in both: the operator picks the scope, both by default (the CLI's --live / --config) */
    if (affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG)) {
        static const unsigned scopes[] = { PP_AFFECT_LIVE | PP_AFFECT_CONFIG, PP_AFFECT_LIVE,
                                           PP_AFFECT_CONFIG };
        const char *names[] = { _(pp_affect_choice(scopes[0])), _(pp_affect_choice(scopes[1])),
                                _(pp_affect_choice(scopes[2])) };
        int i;
        q = xasprintf(_("Detach %s from guest '%s':"), addr, gname);
        i = ui_choose(q, names, 3, 0);
        free(q);
        q = NULL;
        if (i < 0) {
            ui_status(UI_NORMAL, "%s", _("Nothing detached."));
            goto out;
        }
        affect = scopes[i];
    }
    c.want_live = affect & PP_AFFECT_LIVE;
    c.want_config = affect & PP_AFFECT_CONFIG;
    c.wait = PP_UNPLUG_WAIT_SECONDS;
    q = xasprintf(_("Detach %s from the %s of guest '%s'?"), addr, _(pp_affect_words(affect)), gname);
    if (!ui_confirm(q)) {
        ui_status(UI_NORMAL, "%s", _("Nothing detached."));
        goto out;
    }
    /* O points into the owner index, which the change reads anew: only copies from here */
    if (ui_apply(&c, _("Detaching through libvirt ...")) != PP_CHANGE_DONE)
        goto out;
    /* what libvirt holds now: where it is gone, and the slot's siblings that stay */
    if (!c.recorded)
        ui_status(UI_ERROR, _("%s detached from guest '%s', but not recorded for undo: %s"), addr,
                  gname, c.record_error);
    else if (c.siblings)
        ui_status(UI_OK,
                  _("%s detached from the %s of guest '%s'; %s shares its guest slot and stays "
                    "attached."),
                  addr, _(pp_affect_words(c.affect)), gname, c.siblings);
    else
        ui_status(UI_OK, _("%s detached from the %s of guest '%s'."), addr,
                  _(pp_affect_words(c.affect)), gname);
out:
    pp_change_clear(&c);
    free(q);
    free(gname);
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    bool any;
    size_t row = ui_view_selected(v, &any);

    if (!any || (a != ACT_DETACH && a != ACT_ENTER))
        return false;
    if (a == ACT_DETACH) {
        detach(v, row);
        ui_view_invalidate(v);
        return true;
    }
    /* Enter: back to the list, on this function */
    {
        pp_pci_addr src = owner(v, row)->source; /* this view is freed below */
        ui_view *home = ui_pop_to_home();
        const pp_function *f = pp_host_find(ui->app->host, &src);

        home->filter[0] = '\0';
        home->hide_bridges = false;
        ui_view_invalidate(home);
        if (f)
            home->cursor = (size_t)(f - ui->app->host->funcs);
    }
    return true;
}

static void ofree(ui_view *v)
{
    oview *o = v->data;
    free(o->rows);
    pp_audit_clear(&o->audit);
    free(o);
}

/* The selected row whole: its guest, its device and the audit's finding, wrapped (the row's last
 * column is cut at the screen's edge). */
static char *detail_text(ui_view *v, size_t row, enum ui_role *role)
{
    const pp_owner *o = owner(v, row);
    const pp_function *f = pp_host_find(ui->app->host, &o->source);
    const pp_audit_finding *fd = data(v)->rows[row].finding;
    char addr[PP_PCI_ADDR_STRLEN];

    pp_pci_addr_format(&o->source, addr);
    *role = fd || data(v)->rows[row].conflict ? UI_CONFLICT : UI_NORMAL;
    if (fd)
        return xasprintf(_(" %s, guest '%s': %s: %s"), addr, o->guest->name,
                         pp_audit_kind_name(fd->kind), fd->msg);
    return xasprintf(_(" %s, guest '%s': %s"), addr, o->guest->name,
                     f ? (f->device_name ? f->device_name : "?") : _("(not on this host)"));
}

static int detail_lines(ui_view *v)
{
    bool any;
    size_t row = ui_view_selected(v, &any), n;
    enum ui_role r;
    char **l, *t;
    int max = ui_lines() / 4;

    if (!any)
        return 2;
    t = detail_text(v, row, &r);
    n = ui_wrap(t, ui_cols(), "   ", &l);
    ui_wrap_free(l, n);
    free(t);
    if (n < 2)
        n = 2;
    return (int)n < max ? (int)n : max;
}

static void draw_detail(ui_view *v, size_t row, int y, int h, int w)
{
    enum ui_role r;
    char **l, *t = detail_text(v, row, &r);
    size_t n = ui_wrap(t, w, "   ", &l), i;

    for (i = 0; i < (size_t)h; i++)
        ui_put(y + (int)i, 0, w, r, i < n ? l[i] : "");
    ui_wrap_free(l, n);
    free(t);
}

static const ui_view_ops ops = {
    .screen = UI_SCREEN_OWNERS,
    .detail_lines = detail_lines,
    .draw_detail = draw_detail,
    .flags = UI_VIEW_FILTER | UI_VIEW_OWNERS,
    .title = title,
    .rows = rows,
    .draw_row = draw_row,
    .heading = heading,
    .row_text = row_text,
    .key = key,
    .free = ofree,
};

ui_view *ui_owners_view(void)
{
    return ui_view_new(&ops, xcalloc(1, sizeof(oview)));
}
