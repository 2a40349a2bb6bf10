/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest picker: every guest with its state, architecture and what it holds. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "ui-private.h"

typedef struct picker {
    pp_pci_addr addr;
    pp_pci_addr *set; /* several marked functions: assigned together */
    size_t nset;
    char *title;
} picker;

static const pp_guest *guest(size_t row)
{
    return &ui->app->guests.v[row];
}

static const char *title(ui_view *v)
{
    return ((picker *)v->data)->title;
}

static size_t rows(ui_view *v)
{
    return ui->app->guests.n;
}

static char *held(const pp_guest *g)
{
    return pp_owners_guest_text(&ui->app->owners, g);
}

static const char *heading(ui_view *v)
{
    static char buf[256];
    const char *cells[] = { _("GUEST"), _("STATE"), _("ARCH"), _("MACHINE"), _("HOLDS") };
    const int widths[] = { 24, 10, 8, 18, 0 };

    ui_columns(buf, sizeof(buf), cells, widths, 5);
    return buf;
}

static void draw_row(ui_view *v, size_t row, int y, int w, bool sel)
{
    const pp_guest *g = guest(row);
    const pp_domain_info *d = pp_guest_info(g);
    char *h = held(g);
    enum ui_role r = sel ? UI_SELECTED : UI_NORMAL;
    int x = 0;

    x += ui_cell(y, x, 25, r, g->name);
    x += ui_cell(y, x, 11, r, _(pp_guest_state_name(g)));
    x += ui_cell(y, x, 9, r, d->arch ? d->arch : "-");
    x += ui_cell(y, x, 19, r, d->machine ? d->machine : "-");
    ui_put(y, x, w - x, r, *h ? h : "-");
    free(h);
}

static char *row_text(ui_view *v, size_t row)
{
    const pp_guest *g = guest(row);
    const pp_domain_info *d = pp_guest_info(g);
    return xasprintf("%s %s %s", g->name, pp_guest_state_name(g), d->arch ? d->arch : "");
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    picker *p = v->data;
    const pp_function *f;
    bool any;
    size_t row;

    if (a != ACT_ENTER)
        return false;
    row = ui_view_selected(v, &any);
    if (any && p->nset) {
        ui_view *fv = ui_form_view_set(p->set, p->nset, guest(row)->name);
        if (fv)
            ui_push(fv);
        return true;
    }
    f = pp_host_find(ui->app->host, &p->addr);
    if (any && f)
        ui_push(ui_form_view(f, guest(row)->name));
    return true;
}

static void pfree(ui_view *v)
{
    picker *p = v->data;
    free(p->title);
    free(p->set);
    free(p);
}

static const ui_view_ops ops = {
    .screen = UI_SCREEN_GUESTS,
    .flags = UI_VIEW_FILTER,
    .title = title,
    .rows = rows,
    .draw_row = draw_row,
    .heading = heading,
    .row_text = row_text,
    .key = key,
    .free = pfree,
};

ui_view *ui_guests_view(const pp_function *f)
{
    picker *p = xcalloc(1, sizeof(*p));
    p->addr = f->addr;
    p->title = xasprintf(_("Pick the guest for %s %s"), f->name,
                         f->device_name ? f->device_name : "");
    return ui_view_new(&ops, p);
}

ui_view *ui_guests_view_set(const pp_pci_addr *set, size_t n)
{
    picker *p = xcalloc(1, sizeof(*p));
    char *names = pp_pci_addr_join(set, n, ", ");

    p->set = xcalloc(n, sizeof(*set));
    memcpy(p->set, set, n * sizeof(*set));
    p->nset = n;
    p->addr = set[0];
    p->title = xasprintf(_("Pick the guest for %s (together)"), names);
    free(names);
    return ui_view_new(&ops, p);
}
