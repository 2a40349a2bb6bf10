/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A guest as pcipass holds it: its name, state and the hostdev elements of its live and
 * persistent definitions (src/model/guests.c). src/virt reads guests from libvirt; everyone else
 * looks them up here. */
#ifndef PCIPASS_GUEST_H
#define PCIPASS_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/hostdev.h"

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
    unsigned round_trips; /* the libvirt calls their read took */
} pp_guests;

void pp_guests_clear(pp_guests *g);
void pp_guest_clear(pp_guest *g);
const pp_guest *pp_guests_find(const pp_guests *g, const char *name);
/* Why a definition of G is not well-formed (escaped), or NULL: what G holds is then not known for
 * sure (read with recovery, or not at all). */
const char *pp_guest_damaged(const pp_guest *g);
/* The definition that describes the guest best: the persistent one, else the live one. */
const pp_domain_info *pp_guest_info(const pp_guest *g);

#endif
