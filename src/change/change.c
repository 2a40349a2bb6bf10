/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change service (see change.h): the one place that writes, for both faces. */
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

/* ---- the plan ---- */

static const char *kind_action(pp_change_kind k)
{
    static const char *const names[] = { "attach", "detach", "prepare", "release" };
    return names[k];
}

/* The sources of the first N elements of C, comma-separated. */
static char *join_sources_n(const pp_change *c, size_t n)
{
    pp_buf b = PP_BUF_INIT;
    char name[PP_PCI_ADDR_STRLEN];
    size_t i;
    for (i = 0; i < n; i++) {
        pp_pci_addr_format(&c->hds[i].source, name);
        pp_buf_item(&b, ",", name);
    }
    return pp_buf_take(&b);
}

static char *join_sources(const pp_change *c)
{
    return join_sources_n(c, c->n);
}

bool pp_change_in_def(const pp_domain_info *d, const pp_pci_addr *a)
{
    return pp_domain_find(d, a) != NULL;
}

/* For a live attach to a PCI Express guest, a free hot-plug place of the right kind (libvirt says
 * "No more available PCI slots" only when the change is sent). A guest address already in use is
 * the assignment's own validation (pp_hostdev_validate), so the form says it as it is typed. */
static void guest_guards(const pp_change *c, const pp_host *host, const pp_guest *g,
                         pp_findings *out)
{
    size_t i, k, ports, slots, need_pcie = 0, need_pci = 0, need_any = 0;
    char gaddr[PP_PCI_ADDR_STRLEN];

    if (!(c->affect & PP_AFFECT_LIVE) || !g->has_live || !g->live.pcie)
        return;
    /* one hot-plug slot per guest slot (functions given one slot share it), of the kind the host
     * function needs: a PCI Express one a free port, a conventional one a pcie-to-pci-bridge slot;
     * unknown, either */
    for (i = 0; i < c->n; i++) {
        const pp_hostdev *hd = &c->hds[i];
        int kind;
        for (k = 0; k < i; k++)
            if (hd->has_guest_addr && hd->guest_addr_full && c->hds[k].has_guest_addr &&
                c->hds[k].guest_addr_full &&
                pp_pci_same_slot(&c->hds[k].guest_addr, &hd->guest_addr))
                break;
        if (k < i)
            continue;
        if (hd->has_guest_addr && hd->guest_addr_full && hd->guest_addr.bus == 0) {
            pp_pci_addr_format(&hd->guest_addr, gaddr);
            pp_guard_add(out, PP_GUARD_HOTPLUG, false, &hd->source,
                         xasprintf(_("guest-address: %s is on pcie-root of guest '%s', which takes "
                                     "no hot-plug; leave the address to libvirt, or use --config"),
                                   gaddr, g->name));
            return;
        }
        if (hd->has_guest_addr)
            continue; /* the operator chose the place; libvirt says whether it takes it */
        kind = pp_host_pcie(host, &hd->source);
        need_pcie += kind == 1;
        need_pci += kind == 0;
        need_any += kind < 0;
    }
    ports = g->live.nfree_ports;
    slots = g->live.free_bridge_slots;
    if (need_pcie > ports || need_pcie + need_any > ports + slots)
        pp_guard_add(out, PP_GUARD_HOTPLUG, false, &c->hds[0].source,
                     xasprintf(P_("guest '%s' has %zu free pcie-root-port for hot-plug, and this "
                                  "needs %zu; add pcie-root-port controllers to its persistent "
                                  "configuration and restart it, or use --config",
                                  "guest '%s' has %zu free pcie-root-ports for hot-plug, and this "
                                  "needs %zu; add pcie-root-port controllers to its persistent "
                                  "configuration and restart it, or use --config",
                                  ports),
                               g->name, ports, need_pcie + need_any));
    else if (need_pci > slots || need_pci + need_any > ports + slots)
        pp_guard_add(out, PP_GUARD_HOTPLUG, false, &c->hds[0].source,
                     xasprintf(P_("guest '%s' has %zu free pcie-to-pci-bridge slot for a "
                                  "conventional PCI function, and this needs %zu; add a "
                                  "pcie-to-pci-bridge controller to its persistent configuration "
                                  "and restart it, or use --config",
                                  "guest '%s' has %zu free pcie-to-pci-bridge slots for a "
                                  "conventional PCI function, and this needs %zu; add a "
                                  "pcie-to-pci-bridge controller to its persistent configuration "
                                  "and restart it, or use --config",
                                  slots),
                               g->name, slots, need_pci));
}

