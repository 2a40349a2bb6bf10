/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic view engine and the key loop: header, rows (only the visible ones are drawn), detail
 * pane, status and footer; the view stack; the actions every list shares. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcipass/check.h"
#include "pcipass/common.h"
#include "pcipass/ui.h"

ui_ctx *ui;

ui_view *ui_view_new(const ui_view_ops *ops, void *data)
{
    ui_view *v = xcalloc(1, sizeof(*v));
    v->ops = ops;
    v->data = data;
    return v;
}

void ui_push(ui_view *v)
{
    v->below = ui->top;
    ui->top = v;
    ui_status_clear();
}

static void view_free(ui_view *v)
{
    if (v->ops->free)
        v->ops->free(v);
    free(v->vis);
    free(v);
}

void ui_pop(void)
{
    ui_view *v = ui->top;
    if (!v || !v->below)
        return;
    ui->top = v->below;
    view_free(v);
}

ui_view *ui_pop_to_home(void)
{
    while (ui->top->below)
        ui_pop();
    return ui->top;
}

void ui_view_invalidate(ui_view *v)
{
    v->vis_valid = false;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle), i;
    for (; *hay; hay++) {
        for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]);
             i++)
            ;
        if (i == n)
            return true;
    }
    return n == 0;
}

/* The visible-row map is rebuilt only when rows or the filter change, never per cursor move. */
static void build_vis(ui_view *v)
{
    size_t n = v->ops->rows ? v->ops->rows(v) : 0, i;

    free(v->vis);
    v->vis = xcalloc(n ? n : 1, sizeof(*v->vis));
    v->nvis = 0;
    for (i = 0; i < n; i++) {
        if (v->ops->hidden && v->ops->hidden(v, i))
            continue;
        if (v->filter[0] && v->ops->row_text) {
            char *t = v->ops->row_text(v, i);
            bool keep = t && contains_ci(t, v->filter);
            free(t);
            if (!keep)
                continue;
        }
        v->vis[v->nvis++] = i;
    }
    if (v->cursor >= v->nvis)
        v->cursor = v->nvis ? v->nvis - 1 : 0;
    v->vis_valid = true;
    v->gen = ui->app->guests_gen;
}

/* Rows may depend on guests: a map built from an older read of them is rebuilt. */
static bool vis_stale(const ui_view *v)
{
    return !v->vis_valid || v->gen != ui->app->guests_gen;
}

size_t ui_view_selected(ui_view *v, bool *any)
{
    if (vis_stale(v))
        build_vis(v);
    *any = v->nvis > 0;
    return v->nvis ? v->vis[v->cursor] : 0;
}

static void draw_header(void)
{
    pp_app *app = ui->app;
    size_t conflicts = 0, held = 0, i, n;
    const pp_owner *first;

    for (i = 0; i < app->owners.n; i += n) {
        n = pp_owners_of(&app->owners, &app->owners.v[i].source, &first);
        held++;
        conflicts += pp_owners_conflict(first, n);
    }
    /* counts first: paths can be long and are cut at the right edge */
    {
        char *nf = xasprintf(P_("%zu function", "%zu functions", app->host->nfuncs),
                             app->host->nfuncs);
        char *ng = xasprintf(P_("%zu guest", "%zu guests", app->guests.n), app->guests.n);
        char *nh = xasprintf(_("%zu held"), held);
        char *nc = xasprintf(P_("%zu conflict", "%zu conflicts", conflicts), conflicts);
        char *lv = app->virt ? xasprintf(_("libvirt: %s"), pp_virt_uri(app->virt))
                             : xstrdup(_("libvirt: (not connected)"));
        char *hs = xasprintf(_("host: %s"), app->host->partial ? pp_app_host_label(app)
                                                               : app->host->sysfs_root);
        ui_putf(0, 0, ui_cols(), UI_TITLE, " pcipass  %s, %s, %s, %s  %s  %s", nf, ng, nh, nc, lv,
                hs);
        free(nf);
        free(ng);
        free(nh);
        free(nc);
        free(lv);
        free(hs);
    }
}

static int list_area(ui_view *v, int *y0, int *detail)
{
    int top = 2, bottom = ui_lines() - 3; /* status and footer below */
    *detail = v->ops->detail_lines ? v->ops->detail_lines(v) : 0;
    if (v->ops->heading && v->ops->heading(v))
        top++;
    if (*detail)
        bottom -= *detail + 1;
    *y0 = top;
    return bottom - top + 1;
}

