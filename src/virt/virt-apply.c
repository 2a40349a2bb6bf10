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
    free(xml);
    if (ok) {
        back = read_back(dom, affect);
        *stored = back ? pp_domain_element_xml(back, &hd->source) : NULL;
        free(back);
        if (!*stored) {
            /* libvirt said yes, yet the definition does not show it: say so, do not pretend */
            pp_error_set(_("%s: libvirt accepted the change but the guest's definition does not "
                           "show it"),
                         what);
            ok = false;
        }
    }
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