static const pp_hostdev *held_element(const pp_guest *g, unsigned affect, const pp_pci_addr *a)
{
    const pp_hostdev *hd = NULL;
    if ((affect & PP_AFFECT_CONFIG) && g->has_config)
        hd = pp_domain_find(&g->config, a);
    if (!hd && (affect & PP_AFFECT_LIVE) && g->has_live)
        hd = pp_domain_find(&g->live, a);
    return hd;
}

/* Detach: every function must be where it is to be taken from; and functions that share the
 * guest slot of function 0 and stay are named (the guest sees them as one device). */
static bool detach_checks(pp_change *c, const pp_guest *g)
{
    const pp_domain_info *d = (c->affect & PP_AFFECT_CONFIG) ? &g->config : &g->live;
    char name[PP_PCI_ADDR_STRLEN];
    pp_buf siblings = PP_BUF_INIT;
    size_t i, k;
    const char *damaged = (c->affect & PP_AFFECT_CONFIG) && g->config.damaged ? g->config.damaged
                          : (c->affect & PP_AFFECT_LIVE) && g->live.damaged  ? g->live.damaged
                                                                             : NULL;

    if (damaged) {
        /* the dry run and the change agree: neither takes from a definition that does not read */
        pp_error_set(_("guest '%s': its %s is not well-formed XML (%s); what it holds is not known "
                       "for sure and pcipass edits no definition it cannot read (correct it with "
                       "virsh edit first)"),
                     g->name, _(pp_affect_words(c->affect)), damaged);
        return false;
    }
    for (i = 0; i < c->n; i++) {
        const pp_hostdev *hd;
        pp_pci_addr_format(&c->hds[i].source, name);
        if (((c->affect & PP_AFFECT_CONFIG) && !pp_change_in_def(&g->config, &c->hds[i].source)) ||
            ((c->affect & PP_AFFECT_LIVE) && !pp_change_in_def(&g->live, &c->hds[i].source))) {
            pp_error_set(_("device: %s is not in the %s of guest '%s'"), name,
                         _(pp_affect_words(c->affect)), g->name);
            pp_buf_free(&siblings);
            return false;
        }
        hd = pp_domain_find(d, &c->hds[i].source);
        if (!hd->has_guest_addr || !hd->guest_addr_full || hd->guest_addr.function != 0)
            continue;
        for (k = 0; k < d->ndevs; k++) {
            const pp_hostdev *o = &d->devs[k];
            bool leaving = false;
            for (size_t j = 0; j < c->n; j++)
                leaving = leaving || pp_pci_addr_eq(&c->hds[j].source, &o->source);
            if (leaving || !o->has_guest_addr || !o->guest_addr_full ||
                !pp_pci_same_slot(&o->guest_addr, &hd->guest_addr))
                continue;
            pp_pci_addr_format(&o->source, name);
            pp_buf_item(&siblings, ",", name);
        }
    }
    free(c->siblings);
    c->siblings = pp_buf_take_or_null(&siblings);
    return true;
}

/* Everything but the lock: guests as they are now, the configuration choice, the guards. false
 * with the error slot set for a plan that cannot be (findings go to c->findings). */
