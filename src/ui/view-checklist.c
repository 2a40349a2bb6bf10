/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The setup checklist, the same items as `pcipass check`: shown first when something fails, and
 * again whenever the operator asks (c). Wrapped to the terminal each time it is drawn, each
 * message's lines and its fix under the message column, failures and warnings in colour. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/check.h"
#include "pcipass/common.h"
#include "pcipass/setup.h"
#include "ui-private.h"

typedef struct checklist {
    pp_checks c;
    char *title;
    char *preview; /* a setup step's diff while its question is open; NULL: the list */
} checklist;

static const char *mark(pp_check_status s)
{
    return pp_check_status_label(s);
}

static enum ui_role role(pp_check_status s)
{
    return s == PP_CHECK_PASS ? UI_OK : s == PP_CHECK_WARN || s == PP_CHECK_PENDING ? UI_FIELD
                                                                                 : UI_ERROR;
}

static const char *title(ui_view *v)
{
    return ((checklist *)v->data)->title;
}

/* the message column: after the widest "[mark] id" */
static int message_column(const checklist *cl)
{
    size_t i, w = 0;

    for (i = 0; i < cl->c.n; i++) {
        char *p = xasprintf(" [%s] %s", mark(cl->c.v[i].status), cl->c.v[i].id);
        size_t pw = ui_text_width(p);
        free(p);
        if (pw > w)
            w = pw;
    }
    /* as `pcipass check` lines them up: ids padded to nine columns */
    return (int)(w > 17 ? w : 17) + 1;
}

/* TEXT wrapped at width W (INDENT on the lines after the first) added to the N lines *V, each in
 * ROLE (*R). */
static void add_wrapped(char ***v, enum ui_role **r, size_t *n, const char *text, int w,
                        const char *indent, enum ui_role role)
{
    char **l;
    size_t nl = ui_wrap(text, w, indent, &l), j;

    *v = xreallocarray(*v, *n + nl, sizeof(**v));
    *r = xreallocarray(*r, *n + nl, sizeof(**r));
    for (j = 0; j < nl; j++) {
        (*v)[*n] = l[j];
        (*r)[(*n)++] = role;
    }
    free(l);
}

/* Every line of the list at width W: message lines and fix lines, each with its role. */
static size_t lines(const checklist *cl, int w, char ***out, enum ui_role **roles)
{
    int col = message_column(cl);
    char *indent;
    char **v = NULL;
    enum ui_role *r = NULL;
    size_t n = 0, i;

    if (col > w / 2)
        col = w / 2;
    indent = xasprintf("%*s", col, "");
    for (i = 0; i < cl->c.n; i++) {
        const pp_check_item *it = &cl->c.v[i];
        char *head = xasprintf(" [%s] %s", mark(it->status), it->id), *text;
        size_t hw = ui_text_width(head);
        /* the head padded to the message column by display width */
        text = xasprintf("%s%*s%s", head, hw < (size_t)col ? col - (int)hw : 1, "", it->message);
        add_wrapped(&v, &r, &n, text, w, indent, role(it->status));
        free(text);
        free(head);
        if (it->fix) {
            char *fix = xasprintf(_("fix: %s"), it->fix), *first = xasprintf("%s%s", indent, fix);
            add_wrapped(&v, &r, &n, first, w, indent, UI_NORMAL);
            free(first);
            free(fix);
        }
    }
    free(indent);
    *out = v;
    *roles = r;
    return n;
}

/* The preview's lines: each wrapped at W, in the normal role. */
static size_t preview_lines(const checklist *cl, int w, char ***out, enum ui_role **roles)
{
    char **v = NULL, *text = xstrdup(cl->preview), *save = NULL, *line;
    enum ui_role *r = NULL;
    size_t n = 0;

    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        add_wrapped(&v, &r, &n, line, w, "  ",
                    line[0] == '+' ? UI_OK : line[0] == '-' ? UI_ERROR : UI_NORMAL);
    free(text);
    *out = v;
    *roles = r;
    return n;
}

static void draw(ui_view *v, int y, int h, int w)
{
    checklist *cl = v->data;
    char **l;
    enum ui_role *r;
    size_t n = cl->preview ? preview_lines(cl, w, &l, &r) : lines(cl, w, &l, &r);

    ui_view_draw_lines(v, y, h, w, l, r, n);
    ui_wrap_free(l, n);
    free(r);
}

