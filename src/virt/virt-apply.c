/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only writes pcipass makes: attach and detach, through the device API, or for drivers without
 * it (libvirt's test driver) and a persistent-only change, through a redefinition as `virsh edit`
 * makes it. */
#include <config.h>

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "virt-private.h"

size_t pp_virt_affect_choices(const pp_virt *v, const pp_guest *g, unsigned out[3],
                              const char **why)
{
    size_t n = 0;

    if (why)
        *why = NULL;
    if (g->active && !pp_virt_live_devices(v)) {
        if (g->persistent)
            out[n++] = PP_AFFECT_CONFIG;
        if (why)
            *why = N_("libvirt's test driver has no live change: persistent only, from next "
                      "start");
        return n;
    }
    if (g->active && g->persistent)
        out[n++] = PP_AFFECT_LIVE | PP_AFFECT_CONFIG;
    if (g->persistent)
        out[n++] = PP_AFFECT_CONFIG;
    if (g->active)
        out[n++] = PP_AFFECT_LIVE;
    return n;
}

bool pp_virt_affect(const pp_virt *v, const pp_guest *g, bool want_live, bool want_config,
                    unsigned *affect)
{
    unsigned choices[3];
    size_t n = pp_virt_affect_choices(v, g, choices, NULL);

    if (want_live && !g->active) {
        pp_error_set(_("--live: guest '%s' is %s; a live change needs a running guest (use "
                       "--config)"),
                     g->name, _(pp_guest_state_name(g)));
        return false;
    }
    if ((want_live || !n) && !pp_virt_live_devices(v) && !g->persistent) {
        pp_error_set(_("guest '%s' is transient (it has only a live configuration), and this "
                       "connection's driver (libvirt's test driver) cannot change the devices of "
                       "a running guest"),
                     g->name);
        return false;
    }
    if (want_live && !pp_virt_live_devices(v)) {
        pp_error_set(_("--live: this connection's driver (libvirt's test driver) cannot change the "
                       "devices of a running guest such as '%s'; use --config: the persistent "
                       "configuration, in effect from the guest's next start"),
                     g->name);
        return false;
    }
    if (want_config && !g->persistent) {
        pp_error_set(_("--config: guest '%s' is transient; it has no persistent configuration "
                       "(use --live)"),
                     g->name);
        return false;
    }
    if (want_live || want_config) {
        *affect = (want_live ? PP_AFFECT_LIVE : 0) | (want_config ? PP_AFFECT_CONFIG : 0);
        return true;
    }
    *affect = choices[0];
    return true;
}

static unsigned to_flags(unsigned affect)
{
    return ((affect & PP_AFFECT_LIVE) ? VIR_DOMAIN_AFFECT_LIVE : 0) |
           ((affect & PP_AFFECT_CONFIG) ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

/* The definition the change shows up in: persistent if it went there, else the running one. */
static char *read_back(virDomainPtr dom, unsigned affect)
{
    return virDomainGetXMLDesc(dom, (affect & PP_AFFECT_CONFIG) ? VIR_DOMAIN_XML_INACTIVE : 0);
}

/* EDIT turns the inactive XML into the new one (pcipass's hostdev module, libxml2). */
static bool redefine(pp_virt *v, virDomainPtr dom, const char *what,
                     char *(*edit)(const char *xml, const void *arg), const void *arg)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE), *nxml;
    virDomainPtr ndom;

    if (!xml) {
        pp_virt_set_error(what);
        return false;
    }
    nxml = edit(xml, arg);
    free(xml);
    if (!nxml) {
        pp_error_prefix("%s", what);
        return false;
    }
    ndom = virDomainDefineXML(v->conn, nxml);
    free(nxml);
    if (!ndom) {
        pp_virt_set_error(what);
        return false;
    }
    virDomainFree(ndom);
    return true;
}

static char *edit_remove(const char *xml, const void *arg)
{
    return pp_domain_remove(xml, arg);
}

static virDomainPtr lookup(pp_virt *v, const pp_guest *g, const char *what)
{
    virDomainPtr dom = virDomainLookupByUUIDString(v->conn, g->uuid);
    if (!dom)
        pp_virt_set_error(what);
    return dom;
}

bool pp_virt_detach(pp_virt *v, const pp_guest *g, const pp_pci_addr *source, unsigned affect,
                    char **removed)
{
    char name[PP_PCI_ADDR_STRLEN], *what, *xml = NULL, *cur;
    virDomainPtr dom;
    bool ok = false;

    *removed = NULL;
    pp_pci_addr_format(source, name);
    what = xasprintf(_("detaching %s from guest '%s'"), name, g->name);
    if (!(dom = lookup(v, g, what)))
        goto out;
    /* send the element as libvirt holds it: libvirt matches on the source address */
    cur = read_back(dom, affect);
    if (!cur) {
        pp_virt_set_error(what);
        goto done;
    }
    xml = pp_domain_element_xml(cur, source);
    free(cur);
    if (!xml && pp_error_is_set()) {
        /* the parser's own reason, not a guess at what the definition holds */
        pp_error_prefix("%s", what);
        goto done;
    }
    if (!xml) {
        pp_error_set(_("%s: %s is not in the guest's %s configuration"), what, name,
                     (affect & PP_AFFECT_CONFIG) ? _("persistent") : _("running"));
        goto done;
    }
    if (virDomainDetachDeviceFlags(dom, xml, to_flags(affect)) == 0)
        ok = true;
    else if (pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT && affect == PP_AFFECT_CONFIG)
        ok = redefine(v, dom, what, edit_remove, source);
    else
        pp_virt_set_error(what);
    if (ok)
        *removed = xml;
    else
        free(xml);
done:
    virDomainFree(dom);
out:
    free(what);
    return ok;
}

typedef struct many_arg {
    const pp_hostdev *hds;
    size_t n;
} many_arg;

static char *edit_add_many(const char *xml, const void *arg)
{
    const many_arg *m = arg;
    return pp_domain_add_many(xml, m->hds, m->n);
}

bool pp_virt_attach_many(pp_virt *v, const pp_guest *g, const pp_hostdev *hds, size_t n,
                         unsigned affect)
{
    char name[PP_PCI_ADDR_STRLEN], *what;
    virDomainPtr dom;
    size_t done;
    bool ok = false;

    pp_pci_addr_format(&hds[0].source, name);
    what = n == 1 ? xasprintf(_("attaching %s to guest '%s'"), name, g->name)
                  : xasprintf(_("attaching %zu functions to guest '%s'"), n, g->name);
    if (!(dom = lookup(v, g, what)))
        goto out;
    for (done = 0; done < n; done++) {
        char *xml = pp_hostdev_to_xml(&hds[done]);
        int r = virDomainAttachDeviceFlags(dom, xml, to_flags(affect));
        free(xml);
        if (r != 0)
            break;
    }
    ok = done == n;
    if (!ok && done == 0 && pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT &&
        affect == PP_AFFECT_CONFIG) {
        /* no device API (the test driver): one redefinition takes all of them or none; with
         * the device API a redefinition would lose what others change meanwhile */
        many_arg m = { hds, n };
        ok = redefine(v, dom, what, edit_add_many, &m);
    } else if (!ok) {
        char *failed;
        pp_virt_set_error(what);
        pp_error_preserve_last(&failed);
        /* take back what went in, so the guest is as it was */
        while (done-- > 0) {
            char *rm = NULL;
            if (!pp_virt_detach(v, g, &hds[done].source, affect, &rm)) {
                char *why = xstrdup(pp_error_get()); /* not the slot it overwrites */
                pp_pci_addr_format(&hds[done].source, name);
                pp_error_set(_("%s; and taking back %s failed too: %s"), failed, name, why);
                free(why);
                free(failed);
                failed = xstrdup(pp_error_get());
            }
            free(rm);
        }
        pp_error_restore(&failed);
    }
    virDomainFree(dom);
out:
    free(what);
    return ok;
}

typedef struct wait_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool removed; /* a device-removed event came */
} wait_state;