static bool check_locked(pp_app *app, pp_change *c, const pp_guest **gout)
{
    const pp_guest *g = NULL;
    pp_guard_in in;
    size_t i;

    pp_findings_clear(&c->findings);
    free(c->siblings);
    c->siblings = NULL;
    if (!(in.host = pp_app_host(app)))
        return false;
    in.owners = &app->owners;
    in.guest = NULL;
    in.affect = 0;
    if (c->kind == PP_CHANGE_ATTACH || c->kind == PP_CHANGE_DETACH) {
        if (!(g = pp_app_find_guest(app, c->guest)) ||
            !pp_virt_affect(app->virt, g, c->want_live, c->want_config, &c->affect))
            return false;
        in.guest = g;
        /* "already assigned" where the change goes: a persistent-only attach of what the guest
         * holds only live (an undo of a persistent-only detach) is no double assignment */
        in.affect = c->affect;
    }
    *gout = g;
    switch (c->kind) {
    case PP_CHANGE_ATTACH: {
        pp_pci_addr *set;
        if (!pp_app_libvirt_takes(app, c->hds, c->n, NULL) ||
            !pp_change_rechoose_slot(in.host, g, c->affect, c->hds, c->n))
            return false;
        set = xcalloc(c->n, sizeof(*set));
        for (i = 0; i < c->n; i++) {
            if (!pp_hostdev_validate_guest(&c->hds[i], g, c->affect)) {
                free(set);
                return false;
            }
            set[i] = c->hds[i].source;
        }
        pp_guard_attach(&in, set, c->n, &c->findings);
        free(set);
        guest_guards(c, in.host, g, &c->findings);
        return true;
    }
    case PP_CHANGE_DETACH:
        return detach_checks(c, g);
    case PP_CHANGE_PREPARE:
    case PP_CHANGE_RELEASE:
        pp_guard_prepare(&in, &c->hds[0].source, c->kind == PP_CHANGE_RELEASE, &c->findings);
        return pp_app_libvirt_takes(app, NULL, 0,
                                    c->hds[0].driver_model[0] ? c->hds[0].driver_model : NULL);
    }
    return true;
}

bool pp_hostdev_validate_guest(const pp_hostdev *hd, const pp_guest *g, unsigned affect)
{
    if ((!affect || (affect & PP_AFFECT_CONFIG)) && g->has_config &&
        !pp_hostdev_validate(hd, &g->config))
        return false;
    return !((!affect || (affect & PP_AFFECT_LIVE)) && g->has_live &&
             !pp_hostdev_validate(hd, &g->live));
}

bool pp_change_check(pp_app *app, pp_change *c)
{
    const pp_guest *g;
    return pp_app_guests(app, true) && check_locked(app, c, &g);
}

/* ---- journal records ---- */

static void fill_record(const pp_change *c, const pp_guest *g, const char *uri, pp_jrec *r)
{
    const char *action = c->undoes ? "undo" : kind_action(c->kind);
    /* an undo names the action it reverts first, so history reads "undo ... attach" and a
     * resolution knows the operation (its reverse) */
    const char *reverts = c->undoes && c->undoes->action ? c->undoes->action : NULL;
    pp_buf flags = PP_BUF_INIT;

    if (reverts)
        pp_buf_item(&flags, ",", reverts);
    if (c->affect & PP_AFFECT_LIVE)
        pp_buf_item(&flags, ",", "live");
    if (c->affect & PP_AFFECT_CONFIG)
        pp_buf_item(&flags, ",", "config");
    if (c->force)
        pp_buf_item(&flags, ",", "force");

    memset(r, 0, sizeof(*r));
    r->uri = xstrdup(uri);
    r->guest = g ? xstrdup(g->name) : NULL;
    r->uuid = g ? xstrdup(g->uuid) : NULL;
    r->action = xstrdup(action);
    r->devices = xstrdup(c->devices);
    r->flags = pp_buf_take(&flags);
    r->undoes = c->undoes && c->undoes->id ? xstrdup(c->undoes->id) : NULL;
}

