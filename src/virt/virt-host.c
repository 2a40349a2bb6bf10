/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host side through libvirt: binding functions to vfio-pci and what the hypervisor supports. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "virt-private.h"

bool pp_virt_prepare(pp_virt *v, const pp_pci_addr *addr, bool release)
{
    char name[PP_PCI_ADDR_STRLEN], nodename[32], *what;
    virNodeDevicePtr dev;
    int r;
    bool ok = false;

    pp_pci_addr_format(addr, name);
    /* libvirt names PCI node devices pci_DDDD_BB_SS_F */
    snprintf(nodename, sizeof(nodename), "pci_%04x_%02x_%02x_%x", addr->domain, addr->bus,
             addr->slot, addr->function);
    what = release ? xasprintf(_("giving %s back to its host driver"), name)
                   : xasprintf(_("binding %s to vfio-pci"), name);
    if (!(dev = virNodeDeviceLookupByName(v->conn, nodename))) {
        pp_virt_set_error(what);
        goto out;
    }
    r = release ? virNodeDeviceReAttach(dev) : virNodeDeviceDetachFlags(dev, "vfio", 0);
    if (r == 0) {
        ok = true;
    } else if (pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT) {
        pp_error_set(_("%s: the libvirt driver at '%s' cannot bind host devices (it has no "
                       "node-device %s); use a hypervisor connection such as qemu:///system"),
                     what, v->uri, release ? "reattach" : "detach");
    } else {
        pp_virt_set_error(what);
    }
    virNodeDeviceFree(dev);
out:
    free(what);
    return ok;
}

bool pp_virt_hostdev_support(pp_virt *v, bool *pci, bool *vfio)
{
    char *caps;
    bool ok;

    *pci = *vfio = false;
    if (v->no_live_devices) { /* no hypervisor behind it to ask */
        pp_error_set("%s", _("libvirt's test driver (as in the demo) has no hypervisor behind it"));
        return false;
    }
    caps = virConnectGetDomainCapabilities(v->conn, NULL, NULL, NULL, NULL, 0);
    if (!caps) {
        pp_virt_set_error(_("cannot read the hypervisor's domain capabilities"));
        return false;
    }
    ok = pp_domcaps_hostdev(caps, pci, vfio);
    free(caps);
    return ok;
}
