/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Home screen: every host function, its owners, and a detail pane for the selected one. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "ui-private.h"

/* the functions marked with Space, to be assigned together */
typedef struct marks {
    pp_pci_addr *v;
    size_t n;
} marks;

static bool marked(const ui_view *v, const pp_function *f)
{
    const marks *m = v->data;
    for (size_t i = 0; i < m->n; i++)
        if (pp_pci_addr_eq(&m->v[i], &f->addr))
            return true;
    return false;
}

static const pp_function *func(size_t row)
{
    return &ui->app->host->funcs[row];
}

static size_t owners_of(const pp_function *f, const pp_owner **first)
{
    return pp_owners_of(&ui->app->owners, &f->addr, first);
}

typedef struct cols {
    int addr, cls, dev, drv, grp, fid, uid, own;
} cols;

static char *device_name(const pp_function *f, bool with_vendor);
static char *owner_text(const pp_function *f);

static int maxi(int a, int b)
{
    return a > b ? a : b;
}

/* Column widths from the content and the terminal: the fixed columns as wide as their widest
 * entry, the owners up to what they need, and CLASS and DEVICE sharing what is left. */
static cols columns(int w)
{
    static cols c;
    static int cw = -1;
    static unsigned cgen;
    static const pp_host *ch;
    const pp_host *h = ui->app->host;
    int mcls = (int)ui_text_width(_("CLASS")), mdev = (int)ui_text_width(_("DEVICE")), room, fixed;
    size_t i;

    if (cw == w && ch == h && cgen == ui->app->guests_gen)
        return c;
    memset(&c, 0, sizeof(c));
    c.addr = 12;
    c.drv = (int)ui_text_width(_("DRIVER"));
    c.grp = maxi(5, (int)ui_text_width(_("GROUP")));
    c.own = (int)ui_text_width(_("OWNER"));
    if (pp_host_is_s390(h)) {
        c.fid = maxi(10, (int)ui_text_width(_("FID")));
        c.uid = maxi(6, (int)ui_text_width(_("UID")));
    }
    for (i = 0; i < h->nfuncs; i++) {
        const pp_function *f = &h->funcs[i];
        char *t = device_name(f, w >= 120);
        c.addr = maxi(c.addr, (int)ui_text_width(f->name));
        mcls = maxi(mcls, (int)ui_text_width(f->class_name ? f->class_name : "?"));
        mdev = maxi(mdev, (int)ui_text_width(t));
        c.drv = maxi(c.drv, (int)ui_text_width(f->driver ? f->driver : "-"));
        free(t);
        if ((t = owner_text(f))) {
            c.own = maxi(c.own, (int)ui_text_width(t));
            free(t);
        }
    }
    if (c.drv > (w < 100 ? 10 : 16))
        c.drv = w < 100 ? 10 : 16;
    if (c.own > w / 5)
        c.own = maxi(w / 5, 10);
    /* one blank after each column */
    fixed = c.addr + 1 + c.drv + 1 + c.grp + 1 + (c.fid ? c.fid + 1 : 0) + (c.uid ? c.uid + 1 : 0);
    room = w - fixed - c.own - 2; /* the class and device cells' blanks */
    if (room < 20)
        room = 20;
    if (mcls + mdev <= room) {
        c.cls = mcls;
        c.dev = mdev;
        c.own += room - mcls - mdev; /* the owners take the rest */
    } else {
        /* the class gets up to two fifths, the device name the rest */
        c.cls = mcls < room * 2 / 5 ? mcls : maxi(room * 2 / 5, 8);
        if (mdev < room - c.cls)
            c.cls = room - mdev;
        c.dev = room - c.cls;
    }
    cw = w;
    ch = h;
    cgen = ui->app->guests_gen;
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
    static char buf[512];
    cols c = columns(ui_cols());
    const char *cells[] = { _("ADDRESS"), _("CLASS"),  _("DEVICE"), _("DRIVER"),
                            _("GROUP"),   _("FID"),    _("UID"),    _("OWNER  L=live C=config") };
    const int widths[] = { c.addr, c.cls, c.dev, c.drv, -c.grp, c.fid, c.uid, 0 };
    const char *cells6[] = { cells[0], cells[1], cells[2], cells[3], cells[4], cells[7] };
    const int widths6[] = { c.addr, c.cls, c.dev, c.drv, -c.grp, 0 };

    if (c.fid)
        ui_columns(buf, sizeof(buf), cells, widths, 8);
    else
        ui_columns(buf, sizeof(buf), cells6, widths6, 6);
    return buf;
}

