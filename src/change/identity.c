/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The function's identity, kept in the guest's own definition: what the audit compares with
 * later. */
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
bool pp_change_write_identity(pp_app *app, const char *uuid, unsigned affect,
                              const pp_pci_addr *add, size_t nadd, char **what)
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
void pp_change_identity_step(pp_app *app, pp_change *c, const pp_guest *g)
{
    pp_pci_addr *src = xcalloc(c->n + 1, sizeof(*src));

    for (size_t i = 0; i < c->n; i++)
        src[i] = c->hds[i].source;
    if (!pp_change_write_identity(app, g->uuid, c->affect, c->kind == PP_CHANGE_ATTACH ? src : NULL,
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
        ok = pp_change_write_identity(app, g->uuid, (g->active ? PP_AFFECT_LIVE : 0) |
                                              (g->persistent ? PP_AFFECT_CONFIG : 0),
                            addrs, n, what);
    pp_app_forget_guests(app);
    pp_change_unlock();
    return ok;
}
