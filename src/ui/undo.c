/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Undo from the console: the journal's last change, planned by the change service as `pcipass
 * undo` plans it, shown in a question, guarded, applied, and its outcome on the status line. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/common.h"
#include "pcipass/journal.h"
#include "ui-private.h"

/* Under the lock: the journal read and the undo planned from it. 1: C is filled (J must outlive
 * it); 0: nothing to do, the status line says why; -1: a failure, the status line says it. */
static int plan(pp_app *app, const char *path, pp_journal *j, pp_change *c)
{
    bool resolved_only;

    if (!pp_change_lock(c)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        return -1;
    }
    if (!pp_journal_read(path, j)) {
        pp_change_unlock();
        ui_status(UI_ERROR, "%s", pp_error_get());
        return -1;
    }
    if (pp_change_plan_undo(app, j, path, c, &resolved_only)) {
        c->waiting = ui_change_waiting; /* the plan starts C afresh */
        return 1;
    }
    pp_change_unlock();
    free(c->hds);
    pp_change_clear(c);
    /* resolving a change cut short was all there was to do: said as such, not as an undo */
    if (resolved_only)
        ui_status(UI_NORMAL, _("Nothing undone: %s."), pp_error_get());
    else
        ui_status(UI_ERROR, "%s", pp_error_get());
    pp_journal_clear(j);
    return 0;
}

/* The question: what the change was, when, and what its undo does. */
static char *question(const pp_change *c)
{
    const pp_jrec *r = c->undoes;
    const char *when = r->time ? r->time : "?";
    const char *where = _(pp_affect_words(PP_AFFECT_OF(c->want_live, c->want_config)));

    switch (c->kind) {
    case PP_CHANGE_DETACH:
        return xasprintf(_("Undo the %s of %s for guest '%s' (%s) by detaching it from the %s?"),
                         r->action, r->devices, c->guest, when, where);
    case PP_CHANGE_ATTACH:
        return xasprintf(_("Undo the %s of %s for guest '%s' (%s) by attaching it again to the "
                           "%s?"),
                         r->action, r->devices, c->guest, when, where);
    case PP_CHANGE_RELEASE:
        return xasprintf(_("Undo the %s of %s (%s) by giving it back to its host driver?"),
                         r->action, r->devices, when);
    default:
        return xasprintf(_("Undo the %s of %s (%s) by binding it to vfio-pci again?"), r->action,
                         r->devices, when);
    }
}

static void plan_free(pp_change *c, pp_journal *j)
{
    free(c->hds);
    pp_change_clear(c);
    memset(c, 0, sizeof(*c));
    pp_journal_clear(j);
}

static void say_done(const pp_change *c)
{
    const pp_jrec *r = c->undoes;
    const char *when = r->time ? r->time : "?";

    if (c->recorded && r->guest)
        ui_status(UI_OK, _("Undone: the %s of %s for guest '%s' (%s)."), r->action, r->devices,
                  r->guest, when);
    else if (c->recorded)
        ui_status(UI_OK, _("Undone: the %s of %s (%s)."), r->action, r->devices, when);
    else if (r->guest)
        ui_status(UI_ERROR,
                  _("Undone: the %s of %s for guest '%s' (%s), but not recorded in the journal: "
                    "%s"),
                  r->action, r->devices, r->guest, when, c->record_error);
    else
        ui_status(UI_ERROR, _("Undone: the %s of %s (%s), but not recorded in the journal: %s"),
                  r->action, r->devices, when, c->record_error);
}

/* The undo of setup step T's files, under the lock, from the journal read again: only when the
 * last change is still the one the operator was asked about (ID). */
static void undo_setup_locked(pp_app *app, const char *path, const char *id)
{
    pp_change lk = { .waiting = ui_change_waiting };
    const pp_jchange *t;
    pp_journal j;
    char *what = NULL;

    if (!pp_change_lock(&lk)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        return;
    }
    if (!pp_journal_read(path, &j)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
    } else if (!(t = pp_journal_undo_target(&j)) || !j.v[t->intent].id ||
               strcmp(j.v[t->intent].id, id) != 0) {
        ui_status(UI_ERROR, "%s",
                  _("Nothing undone: the journal has a newer change than the one shown; press u "
                    "again."));
    } else if (!pp_setup_undo(app, &j, t, path, false, &what)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
    } else {
        ui_status(UI_OK, _("Undone: the setup %s (%s)."), j.v[t->intent].flags,
                  j.v[t->intent].time ? j.v[t->intent].time : "?");
    }
    free(what);
    pp_journal_clear(&j);
    pp_change_unlock();
}

/* The journal's last change is a setup step: its files, not libvirt. false: it is none. */
static bool undo_setup(pp_app *app, const char *path)
{
    const pp_jchange *t;
    pp_journal j;
    char *what = NULL, *id, *q;
    bool go;

    if (!pp_journal_read(path, &j))
        return false; /* said by the usual way, under the lock */
    t = pp_journal_undo_target(&j);
    if (!t || !pp_jrec_is_setup(&j.v[t->intent]) || !j.v[t->intent].id) {
        pp_journal_clear(&j);
        return false;
    }
    if (!pp_setup_undo(app, &j, t, path, true, &what)) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        pp_journal_clear(&j);
        return true;
    }
    {
        /* what undo does, one clause per line of `pcipass undo --dry-run` */
        pp_buf b = PP_BUF_INIT;
        char *save = NULL, *l, *steps;
        for (l = strtok_r(what, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            pp_buf_item(&b, "; ", strncmp(l, "# ", 2) == 0 ? l + 2 : l);
        steps = pp_buf_take(&b);
        q = xasprintf(_("Undo the setup %s (%s)? It %s."), j.v[t->intent].flags,
                      j.v[t->intent].time ? j.v[t->intent].time : "?", steps);
        free(steps);
    }
    id = xstrdup(j.v[t->intent].id);
    pp_journal_clear(&j);
    go = ui_confirm(q);
    if (go)
        undo_setup_locked(app, path, id);
    else
        ui_status(UI_NORMAL, "%s", _("Nothing undone."));
    free(q);
    free(id);
    free(what);
    return true;
}

void ui_undo(void)
{
    pp_app *app = ui->app;
    pp_change c = { 0 };
    pp_findings accepted = { 0 };
    pp_journal j;
    char *path, *id = NULL, *q;
    bool go;

    if (!(path = pp_journal_path(app->journal))) {
        ui_status(UI_ERROR, "%s", pp_error_get());
        return;
    }
    if (undo_setup(app, path))
        goto out;
    c.waiting = ui_change_waiting;
    if (plan(app, path, &j, &c) <= 0)
        goto out;
    c.wait = PP_UNPLUG_WAIT_SECONDS;
    /* the operator answers without the lock held; the plan is made again under it afterwards */
    pp_change_unlock();
    id = xstrdup(c.undoes->id ? c.undoes->id : "");
    q = question(&c);
    go = ui_confirm(q);
    free(q);
    if (!go) {
        ui_status(UI_NORMAL, "%s", _("Nothing undone."));
        goto out_plan;
    }
    if (!ui_change_guards(&c, &accepted))
        goto out_plan;
    plan_free(&c, &j);
    c.waiting = ui_change_waiting;
    if (plan(app, path, &j, &c) <= 0)
        goto out;
    /* another pcipass may have added a change while the question was open */
    if (strcmp(id, c.undoes->id ? c.undoes->id : "") != 0) {
        pp_change_unlock();
        ui_status(UI_ERROR, "%s",
                  _("Nothing undone: the journal has a newer change than the one shown; press u "
                    "again."));
        goto out_plan;
    }
    c.accepted = &accepted;
    c.wait = PP_UNPLUG_WAIT_SECONDS;
    /* the plan's hold on the lock ends after the guests are read again, a moment later than the
     * change's own */
    ui_apply(&c, _("Undoing through libvirt ..."));
    pp_change_unlock();
    if (c.state == PP_CHANGE_DONE)
        say_done(&c);
out_plan:
    plan_free(&c, &j);
out:
    pp_findings_clear(&accepted);
    free(id);
    free(path);
}