/* "web[LC]" for each guest holding F, "!" in front when they conflict; NULL: none */
static char *owner_text(const pp_function *f)
{
    const pp_owner *first;
    size_t n = owners_of(f, &first);
    char *own, *t;

    if (!n)
        return NULL;
    pp_buf b = PP_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        t = pp_owner_label(&first[i]);
        pp_buf_item(&b, ",", t);
        free(t);
    }
    own = pp_buf_take(&b);
    if (pp_owners_conflict(first, n)) {
        t = xasprintf("!%s", own);
        free(own);
        own = t;
    }
    return own;
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
    char *dev = device_name(f, w >= 120), group[12], *own = owner_text(f);
    int x = 0;

    if (f->iommu_group >= 0)
        snprintf(group, sizeof(group), "%*d", c.grp, f->iommu_group);
    else
        snprintf(group, sizeof(group), "%*s", c.grp, "-");
    x += ui_cell(y, x, c.addr + 1, role, f->name);
    if (marked(v, f)) /* in the blank after the address */
        ui_put(y, c.addr, 1, sel ? UI_SELECTED : UI_FIELD_FOCUS, "*");
    x += ui_cell(y, x, c.cls + 1, role, f->class_name ? f->class_name : "?");
    x += ui_cell(y, x, c.dev + 1, role, dev);
    x += ui_cell(y, x, c.drv + 1, role, f->driver ? f->driver : "-");
    x += ui_cell(y, x, c.grp + 1, role, group);
    if (c.fid) {
        char fid[16] = "-", uid[16] = "-";
        if (f->has_zpci) {
            snprintf(fid, sizeof(fid), "0x%08x", f->zpci.fid);
            snprintf(uid, sizeof(uid), "0x%04x", f->zpci.uid);
        }
        x += ui_cell(y, x, c.fid + 1, role, fid);
        x += ui_cell(y, x, c.uid + 1, role, uid);
    }
    ui_put(y, x, w - x, role, own ? own : "-");
    free(dev);
    free(own);
}

static char *row_text(ui_view *v, size_t row)
{
    const pp_function *f = func(row);
    const pp_owner *first;
    size_t n = owners_of(f, &first), i;
    char *dev = device_name(f, true);
    pp_buf b = PP_BUF_INIT;

    /* what operators call the class too: a display controller is the GPU */
    pp_buf_printf(&b, "%s %s %s %s %s", f->name, f->class_name ? f->class_name : "", dev,
                  f->driver ? f->driver : "", (f->class_code >> 16) == 0x03 ? "GPU" : "");
    for (i = 0; i < n; i++)
        pp_buf_item(&b, " ", first[i].guest->name);
    free(dev);
    return pp_buf_take(&b);
}

/* The detail pane's paragraphs for F, each with its role; wrapped to the width when drawn. */
typedef struct dline {
    enum ui_role role;
    char *text;
} dline;

static void add(dline *d, size_t *n, enum ui_role role, char *text)
{
    d[*n].role = role;
    d[(*n)++].text = text;
}

/* Why it is on its driver and whether the kernel can reset it: facts the host module read. */
static void host_facts(const pp_function *f, dline *d, size_t *n)
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
    add(d, n, UI_NORMAL, line);
    if (ui->app->host->partial) /* what find --free marks, said where the function is shown */
        add(d, n, UI_CONFLICT,
            xstrdup(_(" Host-critical: unknown on this host (libvirt's node devices do not say)")));
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
    add(d, n, f->no_reset ? UI_CONFLICT : UI_NORMAL, line);
}

static size_t detail(const pp_function *f, dline *d)
{
    const pp_function *members[64];
    size_t nm = pp_host_group_members(ui->app->host, f, members, 64), i, n, nd = 0;
    const pp_owner *first;
    char *line, *t;
    pp_buf b = PP_BUF_INIT;
    char numa[12] = "-";

    if (f->numa_node >= 0)
        snprintf(numa, sizeof(numa), "%d", f->numa_node);
    if (ui->app->host->partial) /* node devices carry no revision or subsystem */
        add(d, &nd, UI_NORMAL,
            xasprintf(_(" %s [%04x:%04x] rev unknown sub unknown NUMA %s  class %06x %s: %s %s"),
                      f->name, f->vendor_id, f->device_id, numa, (unsigned)f->class_code,
                      f->class_name ? f->class_name : "", f->vendor_name ? f->vendor_name : "",
                      f->device_name ? f->device_name : ""));
    else
        add(d, &nd, UI_NORMAL,
            xasprintf(" %s [%04x:%04x] rev %02x sub %04x:%04x NUMA %s  %s: %s %s", f->name,
                      f->vendor_id, f->device_id, f->revision, f->subsys_vendor_id,
                      f->subsys_device_id, numa, f->class_name ? f->class_name : "?",
                      f->vendor_name ? f->vendor_name : "", f->device_name ? f->device_name : ""));

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
    add(d, &nd, UI_NORMAL, line);

    if (f->iommu_group < 0)
        line = xstrdup(_(" IOMMU group: none (no IOMMU, or not enabled)"));
    else if (nm == 0)
        line = xasprintf(_(" IOMMU group %d: this function alone"), f->iommu_group);
    else
        line = xasprintf(_(" IOMMU group %d also holds:"), f->iommu_group);
    pp_buf_add(&b, line);
    free(line);
    for (i = 0; i < nm; i++) {
        n = pp_owners_of(&ui->app->owners, &members[i]->addr, &first);
        pp_buf_printf(&b, "%s %s (%s%s%s)", i ? ";" : "", members[i]->name,
                      members[i]->driver ? members[i]->driver : _("no driver"), n ? ", " : "",
                      n ? first[0].guest->name : "");
    }
    line = pp_buf_take(&b);
    add(d, &nd, nm ? UI_NORMAL : UI_DIM, line);

    n = owners_of(f, &first);
    if (!n) {
        line = xstrdup(_(" Held by: no guest"));
    } else {
        pp_buf_add(&b, _(" Held by:"));
        /* entries apart: "batch (persistent configuration); web (live configuration)" */
        for (i = 0; i < n; i++)
            pp_buf_printf(&b, "%s %s (%s)", i ? ";" : "", first[i].guest->name,
                          _(pp_affect_words(PP_AFFECT_OF(first[i].live, first[i].config))));
        line = pp_buf_take(&b);
    }
    add(d, &nd, pp_owners_conflict(first, n) ? UI_CONFLICT : UI_NORMAL, line);
    host_facts(f, d, &nd);
    if (pp_owners_conflict(first, n))
        add(d, &nd, UI_CONFLICT,
            xstrdup(_(" CONFLICT: more than one guest holds this function; only one can start with it")));
    return nd;
}