void pp_change_copy_elems(pp_jrec *r, const pp_hostdev *v, size_t n)
{
    r->elems = xcalloc(n ? n : 1, sizeof(*r->elems));
    memcpy(r->elems, v, n * sizeof(*v));
    r->nelems = n;
}

int pp_change_journal_open(pp_app *app, char **path)
{
    int fd;
    *path = pp_journal_path(app->journal);
    if (!*path)
        return -1;
    fd = pp_journal_open(*path);
    if (fd < 0) {
        free(*path);
        *path = NULL;
    }
    return fd;
}

bool pp_change_record(int fd, const char *path, pp_jrec *r)
{
    const char *action = r->action ? r->action : "?";
    char *what = r->devices ? xasprintf("%s %s", action, r->devices) : xstrdup(action);
    bool ok;

    /* the record and the note as one step: a signal between them would say the wrong state */
    pp_interrupt_defer(true);
    ok = pp_journal_append(fd, path, r);
    if (ok && strcmp(r->phase, "intent") == 0)
        pp_interrupt_note(_("the change (%s) is unknown: its intent is in the journal, its "
                            "outcome is not; 'pcipass history' shows it as unknown, and 'pcipass "
                            "undo' reads back what is there, records it, and reverts the change "
                            "if it was made"),
                          what);
    else if (ok)
        pp_interrupt_note(_("the change (%s) is recorded in the journal as %s"), what, r->phase);
    pp_interrupt_defer(false);
    free(what);
    return ok;
}

/* ---- the sequence ---- */

/* The guest addresses libvirt holds (STORED, read back) other than those C asked for: one line
 * each in c->moved. libvirt takes 0000:00:00.0 (the host bridge's place in a pc or q35 guest)
 * as no address at all and chooses one itself. */
static void attach_moved(pp_change *c, const pp_hostdev *stored)
{
    char src[PP_PCI_ADDR_STRLEN], asked[PP_PCI_ADDR_STRLEN], held[PP_PCI_ADDR_STRLEN];
    pp_buf b = PP_BUF_INIT;
    char *line;

    for (size_t i = 0; i < c->n; i++) {
        const pp_hostdev *a = &c->hds[i], *s = &stored[i];
        bool held_full = s->has_guest_addr && s->guest_addr_full;
        if (!a->has_guest_addr || !a->guest_addr_full ||
            (held_full && pp_pci_addr_eq(&s->guest_addr, &a->guest_addr)))
            continue;
        pp_pci_addr_format(&a->source, src);
        pp_pci_addr_format(&a->guest_addr, asked);
        if (held_full) {
            pp_pci_addr_format(&s->guest_addr, held);
            line = xasprintf(_("guest-address: %s asked for %s, and libvirt holds it at %s"), src,
                             asked, held);
        } else {
            line = xasprintf(_("guest-address: %s asked for %s, and libvirt holds it with no guest "
                               "address (it chooses one when the guest starts)"),
                             src, asked);
        }
        pp_buf_item(&b, "\n", line);
        free(line);
    }
    free(c->moved);
    c->moved = pp_buf_take_or_null(&b);
}

/* What the guest holds after an attach, read back: the elements as libvirt stored them (the
 * persistent ones where the change went there, else the live ones); *STORED as fields. */