static void draw_view(ui_view *v)
{
    int w = ui_cols(), y0, detail, height, i;
    const char *title = v->ops->title(v);
    char *keys;

    if (vis_stale(v))
        build_vis(v);
    if (v->filter[0])
        ui_putf(1, 0, w, UI_HEADING, _("%s  [filter: %s]  %zu shown"), title, v->filter, v->nvis);
    else
        ui_put(1, 0, w, UI_HEADING, title);

    if (v->ops->draw) {
        v->ops->draw(v, 2, ui_lines() - 4, w);
    } else {
        height = list_area(v, &y0, &detail);
        if (v->ops->heading && v->ops->heading(v))
            ui_put(y0 - 1, 0, w, UI_HEADING, v->ops->heading(v));
        if (height < 1)
            height = 1;
        /* keep the cursor on screen */
        if (v->cursor < v->top)
            v->top = v->cursor;
        if (v->cursor >= v->top + (size_t)height)
            v->top = v->cursor - (size_t)height + 1;
        for (i = 0; i < height; i++) {
            size_t r = v->top + (size_t)i;
            if (r < v->nvis)
                v->ops->draw_row(v, v->vis[r], y0 + i, w, r == v->cursor);
            else
                ui_put(y0 + i, 0, w, UI_NORMAL, r == 0 && v->nvis == 0 ? _("  (nothing to show)") : "");
        }
        if (detail) {
            int dy = y0 + height;
            ui_put(dy, 0, w, UI_TITLE, "");
            if (v->nvis)
                v->ops->draw_detail(v, v->vis[v->cursor], dy + 1, detail, w);
            else
                for (i = 0; i < detail; i++)
                    ui_put(dy + 1 + i, 0, w, UI_NORMAL, "");
        }
    }
    ui_put(ui_lines() - 2, 0, w, ui_status_role(), ui_status_text());
    keys = ui_footer_keys(v->ops->name);
    ui_putf(ui_lines() - 1, 0, w, UI_TITLE, " %s", keys);
    free(keys);
}

static void draw(void)
{
    if (ui_too_small()) {
        ui_draw_too_small();
        return;
    }
    ui_clear();
    draw_header();
    draw_view(ui->top);
    ui_flush();
}

const char *ui_affect_name(unsigned affect)
{
    if (affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG))
        return _("running and persistent configuration");
    return affect == PP_AFFECT_LIVE ? _("running configuration") : _("persistent configuration");
}

/* A read of every guest, by the worker: nothing of the app is touched there, so the console can
 * stop waiting at any time and keep what it showed. */
typedef struct guest_read {
    char *uri;
    pp_virt *virt; /* taken from the app, or opened here */
    bool rw, reused;
    pp_guests guests;
    bool ok;
    char *error;
} guest_read;

static void guest_read_run(void *arg)
{
    guest_read *r = arg;

    time_t start = time(NULL);

    if (!r->virt)
        r->virt = pp_virt_open(r->uri, true);
    r->ok = r->virt && pp_virt_guests(r->virt, &r->guests);
    /* the daemon may have gone and come back (the old connection fails at once): a new
     * connection, once; not after keepalive gave up on a daemon that stopped answering, which a
     * new connection would wait on again */
    if (!r->ok && r->reused && time(NULL) - start < pp_virt_timeout() / 2) {
        pp_virt_close(r->virt);
        r->rw = false;
        r->virt = pp_virt_open(r->uri, true);
        r->ok = r->virt && pp_virt_guests(r->virt, &r->guests);
    }
    if (!r->ok) {
        r->error = xstrdup(pp_error_get()); /* the slot is this thread's */
        pp_virt_close(r->virt);
        r->virt = NULL;
    }
}

static void guest_read_free(void *arg)
{
    guest_read *r = arg;
    pp_guests_clear(&r->guests);
    pp_virt_close(r->virt);
    free(r->uri);
    free(r->error);
    free(r);
}

/* Reads the guests in the worker; false with the error slot set (or *CANCELLED) otherwise. */
static bool read_guests(bool *cancelled)
{
    pp_app *app = ui->app;
    guest_read *r = xcalloc(1, sizeof(*r));
    char *what;
    bool ok;

    *cancelled = false;
    r->uri = app->uri ? xstrdup(app->uri) : NULL;
    r->virt = app->virt;
    r->rw = app->virt_rw;
    r->reused = r->virt != NULL;
    app->virt = NULL; /* the worker's now; given back when it is done */
    /* TRANSLATORS: what the console waits for: "reading guests from URI" */
    what = xasprintf(_("reading guests from %s"), app->uri ? app->uri : _("libvirt"));
    if (ui_wait(what, guest_read_run, guest_read_free, r) == UI_WAIT_CANCELLED) {
        pp_error_set(_("stopped waiting for libvirt (%s)"), what);
        free(what);
        *cancelled = true;
        return false;
    }
    free(what);
    ok = r->ok;
    if (ok)
        pp_app_take_guests(app, r->virt, r->rw, &r->guests);
    else
        pp_error_set("%s", r->error ? r->error : "?");
    r->virt = NULL;
    guest_read_free(r);
    return ok;
}

