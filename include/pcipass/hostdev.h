/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The assignment model and its XML. The only module that uses libxml2: it builds the <hostdev> or
 * <interface type='hostdev'> element as a tree, parses such elements out of a guest's domain XML,
 * and edits a domain XML the way `virsh edit` would for drivers without device attach. */
#ifndef PCIPASS_HOSTDEV_H
#define PCIPASS_HOSTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcipass/pciaddr.h"

#define PP_ZPCI_UID_MIN 0x0001u
#define PP_ZPCI_UID_MAX 0xffffu
#define PP_ZPCI_FID_MAX 0xffffffffu

typedef enum { PP_HD_HOSTDEV, PP_HD_INTERFACE } pp_hd_kind;
typedef enum { PP_MANAGED_UNSET = -1, PP_MANAGED_NO = 0, PP_MANAGED_YES = 1 } pp_managed;

typedef struct pp_hostdev {
    pp_hd_kind kind;
    pp_pci_addr source;
    pp_managed managed;
    /* guest side: <address type='pci' ...>; fields given one by one, libvirt fills the rest */
    bool has_guest_addr;
    bool guest_addr_full; /* domain, bus, slot and function given */
    pp_pci_addr guest_addr;
    bool multifunction;
    bool has_uid, has_fid;
    uint32_t uid, fid;
    char mac[18]; /* interface only; "" for none */
} pp_hostdev;

/* What pcipass needs to know of a guest's domain XML. */
typedef struct pp_domain_info {
    char *name;
    char *uuid;
    char *arch;
    char *machine;
    pp_hostdev *devs; /* PCI hostdevs and hostdev interfaces */
    size_t ndevs;
    uint32_t *uids, *fids; /* every zPCI id in use by any device of the guest */
    size_t nuids, nfids;
} pp_domain_info;

/* The element as text, indented, no XML declaration. Caller frees. */
char *pp_hostdev_to_xml(const pp_hostdev *hd);

bool pp_domain_parse(const char *xml, pp_domain_info *out);
void pp_domain_info_clear(pp_domain_info *d);
const pp_hostdev *pp_domain_find(const pp_domain_info *d, const pp_pci_addr *source);

/* The element with this source as the domain XML holds it; NULL when absent. */
char *pp_domain_element_xml(const char *domxml, const pp_pci_addr *source);
/* A new domain XML with HD appended to <devices>, or with the element of SOURCE removed; every
 * other part of the definition is kept. NULL with the error slot set. */
char *pp_domain_add(const char *domxml, const pp_hostdev *hd);
char *pp_domain_remove(const char *domxml, const pp_pci_addr *source);

/* Field checks that need no guest, each naming the field and the valid range. */
bool pp_hostdev_parse_uid(const char *s, uint32_t *out);
bool pp_hostdev_parse_fid(const char *s, uint32_t *out);
bool pp_hostdev_parse_mac(const char *s, char out[18]);
bool pp_hostdev_parse_managed(const char *s, pp_managed *out);
/* Checks HD against the guest it is meant for (NULL: no guest known yet). */
bool pp_hostdev_validate(const pp_hostdev *hd, const pp_domain_info *guest);
bool pp_arch_is_s390(const char *arch);

#endif
