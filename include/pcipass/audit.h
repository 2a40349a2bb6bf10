/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit: are the assignments the guests hold still right on this host, today? A pure check
 * over the inventory, the guests (live and persistent definitions, with the identities pcipass
 * recorded in their metadata) and the owner index; the guards' checks are reused where they
 * exist. One finding per problem, each with what to do. */
#ifndef PCIPASS_AUDIT_H
#define PCIPASS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/guard.h"
#include "pcipass/host.h"
#include "pcipass/owners.h"
#include "pcipass/virt.h"

typedef enum {
    PP_AUDIT_MISSING,    /* the address does not exist on this host */
    PP_AUDIT_REPLACED,   /* another device is at the address than was recorded */
    PP_AUDIT_DAMAGED,    /* the recorded identity does not read whole: compared on the rest */
    PP_AUDIT_CRITICAL,   /* the host needs it now */
    PP_AUDIT_SHARED,     /* another guest holds it too */
    PP_AUDIT_GROUP,      /* its IOMMU group is not viable */
    PP_AUDIT_NO_IOMMU,   /* it has no IOMMU group */
    PP_AUDIT_SRIOV,      /* a PF whose VFs are held elsewhere, or the reverse */
    PP_AUDIT_BRIDGE,     /* it is a bridge, not an endpoint */
    PP_AUDIT_UNMANAGED,  /* managed='no' on a running guest, and not on a VFIO driver */
    PP_AUDIT_ZPCI_DUP,   /* s390: a zPCI uid or fid used twice in the guest */
    PP_AUDIT_UID_NOT_UNIQUE, /* s390: the host's uid_is_unique is 0 */
    PP_AUDIT_NO_RESET,   /* no reset method */
    PP_AUDIT_UNRECORDED, /* no identity recorded: checked for everything else */
} pp_audit_kind;

typedef struct pp_audit_finding {
    pp_audit_kind kind;
    int severity; /* 3 wrong or dangerous now, 2 will fail or collide, 1 a weakness */
    char *guest;
    pp_pci_addr addr;
    char *msg;    /* translated, one line: what is wrong */
    char *advice; /* translated, one line: what to do */
} pp_audit_finding;

typedef struct pp_audit {
    pp_audit_finding *v; /* worst first, then by guest and address */
    size_t n;
    size_t guests, assignments; /* how many were looked at */
} pp_audit;

/* Audits the guests named in NAMES (N 0: every guest). A name that is no guest is an error:
 * false with the error slot set. */
bool pp_audit_run(const pp_host *h, const pp_guests *g, const pp_owners *o, char *const *names,
                  size_t nnames, pp_audit *out);
void pp_audit_clear(pp_audit *a);
/* The stable name of a kind, for JSON ("missing", "replaced", ...). */
const char *pp_audit_kind_name(pp_audit_kind k);
/* The worst finding of ADDR (and of GUEST, when not NULL), or NULL. */
const pp_audit_finding *pp_audit_worst(const pp_audit *a, const pp_pci_addr *addr,
                                       const char *guest);

#endif