static void attach_truth(pp_app *app, pp_change *c, const pp_guest *g, pp_hostdev **stored,
                         size_t *nstored)
{
    pp_pci_addr *src = xcalloc(c->n, sizeof(*src));
    size_t i, missing;

    for (i = 0; i < c->n; i++)
        src[i] = c->hds[i].source;
    if (!pp_virt_read_held(app->virt, g, c->affect, src, c->n, &c->xml, &missing)) {
        /* made, but not readable back: said so; the record keeps what was sent */
        char *why = xstrdup(pp_error_get());
        c->state = PP_CHANGE_REQUESTED;
        pp_error_set(_("libvirt accepted the change, but reading the guest back failed: %s"), why);
        free(why);
    } else if (missing) {
        c->state = PP_CHANGE_REQUESTED;
        pp_error_set(_("libvirt accepted the attach, but the %s of guest '%s' does not hold all "
                       "of %s"),
                     _(pp_affect_words(c->affect)), g->name, c->devices);
    } else {
        c->state = PP_CHANGE_DONE;
    }
    if (!c->xml || !pp_elements_parse(c->xml, stored, nstored) || *nstored != c->n) {
        free(*stored);
        *stored = xcalloc(c->n, sizeof(**stored));
        memcpy(*stored, c->hds, c->n * sizeof(*c->hds));
        *nstored = c->n;
    } else {
        attach_moved(c, *stored);
    }
    free(src);
}

/* After a detach: gone from the persistent definition, and from the live one once the guest
 * released it (waited for up to c->wait from REQUESTED, when the detach was asked for: libvirt's
 * own call may already have waited part of it). */
static void detach_truth(pp_app *app, pp_change *c, const pp_guest *g, double requested)
{
    double left = c->wait - (pp_monotonic() - requested);

    pp_pci_addr *src = xcalloc(c->n, sizeof(*src));
    bool *present = xcalloc(c->n, sizeof(*present));
    char name[PP_PCI_ADDR_STRLEN];
    pp_buf pending = PP_BUF_INIT;
    pp_guest now;
    size_t i;

    c->state = PP_CHANGE_DONE;
    for (i = 0; i < c->n; i++)
        src[i] = c->hds[i].source;
    if (c->affect & PP_AFFECT_LIVE) {
        if (!pp_virt_wait_released(app->virt, g, src, c->n, left > 0 ? left : 0, present)) {
            c->state = PP_CHANGE_REQUESTED;
            for (i = 0; i < c->n; i++)
                present[i] = true; /* not known: not said to be gone */
        }
        for (i = 0; i < c->n; i++) {
            if (!present[i])
                continue;
            c->state = PP_CHANGE_REQUESTED;
            pp_pci_addr_format(&src[i], name);
            pp_buf_item(&pending, ",", name);
        }
        free(c->pending);
        c->pending = pp_buf_take_or_null(&pending);
        if (c->pending)
            pp_error_set(_("unplug requested; guest '%s' has not released %s"), g->name,
                         c->pending);
    }
    if ((c->affect & PP_AFFECT_CONFIG) && pp_virt_guest_reread(app->virt, g->uuid, &now)) {
        if (now.has_config && now.config.damaged) {
            c->state = PP_CHANGE_REQUESTED;
            pp_error_set(_("libvirt accepted the detach, but the persistent configuration of "
                           "guest '%s' is not well-formed XML (%s): what it holds is unknown"),
                         g->name, now.config.damaged);
        }
        for (i = 0; i < c->n; i++) {
            if (now.has_config && pp_domain_find(&now.config, &src[i])) {
                c->state = PP_CHANGE_REQUESTED;
                pp_pci_addr_format(&src[i], name);
                pp_error_set(_("libvirt accepted the detach, but the persistent configuration of "
                               "guest '%s' still holds %s"),
                             g->name, name);
            }
        }
        pp_guest_clear(&now);
    }
    free(present);
    free(src);
}

/* After prepare/release: the driver the kernel shows now, judged by the host's one VFIO rule
 * (libvirt 10.0 and later binds the variant driver modules.alias names, not only vfio-pci). */
