/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The router: which screen each action opens, and the actions that read or change (r, u), which
 * the engine in view.c knows none of; and the console's start: the host read, the function list,
 * the checklist when something fails. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "pcipass/check.h"
#include "pcipass/common.h"
#include "ui-private.h"

static ui_view *open_owners(void)
{
    return ui_owners_view();
}

static ui_view *open_help(void)
{
    return ui_help_view();
}

static ui_view *open_checklist(void)
{
    pp_checks c = { 0 };
    ui_view *v;

    ui_checks_run(&c);
    v = ui_checklist_view(&c);
    pp_checks_clear(&c);
    return v;
}

static void undo(void)
{
    ui_undo();
    ui_view_invalidate(ui->top);
}

static const struct route {
    enum ui_action action;
    unsigned flag; /* the screen it opens: not opened again over itself */
    ui_view *(*make)(void);
    void (*run)(void); /* or what it does in place */
} routes[] = {
    { ACT_OWNERS, UI_VIEW_OWNERS, open_owners, NULL },
    { ACT_HELP, UI_VIEW_HELP, open_help, NULL },
    { ACT_CHECKLIST, UI_VIEW_CHECKLIST, open_checklist, NULL },
    { ACT_REFRESH, 0, NULL, ui_refresh_all },
    { ACT_UNDO, 0, NULL, undo },
};

bool ui_route(enum ui_action a)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (routes[i].action != a)
            continue;
        if (routes[i].run)
            routes[i].run();
        else if (!(ui->top->ops->flags & routes[i].flag))
            ui_push(routes[i].make());
        return true;
    }
    return false;
}

int pp_tui_main(pp_app *app)
{
    ui_ctx ctx = { .app = app, .exit_status = PP_EXIT_OK };
    pp_checks c = { 0 };
    ui_guest_read *early;
    bool guests_ok, own_display, cancelled;
    char *gerr, why[512];
    pp_host *h;

    /* an unusable terminal is said plainly, before anything is read or drawn */
    if (!ui_display_active() && !ui_display_usable(why, sizeof(why))) {
        fprintf(stderr, "%s: %s\n", pp_progname(), why);
        return PP_EXIT_FAIL;
    }
    if (app->nmembers > 1)
        return ui_fleet_main(app);
    ui = &ctx;
    /* the guests come over libvirt while the host's sysfs is scanned, as a listing reads them
     * (a host read through node devices needs the connection first: its guests after it) */
    early = pp_app_uses_nodedev(app) ? NULL : ui_read_guests_start();
    /* the host before the screen changes, so that its error prints plainly */
    h = pp_app_host(app);
    if (!h) {
        if (early)
            ui_read_guests_abandon(early);
        ui = NULL;
        fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
        ui_exit_if_abandoned(PP_EXIT_FAIL);
        return PP_EXIT_FAIL;
    }
    /* a fleet's host list opened this host's console: the terminal is in curses mode already */
    own_display = !ui_display_active();
    if (own_display)
        ui_display_init(!app->no_color);
    ui_push(ui_functions_view());
    /* guests first: the checklist and the list both use them */
    guests_ok = ui_read_guests_finish(early ? early : ui_read_guests_start(), &cancelled);
    gerr = guests_ok ? NULL : xstrdup(pp_error_get()); /* the checks reuse the error slot */
    /* the checklist first when something fails: a first-time setup is where an operator most
     * needs to hear that the IOMMU or vfio-pci is missing; the checks ask libvirt too: not after
     * the operator stopped waiting for it */
    if (!cancelled && ui_checks_run(&c))
        ui_push(ui_checklist_view(&c));
    pp_checks_clear(&c);
    if (!guests_ok)
        ui_status(UI_ERROR, _("no guests: %s"), gerr);
    else if (app->owners.nunknown)
        ui_say_unknown_owners();
    else if (h->nwarnings)
        ui_status(UI_ERROR, P_("%zu sysfs entry was skipped or read in part (pcipass list shows why)",
                               "%zu sysfs entries were skipped or read in part (pcipass list shows why)",
                               h->nwarnings),
                  h->nwarnings);
    free(gerr);
    ui_loop();
    ui_close_all();
    if (own_display) {
        ui_display_restore();
        ui_exit_if_abandoned(ctx.exit_status);
    }
    ui = NULL;
    return ctx.exit_status;
}
