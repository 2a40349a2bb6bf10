/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic view engine and the key loop: header, rows (only the visible ones are drawn), detail
 * pane, status and footer; the view stack; the actions every list shares. It opens no screen and
 * reads nothing: every other action goes to the router (router.c). */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcipass/common.h"
#include "ui-private.h"

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

void ui_view_draw_lines(ui_view *v, int y, int h, int w, char *const *l,
                        const enum ui_role *roles, size_t n)
{
    int k;

    if (h < 1)
        return;
    if (n > (size_t)h && v->top > n - (size_t)h)
        v->top = n - (size_t)h;
    if (n <= (size_t)h)
        v->top = 0;
    for (k = 0; k < h; k++) {
        size_t i = v->top + (size_t)k;
        ui_put(y + k, 0, w, i < n && roles ? roles[i] : UI_NORMAL, i < n ? l[i] : "");
    }
}

/* The visible-row map is rebuilt only when rows or the filter change, never per cursor move. */
static void build_vis(ui_view *v)
{
    size_t n = v->ops->rows ? v->ops->rows(v) : 0, i;
    /* the row under the cursor before: it stays under the cursor if it is still shown */
    bool had = v->vis && v->nvis > 0 && v->cursor < v->nvis;
    size_t was = had ? v->vis[v->cursor] : 0;

    free(v->vis);
    v->vis = xcalloc(n ? n : 1, sizeof(*v->vis));
    v->nvis = 0;
    for (i = 0; i < n; i++) {
        if (v->ops->hidden && v->ops->hidden(v, i))
            continue;
        if (v->filter[0] && v->ops->row_text) {
            char *t = v->ops->row_text(v, i);
            bool keep = t && strcasestr(t, v->filter) != NULL;
            free(t);
            if (!keep)
                continue;
        }
        v->vis[v->nvis++] = i;
    }
    for (i = 0; had && i < v->nvis; i++)
        if (v->vis[i] == was) {
            v->cursor = i;
            break;
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
    /* the message area (it grows with a long message) and the footer below */
    int top = 2, bottom = ui_lines() - 2 - ui_message_lines(ui_status_text(), 0);
    *detail = v->ops->detail_lines ? v->ops->detail_lines(v) : 0;
    if (v->ops->heading && v->ops->heading(v))
        top++;
    if (*detail)
        bottom -= *detail + 1;
    *y0 = top;
    return bottom - top + 1;
}

static int drawn_msg_lines; /* the message area's height at the last full paint */

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
        v->ops->draw(v, 2, ui_lines() - 3 - ui_message_lines(ui_status_text(), 0), w);
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
        /* no empty rows below while rows above are hidden (after a filter shortened the list) */
        if (v->top > 0 && v->nvis < v->top + (size_t)height)
            v->top = v->nvis > (size_t)height ? v->nvis - (size_t)height : 0;
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
    if (v->filtering) {
        char *p = xasprintf(_("Filter: %s   (applies as you type; Enter keeps it, Esc drops it, "
                              "Ctrl-U empties it)"),
                            v->filter);
        ui_status_set(UI_NORMAL, p);
        free(p);
    }
    drawn_msg_lines = ui_message(ui_lines() - 2, ui_status_role(), ui_status_text());
    keys = ui_footer_keys(v->ops);
    ui_putf(ui_lines() - 1, 0, w, UI_TITLE, " %s", keys);
    free(keys);
}

void ui_repaint_row(ui_view *v)
{
    if (v == ui->top && !v->ops->draw && !vis_stale(v))
        ui->row_only = true;
}

/* The cursor row alone, its detail pane, the status and the footer: what a key that changed one
 * row needs, not the whole screen. */
static void draw_row_only(ui_view *v)
{
    int y0, detail, height = list_area(v, &y0, &detail), w = ui_cols();

    /* a message of another height moves the list: then the whole screen */
    if (v->cursor < v->top || v->cursor >= v->top + (size_t)height || !v->nvis ||
        ui_message_lines(ui_status_text(), 0) != drawn_msg_lines) {
        ui->row_only = false;
        return;
    }
    v->ops->draw_row(v, v->vis[v->cursor], y0 + (int)(v->cursor - v->top), w, true);
    if (detail)
        v->ops->draw_detail(v, v->vis[v->cursor], y0 + height + 1, detail, w);
    ui_message(ui_lines() - 2, ui_status_role(), ui_status_text());
    ui_flush();
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

void ui_paint(void)
{
    draw();
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
        if (v->ops->flags & UI_VIEW_FILTER)
            v->filtering = true;
        break;
    case ACT_BACK:
        ui_pop();
        break;
    case ACT_QUIT:
        if (!any_dirty() || ui_confirm(_("The form holds input that is not applied. Quit anyway?")))
            ui->quit = true;
        break;
    default:
        ui_route(a);
        break;
    }
}

/* The filter as it is typed: each key applies it; Enter keeps it, Esc drops it, Ctrl-U empties. */
static void filter_key(ui_view *v, int key)
{
    size_t len = strlen(v->filter);

    if (key == UI_KEY_ENTER) {
        v->filtering = false;
        ui_status_clear();
        return;
    }
    if (key == UI_KEY_ESC) {
        v->filtering = false;
        v->filter[0] = '\0';
    } else if (ui_action_for(UI_SCREEN_FILTER, key) == ACT_CLEAR) {
        v->filter[0] = '\0';
    } else if (key == UI_KEY_BACKSPACE && len > 0) {
        do /* back over a whole UTF-8 sequence */
            len--;
        while (len > 0 && ((unsigned char)v->filter[len] & 0xc0) == 0x80);
        v->filter[len] = '\0';
    } else if (key >= ' ' && key < 256 && key != 127 && len + 1 < sizeof(v->filter)) {
        v->filter[len] = (char)key;
        v->filter[len + 1] = '\0';
    } else {
        return;
    }
    ui_view_invalidate(v);
}

void ui_loop(void)
{
    bool redraw = true;

    while (!ui->quit) {
        ui_view *v = ui->top;
        int key;
        enum ui_action a;

        if (redraw && ui->row_only && !ui_too_small())
            draw_row_only(v);
        if (redraw && !ui->row_only)
            draw();
        ui->row_only = false;
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
        if (v->filtering) {
            filter_key(v, key);
            continue;
        }
        a = ui_action_for(v->ops->screen, key);
        if (v->ops->key && v->ops->key(v, key, a))
            continue;
        generic_action(v, a);
    }
}

void ui_close_all(void)
{
    while (ui->top) {
        ui_view *v = ui->top;
        ui->top = v->below;
        view_free(v);
    }
}

