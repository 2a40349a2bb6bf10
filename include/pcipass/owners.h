/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who holds each host function: one index built from the guests read in one pass. */
#ifndef PCIPASS_OWNERS_H
#define PCIPASS_OWNERS_H

#include "pcipass/virt.h"

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

#endif
