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

/* ---- the host-wide lock ---- */

/* root: one lock for the host; another user can only serialise with itself (and libvirt refuses
 * what it may not do anyway) */
static char *lock_path(void)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");

    if (geteuid() == 0)
        return xstrdup("/run/pcipass.lock");
    if (rt && *rt == '/')
        return xasprintf("%s/pcipass.lock", rt);
    return xasprintf("/tmp/pcipass-%ld.lock", (long)geteuid());
}

static void tell(const pp_change *c, const char *fmt, ...) PP_PRINTF(2, 3);
static void tell(const pp_change *c, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!c->waiting)
        return;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    c->waiting(c->waiting_arg, msg);
    free(msg);
}

/* -1 with the error slot set when another pcipass keeps it (past the bound, or at once with
 * no_lock_wait) or it cannot be opened. */
static int lock_open(const pp_change *c)
{
    char *path = lock_path(), holder[32] = "?";
    struct stat st;
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), tries = 0;
    ssize_t r;

    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        pp_error_set(_("lock: cannot use '%s': %s"), path,
                     fd < 0 ? strerror(errno) : _("not a regular file of this user"));
        if (fd >= 0)
            close(fd);
        free(path);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (tries == 0) {
            if ((r = pread(fd, holder, sizeof(holder) - 1, 0)) > 0)
                holder[r] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            if (!holder[0])
                strcpy(holder, "?"); /* it has the lock, but has not written its pid yet */
        }
        if (c->no_lock_wait || tries >= PP_LOCK_WAIT_SECONDS * 10) {
            if (strcmp(holder, "?") != 0)
                pp_error_set(_("another pcipass (process %s) is making a change on this host; "
                               "nothing was sent (try again when it is done)"),
                             holder);
            else
                pp_error_set(_("another pcipass is making a change on this host; nothing was "
                               "sent (try again when it is done)"));
            close(fd);
            free(path);
            return -1;
        }
        if (tries == 0)
            tell(c, _("Waiting for another pcipass (process %s) to finish its change ..."),
                 holder); /* "?" when it has not written its pid yet */
        tries++;
        struct timespec d = { 0, 100 * 1000 * 1000 };
        nanosleep(&d, NULL);
    }
    /* who holds it, for the one who waits: a courtesy, so a failed write changes nothing */
    snprintf(holder, sizeof(holder), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0)
        (void)!pwrite(fd, holder, strlen(holder), 0);
    free(path);
    return fd;
}

/* Re-entrant within the process: undo holds it from reading the journal to its outcome, and the
 * change it makes takes it again. */
static int lock_fd = -1;
static unsigned lock_depth;

bool pp_change_lock(const pp_change *c)
{
    if (lock_depth == 0 && (lock_fd = lock_open(c)) < 0)
        return false;
    lock_depth++;
    return true;
}

void pp_change_unlock(void)
{
    if (lock_depth && --lock_depth == 0) {
        close(lock_fd); /* closing releases the flock */
        lock_fd = -1;
    }
}

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

static bool in_def(const pp_domain_info *d, const pp_pci_addr *a)
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
                c->hds[k].guest_addr_full && c->hds[k].guest_addr.domain == hd->guest_addr.domain &&
                c->hds[k].guest_addr.bus == hd->guest_addr.bus &&
                c->hds[k].guest_addr.slot == hd->guest_addr.slot)
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

    for (i = 0; i < c->n; i++) {
        const pp_hostdev *hd;
        pp_pci_addr_format(&c->hds[i].source, name);
        if (((c->affect & PP_AFFECT_CONFIG) && !in_def(&g->config, &c->hds[i].source)) ||
            ((c->affect & PP_AFFECT_LIVE) && !in_def(&g->live, &c->hds[i].source))) {
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
                o->guest_addr.domain != hd->guest_addr.domain ||
                o->guest_addr.bus != hd->guest_addr.bus || o->guest_addr.slot != hd->guest_addr.slot)
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
            !pp_virt_affect(g, c->want_live, c->want_config, &c->affect))
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
        if (!pp_app_libvirt_takes(app, c->hds, c->n, NULL))
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

