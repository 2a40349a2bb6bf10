/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt: the connection, the guests (read in one pass), and the two writes pcipass makes. The only
 * module that includes libvirt's headers. libvirt's own error text is kept in the error slot,
 * prefixed with what pcipass was doing. */
#ifndef PCIPASS_VIRT_H
#define PCIPASS_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/hostdev.h"

typedef struct pp_virt pp_virt;

/* URI NULL: LIBVIRT_DEFAULT_URI, else libvirt's default. READONLY for commands that only read, so
 * that an operator without write access can still review. */
pp_virt *pp_virt_open(const char *uri, bool readonly);
void pp_virt_close(pp_virt *v);
const char *pp_virt_uri(const pp_virt *v);
/* "libvirt 9.0.0" of the library pcipass runs with */
void pp_virt_library_version(char *buf, size_t size);

typedef struct pp_guest {
    char *name;
    char *uuid;
    int state; /* virDomainState */
    bool active, persistent;
    bool has_live, has_config;
    pp_domain_info live;   /* the running definition, when active */
    pp_domain_info config; /* the persistent definition, when persistent */
} pp_guest;

typedef struct pp_guests {
    pp_guest *v; /* sorted by name */
    size_t n;
} pp_guests;

/* Every guest, active and inactive, with the live XML of running ones and the inactive XML of
 * persistent ones: one pass, no call per host function. */
bool pp_virt_guests(pp_virt *v, pp_guests *out);
void pp_guests_clear(pp_guests *g);
const pp_guest *pp_guests_find(const pp_guests *g, const char *name);
/* untranslated, as virsh words it (JSON uses it as is; text passes it through _()) */
const char *pp_guest_state_name(const pp_guest *g);
/* The definition that describes the guest best: the persistent one, else the live one. */
const pp_domain_info *pp_guest_info(const pp_guest *g);

enum { PP_AFFECT_LIVE = 1, PP_AFFECT_CONFIG = 2 };
/* The configurations a change goes to: the given ones checked against the guest's state, or the
 * default (running persistent: both; shut off: config; transient: live). */
bool pp_virt_affect(const pp_guest *g, bool want_live, bool want_config, unsigned *affect);

/* On success *STORED is the element as libvirt kept it (libvirt may fill the guest address and zPCI
 * ids). Nothing is changed on failure. */
bool pp_virt_attach(pp_virt *v, const pp_guest *g, const pp_hostdev *hd, unsigned affect,
                    char **stored);
bool pp_virt_detach(pp_virt *v, const pp_guest *g, const pp_pci_addr *source, unsigned affect,
                    char **removed);

/* Several functions as one step, all or nothing: a persistent-only change is one redefinition;
 * otherwise they are attached one by one and the ones done are detached again if a later one
 * fails. *STORED is the elements as libvirt kept them, one after another. */
bool pp_virt_attach_many(pp_virt *v, const pp_guest *g, const pp_hostdev *hds, size_t n,
                         unsigned affect, char **stored);
/* An element as text (read back from libvirt earlier: undo of a detach), attached as it is. */
bool pp_virt_attach_xml(pp_virt *v, const pp_guest *g, const char *elemxml, unsigned affect);

/* Binds ADDR to vfio-pci through libvirt (virNodeDeviceDetachFlags) or gives it back to its host
 * driver (virNodeDeviceReAttach). */
bool pp_virt_prepare(pp_virt *v, const pp_pci_addr *addr, bool release);

/* Whether the hypervisor behind the connection can take PCI hostdevs, and through vfio. false
 * with the error slot set when libvirt cannot say. */
bool pp_virt_hostdev_support(pp_virt *v, bool *pci, bool *vfio);

#endif