/* called in the event loop's thread (virt-conn.c) */
static void on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
    wait_state *st = opaque;
    (void)conn;
    (void)dom;
    (void)alias;
    pthread_mutex_lock(&st->lock);
    st->removed = true;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

/* libvirt calls it once the callback is gone, after any dispatch of it has ended */
static void wait_state_free(void *opaque)
{
    wait_state *st = opaque;
    pthread_cond_destroy(&st->cond);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Until the event comes or a quarter of a second is over. */
static void wait_event(wait_state *st)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 250 * 1000 * 1000;
    if (until.tv_nsec >= 1000 * 1000 * 1000) {
        until.tv_sec++;
        until.tv_nsec -= 1000 * 1000 * 1000;
    }
    pthread_mutex_lock(&st->lock);
    while (!st->removed && pthread_cond_timedwait(&st->cond, &st->lock, &until) == 0)
        ;
    st->removed = false;
    pthread_mutex_unlock(&st->lock);
}

/* Which of SOURCES the live definition holds; false with the error slot set. */
static bool live_holds(virDomainPtr dom, const pp_pci_addr *sources, size_t n, bool *present,
                       size_t *left)
{
    char *xml = virDomainGetXMLDesc(dom, 0);
    pp_domain_info d;
    size_t i;

    if (!xml) {
        pp_virt_set_error(_("reading the running definition back"));
        return false;
    }
    if (!pp_domain_parse(xml, &d)) {
        free(xml);
        pp_error_prefix(_("reading the running definition back"));
        return false;
    }
    free(xml);
    if (d.damaged) {
        /* read with recovery: a device it does not show may still be there */
        pp_error_set(_("reading the running definition back: it is not well-formed XML (%s); "
                       "whether the guest released the device is unknown"),
                     d.damaged);
        pp_domain_info_clear(&d);
        return false;
    }
    *left = 0;
    for (i = 0; i < n; i++)
        *left += present[i] = pp_domain_find(&d, &sources[i]) != NULL;
    pp_domain_info_clear(&d);
    return true;
}

