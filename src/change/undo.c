/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Undo: the change that reverses the last one, planned from the journal; a change whose process
 * died resolved by what libvirt and the kernel hold. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/common.h"

#include "change-private.h"

static unsigned rec_affect(const pp_jrec *r)
{
    return (pp_jrec_has_flag(r, "live") ? PP_AFFECT_LIVE : 0) |
           (pp_jrec_has_flag(r, "config") ? PP_AFFECT_CONFIG : 0);
}

/* The libvirt operation of a record: attach, detach, prepare, release; an undo does the
 * reverse of what it reverts (the first of its flags). */
static int rec_kind(const pp_jrec *r)
{
    static const char *const names[] = { "attach", "detach", "prepare", "release" };
    static const int reverse[] = { PP_CHANGE_DETACH, PP_CHANGE_ATTACH, PP_CHANGE_RELEASE,
                                   PP_CHANGE_PREPARE };
    bool undo = r->action && strcmp(r->action, "undo") == 0;
    size_t i;

    for (i = 0; i < 4; i++) {
        if (!undo && r->action && strcmp(r->action, names[i]) == 0)
            return (int)i;
        if (undo && pp_jrec_has_flag(r, names[i]))
            return reverse[i];
    }
    return -1;
}

static const pp_guest *rec_guest(pp_app *app, const pp_jrec *r)
{
    size_t i;
    for (i = 0; i < app->guests.n; i++)
        if (r->uuid && strcmp(app->guests.v[i].uuid, r->uuid) == 0)
            return &app->guests.v[i];
    pp_error_set(_("undo: guest '%s' (uuid %s) is no longer defined at %s"),
                 r->guest ? r->guest : "?", r->uuid ? r->uuid : "?", pp_virt_uri(app->virt));
    return NULL;
}

/* Whether G holds every element of R in each configuration of AFFECT (1), none of them (0), or
 * some (2). */
static int holds(const pp_guest *g, const pp_jrec *r, unsigned affect)
{
    size_t i, have = 0, want = 0;
    for (i = 0; i < r->nelems; i++) {
        if ((affect & PP_AFFECT_CONFIG) && g->has_config) {
            want++;
            have += pp_change_in_def(&g->config, &r->elems[i].source);
        }
        if ((affect & PP_AFFECT_LIVE) && g->has_live) {
            want++;
            have += pp_change_in_def(&g->live, &r->elems[i].source);
        }
    }
    return have == 0 ? 0 : have == want ? 1 : 2;
}

/* A change whose process died before its outcome: what libvirt (or the kernel) holds says
 * whether it was made; the answer is recorded as its outcome. */
static bool resolve(pp_app *app, const pp_jrec *r, const char *path, bool record, bool *made)
{
    int kind = rec_kind(r);
    pp_jrec out;
    char *jpath;
    int jfd;
    bool ok;

    if (kind == PP_CHANGE_ATTACH || kind == PP_CHANGE_DETACH) {
        /* the killed pcipass may have left its request with libvirtd, queued or at work: let
         * libvirt finish the guest's jobs, look, and look again a moment later; only an answer
         * that stays the same is recorded */
        int tries, h, last = -1;
        for (tries = 0; tries < 8; tries++) {
            const pp_guest *g = rec_guest(app, r);
            if (!g || !pp_virt_settle(app->virt, g))
                return false;
            pp_app_forget_guests(app);
            if (!pp_app_guests(app, false) || !(g = rec_guest(app, r)))
                return false;
            h = holds(g, r, rec_affect(r));
            if (h == last)
                break;
            last = h;
            struct timespec d = { 0, 500 * 1000 * 1000 };
            nanosleep(&d, NULL);
        }
        *made = kind == PP_CHANGE_ATTACH ? last != 0 : last == 0;
        if (record) {
            /* the identity as the killed process would have left it: recorded for what went in,
             * gone for what went out (a failure leaves it for `audit --record`) */
            const pp_guest *g = rec_guest(app, r);
            pp_pci_addr *src = xcalloc(r->nelems + 1, sizeof(*src));
            bool add = kind == PP_CHANGE_ATTACH && *made;
            for (size_t i = 0; i < r->nelems; i++)
                src[i] = r->elems[i].source;
            if (g && !pp_change_write_identity(app, g->uuid, rec_affect(r), add ? src : NULL,
                                     add ? r->nelems : 0, NULL))
                fprintf(stderr, _("%s: warning: the identity of %s is not recorded: %s\n"),
                        pp_progname(), r->devices, pp_error_get());
            free(src);
        }
    } else if (kind == PP_CHANGE_PREPARE || kind == PP_CHANGE_RELEASE) {
        pp_pci_addr a;
        const pp_function *f;
        if (!r->devices || !pp_pci_addr_parse(r->devices, "journal devices", &a) ||
            !pp_app_reload_host(app) || !(f = pp_host_find(app->host, &a)))
            return false;
        *made = pp_function_on_vfio(f) == (kind == PP_CHANGE_PREPARE);
    } else {
        pp_error_set(_("undo: the last record of '%s' is incomplete; nothing was changed"), path);
        return false;
    }
    if (!record) /* a dry run: looked, nothing written, the journal included */
        return true;
    if ((jfd = pp_change_journal_open(app, &jpath)) < 0)
        return false;
    memset(&out, 0, sizeof(out));
    out.uri = r->uri ? xstrdup(r->uri) : NULL;
    out.guest = r->guest ? xstrdup(r->guest) : NULL;
    out.uuid = r->uuid ? xstrdup(r->uuid) : NULL;
    out.action = r->action ? xstrdup(r->action) : NULL;
    out.devices = r->devices ? xstrdup(r->devices) : NULL;
    out.flags = r->flags && *r->flags ? xasprintf("%s,resolved", r->flags) : xstrdup("resolved");
    out.undoes = r->undoes ? xstrdup(r->undoes) : NULL;
    out.phase = xstrdup(*made ? "done" : "failed");
    out.intent = xstrdup(r->id);
    pp_change_copy_elems(&out, r->elems, r->nelems);
    ok = pp_change_record(jfd, jpath, &out);
    pp_jrec_clear(&out);
    close(jfd);
    free(jpath);
    return ok;
}

