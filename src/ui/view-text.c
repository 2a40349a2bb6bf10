/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scrollable text: the XML preview, the result of an apply, and the help screen. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/change.h"
#include "pcipass/guard.h"
#include "pcipass/ui.h"

typedef struct text {
    char *title;
    char **lines;
    size_t n;
    char name[16];
    /* the preview: what Enter applies */
    bool preview;
    pp_pci_addr addr;
    char *guest;
    pp_hostdev hd;
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

static void draw(ui_view *v, int y, int h, int w)
{
    text *t = v->data;
    int i;

    if (h < 1)
        return;
    if (t->n > (size_t)h && v->top > t->n - (size_t)h)
        v->top = t->n - (size_t)h;
    if (t->n <= (size_t)h)
        v->top = 0;
    for (i = 0; i < h; i++) {
        size_t r = v->top + (size_t)i;
        ui_put(y + i, 0, w, UI_NORMAL, r < t->n ? t->lines[r] : "");
    }
}

/* The same guards as `pcipass attach`, through the same change: unforceable findings refuse,
 * forceable ones need the operator's explicit yes (the console's --force), each on its own. */
static bool guards_allow(pp_app *app, pp_change *c)
{
    size_t i;

    if (!pp_change_check(app, c)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        return false;
    }
    for (i = 0; i < c->findings.n; i++) {
        if (!c->findings.v[i].forceable) {
            ui_status(UI_ERROR, _("refused: %s"), c->findings.v[i].msg);
            return false;
        }
    }
    for (i = 0; i < c->findings.n; i++) {
        char *q = xasprintf(_("Warning: %s. Override and apply anyway?"), c->findings.v[i].msg);
        bool go = ui_confirm(q);
        free(q);
        if (!go) {
            ui_status(UI_NORMAL, "%s", _("Nothing applied."));
            return false;
        }
    }
    return true;
}

/* What the change waits for (another pcipass's lock, a guest's release), on the status line. */
static void say_waiting(void *arg, const char *msg)
{
    (void)arg;
    ui_status(UI_NORMAL, "%s", msg);
}

static void apply(ui_view *v)
{
    text *t = v->data;
    pp_app *app = ui->app;
    char *q, *body, name[PP_PCI_ADDR_STRLEN];
    const char *where = ui_affect_name(t->affect);
    pp_change c = { 0 };
    pp_findings accepted = { 0 };

    pp_pci_addr_format(&t->addr, name);
    q = xasprintf(_("Attach %s to the %s of guest '%s'?"), name, where, t->guest);
    if (!ui_confirm(q)) {
        free(q);
        ui_status(UI_NORMAL, "%s", _("Nothing applied."));
        return;
    }
    free(q);
    c.kind = PP_CHANGE_ATTACH;
    c.guest = t->guest;
    c.hds = &t->hd;
    c.n = 1;
    c.want_live = t->affect & PP_AFFECT_LIVE;
    c.want_config = t->affect & PP_AFFECT_CONFIG;
    c.waiting = say_waiting;
    if (!guards_allow(app, &c)) {
        pp_change_clear(&c);
        return;
    }
    /* what the operator said yes to; anything new the change finds under its lock still stops it */
    accepted = c.findings;
    c.findings = (pp_findings){ 0 };
    c.accepted = &accepted;
    ui_status(UI_NORMAL, _("Applying through libvirt ..."));
    pp_change_apply(app, &c);
    /* before the status line, which it would overwrite */
    ui_refresh_guests();
    switch (c.state) {
    case PP_CHANGE_DONE:
        body = xasprintf(_("Applied. libvirt stored this in the %s of guest '%s':\n\n%s"), where,
                         t->guest, c.xml);
        q = !c.recorded ? xasprintf(_("%s attached to guest '%s', but not recorded for undo: %s"),
                                    name, t->guest, c.record_error)
            : c.identity_error
                ? xasprintf(_("%s attached to guest '%s', but its identity is not recorded: %s"),
                            name, t->guest, c.identity_error)
                : xasprintf(_("%s attached to guest '%s'"), name, t->guest);
        ui_pop_to_home(); /* frees this view: T is gone from here on */
        ui_push(ui_text_view(_("Assignment applied"), body, "result"));
        ui_status(UI_OK, "%s", q);
        free(q);
        free(body);
        break;
    case PP_CHANGE_REFUSED:
        if (pp_change_blocking(&c.findings, false, &accepted) && c.findings.n)
            ui_status(UI_ERROR, _("refused: %s"), c.findings.v[0].msg);
        else
            ui_status(UI_ERROR, "%s", c.error ? c.error : "?");
        break;
    default:
        ui_status(UI_ERROR, "%s", c.error ? c.error : "?");
        break;
    }
    pp_findings_clear(&accepted);
    pp_change_clear(&c);
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    text *t = v->data;
    size_t page = (size_t)(ui_lines() - 4);

    switch (a) {
    case ACT_UP:
        if (v->top)
            v->top--;
        return true;
    case ACT_DOWN:
        if (v->top + 1 < t->n)
            v->top++;
        return true;
    case ACT_PGUP:
        v->top = v->top > page ? v->top - page : 0;
        return true;
    case ACT_PGDN:
        v->top = v->top + page < t->n ? v->top + page : v->top;
        return true;
    case ACT_HOME:
        v->top = 0;
        return true;
    case ACT_END:
        v->top = t->n ? t->n - 1 : 0;
        return true;
    case ACT_ENTER:
        if (t->preview)
            apply(v);
        else if (strcmp(t->name, "result") == 0)
            ui_pop_to_home();
        return true;
    case ACT_BACK:
        if (strcmp(t->name, "result") == 0) {
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
    free(t);
}

static const ui_view_ops ops_text = { .name = "text", .title = title, .draw = draw, .key = key, .free = tfree };
static const ui_view_ops ops_preview = { .name = "preview", .title = title, .draw = draw, .key = key, .free = tfree };
static const ui_view_ops ops_help = { .name = "help", .title = title, .draw = draw, .key = key, .free = tfree };

ui_view *ui_text_view(const char *ttl, const char *s, const char *name)
{
    text *t = xcalloc(1, sizeof(*t));
    t->title = xstrdup(ttl);
    snprintf(t->name, sizeof(t->name), "%s", name);
    set_text(t, s);
    return ui_view_new(strcmp(name, "help") == 0 ? &ops_help : &ops_text, t);
}

ui_view *ui_preview_view(const pp_function *f, const char *guest, const pp_hostdev *hd,
                         unsigned affect)
{
    text *t = xcalloc(1, sizeof(*t));
    char *xml = pp_hostdev_to_xml(hd);

    t->title = xasprintf(_("XML preview: %s to guest '%s' (%s). Enter applies, Esc goes back"),
                         f->name, guest,
                         affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG) ? _("live and config")
                         : affect == PP_AFFECT_LIVE                    ? _("live only")
                                                                       : _("config only"));
    snprintf(t->name, sizeof(t->name), "preview");
    set_text(t, xml);
    free(xml);
    t->preview = true;
    t->addr = f->addr;
    t->guest = xstrdup(guest);
    t->hd = *hd;
    t->affect = affect;
    return ui_view_new(&ops_preview, t);
}

ui_view *ui_help_view(void)
{
    char *s = xstrdup(""), *t;
    size_t i;
    ui_view *v;

    for (i = 0; i < ui_nbindings; i++) {
        const ui_binding *b = &ui_bindings[i];
        if (!b->help)
            continue;
        const char *cells[] = { "", _(b->keyname), _(b->help), b->view ? b->view : _("everywhere") };
        const int widths[] = { 1, 12, 45, 0 };
        char line[512];

        ui_columns(line, sizeof(line), cells, widths, 4);
        t = xasprintf("%s%s\n", s, line);
        free(s);
        s = t;
    }
    t = xasprintf("%s\n  %s\n  %s\n", s, _("Owners: L = in the running guest, C = in its persistent configuration."),
                  _("A function held by more than one guest is a CONFLICT: only one of them can start."));
    free(s);
    v = ui_text_view(_("Help: keys (screen where they work)"), t, "help");
    free(t);
    return v;
}
