/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the host module: what its sources share (and the sysfs fuzz target, which tests the
 * pure parsers). */
#ifndef PCIPASS_HOST_PRIVATE_H
#define PCIPASS_HOST_PRIVATE_H

#include "pcipass/host.h"

void pp_host_warn(pp_host *h, const char *fmt, ...) PP_PRINTF(2, 3);
/* H's pool of strings: what a function's string fields point into. */
pp_strpool *pp_host_strings(pp_host *h);
/* S (malloc'd, freed here) as H's pool keeps it. */
const char *pp_host_keep(pp_host *h, char *s);
/* The same for a string the caller keeps (a buffer on its stack). */
const char *pp_host_keep_copy(pp_host *h, const char *s);
void pp_host_add(pp_host *h, const pp_function *f);
/* The entries of a function's directory that pcipass or libpci read, in strcmp order (the names in
 * host.c are searched by halves). */
enum {
    PP_ATTR_BOOT_VGA, PP_ATTR_CLASS, PP_ATTR_CONFIG, PP_ATTR_DEVICE, PP_ATTR_DRIVER,
    PP_ATTR_DRIVER_OVERRIDE, PP_ATTR_FUNCTION_ID, PP_ATTR_IOMMU_GROUP, PP_ATTR_IRQ,
    PP_ATTR_NUMA_NODE, PP_ATTR_PCHID, PP_ATTR_PHYSFN, PP_ATTR_RESET, PP_ATTR_RESET_METHOD,
    PP_ATTR_RESOURCE, PP_ATTR_REVISION, PP_ATTR_SRIOV_NUMVFS, PP_ATTR_SRIOV_TOTALVFS,
    PP_ATTR_SUBSYSTEM_DEVICE, PP_ATTR_SUBSYSTEM_VENDOR, PP_ATTR_UEVENT, PP_ATTR_UID,
    PP_ATTR_UID_IS_UNIQUE, PP_ATTR_VENDOR, PP_ATTR_VFIO_DEV, PP_ATTR_COUNT
};
/* One function's directory, open, and what one read of it showed: each entry's d_type, -1 where
 * the entry is absent. Every read under it is an openat relative to FD, and an entry that is not
 * there costs no system call. */
typedef struct pp_fn_dir {
    int fd;
    short type[PP_ATTR_COUNT];
} pp_fn_dir;
/* Opens PATH (relative to AT) and reads its entries. False with errno set (D->fd is -1). */
bool pp_fn_dir_open(pp_fn_dir *d, int at, const char *path);
void pp_fn_dir_close(pp_fn_dir *d);
const char *pp_fn_dir_name(int attr);
/* Whether entry ATTR is no regular file: decided by its type, or for a link (or a file system that
 * gives no type) by one stat of what it names. False for an absent entry. */
bool pp_fn_dir_special(const pp_fn_dir *d, int attr);
/* Opens entry ATTR for reading without blocking, refusing anything but a regular file: -1 with
 * errno ENOENT (absent), EFTYPE_PP (not a regular file) or the open's own. No fstat where the
 * directory already said "regular file". */
int pp_fn_dir_open_attr(const pp_fn_dir *d, int attr);
/* F's identity as the kernel's uevent gives it (ids, class), its revision (config space, else the
 * revision file) and its NUMA node: two opens relative to D where libpci's attribute files are
 * seven opens by full path, each through the bus's link. 1: read, *EXT whether the extended config
 * space can be read; 0: the function has no uevent; -1: its uevent is unreadable or not the
 * kernel's text (warned). On 0 and -1 F is untouched and libpci reads the attribute files. Where
 * H->config_unread, neither the revision nor config space is read (*EXT false). */
int pp_host_read_ident_dir(pp_host *h, pp_function *f, const pp_fn_dir *d, bool *ext);
/* Reads the pcipass-owned attributes of F (SR-IOV, zPCI, driver, group, reset, boot_vga). */
void pp_host_read_extra_dir(pp_host *h, pp_function *f, const pp_fn_dir *d);
/* The same for the function directory DEVDIR (opened and read here). */
void pp_host_read_extra(pp_host *h, pp_function *f, const char *devdir);
/* The device's VFIO device ("vfio3") under the device directory DIRFD, NULL if none. */
char *pp_host_read_vfio_dev(int dirfd);
/* The rule for a function from node devices: by its driver's name alone. */
void pp_host_judge_vfio_name(pp_function *f);
/* The pure parts of those reads. An attribute's text (newline already cut) as a number of BASE
 * (0: 0x for hex) up to MAX; false for anything else. */
bool pp_host_parse_attr_number(const char *s, int base, unsigned long max, unsigned long *out);
/* A PCI function's identity in the kernel's uevent text (drivers/pci/hotplug.c): a line each of
 * PCI_CLASS=%04X, PCI_ID=%04X:%04X and PCI_SUBSYS_ID=%04X:%04X, any other lines ignored. NULL when
 * all three are there once each in that spelling, else the key that is missing or malformed. */
typedef struct pp_uevent_ident {
    unsigned vendor, device, subsys_vendor, subsys_device;
    uint32_t class_code;
} pp_uevent_ident;
const char *pp_host_parse_uevent(const char *text, pp_uevent_ident *out);
/* The last component of a link's target ("../../bus/pci/drivers/i40e" -> "i40e"). */
const char *pp_host_link_base(const char *target);

#endif
