/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's one apply, the mirror of the CLI's pp_cli_apply (src/cli/cli.c): every screen that
 * changes something (the preview's attach, the form's prepare and release, the ownership review's
 * detach, undo) goes through ui_change_guards and ui_apply, so the guards are asked one way and an
 * outcome that is not done is said one way. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "pcipass/change.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "ui-private.h"

/* The same guards as `pcipass attach`, through the same change: findings that block even with
 * force refuse, the ones pp_finding_asks names need the operator's explicit yes (the console's
 * --force), each on its own. */
static bool guards_allow(pp_app *app, pp_change *c)
{
    size_t i;

    if (!pp_change_check(app, c)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        return false;
    }
    for (i = 0; i < c->findings.n; i++) {
        if (pp_finding_blocks(&c->findings.v[i], true, NULL)) {
            ui_status(UI_ERROR, _("refused: %s"), c->findings.v[i].msg);
            return false;
        }
    }
    for (i = 0; i < c->findings.n; i++) {
        const pp_finding *x = &c->findings.v[i];
        char *q;
        bool go;
        if (!pp_finding_asks(x))
            continue;
        q = xasprintf(x->warning ? _("Not checked: %s. Apply anyway?")
                                 : _("Warning: %s. Override and apply anyway?"),
                      x->msg);
        go = ui_confirm(q);
        free(q);
        if (!go) {
            ui_status(UI_NORMAL, "%s", _("Nothing applied."));
            return false;
        }
    }
    return true;
}

void ui_change_waiting(void *arg, const char *msg)
{
    (void)arg;
    ui_status(UI_NORMAL, "%s", msg);
}

/* A change that is not done, on the status line: the finding that refused it (ACCEPTED: what the
 * operator said yes to), the functions a guest has not released, or the error. */
static void say_failed(const pp_change *c, const pp_findings *accepted)
{
    if (c->state == PP_CHANGE_REFUSED && c->findings.n &&
        pp_findings_blocking(&c->findings, false, accepted))
        ui_status(UI_ERROR, _("refused: %s"), c->findings.v[0].msg);
    else if (c->state == PP_CHANGE_REQUESTED && c->pending && c->siblings)
        ui_status(UI_ERROR,
                  _("Unplug requested; guest '%s' has not released %s. %s shares its guest "
                    "slot and stays attached."),
                  c->guest, c->pending, c->siblings);
    else if (c->state == PP_CHANGE_REQUESTED && c->pending)
        ui_status(UI_ERROR, _("Unplug requested; guest '%s' has not released %s."), c->guest,
                  c->pending);
    else
        ui_status(UI_ERROR, "%s", c->error ? c->error : "?");
}

bool ui_change_guards(pp_change *c, pp_findings *accepted)
{
    *accepted = (pp_findings){ 0 };
    if (!guards_allow(ui->app, c))
        return false;
    /* what the operator said yes to; anything new the change finds under its lock still stops it */
    *accepted = c->findings;
    c->findings = (pp_findings){ 0 };
    c->accepted = accepted;
    return true;
}

pp_change_state ui_apply(pp_change *c, const char *working)
{
    c->waiting = ui_change_waiting;
    ui_status(UI_NORMAL, "%s", working);
    pp_change_apply(ui->app, c);
    /* the change read guests (or the host) again: so do the views; before the status line, which
     * the read would overwrite */
    ui_refresh_guests();
    if (c->state != PP_CHANGE_DONE)
        say_failed(c, c->accepted);
    return c->state;
}
