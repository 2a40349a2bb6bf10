/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host inventory: every PCI function of the host, from one source behind a small table.
 * Two sources: libpci over a sysfs root (this machine), and libvirt's node devices (a host behind
 * a remote URI), which know less: a host read from them is partial. */
#ifndef PCIPASS_HOST_H
#define PCIPASS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcipass/common.h"
#include "pcipass/function.h"
#include "pcipass/pciaddr.h"
#include "pcipass/strpool.h"

/* Why a function is on its driver, most specific first. */
typedef enum {
    PP_BIND_LIBVIRT,         /* managed='yes' hostdev of a running guest (set by the model) */
    PP_BIND_DRIVERCTL,       /* a driverctl override file, CONF/etc/driverctl.d/pci-ADDRESS */
    PP_BIND_DRIVER_OVERRIDE, /* the driver_override attribute, set by hand or a script */
    PP_BIND_MODPROBE,        /* options vfio-pci ids=... in a modprobe.d file */
    PP_BIND_CMDLINE,         /* vfio-pci.ids=... on the kernel command line */
    PP_BIND_KERNEL,          /* the kernel matched the driver's own device table */
    PP_BIND_UNKNOWN,         /* vfio-pci or pci-stub with none of the above: bound by hand (new_id,
                                bind) or by a rule pcipass could not read */
} pp_binding_source;

typedef struct pp_binding {
    pp_binding_source source;
    char *detail; /* the file and line, the guest, the parameter; NULL for the kernel's match */
} pp_binding;

/* Why a function must stay with the host. */
typedef enum { PP_CRIT_ROOTFS, PP_CRIT_ROUTE, PP_CRIT_BOOT_VGA } pp_crit_kind;

typedef struct pp_critical {
    pp_pci_addr addr;
    pp_crit_kind kind;
    char *detail; /* the block device or interface that led here, e.g. "nvme0n1p2" */
} pp_critical;

typedef struct pp_host {
    char *sysfs_root;
    const char *source; /* name of the source that filled it */
    pp_function *funcs; /* sorted by address */
    pp_strpool *strings; /* every string of the functions: pp_host_keep() */
    size_t nfuncs;
    char **warnings; /* one per skipped or partly read entry, for the face to show */
    size_t nwarnings;
    pp_critical *critical; /* filled by pp_host_find_critical() */
    size_t ncritical;
    bool critical_checked; /* the rootfs and route were looked for (a proc root was known) */
    /* Read from node devices: subsystem ids, revision, the host's zPCI ids, host-critical
     * facts, driver_override, reset method and class names are unknown, not absent. */
    bool partial;
    unsigned round_trips; /* node devices: the libvirt calls the read took */
    bool names_later; /* the pci.ids names are left to pp_host_fill_names() */
    bool config_unread; /* revision and serial number not read (pp_host_load_listing) */
    /* s390: uid_is_unique, once read (one value for the LPAR behind every function's file) */
    bool zpci_uniq_read, zpci_uniq;
} pp_host;

typedef struct pp_host_source {
    const char *name;
    /* Fills H from ROOT (libpci) or from the connection CONN (a pp_virt: node devices); false
     * with the error slot set when nothing could be read at all. */
    bool (*load)(pp_host *h, const char *root, void *conn);
} pp_host_source;

extern const pp_host_source pp_host_source_libpci;
extern const pp_host_source pp_host_source_nodedev;

/* Loads the inventory of the sysfs root ROOT (NULL: /sys). NULL with the error slot set on
 * failure. */
pp_host *pp_host_load(const char *root);
/* For a listing, which shows neither: the same without what only config space holds, the
 * revision and the Device Serial Number (H->config_unread). One open and two reads fewer per
 * function, and where root reads the extended config space no walk of each function's
 * capabilities. With NAMES_LATER without the pci.ids names too, which pp_host_fill_names() adds: a
 * caller that reads something else meanwhile (the guests) looks them up once that is done, so that
 * the two peaks of memory do not add up (pci.ids alone is 2 MiB of libpci's). */
pp_host *pp_host_load_listing(const char *root, bool names_later);
/* Fills the vendor, device and class names the functions of H lack from this machine's pci.ids,
 * through libpci's name lookup (no device access: a host read through node devices too). */
void pp_host_fill_names(pp_host *h);
/* The inventory of the host behind CONN (a pp_virt *), from its PCI node devices: partial. */
pp_host *pp_host_load_nodedev(void *conn);
void pp_host_free(pp_host *h);

/* The one rule for "bound to VFIO" over a host read from sysfs: the driver is vfio-pci, or its
 * module is held by vfio_pci_core (every variant driver builds on it: mlx5_vfio_pci,
 * nvgrace_gpu_vfio_pci, pds_vfio_pci, ...), or the device has a VFIO device (vfio-dev/vfioN).
 * pp_host_load() applies it; a host from node devices is judged by driver name only. */
void pp_host_judge_vfio(pp_host *h);
/* The driver is a VFIO one (state yes). */
bool pp_function_on_vfio(const pp_function *f);
/* The driver vfio accepts in a viable IOMMU group besides a VFIO one: none, or pci-stub. 1 yes,
 * 0 no, -1 unknown (a driver node devices do not tell about). */
