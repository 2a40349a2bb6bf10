/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every guest and its definitions, in one pass over virConnectListAllDomains. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "pcipass/virt-private.h"

static bool read_definition(virDomainPtr dom, unsigned flags, pp_domain_info *out)
{
    char *xml = virDomainGetXMLDesc(dom, flags);
    bool ok;

    if (!xml) {
        pp_virt_set_error(_("cannot read a guest's definition"));
        return false;
    }
    ok = pp_domain_parse(xml, out);
    free(xml);
    return ok;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const pp_guest *)a)->name, ((const pp_guest *)b)->name);
}

bool pp_virt_guests(pp_virt *v, pp_guests *out)
{
    virDomainPtr *doms = NULL;
    int n, i;
    bool ok = true;

    memset(out, 0, sizeof(*out));
    n = virConnectListAllDomains(v->conn, &doms, 0);
    if (n < 0) {
        pp_virt_set_error(_("cannot list guests"));
        return false;
    }
    out->v = xcalloc((size_t)n, sizeof(*out->v));
    for (i = 0; i < n; i++) {
        pp_guest *g = &out->v[out->n];
        char uuid[VIR_UUID_STRING_BUFLEN];
        int state = VIR_DOMAIN_NOSTATE, reason;

        if (virDomainGetState(doms[i], &state, &reason, 0) < 0 ||
            virDomainGetUUIDString(doms[i], uuid) < 0) {
            /* a guest undefined while we list is simply gone */
            if (pp_virt_last_error_code() == VIR_ERR_NO_DOMAIN)
                continue;
            pp_virt_set_error(_("cannot read a guest's state"));
            ok = false;
            break;
        }
        g->name = xstrdup(virDomainGetName(doms[i]));
        g->uuid = xstrdup(uuid);
        g->state = state;
        g->active = virDomainIsActive(doms[i]) == 1;
        g->persistent = virDomainIsPersistent(doms[i]) == 1;
        out->n++;
        if (g->active) {
            if (!read_definition(doms[i], 0, &g->live)) {
                ok = false;
                break;
            }
            g->has_live = true;
        }
        if (g->persistent) {
            if (!read_definition(doms[i], VIR_DOMAIN_XML_INACTIVE, &g->config)) {
                ok = false;
                break;
            }
            g->has_config = true;
        }
    }
    for (i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    if (!ok) {
        pp_error_prefix(_("reading guests"));
        pp_guests_clear(out);
        return false;
    }
    qsort(out->v, out->n, sizeof(*out->v), by_name);
    return true;
}

void pp_guests_clear(pp_guests *g)
{
    size_t i;
    for (i = 0; i < g->n; i++) {
        free(g->v[i].name);
        free(g->v[i].uuid);
        pp_domain_info_clear(&g->v[i].live);
        pp_domain_info_clear(&g->v[i].config);
    }
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

const char *pp_guest_state_name(const pp_guest *g)
{
    /* the words virsh uses, so operators recognise them */
    switch (g->state) {
    case VIR_DOMAIN_RUNNING:
        return N_("running");
    case VIR_DOMAIN_BLOCKED:
        return N_("idle");
    case VIR_DOMAIN_PAUSED:
        return N_("paused");
    case VIR_DOMAIN_SHUTDOWN:
        return N_("in shutdown");
    case VIR_DOMAIN_SHUTOFF:
        return N_("shut off");
    case VIR_DOMAIN_CRASHED:
        return N_("crashed");
    case VIR_DOMAIN_PMSUSPENDED:
        return N_("pmsuspended");
    default:
        return N_("no state");
    }
}

const pp_domain_info *pp_guest_info(const pp_guest *g)
{
    return g->has_config ? &g->config : &g->live;
}