/* What the step will change, as `pcipass setup --dry-run` shows it. */
static char *preview_text(const pp_setup_plan *p)
{
    pp_buf b = PP_BUF_INIT;
    char *t;

    pp_buf_printf(&b, _("setup %s: %s\n"), pp_step_name(p->step.kind), p->what);
    for (size_t i = 0; i < p->nedits; i++) {
        char *d = pp_setup_diff(&p->edits[i]);
        pp_buf_add(&b, d);
        free(d);
    }
    for (size_t i = 0; i < p->ncommands; i++)
        pp_buf_printf(&b, p->fake ? _("not run (a fake root): %s\n") : _("runs: %s\n"),
                      p->commands[i]);
    if (p->note)
        pp_buf_printf(&b, "%s\n", p->note);
    t = pp_escape(b.s ? b.s : "", PP_ESC_LAYOUT);
    pp_buf_free(&b);
    return t;
}

static void say_outcome(const pp_setup_plan *p)
{
    if (p->state == PP_SETUP_DONE)
        ui_status(UI_OK, p->reboot ? _("setup %s: done; configured, takes effect at the next boot.")
                                   : _("setup %s: done."),
                  pp_step_name(p->step.kind));
    else if (p->state == PP_SETUP_NOTHING)
        ui_status(UI_NORMAL, _("setup %s: nothing to do: %s"), pp_step_name(p->step.kind),
                  p->what);
    else
        ui_status(UI_ERROR, _("setup %s: %s"), pp_step_name(p->step.kind),
                  p->error ? p->error : p->what);
}

/* f: the first item with a setup step that has something to do, previewed, applied on y, and
 * the checks run again. */
static void fix(checklist *cl)
{
    pp_setup_plan p, done;
    pp_change lockopts = { 0 };
    pp_step s = { 0 };
    size_t i;

    for (i = 0; i < cl->c.n; i++)
        if (cl->c.v[i].step && cl->c.v[i].status != PP_CHECK_PASS)
            break;
    if (i == cl->c.n) {
        ui_status(UI_NORMAL, "%s", _("No item of the checklist has a fix setup can make."));
        return;
    }
    s.kind = strcmp(cl->c.v[i].step, "iommu") == 0 ? PP_STEP_IOMMU : PP_STEP_VFIO;
    pp_setup_plan_step(ui->app, &s, &p);
    if (p.state != PP_SETUP_DONE) {
        say_outcome(&p);
        pp_setup_plan_clear(&p);
        return;
    }
    cl->preview = preview_text(&p);
    ui_paint();
    if (!ui_confirm(_("Apply this setup step?"))) {
        ui_status(UI_NORMAL, "%s", _("Nothing changed."));
    } else {
        lockopts.waiting = ui_change_waiting;
        /* planned again under the lock, and applied only when it is what was shown */
        pp_setup_apply(ui->app, &s, &lockopts, &p, &done);
        say_outcome(&done);
        pp_setup_plan_clear(&done);
        pp_checks_clear(&cl->c);
        pp_checks_run(ui->app, NULL, 0, &cl->c);
    }
    pp_setup_plan_clear(&p);
    free(cl->preview);
    cl->preview = NULL;
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    (void)k;
    switch (a) {
    case ACT_SETUP:
        fix(v->data);
        return true;
    case ACT_UP:
        if (v->top)
            v->top--;
        return true;
    case ACT_DOWN:
        v->top++; /* draw keeps it within the text */
        return true;
    case ACT_HOME:
        v->top = 0;
        return true;
    case ACT_CHECKLIST: /* already here */
        return true;
    default:
        return false;
    }
}

static void cfree(ui_view *v)
{
    checklist *cl = v->data;
    pp_checks_clear(&cl->c);
    free(cl->title);
    free(cl->preview);
    free(cl);
}

static const ui_view_ops ops = {
    .screen = UI_SCREEN_CHECKLIST,
    .flags = UI_VIEW_TEXT | UI_VIEW_CHECKLIST,
    .title = title,
    .draw = draw,
    .key = key,
    .free = cfree,
};

size_t ui_checks_run(pp_checks *c)
{
    ui_status(UI_NORMAL, "%s", _("Checking the host's setup ..."));
    pp_checks_run(ui->app, NULL, 0, c);
    ui_status_clear();
    return pp_checks_failed(c);
}

ui_view *ui_checklist_view(pp_checks *c)
{
    checklist *cl = xcalloc(1, sizeof(*cl));
    size_t failed = pp_checks_failed(c);

    cl->c = *c;
    memset(c, 0, sizeof(*c));
    cl->title = failed ? xasprintf(P_("Setup checklist: %zu check failed. Esc goes on to the "
                                      "function list",
                                      "Setup checklist: %zu checks failed. Esc goes on to the "
                                      "function list",
                                      failed),
                                   failed)
                       : xstrdup(_("Setup checklist: every check passed. Esc goes back"));
    return ui_view_new(&ops, cl);
}
