/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guests as data (guest.h): freed, looked up, asked what they hold; virt-guests.c reads them. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/guest.h"

void pp_guest_clear(pp_guest *g)
{
    free(g->name);
    free(g->uuid);
    pp_domain_info_clear(&g->live);
    pp_domain_info_clear(&g->config);
    memset(g, 0, sizeof(*g));
}

void pp_guests_clear(pp_guests *g)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        pp_guest_clear(&g->v[i]);
    free(g->v);
    memset(g, 0, sizeof(*g));
}

const pp_guest *pp_guests_find(const pp_guests *g, const char *name)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        if (strcmp(g->v[i].name, name) == 0)
            return &g->v[i];
    return NULL;
}

const char *pp_guest_damaged(const pp_guest *g)
{
    if (g->has_config && g->config.damaged)
        return g->config.damaged;
    if (g->has_live && g->live.damaged)
        return g->live.damaged;
    return NULL;
}

const pp_domain_info *pp_guest_info(const pp_guest *g)
{
    return g->has_config ? &g->config : &g->live;
}