bool pp_change_plan_undo(pp_app *app, const pp_journal *j, const char *path, bool dry,
                         pp_change *c, bool *resolved_only)
{
    const pp_jchange *t = pp_journal_undo_target(j);
    const pp_jrec *r;
    const pp_guest *g = NULL;
    bool made;
    int kind;
    size_t i;

    *resolved_only = false;
    if (j->nchanges && j->changes[j->nchanges - 1].damaged_after) {
        pp_error_set(_("undo: the journal '%s' ends in a damaged record; nothing was undone, "
                       "because what that record was cannot be known ('pcipass history' shows "
                       "the rest)"),
                     path);
        return false;
    }
    if (!t) {
        pp_error_set(_("undo: the journal '%s' holds no change to undo"), path);
        return false;
    }
    r = &j->v[t->intent];
    if (pp_jrec_is_setup(r)) {
        /* files and the kernel, undone by the setup module (pp_setup_undo) */
        pp_error_set(_("undo: the last change is a setup step; 'pcipass undo' undoes it"));
        return false;
    }
    if (t->damaged_after) {
        pp_error_set(_("undo: a damaged record follows the last change in '%s'; nothing was "
                       "undone"),
                     path);
        return false;
    }
    kind = rec_kind(r);
    if (kind < 0 || !r->devices || (r->nelems == 0 && kind != PP_CHANGE_PREPARE &&
                                    kind != PP_CHANGE_RELEASE)) {
        pp_error_set(_("undo: the last record of '%s' is incomplete; nothing was changed"), path);
        return false;
    }
    if (!pp_app_guests(app, false))
        return false;
    if (r->uri && strcmp(r->uri, pp_virt_uri(app->virt)) != 0) {
        pp_error_set(_("undo: the last change was made at %s, not %s; run 'pcipass -c %s undo'"),
                     r->uri, pp_virt_uri(app->virt), r->uri);
        return false;
    }
    if (strcmp(pp_jchange_state(j, t), "unknown") == 0) {
        if (!resolve(app, r, path, !dry, &made))
            return false;
        if (!made || strcmp(r->action, "undo") == 0) {
            *resolved_only = true;
            if (dry && made)
                pp_error_set(_("dry run: the last change, an undo for %s, was cut short, and "
                               "libvirt shows it was made; undo would record it as done"),
                             r->devices);
            else if (dry)
                pp_error_set(_("dry run: the last change (%s of %s) was cut short before libvirt "
                               "made it; undo would record it as not made and undo nothing"),
                             r->action, r->devices);
            else if (made)
                pp_error_set(_("the last change, an undo for %s, was cut short, and libvirt shows "
                               "it was made; it is now recorded as done"),
                             r->devices);
            else
                pp_error_set(_("the last change (%s of %s) was cut short before libvirt made it; "
                               "it is now recorded as not made, and nothing was undone"),
                             r->action, r->devices);
            return false;
        }
    }
    memset(c, 0, sizeof(*c));
    c->undoes = r;
    c->wait = PP_UNPLUG_WAIT_SECONDS;
    /* the reverse, where libvirt shows there is something to reverse */
    switch (kind) {
    case PP_CHANGE_ATTACH:
    case PP_CHANGE_DETACH:
        if (!(g = rec_guest(app, r)))
            return false;
        c->guest = c->guest_copy = xstrdup(g->name);
        c->kind = kind == PP_CHANGE_ATTACH ? PP_CHANGE_DETACH : PP_CHANGE_ATTACH;
        for (unsigned a = PP_AFFECT_LIVE; a <= PP_AFFECT_CONFIG; a <<= 1) {
            int h;
            if (!(rec_affect(r) & a) || (a == PP_AFFECT_LIVE ? !g->active : !g->persistent))
                continue;
            h = holds(g, r, a);
            if (c->kind == PP_CHANGE_DETACH ? h != 0 : h == 0) {
                c->want_live |= a == PP_AFFECT_LIVE;
                c->want_config |= a == PP_AFFECT_CONFIG;
            }
        }
        if (!c->want_live && !c->want_config) {
            pp_error_set(c->kind == PP_CHANGE_DETACH
                             ? _("undo: guest '%s' no longer holds %s where it was attached; "
                                 "there is nothing to undo")
                             : _("undo: guest '%s' holds %s again, or is no longer where it "
                                 "was detached from; there is nothing to undo"),
                         g->name, r->devices);
            return false;
        }
        /* built anew from the recorded fields, never sent as recorded text */
        c->hds = xcalloc(r->nelems, sizeof(*c->hds));
        for (i = 0; i < r->nelems; i++)
            c->hds[i] = r->elems[i];
        c->n = r->nelems;
        return true;
    default:
        c->kind = kind == PP_CHANGE_PREPARE ? PP_CHANGE_RELEASE : PP_CHANGE_PREPARE;
        c->hds = xcalloc(1, sizeof(*c->hds));
        if (!pp_pci_addr_parse(r->devices, "journal devices", &c->hds[0].source)) {
            free(c->hds);
            c->hds = NULL;
            return false;
        }
        c->n = 1;
        return true;
    }
}
