/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The assignment model (src/model/hostdev.c: fields, stable MAC, validation) and its XML
 * (src/xml/xml.c, the only user of libxml2: it builds the <hostdev> or <interface type='hostdev'>
 * element as a tree, parses such elements out of a guest's domain XML, and edits a domain XML the
 * way `virsh edit` would for drivers without device attach). */
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
/* an on|off attribute that may be left to libvirt */
typedef enum { PP_ONOFF_UNSET = 0, PP_ONOFF_OFF, PP_ONOFF_ON } pp_onoff;

#define PP_BOOT_ORDER_MAX 65535u
#define PP_VLAN_MIN 1u
#define PP_VLAN_MAX 4094u
#define PP_ROM_FILE_MAX 256   /* bytes, with the terminating zero */
#define PP_DRIVER_MODEL_MAX 64 /* a kernel module's name fits (MODULE_NAME_LEN is 56) */

typedef struct pp_hostdev {
    pp_hd_kind kind;
    pp_pci_addr source;
    pp_managed managed;
    /* guest side: <address type='pci' ...>; fields given one by one, libvirt fills the rest */
    bool has_guest_addr;
    bool guest_addr_full; /* domain, bus, slot and function given */
    pp_pci_addr guest_addr;
    bool guest_addr_chosen; /* a free slot pcipass chose, not the operator: chosen anew under the
                               change lock, where another change may have taken it meanwhile */
    bool multifunction;
    bool has_uid, has_fid;
    uint32_t uid, fid;
    char mac[18]; /* interface only; "" for none */
    bool no_driver; /* read from a guest without <driver name='vfio'/>: rebuilt the same way */
    pp_onoff rom_bar;               /* <rom bar='on|off'/> */
    char rom_file[PP_ROM_FILE_MAX]; /* <rom file='PATH'/>; "" for none */
    unsigned boot_order;            /* <boot order='N'/>; 0 for none */
    unsigned vlan;                  /* interface only: <vlan><tag id='N'/></vlan>; 0 for none */
    pp_onoff trust;                 /* interface only: trustGuestRxFilters='yes|no' */
    char driver_model[PP_DRIVER_MODEL_MAX]; /* <driver model='NAME'/> (libvirt 10.0); "" none */
    bool iommufd;                   /* <driver iommufd='yes'/> (libvirt 12.1) */
} pp_hostdev;

/* What a host function was when pcipass assigned it, kept in the guest's own definition (libvirt
 * metadata), so that an audit can tell later whether the address still holds that device. */
typedef struct pp_identity {
    pp_pci_addr addr;
    unsigned vendor, device, subsys_vendor, subsys_device;
    uint32_t class_code;
    bool has_serial; /* the PCIe Device Serial Number, where the host has it */
    uint64_t serial;
    bool has_zpci;
    uint32_t fid, uid;
    /* PP_ID_* of the fields the record holds but that do not read (or lacks): a damaged record,
     * compared on the rest, never taken as no record */
    unsigned unknown;
} pp_identity;

enum { PP_ID_VENDOR = 1, PP_ID_DEVICE = 2, PP_ID_SUBSYS_VENDOR = 4, PP_ID_SUBSYS_DEVICE = 8,
       PP_ID_CLASS = 16, PP_ID_SERIAL = 32, PP_ID_NFIELDS = 6 };
/* The attribute name of field bit I (0..PP_ID_NFIELDS-1). */
const char *pp_identity_field(unsigned i);

/* The metadata namespace: a URN, because pcipass owns no domain name to put in a URL, and a URN
 * in its own name resolves nowhere and collides with nobody. The version is in it: a change of the
 * element's shape gets a new one. KEY is the prefix libvirt writes. */
#define PP_IDENTITY_NS "urn:pcipass:identity:1"
#define PP_IDENTITY_KEY "pcipass"

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
    pp_pci_addr *slots; /* the guest-side PCI address of every device and controller */
    size_t nslots;
    /* PCI Express (a pcie-root controller, as q35 has): pcie-root takes no hot-plug; a PCI
     * Express function goes to a pcie-root-port (or switch downstream port) with nothing on it,
     * a conventional one to a free slot of a pcie-to-pci-bridge */
    bool pcie;
    unsigned *free_ports; /* the bus numbers behind the free ports */
    size_t nfree_ports;
    size_t free_bridge_slots;
    pp_pci_addr bridge_slot; /* the first of them, when there is one */
    bool os_boot;           /* <os><boot dev=.../>: libvirt then takes no per-device boot order */
    uint32_t *boot_orders;  /* every <boot order='N'/> of the guest's devices */
    size_t nboot_orders;
    pp_identity *ids; /* the identities pcipass recorded in the metadata (PP_IDENTITY_NS) */
    size_t nids;
    /* why the definition is not well-formed XML (escaped), when it was read with recovery: then
     * what it holds may be more than the fields above say */
    char *damaged;
} pp_domain_info;