int pp_function_group_safe(const pp_function *f);
/* Why F's driver is or is not a VFIO one, one translated sentence (malloc'd). */
char *pp_vfio_reason(const pp_function *f);
/* The VFIO variant drivers the running kernel offers for F, as libvirt finds them: the
 * "alias vfio_pci:..." lines of CONF/lib/modules/RELEASE/modules.alias (RELEASE from
 * PROC/sys/kernel/osrelease) whose pattern matches F's ids and class, most specific first; *OUT
 * malloc'd. 0 where a root is NULL (not looked at) or the file is unreadable. */
size_t pp_host_vfio_variants(const char *proc_root, const char *conf_root, const pp_function *f,
                             char ***out);
/* Why an operator would pick variant driver NAME (translated), NULL for one pcipass does not
 * know. */
const char *pp_vfio_variant_why(const char *name);
/* The stable name of the rule that decided, for JSON ("vfio-pci", "vfio_pci_core", ...). */
const char *pp_vfio_why_name(pp_vfio_why w);

const pp_function *pp_host_find(const pp_host *h, const pp_pci_addr *addr);
/* Functions of the same IOMMU group as F, F excluded; returns how many were stored in OUT. */
size_t pp_host_group_members(const pp_host *h, const pp_function *f, const pp_function **out,
                             size_t max);
bool pp_host_is_s390(const pp_host *h);
/* Whether the function at A is PCI Express (1), conventional PCI (0), or unknown (-1): read when
 * asked (a live attach wants to know which kind of guest slot it needs), not for every function. */
int pp_host_pcie(const pp_host *h, const pp_pci_addr *a);

/* Finds the functions the host itself needs: the controller under the filesystem mounted at "/"
 * (PROC/self/mountinfo, then SYSFS/dev/block or SYSFS/class/block, through dm/md slaves), the
 * function of the default route's interface (PROC/net/route and ipv6_route, through bond, bridge
 * and vlan lower devices), and the boot VGA. PROC NULL: the boot VGA only. Unreadable files add
 * warnings, never a failure. */
void pp_host_find_critical(pp_host *h, const char *proc_root);
/* The reasons ADDR is host-critical, stored in OUT (at most MAX); returns how many. */
size_t pp_host_critical_of(const pp_host *h, const pp_pci_addr *addr, const pp_critical **out,
                           size_t max);

/* Setup facts for `pcipass check`, read from the roots; each is false when absent. */
typedef struct pp_host_setup {
    size_t iommu_groups;    /* entries under SYSFS/kernel/iommu_groups */
    bool vfio_pci_loaded;   /* SYSFS/module/vfio_pci or SYSFS/bus/pci/drivers/vfio-pci */
    bool vfio_pci_loadable; /* listed in /lib/modules/RELEASE/modules.{dep,builtin} */
    bool have_cmdline;
    char cmdline[4096]; /* PROC/cmdline */
    char release[128];  /* PROC/sys/kernel/osrelease */
    bool dev_vfio;      /* DEV/vfio/vfio: the VFIO container, or iommufd's compatibility node */
    bool dev_iommu;     /* DEV/iommu: iommufd */
    bool dev_vfio_devices; /* DEV/vfio/devices/: VFIO device files (vfio cdev, for iommufd) */
    bool vfio_type1;    /* SYSFS/module/vfio_iommu_type1: the container's own IOMMU backend */
} pp_host_setup;
void pp_host_read_setup(const pp_host *h, const char *proc_root, const char *dev_root,
                        pp_host_setup *out);

/* The kernel's IOMMU build options: from PROC/config.gz, else BOOT/config-RELEASE (either root
 * NULL: not looked at). known is false when neither could be read. */
typedef struct pp_kconfig {
    bool known;
    char path[4096]; /* the file they were read from */
    bool intel_iommu, intel_default_on, amd_iommu; /* CONFIG_..._IOMMU=y, ..._DEFAULT_ON=y */
    bool x86;                                      /* CONFIG_X86=y */
} pp_kconfig;
void pp_host_read_kconfig(const char *proc_root, const char *boot_root, const char *release,
                          pp_kconfig *out);
/* The CPU's vendor from PROC/cpuinfo (PROC NULL or unreadable: unknown). Hygon counts as AMD:
 * it has the AMD IOMMU. */
typedef enum { PP_CPU_UNKNOWN, PP_CPU_INTEL, PP_CPU_AMD } pp_cpu_vendor;
pp_cpu_vendor pp_host_read_cpu_vendor(const char *proc_root);

/* Why each function with a driver is on it (f->binding): driverctl.d and modprobe.d files under
 * CONF_ROOT ("" is the real root; NULL: not looked at), the command line under PROC_ROOT and the
 * driver_override attribute. The managed hostdevs of running guests are the model's to add
 * (pp_host_set_binding). */
void pp_host_find_bindings(pp_host *h, const char *proc_root, const char *conf_root);
void pp_host_set_binding(pp_function *f, pp_binding_source src, const char *detail);
/* The stable name of a binding source for JSON ("driverctl", "modprobe.d", ...). */
const char *pp_binding_source_name(pp_binding_source s);
/* The modprobe.d rules that bind vfio-pci by id and match VENDOR:DEVICE: "FILE:LINE: TEXT" each
 * (malloc'd, *OUT malloc'd), for prepare's advice. */
size_t pp_host_vfio_id_rules(const char *conf_root, unsigned vendor, unsigned device, char ***out);
/* driverctl is installed under CONF_ROOT (usr/sbin or sbin). */
bool pp_host_has_driverctl(const char *conf_root);

#endif