/* The guests whose definitions are not well-formed, on the status line (the views show what
 * could be read of them). */
static void say_unknown_owners(void)
{
    pp_owners *o = &ui->app->owners;
    if (o->nunknown)
        ui_status(UI_ERROR,
                  P_("guest '%s': its definition is not well-formed XML; what it holds is not "
                     "known for sure (pcipass check says more)",
                     "guest '%s' and %zu more: definitions not well-formed XML; what they hold is "
                     "not known for sure (pcipass check says more)",
                     o->nunknown),
                  o->unknown[0]->name, o->nunknown - 1);
}

bool ui_refresh_guests(void)
{
    pp_app *app = ui->app;
    bool ok, cancelled;

    ok = read_guests(&cancelled);
    if (ok) {
        ui_status(UI_OK, P_("%zu guest read", "%zu guests read", app->guests.n), app->guests.n);
        say_unknown_owners();
    } else if (cancelled) {
        ui_status(UI_ERROR, _("[r: try again] %s; the list shown is the one read before"),
                  pp_error_get());
    } else {
        pp_app_forget_guests(app);
        ui_status(UI_ERROR, _("[r: reconnect] %s"), pp_error_get());
    }
    /* rows of every view may have changed */
    for (ui_view *v = ui->top; v; v = v->below)
        ui_view_invalidate(v);
    return ok;
}

static bool any_dirty(void)
{
    for (ui_view *v = ui->top; v; v = v->below)
        if (v->ops->dirty && v->ops->dirty(v))
            return true;
    return false;
}

static void move_cursor(ui_view *v, enum ui_action a)
{
    int y0, detail, page = list_area(v, &y0, &detail);
    size_t last = v->nvis ? v->nvis - 1 : 0;

    if (page < 1)
        page = 1;
    switch (a) {
    case ACT_UP:
        if (v->cursor > 0)
            v->cursor--;
        break;
    case ACT_DOWN:
        if (v->cursor < last)
            v->cursor++;
        break;
    case ACT_PGUP:
        v->cursor = v->cursor > (size_t)page ? v->cursor - (size_t)page : 0;
        break;
    case ACT_PGDN:
        v->cursor = v->cursor + (size_t)page < last ? v->cursor + (size_t)page : last;
        break;
    case ACT_HOME:
        v->cursor = 0;
        break;
    case ACT_END:
        v->cursor = last;
        break;
    default:
        break;
    }
}

static void generic_action(ui_view *v, enum ui_action a)
{
    switch (a) {
    case ACT_UP:
    case ACT_DOWN:
    case ACT_PGUP:
    case ACT_PGDN:
    case ACT_HOME:
    case ACT_END:
        if (!v->ops->draw)
            move_cursor(v, a);
        break;
    case ACT_FILTER:
        if (v->ops->row_text) {
            char buf[sizeof(v->filter)];
            snprintf(buf, sizeof(buf), "%s", v->filter);
            if (ui_prompt(_("Filter: "), buf, sizeof(buf))) {
                snprintf(v->filter, sizeof(v->filter), "%s", buf);
                v->cursor = v->top = 0;
                ui_view_invalidate(v);
            }
        }
        break;
    case ACT_REFRESH:
        ui_refresh_guests();
        break;
    case ACT_OWNERS:
        if (strcmp(v->ops->name, "owners") != 0)
            ui_push(ui_owners_view());
        break;
    case ACT_UNDO:
        ui_undo();
        ui_view_invalidate(v);
        break;
    case ACT_HELP:
        if (strcmp(v->ops->name, "help") != 0)
            ui_push(ui_help_view());
        break;
    case ACT_BACK:
        ui_pop();
        break;
    case ACT_QUIT:
        if (!any_dirty() || ui_confirm(_("The form holds input that is not applied. Quit anyway?")))
            ui->quit = true;
        break;
    default:
        break;
    }
}

static void loop(void)
{
    bool redraw = true;

    while (!ui->quit) {
        ui_view *v = ui->top;
        int key;
        enum ui_action a;

        if (redraw)
            draw();
        redraw = true;
        key = ui_getkey();
        if (key == UI_KEY_NONE) {
            redraw = false;
            continue;
        }
        if (key == UI_KEY_RESIZE)
            continue;
        if (ui_too_small()) {
            if (key == 'q')
                ui->quit = true;
            continue;
        }
        a = ui_action_for(v->ops->name, key);
        if (v->ops->key && v->ops->key(v, key, a))
            continue;
        generic_action(v, a);
    }
}