#define DETAIL_MAX 8

/* The pane's height: the selected function's paragraphs wrapped to the width, at least the
 * seven lines it always had (the list does not jump as the cursor moves), at most a third of
 * the screen. */
static int detail_lines(ui_view *v)
{
    bool any;
    size_t row = ui_view_selected(v, &any), nd, i, total = 0;
    dline d[DETAIL_MAX];
    int max = ui_lines() / 3;

    if (!any)
        return 7;
    nd = detail(func(row), d);
    for (i = 0; i < nd; i++) {
        char **l;
        size_t n = ui_wrap(d[i].text, ui_cols(), "   ", &l);
        total += n;
        ui_wrap_free(l, n);
        free(d[i].text);
    }
    if (total < 7)
        total = 7;
    return (int)total < max ? (int)total : max;
}

static void draw_detail(ui_view *v, size_t row, int y, int h, int w)
{
    dline d[DETAIL_MAX];
    size_t nd = detail(func(row), d), i, j;
    int line = 0;

    for (i = 0; i < nd; i++) {
        char **l;
        size_t n = ui_wrap(d[i].text, w, "   ", &l);
        for (j = 0; j < n && line < h; j++)
            ui_put(y + line++, 0, w, d[i].role, l[j]);
        ui_wrap_free(l, n);
        free(d[i].text);
    }
    while (line < h)
        ui_put(y + line++, 0, w, UI_NORMAL, "");
}

/* The selected row, when it is a function that can go to a guest; a bridge is refused, saying
 * so. */
static bool assignable_row(ui_view *v, size_t *row)
{
    bool any;

    *row = ui_view_selected(v, &any);
    if (!any)
        return false;
    if (func(*row)->bridge) {
        ui_status(UI_ERROR, _("%s is a bridge: bridges cannot be assigned to a guest"),
                  func(*row)->name);
        return false;
    }
    return true;
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    marks *m = v->data;
    size_t row, i;

    switch (a) {
    case ACT_MARK:
        if (!assignable_row(v, &row))
            return true;
        for (i = 0; i < m->n && !pp_pci_addr_eq(&m->v[i], &func(row)->addr); i++)
            ;
        if (i < m->n) {
            m->v[i] = m->v[--m->n];
        } else {
            m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
            m->v[m->n++] = func(row)->addr;
        }
        if (m->n)
            ui_status(UI_NORMAL,
                      P_("%zu function marked; Enter assigns the marked together, Space unmarks",
                         "%zu functions marked; Enter assigns the marked together, Space unmarks",
                         m->n),
                      m->n);
        else
            ui_status_clear();
        ui_repaint_row(v);
        return true;
    case ACT_ENTER:
    case ACT_ASSIGN:
        if (m->n > 1) {
            ui_push(ui_guests_view_set(m->v, m->n));
            return true;
        }
        if (!assignable_row(v, &row))
            return true;
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

static void ffree(ui_view *v)
{
    marks *m = v->data;
    free(m->v);
    free(m);
}

static const ui_view_ops ops = {
    .screen = UI_SCREEN_FUNCTIONS,
    .flags = UI_VIEW_HOME | UI_VIEW_FILTER,
    .title = title,
    .rows = rows,
    .draw_row = draw_row,
    .heading = heading,
    .row_text = row_text,
    .detail_lines = detail_lines,
    .draw_detail = draw_detail,
    .key = key,
    .hidden = hidden,
    .free = ffree,
};

ui_view *ui_functions_view(void)
{
    return ui_view_new(&ops, xcalloc(1, sizeof(marks)));
}

void ui_functions_unmark(ui_view *v)
{
    marks *m = v->data;
    m->n = 0;
}