/* The metadata element for the N identities, without a namespace (libvirt gives it its own),
 * NULL when N is 0. Caller frees. */
char *pp_identity_to_xml(const pp_identity *v, size_t n);
const pp_identity *pp_domain_identity(const pp_domain_info *d, const pp_pci_addr *addr);
/* "00-1b-21-ff-ff-aa-bb-cc", as lspci writes the Device Serial Number (high byte first) */
void pp_serial_format(uint64_t serial, char out[24]);

/* The element as text, indented, no XML declaration. Caller frees. */
char *pp_hostdev_to_xml(const pp_hostdev *hd);

/* XML read strictly, else with libxml2's recovery (OUT->damaged set); false with the error slot
 * set when not even that yields a domain. */
bool pp_domain_parse(const char *xml, pp_domain_info *out);
/* Readies the XML library for parsing in several threads at once; called once, before any. */
void pp_xml_init(void);
void pp_domain_info_clear(pp_domain_info *d);
const pp_hostdev *pp_domain_find(const pp_domain_info *d, const pp_pci_addr *source);

/* The element with this source as the domain XML holds it; NULL when absent (the error slot
 * empty) or when DOMXML does not parse strictly (the error slot says why). */
char *pp_domain_element_xml(const char *domxml, const pp_pci_addr *source);
/* A new domain XML with HD appended to <devices>, or with the element of SOURCE removed; every
 * other part of the definition is kept. NULL with the error slot set. */
char *pp_domain_add(const char *domxml, const pp_hostdev *hd);
/* Several elements in one edit, so that a redefinition takes all of them or none. */
char *pp_domain_add_many(const char *domxml, const pp_hostdev *hds, size_t n);
/* The <hostdev>/<interface> elements in TEXT (as a journal of earlier pcipass kept them) as
 * fields, so that they can be built anew rather than sent as text; *OUT is malloc'd. false when
 * TEXT is not well-formed. */
bool pp_elements_parse(const char *text, pp_hostdev **out, size_t *n);
/* A guest slot for a multifunction device: on a PCI Express guest that is running (HOTPLUG) slot 0
 * behind its first free pcie-root-port, or for a conventional PCI device (PCIE 0) the first free
 * slot of a pcie-to-pci-bridge; else the lowest slot on guest bus 0 (from 0x01) that no device of
 * D uses; false when there is none. */
bool pp_domain_free_slot(const pp_domain_info *d, bool hotplug, int pcie, pp_pci_addr *out);
/* From domain capabilities XML: <hostdev supported='yes'> with subsysType pci, and the vfio
 * backend. false with the error slot set when the XML is unreadable. */
bool pp_domcaps_hostdev(const char *capsxml, bool *pci, bool *vfio);
char *pp_domain_remove(const char *domxml, const pp_pci_addr *source);

/* Field checks that need no guest, each naming the field and the valid range. */
bool pp_hostdev_parse_uid(const char *s, uint32_t *out);
bool pp_hostdev_parse_fid(const char *s, uint32_t *out);
bool pp_hostdev_parse_mac(const char *s, char out[18]);
/* A MAC that stays the same for the same guest and host function: 52:54:00 (the prefix QEMU and
 * libvirt use for the MACs they generate, locally administered unicast) and 24 bits of a hash of
 * UUID and SOURCE. */
void pp_hostdev_stable_mac(const char *uuid, const pp_pci_addr *source, char out[18]);
bool pp_hostdev_parse_managed(const char *s, pp_managed *out);
/* "on" or "off" for FIELD (rom-bar, trust) */
bool pp_hostdev_parse_onoff(const char *s, const char *field, pp_onoff *out);
bool pp_hostdev_parse_boot_order(const char *s, unsigned *out);
bool pp_hostdev_parse_vlan(const char *s, unsigned *out);
/* A VFIO variant driver's name for <driver model=.../> and prepare --driver: a kernel module's
 * name (letters, digits, '_' and '-', at most 55 bytes). FIELD names the option. */
bool pp_hostdev_parse_driver_name(const char *s, const char *field, char out[PP_DRIVER_MODEL_MAX]);
/* A ROM image for <rom file=.../>: an absolute path of a regular file that can be read, looked up
 * under ROOT ("" the real root). The hypervisor's user must read it too: a file others cannot
 * read is refused where the hypervisor runs as another user (OTHERS_MUST_READ). */
bool pp_hostdev_check_rom_file(const char *root, const char *path, bool others_must_read,
                               char out[PP_ROM_FILE_MAX]);
/* Checks HD against the guest it is meant for (NULL: no guest known yet). */
bool pp_hostdev_validate(const pp_hostdev *hd, const pp_domain_info *guest);
bool pp_arch_is_s390(const char *arch);

#endif
