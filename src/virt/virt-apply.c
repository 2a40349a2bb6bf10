/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only writes pcipass makes: attach and detach, through the device API, or for drivers without
 * it (libvirt's test driver) and a persistent-only change, through a redefinition as `virsh edit`
 * makes it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "pcipass/virt-private.h"

bool pp_virt_affect(const pp_guest *g, bool want_live, bool want_config, unsigned *affect)
{
    if (want_live && !g->active) {
        pp_error_set(_("--live: guest '%s' is %s; a live change needs a running guest (use "
                       "--config)"),
                     g->name, _(pp_guest_state_name(g)));
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
    *affect = (g->active ? PP_AFFECT_LIVE : 0) | (g->persistent ? PP_AFFECT_CONFIG : 0);
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

static char *edit_add(const char *xml, const void *arg)
{
    return pp_domain_add(xml, arg);
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

bool pp_virt_attach(pp_virt *v, const pp_guest *g, const pp_hostdev *hd, unsigned affect,
                    char **stored)
{
    char name[PP_PCI_ADDR_STRLEN], *what, *xml, *back;
    virDomainPtr dom;
    bool ok = false;

    *stored = NULL;
    pp_pci_addr_format(&hd->source, name);
    what = xasprintf(_("attaching %s to guest '%s'"), name, g->name);
    if (!(dom = lookup(v, g, what)))
        goto out;
    xml = pp_hostdev_to_xml(hd);
    if (virDomainAttachDeviceFlags(dom, xml, to_flags(affect)) == 0) {
        ok = true;
    } else if (pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT && affect == PP_AFFECT_CONFIG) {
        ok = redefine(v, dom, what, edit_add, hd);
    } else {
        pp_virt_set_error(what);
    }
    if (ok) {
        back = read_back(dom, affect);
        *stored = back ? pp_domain_element_xml(back, &hd->source) : NULL;
        free(back);
        /* the change is made: a failed read-back must not make it look undone (nor go unrecorded) */
        if (!*stored)
            *stored = xasprintf("<!-- %s -->\n%s",
                                _("as sent: the guest's definition could not be read back"), xml);
    }
    free(xml);
    virDomainFree(dom);
out:
    free(what);
    return ok;
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

static char *edit_add_element(const char *xml, const void *arg)
{
    return pp_domain_add_element(xml, arg);
}

bool pp_virt_attach_many(pp_virt *v, const pp_guest *g, const pp_hostdev *hds, size_t n,
                         unsigned affect, char **stored)
{
    char *what, *back = NULL, *all = xstrdup(""), *el, *t;
    virDomainPtr dom;
    size_t i, done = 0;
    bool ok = false;

    *stored = NULL;
    if (n == 1) {
        free(all);
        return pp_virt_attach(v, g, hds, affect, stored);
    }
    what = xasprintf(_("attaching %zu functions to guest '%s'"), n, g->name);
    if (!(dom = lookup(v, g, what)))
        goto out;
    if (affect == PP_AFFECT_CONFIG) {
        many_arg m = { hds, n };
        ok = redefine(v, dom, what, edit_add_many, &m);
    } else {
        for (done = 0; done < n; done++) {
            char *xml = pp_hostdev_to_xml(&hds[done]);
            int r = virDomainAttachDeviceFlags(dom, xml, to_flags(affect));
            free(xml);
            if (r != 0)
                break;
        }
        ok = done == n;
        if (!ok) {
            char *failed;
            pp_virt_set_error(what);
            failed = xstrdup(pp_error_get());
            /* take back what went in, so the guest is as it was */
            while (done-- > 0) {
                char *rm = NULL;
                if (!pp_virt_detach(v, g, &hds[done].source, affect, &rm)) {
                    char name[PP_PCI_ADDR_STRLEN];
                    pp_pci_addr_format(&hds[done].source, name);
                    char *why = xstrdup(pp_error_get()); /* not the slot it overwrites */
                    pp_error_set(_("%s; and taking back %s failed too: %s"), failed, name, why);
                    free(why);
                    free(failed);
                    failed = xstrdup(pp_error_get());
                }
                free(rm);
            }
            pp_error_set("%s", failed);
            free(failed);
        }
    }
    if (ok) {
        back = read_back(dom, affect);
        for (i = 0; back && i < n; i++) {
            if (!(el = pp_domain_element_xml(back, &hds[i].source)))
                break;
            t = xasprintf("%s%s", all, el);
            free(all);
            free(el);
            all = t;
        }
        if (!back || i < n) {
            /* made, but not readable back: show and record what was sent rather than fail */
            free(all);
            all = xasprintf("<!-- %s -->\n",
                            _("as sent: the guest's definition could not be read back"));
            for (i = 0; i < n; i++) {
                el = pp_hostdev_to_xml(&hds[i]);
                t = xasprintf("%s%s", all, el);
                free(all);
                free(el);
                all = t;
            }
        }
    }
    free(back);
    virDomainFree(dom);
out:
    free(what);
    if (ok)
        *stored = all;
    else
        free(all);
    return ok;
}

bool pp_virt_attach_xml(pp_virt *v, const pp_guest *g, const char *elemxml, unsigned affect)
{
    char *what = xasprintf(_("attaching to guest '%s'"), g->name);
    virDomainPtr dom;
    bool ok = false;

    if (!(dom = lookup(v, g, what)))
        goto out;
    if (virDomainAttachDeviceFlags(dom, elemxml, to_flags(affect)) == 0)
        ok = true;
    else if (pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT && affect == PP_AFFECT_CONFIG)
        ok = redefine(v, dom, what, edit_add_element, elemxml);
    else
        pp_virt_set_error(what);
    virDomainFree(dom);
out:
    free(what);
    return ok;
}
