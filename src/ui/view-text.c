/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scrollable text: the XML preview, the result of an apply, and the help screen. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/change.h"
#include "pcipass/guard.h"
#include "ui-private.h"

typedef struct text {
    char *title;
    char **lines;
    size_t n;
    int indent; /* where a wrapped line goes on: -1 under its own text, else this column */
    /* the preview: what Enter applies */
    bool preview;
    char *guest;
    char *names; /* the functions, comma-separated */
    pp_hostdev *hds;
    size_t nhds;
    unsigned affect;
} text;

static const char *title(ui_view *v)
{
    return ((text *)v->data)->title;
}

static void set_text(text *t, const char *s)
{
    const char *p = s, *nl;

    while (*p) {
        nl = strchr(p, '\n');
        t->lines = xreallocarray(t->lines, t->n + 1, sizeof(*t->lines));
        t->lines[t->n++] = nl ? strndup(p, (size_t)(nl - p)) : xstrdup(p);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* The lines wrapped to W: a long line goes on under its own text (or at the view's column). */
static size_t wrapped(const text *t, int w, char ***out)
{
    char **v = NULL;
    size_t n = 0, i, j;

    for (i = 0; i < t->n; i++) {
        char **l, *indent;
        size_t nl, lead = strspn(t->lines[i], " ");
        indent = xasprintf("%*s", t->indent >= 0 ? t->indent : (int)lead + 2, "");
        nl = ui_wrap(t->lines[i], w, indent, &l);
        v = xreallocarray(v, n + nl, sizeof(*v));
        for (j = 0; j < nl; j++)
            v[n++] = l[j];
        free(l);
        free(indent);
    }
    *out = v;
    return n;
}

static void draw(ui_view *v, int y, int h, int w)
{
    text *t = v->data;
    char **l;
    size_t n = wrapped(t, w, &l);

    ui_view_draw_lines(v, y, h, w, l, NULL, n);
    ui_wrap_free(l, n);
}

static void apply(ui_view *v)
{
    text *t = v->data;
    char *q, *body;
    const char *name = t->names;
    const char *where = _(pp_affect_words(t->affect));
    pp_change c = { 0 };
    pp_findings accepted = { 0 };

    q = xasprintf(_("Attach %s to the %s of guest '%s'?"), name, where, t->guest);
    if (!ui_confirm(q)) {
        free(q);
        ui_status(UI_NORMAL, "%s", _("Nothing applied."));
        return;
    }
    free(q);
    c.kind = PP_CHANGE_ATTACH;
    c.guest = t->guest;
    c.hds = t->hds; /* all or nothing: the service attaches them together */
    c.n = t->nhds;
    c.want_live = t->affect & PP_AFFECT_LIVE;
    c.want_config = t->affect & PP_AFFECT_CONFIG;
    if (!ui_change_guards(&c, &accepted))
        goto out;
    if (ui_apply(&c, _("Applying through libvirt ...")) == PP_CHANGE_DONE) {
        body = xasprintf(_("Applied. libvirt stored this in the %s of guest '%s':\n\n%s"), where,
                         t->guest, c.xml);
        if (c.moved) {
            /* where libvirt put it, not where the form asked */
            q = body;
            body = xasprintf("%s\n%s\n", q, c.moved);
            free(q);
        }
        q = !c.recorded ? xasprintf(_("%s attached to guest '%s', but not recorded for undo: %s"),
                                    c.devices, t->guest, c.record_error)
            : c.identity_error
                ? xasprintf(_("%s attached to guest '%s', but its identity is not recorded: %s"),
                            c.devices, t->guest, c.identity_error)
                : xasprintf(_("%s attached to guest '%s'"), c.devices, t->guest);
        /* frees this view: T is gone from here on; the marks are assigned */
        ui_functions_unmark(ui_pop_to_home());
        ui_push(ui_result_view(_("Assignment applied"), body));
        ui_status(UI_OK, "%s", q);
        free(q);
        free(body);
    }
out:
    pp_findings_clear(&accepted);
    pp_change_clear(&c);
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    text *t = v->data;
    size_t page = (size_t)(ui_lines() - 4);

    (void)k;
    switch (a) {
    case ACT_UP:
        if (v->top)
            v->top--;
        return true;
    case ACT_DOWN:
        v->top++; /* draw keeps it within the wrapped text */
        return true;
    case ACT_PGUP:
        v->top = v->top > page ? v->top - page : 0;
        return true;
    case ACT_PGDN:
        v->top += page;
        return true;
    case ACT_HOME:
        v->top = 0;
        return true;
    case ACT_END:
        v->top = (size_t)-1 / 2;
        return true;
    case ACT_ENTER:
        if (t->preview)
            apply(v);
        else if (v->ops->flags & UI_VIEW_RESULT)
            ui_pop_to_home();
        return true;
    case ACT_BACK:
        if (v->ops->flags & UI_VIEW_RESULT) {
            ui_pop_to_home();
            return true;
        }
        return false;
    default:
        return false;
    }
}

static void tfree(ui_view *v)
{
    text *t = v->data;
    size_t i;
    for (i = 0; i < t->n; i++)
        free(t->lines[i]);
    free(t->lines);
    free(t->title);
    free(t->guest);
    free(t->names);
    free(t->hds);
    free(t);
}

static const ui_view_ops ops_result = { .screen = UI_SCREEN_RESULT,
                                        .flags = UI_VIEW_TEXT | UI_VIEW_RESULT,
                                        .title = title,
                                        .draw = draw,
                                        .key = key,
                                        .free = tfree };
static const ui_view_ops ops_preview = { .screen = UI_SCREEN_PREVIEW,
                                         .flags = UI_VIEW_TEXT,
                                         .title = title,
                                         .draw = draw,
                                         .key = key,
                                         .free = tfree };
static const ui_view_ops ops_help = { .screen = UI_SCREEN_HELP,
                                      .flags = UI_VIEW_TEXT | UI_VIEW_HELP,
                                      .title = title,
                                      .draw = draw,
                                      .key = key,
                                      .free = tfree };

static text *text_new(const char *ttl, const char *s, int indent)
{
    text *t = xcalloc(1, sizeof(*t));
    t->title = xstrdup(ttl);
    t->indent = indent;
    set_text(t, s);
    return t;
}

ui_view *ui_result_view(const char *ttl, const char *s)
{
    return ui_view_new(&ops_result, text_new(ttl, s, -1));
}

ui_view *ui_preview_view(const char *guest, const pp_hostdev *hds, size_t n, unsigned affect)
{
    text *t = xcalloc(1, sizeof(*t));
    pp_buf elements = PP_BUF_INIT, names = PP_BUF_INIT;
    char *xml;
    size_t i;

    t->indent = -1;
    /* every element that will be sent, as the builder makes it */
    for (i = 0; i < n; i++) {
        char name[PP_PCI_ADDR_STRLEN], *one = pp_hostdev_to_xml(&hds[i]);
        pp_pci_addr_format(&hds[i].source, name);
        pp_buf_add(&elements, one);
        free(one);
        pp_buf_item(&names, ", ", name);
    }
    xml = pp_buf_take(&elements);
    t->names = pp_buf_take(&names);
    t->title = xasprintf(_("XML preview: %s to guest '%s' (%s). Enter applies, Esc goes back"),
                         t->names, guest,
                         _(pp_affect_choice(affect)));
    set_text(t, xml);
    free(xml);
    t->preview = true;
    t->guest = xstrdup(guest);
    t->hds = xcalloc(n ? n : 1, sizeof(*t->hds));
    memcpy(t->hds, hds, n * sizeof(*hds));
    t->nhds = n;
    t->affect = affect;
    return ui_view_new(&ops_preview, t);
}

/* The first binding with I's key, action and help text (I itself when none comes before). */
static size_t same_binding(size_t i)
{
    const ui_binding *b = &ui_bindings[i];
    size_t k;

    for (k = 0; k < i; k++) {
        const ui_binding *o = &ui_bindings[k];
        if (o->key == b->key && o->action == b->action && o->help && b->help && o->screen &&
            b->screen && strcmp(o->help, b->help) == 0)
            return k;
    }
    return i;
}

static void help_row(pp_buf *s, const ui_binding *b, const char *views)
{
    char *line = xasprintf("%s (%s)", _(b->help), views);
    const char *cells[] = { "", _(b->keyname), line };
    const int widths[] = { 1, 12, 0 };
    char buf[1024];

    ui_columns(buf, sizeof(buf), cells, widths, 3);
    pp_buf_printf(s, "%s\n", buf);
    free(line);
}

ui_view *ui_help_view(void)
{
    pp_buf s = PP_BUF_INIT, scopes = PP_BUF_INIT;
    char *t;
    size_t i;

    for (i = 0; i < ui_nbindings; i++) {
        const ui_binding *b = &ui_bindings[i];
        char *views;
        size_t k;
        if (!b->help || same_binding(i) < i)
            continue;
        /* one row for a key that does the same on several screens, naming them all */
        pp_buf_add(&scopes, ui_scope_name(b->screen));
        for (k = i + 1; b->screen && k < ui_nbindings; k++)
            if (same_binding(k) == i)
                pp_buf_item(&scopes, ", ", ui_scope_name(ui_bindings[k].screen));
        views = pp_buf_take(&scopes);
        help_row(&s, b, views);
        free(views);
    }
    pp_buf_printf(&s, "\n  %s\n  %s\n", _("Owners: L = in the live configuration, C = in the persistent one."),
                  _("A function held by more than one guest is a CONFLICT: only one of them can start."));
    t = pp_buf_take(&s);
    /* a wrapped help line goes on under the help column */
    {
        ui_view *v = ui_view_new(&ops_help, text_new(_("Help: keys (screen where they work)"), t, 15));
        free(t);
        return v;
    }
}