bool pp_virt_wait_released(pp_virt *v, const pp_guest *g, const pp_pci_addr *sources, size_t n,
                           double seconds, bool *present)
{
    virDomainPtr dom = lookup(v, g, _("waiting for the guest to release the device"));
    wait_state *st = xcalloc(1, sizeof(*st));
    double end = pp_monotonic() + seconds;
    int cb = -1;
    size_t left = n;
    bool ok;

    if (!dom) {
        free(st);
        return false;
    }
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    if (v->events)
        cb = virConnectDomainEventRegisterAny(v->conn, dom, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_removed), st,
                                              wait_state_free);
    /* the event ends the wait at once; a look every quarter second anyway, in case the event came
     * before the callback was there or the driver sends none */
    while ((ok = live_holds(dom, sources, n, present, &left)) && left > 0 && pp_monotonic() < end)
        wait_event(st);
    if (cb >= 0)
        virConnectDomainEventDeregisterAny(v->conn, cb);
    else
        wait_state_free(st);
    virDomainFree(dom);
    return ok;
}

bool pp_virt_read_held(pp_virt *v, const pp_guest *g, unsigned affect, const pp_pci_addr *sources,
                       size_t n, char **xml, size_t *missing)
{
    virDomainPtr dom = lookup(v, g, _("reading the guest back"));
    char *defs[2] = { NULL, NULL }, *el;
    pp_buf out = PP_BUF_INIT;
    size_t i;
    int k;

    *xml = NULL;
    *missing = 0;
    if (!dom)
        return false;
    /* the persistent definition first: it is what the guest keeps */
    if (affect & PP_AFFECT_CONFIG)
        defs[0] = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    if (affect & PP_AFFECT_LIVE)
        defs[1] = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    if (((affect & PP_AFFECT_CONFIG) && !defs[0]) || ((affect & PP_AFFECT_LIVE) && !defs[1])) {
        pp_virt_set_error(_("reading the guest back"));
        free(defs[0]);
        free(defs[1]);
        return false;
    }
    for (i = 0; i < n; i++) {
        bool shown = false;
        for (k = 0; k < 2; k++) {
            if (!defs[k])
                continue;
            if (!(el = pp_domain_element_xml(defs[k], &sources[i]))) {
                (*missing)++;
                continue;
            }
            if (!shown) {
                pp_buf_add(&out, el);
                shown = true;
            }
            free(el);
        }
    }
    *xml = pp_buf_take(&out);
    free(defs[0]);
    free(defs[1]);
    return true;
}

const char *pp_affect_choice(unsigned affect)
{
    if (affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG))
        return N_("live and persistent");
    return affect == PP_AFFECT_LIVE ? N_("live only") : N_("persistent only");
}

const char *pp_affect_words(unsigned affect)
{
    if (affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG))
        return N_("live and persistent configuration");
    return affect == PP_AFFECT_LIVE ? N_("live configuration") : N_("persistent configuration");
}

bool pp_virt_settle(pp_virt *v, const pp_guest *g)
{
    /* a function no guest can hold: libvirt takes the guest's modify job, then finds nothing */
    static const char nothing[] = "<hostdev mode='subsystem' type='pci'><source><address "
                                  "domain='0xffff' bus='0xff' slot='0x1f' function='0x7'/>"
                                  "</source></hostdev>";
    virDomainPtr dom = lookup(v, g, _("waiting for libvirt to finish what it was asked before"));
    int r, code;

    if (!dom)
        return false;
    r = virDomainDetachDeviceFlags(
        dom, nothing, g->persistent ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_LIVE);
    code = pp_virt_last_error_code();
    virDomainFree(dom);
    /* "not found" is the answer wanted; a driver without device detach has no jobs to wait for */
    if (r == 0 || code == VIR_ERR_DEVICE_MISSING || code == VIR_ERR_NO_SUPPORT ||
        code == VIR_ERR_OPERATION_INVALID || code == VIR_ERR_OPERATION_FAILED)
        return true;
    pp_virt_set_error(_("waiting for libvirt to finish what it was asked before"));
    return false;
}

bool pp_virt_set_identity(pp_virt *v, const pp_guest *g, unsigned affect, const char *xml)
{
    const char *what = _("recording the function's identity in the guest's metadata");
    virDomainPtr dom = lookup(v, g, what);
    bool ok;

    if (!dom)
        return false;
    ok = virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, xml ? PP_IDENTITY_KEY : NULL,
                              PP_IDENTITY_NS, to_flags(affect)) == 0;
    if (!ok)
        pp_virt_set_error(what);
    virDomainFree(dom);
    return ok;
}
