/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console of a fleet: a host list first (functions, guests, held and conflicting functions per
 * host; an unreachable host with libvirt's reason), and Enter opens the usual console on that
 * host, whose member pp_app carries its own connection and inventory, so that every change made
 * there goes to that host through the change service. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/table.h"
#include "ui-private.h"

typedef struct host_counts {
    size_t funcs, guests, held, conflicts;
    bool guests_known; /* false: the guests could not be read; their counts are unknown, not 0 */
} host_counts;

static void count(pp_app *m, host_counts *c)
{
    const pp_owner *first;
    size_t i, n;

    memset(c, 0, sizeof(*c));
    if (!pp_fleet_usable(m))
        return;
    /* after a change the member forgot its guests: read again for fresh counts */
    if (!m->have_guests)
        pp_app_guests(m, true);
    c->funcs = m->host->nfuncs;
    c->guests_known = m->have_guests;
    c->guests = m->guests.n;
    for (i = 0; m->have_guests && i < m->owners.n; i += n) {
        n = pp_owners_of(&m->owners, &m->owners.v[i].source, &first);
        c->held++;
        c->conflicts += pp_owners_conflict(first, n);
    }
}

static void draw(pp_app *app, size_t cur, const char *status)
{
    int w = ui_cols(), y, x, hw = 20;
    size_t i, up = 0;
    const int cw = 11;

    ui_clear();
    /* the host column as wide as the longest URI, leaving the counts and some of the rest */
    for (i = 0; i < app->nmembers; i++) {
        int len = (int)pp_display_width(pp_app_host_label(&app->members[i])) + 2;
        up += pp_fleet_usable(&app->members[i]);
        if (len > hw)
            hw = len;
    }
    if (hw > w - 4 * cw - 20)
        hw = w - 4 * cw - 20 > 20 ? w - 4 * cw - 20 : 20;
    ui_putf(0, 0, w, UI_TITLE, _(" pcipass  fleet: %zu hosts, %zu reachable"), app->nmembers, up);
    x = 0;
    x += ui_cell(1, x, hw, UI_HEADING, _("HOST"));
    x += ui_cell(1, x, cw, UI_HEADING, _("FUNCTIONS"));
    x += ui_cell(1, x, cw, UI_HEADING, _("GUESTS"));
    x += ui_cell(1, x, cw, UI_HEADING, _("HELD"));
    x += ui_cell(1, x, cw, UI_HEADING, _("CONFLICTS"));
    ui_put(1, x, w - x, UI_HEADING, _("INVENTORY"));
    for (i = 0, y = 2; i < app->nmembers && y < ui_lines() - 2; i++, y++) {
        pp_app *m = &app->members[i];
        enum ui_role role = i == cur ? UI_SELECTED : UI_NORMAL;
        char *host = pp_escape_ctl(pp_app_host_label(m)), num[32];
        host_counts c;

        x = ui_cell(y, 0, hw, role, host);
        free(host);
        if (!pp_fleet_usable(m)) {
            char *why = xasprintf(_("unreachable: %s"), m->late ? m->late
                                                       : m->unreachable ? m->unreachable : "?");
            ui_put(y, x, w - x, i == cur ? UI_SELECTED : UI_ERROR, why);
            free(why);
            continue;
        }
        count(m, &c);
        snprintf(num, sizeof(num), "%zu", c.funcs);
        x += ui_cell(y, x, cw, role, num);
        if (!c.guests_known) {
            /* TRANSLATORS: a count that could not be read (the host's guests) */
            const char *unknown = _("unknown");
            x += ui_cell(y, x, cw, role, unknown);
            x += ui_cell(y, x, cw, role, unknown);
            x += ui_cell(y, x, cw, role, unknown);
        } else {
            snprintf(num, sizeof(num), "%zu", c.guests);
            x += ui_cell(y, x, cw, role, num);
            snprintf(num, sizeof(num), "%zu", c.held);
            x += ui_cell(y, x, cw, role, num);
            snprintf(num, sizeof(num), "%zu", c.conflicts);
            x += ui_cell(y, x, cw, c.conflicts && i != cur ? UI_CONFLICT : role, num);
        }
        ui_put(y, x, w - x, role,
               m->host->partial ? _("libvirt node devices (partial)") : _("sysfs (libpci)"));
    }
    ui_put(ui_lines() - 2, 0, w, status && *status ? UI_ERROR : UI_NORMAL, status ? status : "");
    ui_put(ui_lines() - 1, 0, w, UI_TITLE,
           _(" Enter:open host  l:all functions  o:owners  f:find free  r:read unreachable "
             "hosts again  q:quit"));
    ui_flush();
}

/* Reads the members that are not read yet (all at first, then the unreachable ones again). */
static void read_fleet(pp_app *app)
{
    size_t i;

    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        /* a host set aside for not answering is tried again once its read has ended */
        pp_fleet_reclaim(m);
        if (m->unreachable && !m->abandoned) {
            free(m->unreachable);
            m->unreachable = NULL;
            pp_host_free(m->host);
            m->host = NULL;
            pp_app_forget_guests(m);
        }
    }
    pp_fleet_read(app, true);
}

int ui_fleet_main(pp_app *app)
{
    size_t cur = 0;
    char *status = NULL;
    int key, rc = PP_EXIT_OK;

    /* before the screen changes: the hosts in parallel, a slow one given up after its time */
    read_fleet(app);
    ui_display_init(!app->no_color);
    for (;;) {
        if (ui_too_small()) {
            ui_draw_too_small();
            if (ui_getkey() == 'q')
                break;
            continue;
        }
        draw(app, cur, status);
        key = ui_getkey();
        if (key == UI_KEY_NONE || key == UI_KEY_RESIZE)
            continue;
        free(status);
        status = NULL;
        if (key == 'q' || key == UI_KEY_ESC)
            break;
        if ((key == UI_KEY_DOWN || key == 'j') && cur + 1 < app->nmembers)
            cur++;
        else if ((key == UI_KEY_UP || key == 'k') && cur > 0)
            cur--;
        else if (key == UI_KEY_HOME || key == 'g')
            cur = 0;
        else if (key == UI_KEY_END || key == 'G')
            cur = app->nmembers - 1;
        else if (key == 'l' || key == 'o' || key == 'f')
            ui_fleet_list(app, key == 'l' ? UI_FLEET_FUNCTIONS
                               : key == 'o' ? UI_FLEET_OWNERS : UI_FLEET_FIND);
        else if (key == 'r') {
            ui_put(ui_lines() - 2, 0, ui_cols(), UI_NORMAL, _("reading the hosts again..."));
            ui_flush();
            read_fleet(app);
        } else if (key == UI_KEY_ENTER) {
            pp_app *m = &app->members[cur];
            if (!pp_fleet_usable(m)) {
                char *host = pp_escape_ctl(pp_app_host_label(m));
                status = xasprintf(_("%s is unreachable: %s"), host,
                                   m->late ? m->late : m->unreachable ? m->unreachable : "?");
                free(host);
                continue;
            }
            /* the host's own console, on this screen; q there comes back here */
            rc = pp_tui_main(m);
        }
    }
    free(status);
    ui_display_restore();
    /* a host's console may have stopped waiting on a call that still runs */
    ui_exit_if_abandoned(rc);
    return rc;
}