#define CHECK_INDENT "                  "

/* S broken at blanks into lines of at most WIDTH columns, the lines after the first indented under
 * the message column: the verdicts are whole sentences, never cut at the screen's edge. */
static char *wrap(const char *s, size_t width)
{
    char *out = xstrdup(""), *copy = xstrdup(s), *save = NULL, *w, *t;
    size_t col = 0;

    for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t ww = ui_text_width(w);
        if (col > 0 && col + 1 + ww > width) {
            t = xasprintf("%s\n%s%s", out, CHECK_INDENT, w);
            col = ww;
        } else {
            t = xasprintf("%s%s%s", out, col ? " " : "", w);
            col += (col ? 1 : 0) + ww;
        }
        free(out);
        out = t;
    }
    free(copy);
    return out;
}

/* The same checklist as `pcipass check`, shown first when something fails: a first-time setup is
 * where an operator most needs to hear that the IOMMU or vfio-pci is missing. */
static void show_checklist_if_failing(pp_app *app)
{
    static const char *const mark[] = { N_("pass"), N_("warn"), N_("FAIL") };
    pp_checks c = { 0 };
    char *text, *t, *title;
    size_t i, failed;
    /* the text view's own margin, the indent, a column to spare */
    size_t width = ui_cols() > 40 ? (size_t)ui_cols() - sizeof(CHECK_INDENT) - 2 : 20;

    ui_status(UI_NORMAL, "%s", _("Checking the host's setup ..."));
    pp_checks_run(app, NULL, 0, &c);
    failed = pp_checks_failed(&c);
    if (!failed) {
        pp_checks_clear(&c);
        ui_status_clear();
        return;
    }
    text = xstrdup("");
    for (i = 0; i < c.n; i++) {
        char *fix = c.v[i].fix ? xasprintf(_("fix: %s"), c.v[i].fix) : NULL;
        char *msg = wrap(c.v[i].message, width), *fw = fix ? wrap(fix, width) : NULL;
        t = xasprintf("%s [%s] %-9s %s\n%s%s%s", text, _(mark[c.v[i].status]), c.v[i].id, msg,
                      fw ? CHECK_INDENT : "", fw ? fw : "", fw ? "\n" : "");
        free(text);
        free(fix);
        free(msg);
        free(fw);
        text = t;
    }
    title = xasprintf(P_("Setup checklist: %zu check failed. Esc goes on to the function list",
                         "Setup checklist: %zu checks failed. Esc goes on to the function list",
                         failed),
                      failed);
    ui_push(ui_text_view(title, text, "checklist"));
    free(title);
    free(text);
    pp_checks_clear(&c);
}

int pp_tui_main(pp_app *app)
{
    ui_ctx ctx = { app, NULL, false, PP_EXIT_OK };
    bool guests_ok, own_display;
    char *gerr;
    pp_host *h;

    char why[512];
    bool cancelled;

    /* an unusable terminal is said plainly, before anything is read or drawn */
    if (!ui_display_active() && !ui_display_usable(why, sizeof(why))) {
        fprintf(stderr, "%s: %s\n", pp_progname(), why);
        return PP_EXIT_FAIL;
    }
    if (app->nmembers > 1)
        return ui_fleet_main(app);
    /* read everything before the screen changes, so errors print plainly */
    h = pp_app_host(app);
    if (!h) {
        fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
        return PP_EXIT_FAIL;
    }
    ui = &ctx;
    /* a fleet's host list opened this host's console: the terminal is in curses mode already */
    own_display = !ui_display_active();
    if (own_display)
        ui_display_init(!app->no_color);
    ui_push(ui_functions_view());
    /* guests first: the checklist and the list both use them */
    guests_ok = read_guests(&cancelled);
    gerr = guests_ok ? NULL : xstrdup(pp_error_get()); /* the checks reuse the error slot */
    /* the checks ask libvirt too: not after the operator stopped waiting for it */
    if (!cancelled)
        show_checklist_if_failing(app);
    if (!guests_ok)
        ui_status(UI_ERROR, _("no guests: %s"), gerr);
    else if (app->owners.nunknown)
        say_unknown_owners();
    else if (h->nwarnings)
        ui_status(UI_ERROR, P_("%zu sysfs entry was skipped or read in part (pcipass list shows why)",
                               "%zu sysfs entries were skipped or read in part (pcipass list shows why)",
                               h->nwarnings),
                  h->nwarnings);
    free(gerr);
    loop();
    while (ui->top) {
        ui_view *v = ui->top;
        ui->top = v->below;
        view_free(v);
    }
    if (own_display)
        ui_display_restore();
    ui = NULL;
    return ctx.exit_status;
}