static void driver_truth(pp_app *app, pp_change *c)
{
    const pp_function *f;
    bool vfio;
    char *why;

    c->state = PP_CHANGE_DONE;
    if (!pp_app_reload_host(app))
        return;
    f = pp_host_find(app->host, &c->hds[0].source);
    if (!f)
        return;
    vfio = pp_function_on_vfio(f);
    /* a prepare whose driver may or may not be a VFIO one, or is not the one asked for, is not
     * done */
    if (vfio != (c->kind == PP_CHANGE_PREPARE) ||
        (vfio && c->hds[0].driver_model[0] && strcmp(f->driver, c->hds[0].driver_model) != 0)) {
        c->state = PP_CHANGE_REQUESTED;
        why = pp_vfio_reason(f);
        pp_error_set(_("libvirt answered, but the kernel shows this: %s"), why);
        free(why);
    }
}

static const char *state_phase(pp_change_state s)
{
    return s == PP_CHANGE_DONE ? "done" : s == PP_CHANGE_REQUESTED ? "requested" : "failed";
}

pp_change_state pp_change_apply(pp_app *app, pp_change *c)
{
    const pp_guest *g = NULL;
    pp_hostdev *held = NULL, *stored = NULL;
    size_t nstored = 0;
    char *jpath = NULL, *err;
    pp_jrec intent, out;
    int jfd = -1;
    size_t i;
    bool ok = false;
    double requested = 0;

    /* the outcome of an earlier apply of the same plan goes */
    free(c->xml);
    free(c->pending);
    free(c->error);
    free(c->record_error);
    free(c->moved);
    c->xml = c->pending = c->error = c->record_error = c->moved = NULL;
    c->recorded = false;
    c->state = PP_CHANGE_REFUSED;
    free(c->devices);
    c->devices = join_sources(c);
    pp_interrupt_note(_("nothing was sent to libvirt"));
    if (!pp_change_lock(c)) {
        c->error = xstrdup(pp_error_get());
        return c->state;
    }
    /* under the lock: what others changed until now is seen, nobody changes it until we are done */
    pp_app_forget_guests(app);
    if (c->kind == PP_CHANGE_PREPARE || c->kind == PP_CHANGE_RELEASE)
        pp_app_reload_host(app);
    if (!pp_app_guests(app, false) || !check_locked(app, c, &g))
        goto out;
    if (pp_findings_blocking(&c->findings, c->force, c->accepted)) {
        pp_error_set(_("refused: nothing was sent"));
        goto out;
    }
    if (c->kind == PP_CHANGE_DETACH) {
        /* the elements as the guest holds them: the record, and what undo builds anew */
        held = xcalloc(c->n, sizeof(*held));
        for (i = 0; i < c->n; i++)
            held[i] = *held_element(g, c->affect, &c->hds[i].source);
    }
    if ((jfd = pp_change_journal_open(app, &jpath)) < 0)
        goto out;
    fill_record(c, g, pp_virt_uri(app->virt), &intent);
    intent.phase = xstrdup("intent");
    if (c->kind == PP_CHANGE_ATTACH)
        pp_change_copy_elems(&intent, c->hds, c->n);
    else if (held)
        pp_change_copy_elems(&intent, held, c->n);
    /* the intent first: a process killed in the middle leaves a trace that undo can resolve */
    if (!pp_change_record(jfd, jpath, &intent)) {
        pp_jrec_clear(&intent);
        goto out;
    }

    switch (c->kind) {
    case PP_CHANGE_ATTACH:
        ok = pp_virt_attach_many(app->virt, g, c->hds, c->n, c->affect);
        break;
    case PP_CHANGE_DETACH: {
        pp_buf removed = PP_BUF_INIT;
        /* said before the request, which itself may block while the guest is asked */
        if ((c->affect & PP_AFFECT_LIVE) && c->wait > 0)
            pp_change_tell(c, _("Waiting up to %.0f s for guest '%s' to release the device ..."),
                           c->wait, g->name);
        requested = pp_monotonic();
        for (i = 0, ok = true; ok && i < c->n; i++) {
            char *rm = NULL;
            ok = pp_virt_detach(app->virt, g, &c->hds[i].source, c->affect, &rm);
            if (ok)
                pp_buf_add(&removed, rm);
            free(rm);
        }
        free(c->xml);
        c->xml = pp_buf_take_or_null(&removed);
        if (!ok && i > 1) {
            /* put back what went out, built anew from its fields; where that fails too, the
             * error says what the guest no longer holds (the journal keeps it with the outcome) */
            pp_error_preserve_last(&err);
            if (!pp_virt_attach_many(app->virt, g, held, i - 1, c->affect)) {
                char *why = xstrdup(pp_error_get()), *gone = join_sources_n(c, i - 1);
                pp_error_set(_("%s; and putting back %s failed too: %s"), err ? err : "", gone,
                             why);
                free(why);
                free(gone);
                free(err);
            } else {
                pp_error_restore(&err);
            }
        }
        break;
    }
    case PP_CHANGE_PREPARE:
    case PP_CHANGE_RELEASE:
        ok = pp_virt_prepare(app->virt, &c->hds[0].source, c->kind == PP_CHANGE_RELEASE,
                             c->hds[0].driver_model[0] ? c->hds[0].driver_model : NULL);
        break;
    }

    if (!ok && pp_virt_answer_lost(app->virt)) {
        /* not "failed": the intent stays alone, as a killed change's does, for undo to resolve */
        c->state = PP_CHANGE_UNKNOWN;
        pp_error_set(_("%s; libvirt's answer was lost: whether %s was changed is unknown "
                       "(history shows it as unknown; 'pcipass undo' reads back what libvirt "
                       "holds, records it and reverts the change if it was made)"),
                     (err = xstrdup(pp_error_get())), c->devices);
        free(err);
        pp_jrec_clear(&intent);
        goto out;
    }
    err = ok ? NULL : xstrdup(pp_error_get());
    if (!ok)
        c->state = PP_CHANGE_FAILED;
    else if (c->kind == PP_CHANGE_ATTACH)
        attach_truth(app, c, g, &stored, &nstored);
    else if (c->kind == PP_CHANGE_DETACH)
        detach_truth(app, c, g, requested);
    else
        driver_truth(app, c);
    if (ok && c->state != PP_CHANGE_DONE)
        err = xstrdup(pp_error_get());
    if (ok && g && (c->kind == PP_CHANGE_ATTACH ? c->state == PP_CHANGE_DONE
                                                : c->kind == PP_CHANGE_DETACH))
        pp_change_identity_step(app, c, g);

    fill_record(c, g, pp_virt_uri(app->virt), &out);
    out.phase = xstrdup(state_phase(c->state));
    out.intent = xstrdup(intent.id);
    if (stored)
        pp_change_copy_elems(&out, stored, nstored);
    else if (held)
        pp_change_copy_elems(&out, held, c->n);
    out.xml = c->xml ? xstrdup(c->xml) : NULL;
    c->recorded = pp_change_record(jfd, jpath, &out);
    if (!c->recorded)
        c->record_error = xstrdup(pp_error_get());
    pp_jrec_clear(&out);
    pp_jrec_clear(&intent);
    if (err) {
        pp_error_set("%s", err);
        free(err);
    }
out:
    if (c->state != PP_CHANGE_DONE)
        c->error = xstrdup(pp_error_get());
    if (jfd >= 0)
        close(jfd);
    free(jpath);
    free(held);
    free(stored);
    /* guests are read again by whoever looks next */
    pp_app_forget_guests(app);
    pp_change_unlock();
    return c->state;
}

void pp_change_clear(pp_change *c)
{
    pp_findings_clear(&c->findings);
    free(c->devices);
    free(c->xml);
    free(c->pending);
    free(c->siblings);
    free(c->moved);
    c->moved = NULL;
    free(c->record_error);
    free(c->identity);
    free(c->identity_error);
    c->identity = c->identity_error = NULL;
    free(c->guest_copy);
    free(c->error);
    c->error = NULL;
    c->devices = c->xml = c->pending = c->siblings = c->record_error = c->guest_copy = NULL;
}

