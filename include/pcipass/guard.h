/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guards: why a host function should not go to a guest (or be bound to vfio-pci) right now.
 *
 * Pure checks over the inventory (pp_host, with pp_host_find_critical() done), the owner index
 * (pp_owners) and the target guest. They print nothing and change nothing: each face (CLI, TUI)
 * runs the same check and shows the findings its own way.
 *
 *   pp_guard_in in = { host, owners, guest };
 *   pp_findings f = { 0 };
 *   pp_guard_attach(&in, set, n, &f);      // the whole set that is to be attached together
 *   if (pp_findings_blocking(&f, force, NULL)) // forceable findings pass with force (--force,
 *       ...refuse, show f.v[i].msg...         // or a yes in the console); the others never do
 *   pp_findings_clear(&f);
 *
 * Each finding has a kind, whether force may override it, the function it is about and a
 * translated one-line message that names the function, the guest(s) or partner(s) and the reason.
 * pp_guard_whole_group() and pp_guard_all_functions() build the sets of --whole-group and
 * --all-functions. */
#ifndef PCIPASS_GUARD_H
#define PCIPASS_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/host.h"
#include "pcipass/owners.h"
#include "pcipass/virt.h"

typedef enum {
    PP_GUARD_NOT_ON_HOST,  /* the host does not show this function (forceable) */
    PP_GUARD_NOT_ENDPOINT, /* a bridge or host bridge: never */
    PP_GUARD_IN_GUEST,     /* the target guest already holds it: never */
    PP_GUARD_OWNER,        /* another guest holds it, live or in its configuration (forceable) */
    PP_GUARD_GROUP,        /* an IOMMU-group partner stays on a host driver or with another guest
                              (forceable) */
    PP_GUARD_NO_IOMMU,     /* the function has no IOMMU group (forceable) */
    PP_GUARD_CRITICAL,     /* root filesystem, default route or boot VGA (forceable) */
    PP_GUARD_RUNNING,      /* prepare/release: a running guest uses it: never */
    PP_GUARD_SRIOV,        /* a PF whose VFs a guest holds, or a VF whose PF a guest holds;
                              never when a running guest holds it live (taking a PF from its
                              driver destroys its VFs) */
    PP_GUARD_HOTPLUG,      /* a live attach to a PCI Express guest without a free hot-plug
                              port: never (libvirt would refuse) */
    PP_GUARD_NO_RESET,     /* the kernel has no reset method for it (forceable) */
    PP_GUARD_UNKNOWN,      /* a fact a guard needs is unknown on this host (node devices carry
                              no host-critical facts): a warning, never blocking */
    PP_GUARD_HOLDER_UNKNOWN, /* a guest's definition is not well-formed: whether it holds the
                                function is unknown (forceable) */
    PP_GUARD_IDENTITY,       /* a sysfs file of its identity (vendor, device, class) holds no id:
                                what the function is, an endpoint or not, is unknown (forceable) */
} pp_guard_kind;

typedef struct pp_finding {
    pp_guard_kind kind;
    bool forceable;
    bool warning; /* said, never blocking: what a guard could not check */
    pp_pci_addr addr;
    char *msg;
} pp_finding;

typedef struct pp_findings {
    pp_finding *v;
    size_t n;
} pp_findings;

typedef struct pp_guard_in {
    const pp_host *host;
    const pp_owners *owners; /* NULL: guests not known, owner checks skipped */
    const pp_guest *guest;   /* the target; NULL: readiness for any guest */
    unsigned affect;         /* the target's configurations the change goes to (PP_AFFECT_*);
                                0: any (a function the target holds anywhere counts as held) */
} pp_guard_in;

/* Findings for attaching the N functions of SET together to in->guest. Partners inside SET count
 * as going to the same guest. */
void pp_guard_attach(const pp_guard_in *in, const pp_pci_addr *set, size_t n, pp_findings *out);
/* Findings for binding ADDR to vfio-pci (RELEASE false) or giving it back (RELEASE true). */
void pp_guard_prepare(const pp_guard_in *in, const pp_pci_addr *addr, bool release,
                      pp_findings *out);
/* Adds a finding; MSG is taken over. For guards outside this module (the change service's guards
 * on the guest's own definitions). */
void pp_guard_add(pp_findings *out, pp_guard_kind kind, bool forceable, const pp_pci_addr *a,
                  char *msg);
/* Adds a warning: a check that could not be made, said so that it is no silent pass. */
void pp_guard_warn(pp_findings *out, pp_guard_kind kind, const pp_pci_addr *a, char *msg);
/* The one rule of a blocking finding, for the change service and both faces: a warning never
 * blocks; an unforceable finding always; a forceable one unless FORCE (--force), or ACCEPTED (may
 * be NULL: the findings the console's operator said yes to) holds it (same kind and function). */
bool pp_finding_blocks(const pp_finding *x, bool force, const pp_findings *accepted);
/* How many findings of F stop the action, by that rule. */
size_t pp_findings_blocking(const pp_findings *f, bool force, const pp_findings *accepted);
/* Whether a face that asks before it applies (the console) asks the operator's yes for X: every
 * finding force would pass, warnings too. Wanted: the console has no other place to show what a
 * guard could not check before the change is made, while the CLI prints warnings on stderr and
 * goes on (a script has no one to ask; --force is its yes). */
bool pp_finding_asks(const pp_finding *x);
void pp_findings_clear(pp_findings *f);

/* Whether ADDR is free: attach's own guards (pp_guard_attach of ADDR alone, to no guest in
 * particular: every owner counts) find nothing that stops it, forceable or not, so that a free
 * function is one `attach --config` to a shut-off guest takes without --force. What a guard
 * cannot check on this host (a warning) does not stop it; *UNKNOWN (may be NULL) is set when
 * there was such a warning. Guests not read (in->owners NULL): never free. The one definition
 * for `find --free` and the console. */
bool pp_guard_free(const pp_guard_in *in, const pp_pci_addr *addr, bool *unknown);
/* The facts attach's guards cannot check for a function of H, untranslated words for the faces
 * ("host-critical", "reset": node devices carry neither); *FACTS static. Returns how many. */
size_t pp_guard_unchecked(const pp_host *h, const char *const **facts);

/* ADDR, then every free endpoint function of its IOMMU group (no guest holds it; bridges left
 * out), sorted by address; *OUT is malloc'd. Returns the count (1 when ADDR has no group). */
size_t pp_guard_whole_group(const pp_guard_in *in, const pp_pci_addr *addr, pp_pci_addr **out);
/* Every function of ADDR's device (same domain, bus, slot), sorted; *OUT is malloc'd. */
size_t pp_guard_all_functions(const pp_host *h, const pp_pci_addr *addr, pp_pci_addr **out);

#endif
