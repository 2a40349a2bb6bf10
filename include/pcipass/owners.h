/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who holds each host function: one index built from the guests read in one pass. */
#ifndef PCIPASS_OWNERS_H
#define PCIPASS_OWNERS_H

#include "pcipass/guest.h"

typedef struct pp_owner {
    pp_pci_addr source;
    const pp_guest *guest;
    bool live, config;
    const pp_hostdev *dev; /* from the persistent definition when it has it, else the live one */
} pp_owner;

typedef struct pp_owners {
    pp_owner *v; /* sorted by source address, then guest name */
    size_t n;
    /* guests whose definitions were not well-formed (pp_guest_damaged): the index may lack what
     * they hold, so no function is known to be free while there is one */
    const pp_guest **unknown;
    size_t nunknown;
} pp_owners;

void pp_owners_build(const pp_guests *g, pp_owners *out);
void pp_owners_clear(pp_owners *o);
/* The owners of ADDR: count, and *FIRST points at a run of that many entries. */
size_t pp_owners_of(const pp_owners *o, const pp_pci_addr *addr, const pp_owner **first);
/* More than one guest among the N owners starting at FIRST. */
bool pp_owners_conflict(const pp_owner *first, size_t n);
/* Which of the guest's configurations hold it: "L" (live: the running one), "C" (the persistent
 * one) or "L+C". The one spelling of the owners column, the CLI's and the console's. */
const char *pp_owner_where(const pp_owner *o);
/* "web01[LC]": the guest and where it holds the function. Caller frees. */
char *pp_owner_label(const pp_owner *o);
/* The N owners starting at FIRST as "web01[LC],build[C]", with " CONFLICT" (translated) when
 * more than one guest holds it. Caller frees. */
char *pp_owners_label(const pp_owner *first, size_t n);
/* What guest G holds: the count, and *OUT (malloc'd) points at its entries in address order. */
size_t pp_owners_of_guest(const pp_owners *o, const pp_guest *g, const pp_owner ***out);
/* The same as text, "0000:17:00.0 0000:3b:00.0" ("" when it holds nothing). Caller frees. */
char *pp_owners_guest_text(const pp_owners *o, const pp_guest *g);

#endif