size_t pp_change_blocking(const pp_findings *f, bool force, const pp_findings *accepted)
{
    size_t i, k, n = 0;

    for (i = 0; i < f->n; i++) {
        bool ok = f->v[i].warning || (f->v[i].forceable && force);
        for (k = 0; !ok && f->v[i].forceable && accepted && k < accepted->n; k++)
            ok = accepted->v[k].kind == f->v[i].kind &&
                 pp_pci_addr_eq(&accepted->v[k].addr, &f->v[i].addr);
        n += !ok;
    }
    return n;
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

static void copy_elems(pp_jrec *r, const pp_hostdev *v, size_t n)
{
    r->elems = xcalloc(n ? n : 1, sizeof(*r->elems));
    memcpy(r->elems, v, n * sizeof(*v));
    r->nelems = n;
}

/* ---- the sequence ---- */

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
    }
    free(src);
}

/* After a detach: gone from the persistent definition, and from the live one once the guest
 * released it (waited for up to c->wait). */
static void detach_truth(pp_app *app, pp_change *c, const pp_guest *g)
{
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
        if (c->wait > 0)
            tell(c, _("Waiting up to %.0f s for guest '%s' to release the device ..."), c->wait,
                 g->name);
        if (!pp_virt_wait_released(app->virt, g, src, c->n, c->wait, present)) {
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

/* ---- the function's identity, in the guest's own definition ---- */

char *pp_identity_line(const pp_identity *id)
{
    char name[PP_PCI_ADDR_STRLEN], serial[24], *s, *t;

    pp_pci_addr_format(&id->addr, name);
    if (id->has_serial)
        pp_serial_format(id->serial, serial);
    s = xasprintf(_("%s %04x:%04x subsystem %04x:%04x class %06x serial %s"), name, id->vendor,
                  id->device, id->subsys_vendor, id->subsys_device, (unsigned)id->class_code,
                  id->has_serial ? serial : _("none"));
    if (id->has_zpci) {
        t = xasprintf(_("%s zPCI fid 0x%08x uid 0x%04x"), s, id->fid, id->uid);
        free(s);
        s = t;
    }
    return s;
}

static void identity_of(const pp_function *f, pp_identity *id)
{
    memset(id, 0, sizeof(*id));
    id->addr = f->addr;
    id->vendor = f->vendor_id;
    id->device = f->device_id;
    id->subsys_vendor = f->subsys_vendor_id;
    id->subsys_device = f->subsys_device_id;
    id->class_code = f->class_code;
    id->has_serial = f->has_serial;
    id->serial = f->serial;
    id->has_zpci = f->has_zpci;
    id->fid = f->zpci.fid;
    id->uid = f->zpci.uid;
}

static bool in_list(const pp_pci_addr *v, size_t n, const pp_pci_addr *a)
{
    for (size_t i = 0; i < n; i++)
        if (pp_pci_addr_eq(&v[i], a))
            return true;
    return false;
}

/* Rewrites the pcipass metadata of the guest UUID, read anew, in each of its configurations in
 * AFFECT: the functions of ADD that the configuration holds recorded as the host shows them now;
 * entries of functions the configuration no longer holds dropped (a detach). *WHAT (may be
 * NULL) gets one line per function recorded. false with the error slot set. */
static bool write_identity(pp_app *app, const char *uuid, unsigned affect, const pp_pci_addr *add,
                           size_t nadd, char **what)
{
    const pp_host *host = pp_app_host(app);
    pp_guest now;
    bool ok = true, set_ok = true;
    pp_buf lines = PP_BUF_INIT;
    unsigned show;

    if (!host || !pp_virt_guest_reread(app->virt, uuid, &now))
        return false;
    /* the lines say what the persistent definition holds, where the change went there */
    show = (affect & PP_AFFECT_CONFIG) && now.has_config ? PP_AFFECT_CONFIG : PP_AFFECT_LIVE;
    for (unsigned a = PP_AFFECT_LIVE; a <= PP_AFFECT_CONFIG; a <<= 1) {
        const pp_domain_info *d = a == PP_AFFECT_LIVE ? &now.live : &now.config;
        pp_identity *ids;
        size_t i, n = 0;
        bool changed = false;
        char *xml;

        if (!(affect & a) || (a == PP_AFFECT_LIVE ? !now.has_live : !now.has_config))
            continue;
        ids = xcalloc(d->nids + nadd + 1, sizeof(*ids));
        for (i = 0; i < d->nids; i++) {
            if (!pp_domain_find(d, &d->ids[i].addr) || in_list(add, nadd, &d->ids[i].addr))
                changed = true;
            else
                ids[n++] = d->ids[i];
        }
        for (i = 0; i < nadd; i++) {
            const pp_function *f = pp_host_find(host, &add[i]);
            char *line;
            if (!pp_domain_find(d, &add[i]))
                continue;
            if (!f) {
                char name[PP_PCI_ADDR_STRLEN];
                pp_pci_addr_format(&add[i], name);
                pp_error_set(_("identity: %s is not a PCI function of this host; nothing to "
                               "record"),
                             name);
                ok = false;
                continue;
            }
            if (host->partial) {
                /* a reference with zeros for what the host did not say would make the audit
                 * call the right function replaced */
                pp_error_set(_("identity: %s is not recorded: libvirt's node devices do not carry "
                               "its subsystem ids"),
                             f->name);
                ok = false;
                continue;
            }
            identity_of(f, &ids[n]);
            if (a == show) {
                line = pp_identity_line(&ids[n]);
                pp_buf_item(&lines, "\n", line);
                free(line);
            }
            n++;
            changed = true;
        }
        if (changed) {
            xml = pp_identity_to_xml(ids, n);
            if (!pp_virt_set_identity(app->virt, &now, a, xml))
                ok = set_ok = false;
            free(xml);
        }
        free(ids);
    }
    pp_guest_clear(&now);
    /* said recorded only when libvirt took it */
    if (what && set_ok)
        *what = pp_buf_take_or_null(&lines);
    else
        pp_buf_free(&lines);
    return ok;
}

/* A step after the read-back: the identity is the audit's reference, not part of the change,
 * so a failure here is reported with the outcome and the assignment stays. */
static void record_identity(pp_app *app, pp_change *c, const pp_guest *g)
{
    pp_pci_addr *src = xcalloc(c->n + 1, sizeof(*src));

    for (size_t i = 0; i < c->n; i++)
        src[i] = c->hds[i].source;
    if (!write_identity(app, g->uuid, c->affect, c->kind == PP_CHANGE_ATTACH ? src : NULL,
                        c->kind == PP_CHANGE_ATTACH ? c->n : 0, &c->identity))
        c->identity_error = xstrdup(pp_error_get());
    free(src);
}

bool pp_change_record_identity(pp_app *app, const char *guest, const pp_pci_addr *addrs, size_t n,
                               char **what)
{
    pp_change c;
    const pp_guest *g;
    bool ok = false;

    memset(&c, 0, sizeof(c));
    *what = NULL;
    if (!pp_change_lock(&c))
        return false;
    pp_app_forget_guests(app);
    if (pp_app_guests(app, false) && (g = pp_app_find_guest(app, guest)))
        ok = write_identity(app, g->uuid, (g->active ? PP_AFFECT_LIVE : 0) |
                                              (g->persistent ? PP_AFFECT_CONFIG : 0),
                            addrs, n, what);
    pp_app_forget_guests(app);
    pp_change_unlock();
    return ok;
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

    /* the outcome of an earlier apply of the same plan goes */
    free(c->xml);
    free(c->pending);
    free(c->error);
    free(c->record_error);
    c->xml = c->pending = c->error = c->record_error = NULL;
    c->recorded = false;
    c->state = PP_CHANGE_REFUSED;
    free(c->devices);
    c->devices = join_sources(c);
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
    if (pp_change_blocking(&c->findings, c->force, c->accepted)) {
        pp_error_set(_("refused: nothing was sent"));
        goto out;
    }
    if (c->kind == PP_CHANGE_DETACH) {
        /* the elements as the guest holds them: the record, and what undo builds anew */
        held = xcalloc(c->n, sizeof(*held));
        for (i = 0; i < c->n; i++)
            held[i] = *held_element(g, c->affect, &c->hds[i].source);
    }
    if ((jfd = pp_app_journal_open(app, &jpath)) < 0)
        goto out;
    fill_record(c, g, pp_virt_uri(app->virt), &intent);
    intent.phase = xstrdup("intent");
    if (c->kind == PP_CHANGE_ATTACH)
        copy_elems(&intent, c->hds, c->n);
    else if (held)
        copy_elems(&intent, held, c->n);
    /* the intent first: a process killed in the middle leaves a trace that undo can resolve */
    if (!pp_journal_append(jfd, jpath, &intent)) {
        pp_jrec_clear(&intent);
        goto out;
    }

    switch (c->kind) {
    case PP_CHANGE_ATTACH:
        ok = pp_virt_attach_many(app->virt, g, c->hds, c->n, c->affect);
        break;
    case PP_CHANGE_DETACH: {
        pp_buf removed = PP_BUF_INIT;
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

    err = ok ? NULL : xstrdup(pp_error_get());
    if (!ok)
        c->state = PP_CHANGE_FAILED;
    else if (c->kind == PP_CHANGE_ATTACH)
        attach_truth(app, c, g, &stored, &nstored);
    else if (c->kind == PP_CHANGE_DETACH)
        detach_truth(app, c, g);
    else
        driver_truth(app, c);
    if (ok && c->state != PP_CHANGE_DONE)
        err = xstrdup(pp_error_get());
    if (ok && g && (c->kind == PP_CHANGE_ATTACH ? c->state == PP_CHANGE_DONE
                                                : c->kind == PP_CHANGE_DETACH))
        record_identity(app, c, g);

    fill_record(c, g, pp_virt_uri(app->virt), &out);
    out.phase = xstrdup(state_phase(c->state));
    out.intent = xstrdup(intent.id);
    if (stored)
        copy_elems(&out, stored, nstored);
    else if (held)
        copy_elems(&out, held, c->n);
    out.xml = c->xml ? xstrdup(c->xml) : NULL;
    c->recorded = pp_journal_append(jfd, jpath, &out);
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
    free(c->record_error);
    free(c->identity);
    free(c->identity_error);
    c->identity = c->identity_error = NULL;
    free(c->guest_copy);
    free(c->error);
    c->error = NULL;
    c->devices = c->xml = c->pending = c->siblings = c->record_error = c->guest_copy = NULL;
}

/* ---- undo ---- */

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
            have += in_def(&g->config, &r->elems[i].source);
        }
        if ((affect & PP_AFFECT_LIVE) && g->has_live) {
            want++;
            have += in_def(&g->live, &r->elems[i].source);
        }
    }
    return have == 0 ? 0 : have == want ? 1 : 2;
}

/* A change whose process died before its outcome: what libvirt (or the kernel) holds says
 * whether it was made; the answer is recorded as its outcome. */
static bool resolve(pp_app *app, const pp_jrec *r, const char *path, bool *made)
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
        {
            /* the identity as the killed process would have left it: recorded for what went in,
             * gone for what went out (a failure leaves it for `audit --record`) */
            const pp_guest *g = rec_guest(app, r);
            pp_pci_addr *src = xcalloc(r->nelems + 1, sizeof(*src));
            bool add = kind == PP_CHANGE_ATTACH && *made;
            for (size_t i = 0; i < r->nelems; i++)
                src[i] = r->elems[i].source;
            if (g && !write_identity(app, g->uuid, rec_affect(r), add ? src : NULL,
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
    if ((jfd = pp_app_journal_open(app, &jpath)) < 0)
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
    copy_elems(&out, r->elems, r->nelems);
    ok = pp_journal_append(jfd, jpath, &out);
    pp_jrec_clear(&out);
    close(jfd);
    free(jpath);
    return ok;
}

bool pp_change_plan_undo(pp_app *app, const pp_journal *j, const char *path, pp_change *c,
                         bool *resolved_only)
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
        if (!resolve(app, r, path, &made))
            return false;
        if (!made || strcmp(r->action, "undo") == 0) {
            *resolved_only = true;
            if (made)
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

bool pp_change_build_set(const pp_guard_in *in, const pp_pci_addr *source, bool whole_group,
                         bool all_functions, pp_pci_addr **set, size_t *n)
{
    pp_pci_addr *v, *g;
    size_t nv, ng, i, j, k;

    if (all_functions && source->function != 0) {
        char name[PP_PCI_ADDR_STRLEN];
        pp_pci_addr_format(source, name);
        pp_error_set(_("all functions: %s is function %u of its device, not function 0"), name,
                     source->function);
        return false;
    }
    if (all_functions) {
        nv = pp_guard_all_functions(in->host, source, &v);
    } else {
        v = xmalloc(sizeof(*v));
        v[0] = *source;
        nv = 1;
    }
    if (whole_group) {
        size_t base = nv;
        for (i = 0; i < base; i++) {
            ng = pp_guard_whole_group(in, &v[i], &g);
            for (j = 0; j < ng; j++) {
                for (k = 0; k < nv && !pp_pci_addr_eq(&v[k], &g[j]); k++)
                    ;
                if (k == nv) {
                    v = xreallocarray(v, nv + 1, sizeof(*v));
                    v[nv++] = g[j];
                }
            }
            free(g);
        }
    }
    *set = v;
    *n = nv;
    return true;
}

static bool same_device(const pp_pci_addr *a, const pp_pci_addr *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

static bool zpci_taken(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

void pp_change_zpci_ids(const pp_host *h, const pp_guest *g, const pp_hostdev *others, size_t nothers,
                        pp_hostdev *hd)
{
    const pp_function *f = pp_host_find(h, &hd->source);
    size_t i;
    bool taken;

    if (!f || !f->has_zpci || !pp_arch_is_s390(pp_guest_info(g)->arch))
        return;
    if (!hd->has_uid && f->zpci.uid >= PP_ZPCI_UID_MIN && f->zpci.uid <= PP_ZPCI_UID_MAX) {
        taken = zpci_taken(g->config.uids, g->config.nuids, f->zpci.uid) ||
                zpci_taken(g->live.uids, g->live.nuids, f->zpci.uid);
        for (i = 0; i < nothers && !taken; i++)
            taken = others[i].has_uid && others[i].uid == f->zpci.uid;
        if (!taken) {
            hd->uid = f->zpci.uid;
            hd->has_uid = true;
        }
    }
    if (!hd->has_fid) {
        taken = zpci_taken(g->config.fids, g->config.nfids, f->zpci.fid) ||
                zpci_taken(g->live.fids, g->live.nfids, f->zpci.fid);
        for (i = 0; i < nothers && !taken; i++)
            taken = others[i].has_fid && others[i].fid == f->zpci.fid;
        if (!taken) {
            hd->fid = f->zpci.fid;
            hd->has_fid = true;
        }
    }
}

bool pp_change_build_hostdevs(const pp_hostdev *tmpl, bool all_functions, const pp_host *h,
                              const pp_guest *g, unsigned affect, const pp_pci_addr *set,
                              size_t n, pp_hostdev **out)
{
    pp_hostdev *v;
    /* a live change needs a place the running guest has free (a hot-plug one) */
    const pp_domain_info *d =
        (affect & PP_AFFECT_LIVE) && g->has_live ? &g->live : pp_guest_info(g);
    pp_pci_addr slot = { 0, 0, 0, 0 };
    bool shared_slot = false;
    size_t i, same = 0;

    if (n > 1 && (tmpl->has_uid || tmpl->has_fid || tmpl->mac[0])) {
        pp_error_set(_("%s: several functions go together here; each one gets its own zPCI ids "
                       "(the host's where the guest has them free, else libvirt's choice) and its "
                       "own MAC; attach them one by one to choose"),
                     tmpl->has_uid ? "zpci uid" : tmpl->has_fid ? "zpci fid" : "mac");
        return false;
    }
    for (i = 0; i < n; i++)
        if (same_device(&set[i], &tmpl->source))
            same++;
    if (all_functions && same > 1) {
        shared_slot = true;
        if (tmpl->has_guest_addr) {
            slot = tmpl->guest_addr;
        } else if (!pp_domain_free_slot(d, (affect & PP_AFFECT_LIVE) != 0,
                                        pp_host_pcie(h, &tmpl->source), &slot)) {
            pp_error_set(_("guest-address: guest '%s' has no free slot for a multifunction device "
                           "(on a running PCI Express guest: no free pcie-root-port); give one "
                           "with --guest-address, or use --config"),
                         g->name);
            return false;
        }
    }
    v = xcalloc(n, sizeof(*v));
    for (i = 0; i < n; i++) {
        v[i] = *tmpl;
        v[i].source = set[i];
        /* the boot order and the ROM image are DEVICE's own, not its partners' */
        if (!pp_pci_addr_eq(&set[i], &tmpl->source)) {
            v[i].boot_order = 0;
            v[i].rom_file[0] = '\0';
        }
        if (n > 1 && !shared_slot)
            v[i].has_guest_addr = v[i].guest_addr_full = false;
        if (shared_slot && same_device(&set[i], &tmpl->source)) {
            v[i].has_guest_addr = v[i].guest_addr_full = true;
            v[i].guest_addr = slot;
            v[i].guest_addr.function = set[i].function;
            v[i].multifunction = set[i].function == 0;
        }
        /* a VF's MAC that does not change between runs: the guest's network config keeps it */
        if (v[i].kind == PP_HD_INTERFACE && !v[i].mac[0])
            pp_hostdev_stable_mac(g->uuid, &set[i], v[i].mac);
        /* the host's zPCI ids where the guest has them free: the guest sees the ids the LPAR's
         * configuration gives the function, and they stay the same across attaches */
        pp_change_zpci_ids(h, g, v, i, &v[i]);
    }
    *out = v;
    return true;
}
