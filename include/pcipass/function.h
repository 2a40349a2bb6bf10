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

/* Whether a function's driver is a VFIO one: the one rule, pp_host_judge_vfio(). */
typedef enum { PP_VFIO_NO, PP_VFIO_YES, PP_VFIO_UNKNOWN } pp_vfio_state;
typedef enum {
    PP_VFIO_WHY_NO_DRIVER,     /* no: no driver bound */
    PP_VFIO_WHY_VFIO_PCI,      /* yes: the driver is vfio-pci */
    PP_VFIO_WHY_HOLDER,        /* yes: its module is among SYSFS/module/vfio_pci_core/holders */
    PP_VFIO_WHY_VFIO_DEV,      /* yes: the device has vfio-dev/vfioN (a VFIO device file) */
    PP_VFIO_WHY_NOT_HELD,      /* no: its module is not among vfio_pci_core's holders */
    PP_VFIO_WHY_NO_CORE,       /* no: vfio_pci_core is not loaded, so nothing builds on it */
    PP_VFIO_WHY_BUILT_IN,      /* no: a driver built into the kernel (no module link) while
                                  vfio_pci_core is a module, which it cannot build on */
    PP_VFIO_WHY_CORE_BUILT_IN, /* unknown: vfio_pci_core is built in, so it lists no holders */
    PP_VFIO_WHY_UNREADABLE,    /* unknown: the driver's module link cannot be read */
    PP_VFIO_WHY_NAME,          /* yes: node devices, named vfio-pci or NAME_vfio_pci */
    PP_VFIO_WHY_NAME_UNKNOWN,  /* unknown: node devices, a name that does not tell */
} pp_vfio_why;

/* Its strings belong to the host's pool (pp_host_keep()): shared, never freed one by one. */
typedef struct pp_function {
    pp_pci_addr addr;
    char name[PP_PCI_ADDR_STRLEN]; /* DDDD:BB:SS.F */
    uint32_t class_code;           /* base, sub, prog-if: 0x020000 */
    const char *class_name;
    unsigned vendor_id, device_id;
    const char *ident_unknown; /* "vendor", "device" or "class": a sysfs file of the identity
                                  that holds no hex id (libpci reads it as 0); NULL: known */
    unsigned subsys_vendor_id, subsys_device_id;
    unsigned revision;
    const char *vendor_name, *device_name;
    const char *driver; /* NULL: no driver bound */
    const char *driver_module; /* its driver's module (the `module` link); NULL: none or unread */
    const char *vfio_dev;      /* "vfio3" from the device's vfio-dev/; NULL: none */
    pp_vfio_state vfio;  /* whether DRIVER is a VFIO driver, and why */
    pp_vfio_why vfio_why;
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
    const char *driver_override; /* the sysfs attribute; NULL: absent or "(null)" (none set) */
    /* The kernel's reset_method attribute as written ("flr bus"); NULL: absent (a kernel before
     * 5.15, or one that offers no reset and hides it), "": emptied, no method left. */
    const char *reset_method;
    bool no_reset; /* the kernel offers no reset at all: reset_method empty, or neither
                      reset_method nor reset present */
    bool resettable; /* it offers one; neither flag: unknown (an unreadable attribute) */
    struct pp_binding *binding; /* why it is on its driver: pp_host_find_bindings(); NULL: none */
    int pcie; /* node devices only: 1 PCI Express, -1 unknown (libpci's hosts: pp_host_pcie) */
} pp_function;

#endif
