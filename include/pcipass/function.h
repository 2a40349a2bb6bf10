/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A host PCI function as the model holds it, whichever source read it (src/host's libpci over a
 * sysfs root, src/xml's node-device XML): plain data, so that a module below src/host can fill
 * one. */
#ifndef PCIPASS_FUNCTION_H
#define PCIPASS_FUNCTION_H

#include <stdbool.h>
#include <stdint.h>

#include "pcipass/pciaddr.h"

struct pp_binding;

typedef struct pp_zpci_host {
    uint32_t fid;
    uint32_t uid;
    bool uid_is_unique;
    uint32_t pchid;
} pp_zpci_host;

typedef struct pp_function {
    pp_pci_addr addr;
    char name[PP_PCI_ADDR_STRLEN]; /* DDDD:BB:SS.F */
    uint32_t class_code;           /* base, sub, prog-if: 0x020000 */
    char *class_name;
    unsigned vendor_id, device_id;
    unsigned subsys_vendor_id, subsys_device_id;
    unsigned revision;
    char *vendor_name, *device_name;
    char *driver; /* NULL: no driver bound */
    int iommu_group; /* -1: none */
    int numa_node;   /* -1: none */
    bool bridge;
    bool boot_vga;
    bool is_vf;
    pp_pci_addr physfn;
    bool is_pf; /* SR-IOV capable */
    unsigned sriov_total, sriov_enabled;
    bool has_zpci;
    pp_zpci_host zpci;
    bool has_serial; /* the PCIe Device Serial Number capability (unreadable to non-root: the
                        kernel shows others only the first 64 bytes of config space) */
    uint64_t serial;
    char *driver_override; /* the sysfs attribute; NULL: absent or "(null)" (none set) */
    /* The kernel's reset_method attribute as written ("flr bus"); NULL: absent (a kernel before
     * 5.15, or one that offers no reset and hides it), "": emptied, no method left. */
    char *reset_method;
    bool no_reset; /* the kernel offers no reset at all: reset_method empty, or neither
                      reset_method nor reset present */
    bool resettable; /* it offers one; neither flag: unknown (an unreadable attribute) */
    struct pp_binding *binding; /* why it is on its driver: pp_host_find_bindings(); NULL: none */
    int pcie; /* node devices only: 1 PCI Express, -1 unknown (libpci's hosts: pp_host_pcie) */
} pp_function;

#endif
