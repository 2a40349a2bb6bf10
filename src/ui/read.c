/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the console reads while it runs: the guests, in the worker (a read the operator can stop
 * waiting for), and the host, the guests and the setup checks again (r). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pcipass/check.h"
#include "pcipass/common.h"
#include "ui-private.h"

/* A read of every guest, by the worker: nothing of the app is touched there, so the console can
 * stop waiting at any time and keep what it showed. */
struct guest_read {
    char *uri;
    pp_virt *virt; /* taken from the app, or opened here */
    bool rw, reused;
    pp_guests guests;
    bool ok;
    char *error;
    ui_job *job; /* the read's, until it is waited for or given up */
};
typedef struct guest_read guest_read;

/* Writable where libvirt allows it, read-only where it does not: the setup check asks for a
 * writable connection and a change needs one, and each more connection is one more open (a parse
 * of the whole host file for the test driver, a login over ssh). */
static void open_conn(guest_read *r)
{
    r->virt = pp_virt_open(r->uri, false);
    r->rw = r->virt != NULL;
    if (!r->virt)
        r->virt = pp_virt_open(r->uri, true);
}

static void guest_read_run(void *arg)
{
    guest_read *r = arg;

    time_t start = time(NULL);

    if (!r->virt)
        open_conn(r);
    r->ok = r->virt && pp_virt_guests(r->virt, &r->guests);
    /* the daemon may have gone and come back (the old connection fails at once): a new
     * connection, once; not after keepalive gave up on a daemon that stopped answering, which a
     * new connection would wait on again */
    if (!r->ok && r->reused && time(NULL) - start < pp_virt_timeout() / 2) {
        pp_virt_close(r->virt);
        open_conn(r);
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

ui_guest_read *ui_read_guests_start(void)
{
    pp_app *app = ui->app;
    guest_read *r = xcalloc(1, sizeof(*r));

    r->uri = app->uri ? xstrdup(app->uri) : NULL;
    r->virt = app->virt;
    r->rw = app->virt_rw;
    r->reused = r->virt != NULL;
    app->virt = NULL; /* the worker's now; given back when it is done */
    app->virt_rw = false;
    r->job = ui_job_start(guest_read_run, guest_read_free, r);
    return r;
}

void ui_read_guests_abandon(ui_guest_read *r)
{
    ui_job_abandon(r->job);
}

bool ui_read_guests_finish(ui_guest_read *r, bool *cancelled)
{
    pp_app *app = ui->app;
    char *what;
    bool ok;

    *cancelled = false;
    /* TRANSLATORS: what the console waits for: "reading guests from URI" */
    what = xasprintf(_("reading guests from %s"), app->uri ? app->uri : _("libvirt"));
    if (ui_job_wait(r->job, what) == UI_WAIT_CANCELLED) {
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

/* Reads the guests in the worker; false with the error slot set (or *CANCELLED) otherwise. */
bool ui_read_guests(bool *cancelled)
{
    return ui_read_guests_finish(ui_read_guests_start(), cancelled);
}

/* The guests whose definitions are not well-formed, on the status line (the views show what
 * could be read of them). */
void ui_say_unknown_owners(void)
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

    ok = ui_read_guests(&cancelled);
    if (ok) {
        ui_status(UI_OK, P_("%zu guest read", "%zu guests read", app->guests.n), app->guests.n);
        ui_say_unknown_owners();
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

void ui_refresh_all(void)
{
    pp_app *app = ui->app;
    pp_checks c = { 0 };
    size_t failed;
    bool host_ok, ok;
    char *host_err = NULL, *guests;

    ui_status(UI_NORMAL, "%s", _("Reading the host's functions ..."));
    host_ok = pp_app_reload_host(app);
    if (!host_ok)
        host_err = xstrdup(pp_error_get());
    ok = ui_refresh_guests();
    guests = xstrdup(ui_status_text());
    /* the checks ask libvirt too: not when it did not answer, or the operator stopped waiting */
    failed = ok ? ui_checks_run(&c) : 0;
    pp_checks_clear(&c);
    /* everything read, in one sentence; what failed first */
    if (!host_ok)
        ui_status(UI_ERROR, _("host not read again (the old inventory stays): %s; %s"), host_err,
                  guests);
    else if (!ok)
        ui_status(UI_ERROR, _("host read; %s"), guests);
    else if (failed)
        ui_status(UI_ERROR,
                  P_("Host, guests and setup checks read: %s; %zu check failed (c: the checklist)",
                     "Host, guests and setup checks read: %s; %zu checks failed (c: the checklist)",
                     failed),
                  guests, failed);
    else
        ui_status(UI_OK, _("Host, guests and setup checks read: %s; every check passed"), guests);
    free(guests);
    free(host_err);
    for (ui_view *v = ui->top; v; v = v->below)
        ui_view_invalidate(v);
}
