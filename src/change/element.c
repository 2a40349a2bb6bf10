/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The element builders: the set of functions a change takes and the elements it attaches. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/common.h"

#include "change-private.h"

bool pp_change_build_set(const pp_guard_in *in, const pp_pci_addr *source, bool whole_group,
                         bool all_functions, pp_pci_addr **set, size_t *n)
{
    pp_pci_addr *v, *g;
    size_t nv, ng, i, j, k;

    if (all_functions && source->function != 0) {
        char name[PP_PCI_ADDR_STRLEN];
        pp_pci_addr_format(source, name);
        pp_error_set(_("all functions: %s is function %u of its device, not function 0"), name,
                     source->function);
        return false;
    }
    if (all_functions) {
        nv = pp_guard_all_functions(in->host, source, &v);
    } else {
        v = xmalloc(sizeof(*v));
        v[0] = *source;
        nv = 1;
    }
    if (whole_group) {
        size_t base = nv;
        for (i = 0; i < base; i++) {
            ng = pp_guard_whole_group(in, &v[i], &g);
            for (j = 0; j < ng; j++) {
                for (k = 0; k < nv && !pp_pci_addr_eq(&v[k], &g[j]); k++)
                    ;
                if (k == nv) {
                    v = xreallocarray(v, nv + 1, sizeof(*v));
                    v[nv++] = g[j];
                }
            }
            free(g);
        }
    }
    *set = v;
    *n = nv;
    return true;
}

static bool zpci_taken(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

void pp_change_zpci_ids(const pp_host *h, const pp_guest *g, const pp_hostdev *others,
                        size_t nothers, pp_hostdev *hd)
{
    const pp_function *f = pp_host_find(h, &hd->source);
    size_t i;
    bool taken;

    if (!f || !f->has_zpci || !pp_arch_is_s390(pp_guest_info(g)->arch))
        return;
    if (!hd->has_uid && f->zpci.uid >= PP_ZPCI_UID_MIN && f->zpci.uid <= PP_ZPCI_UID_MAX) {
        taken = zpci_taken(g->config.uids, g->config.nuids, f->zpci.uid) ||
                zpci_taken(g->live.uids, g->live.nuids, f->zpci.uid);
        for (i = 0; i < nothers && !taken; i++)
            taken = others[i].has_uid && others[i].uid == f->zpci.uid;
        if (!taken) {
            hd->uid = f->zpci.uid;
            hd->has_uid = true;
        }
    }
    if (!hd->has_fid) {
        taken = zpci_taken(g->config.fids, g->config.nfids, f->zpci.fid) ||
                zpci_taken(g->live.fids, g->live.nfids, f->zpci.fid);
        for (i = 0; i < nothers && !taken; i++)
            taken = others[i].has_fid && others[i].fid == f->zpci.fid;
        if (!taken) {
            hd->fid = f->zpci.fid;
            hd->has_fid = true;
        }
    }
}

static bool no_free_slot(const pp_guest *g)
{
    pp_error_set(_("guest-address: guest '%s' has no free slot for a multifunction device (on a "
                   "running PCI Express guest: no free pcie-root-port); give one with "
                   "--guest-address, or use --config"),
                 g->name);
    return false;
}

bool pp_change_rechoose_slot(const pp_host *h, const pp_guest *g, unsigned affect, pp_hostdev *v,
                              size_t n)
{
    const pp_domain_info *d =
        (affect & PP_AFFECT_LIVE) && g->has_live ? &g->live : pp_guest_info(g);
    pp_pci_addr slot;
    size_t i, first;

    for (first = 0; first < n && !v[first].guest_addr_chosen; first++)
        ;
    if (first == n)
        return true;
    if (!pp_domain_free_slot(d, (affect & PP_AFFECT_LIVE) != 0, pp_host_pcie(h, &v[first].source),
                             &slot)) {
        return no_free_slot(g);
    }
    for (i = first; i < n; i++) {
        if (!v[i].guest_addr_chosen)
            continue;
        slot.function = v[i].guest_addr.function;
        v[i].guest_addr = slot;
    }
    return true;
}

bool pp_change_build_hostdevs(const pp_hostdev *tmpl, bool all_functions, const pp_host *h,
                              const pp_guest *g, unsigned affect, const pp_pci_addr *set,
                              size_t n, pp_hostdev **out)
{
    pp_hostdev *v;
    /* a live change needs a place the running guest has free (a hot-plug one) */
    const pp_domain_info *d =
        (affect & PP_AFFECT_LIVE) && g->has_live ? &g->live : pp_guest_info(g);
    pp_pci_addr slot = { 0, 0, 0, 0 };
    bool shared_slot = false;
    size_t i, same = 0;

    if (n > 1 && (tmpl->has_uid || tmpl->has_fid || tmpl->mac[0])) {
        pp_error_set(_("%s: several functions go together here; each one gets its own zPCI ids "
                       "(the host's where the guest has them free, else libvirt's choice) and its "
                       "own MAC; attach them one by one to choose"),
                     tmpl->has_uid ? "zpci uid" : tmpl->has_fid ? "zpci fid" : "mac");
        return false;
    }
    for (i = 0; i < n; i++)
        if (pp_pci_same_slot(&set[i], &tmpl->source))
            same++;
    if (all_functions && same > 1) {
        shared_slot = true;
        if (tmpl->has_guest_addr) {
            slot = tmpl->guest_addr;
        } else if (!pp_domain_free_slot(d, (affect & PP_AFFECT_LIVE) != 0,
                                        pp_host_pcie(h, &tmpl->source), &slot)) {
            return no_free_slot(g);
        }
    }
    v = xcalloc(n, sizeof(*v));
    for (i = 0; i < n; i++) {
        v[i] = *tmpl;
        v[i].source = set[i];
        /* the boot order and the ROM image are DEVICE's own, not its partners' */
        if (!pp_pci_addr_eq(&set[i], &tmpl->source)) {
            v[i].boot_order = 0;
            v[i].rom_file[0] = '\0';
        }
        if (n > 1 && !shared_slot)
            v[i].has_guest_addr = v[i].guest_addr_full = false;
        if (shared_slot && pp_pci_same_slot(&set[i], &tmpl->source)) {
            v[i].has_guest_addr = v[i].guest_addr_full = true;
            v[i].guest_addr = slot;
            v[i].guest_addr.function = set[i].function;
            v[i].guest_addr_chosen = !tmpl->has_guest_addr;
            v[i].multifunction = set[i].function == 0;
        }
        /* a VF's MAC that does not change between runs: the guest's network config keeps it */
        if (v[i].kind == PP_HD_INTERFACE && !v[i].mac[0])
            pp_hostdev_stable_mac(g->uuid, &set[i], v[i].mac);
        /* the host's zPCI ids where the guest has them free: the guest sees the ids the LPAR's
         * configuration gives the function, and they stay the same across attaches */
        pp_change_zpci_ids(h, g, v, i, &v[i]);
    }
    *out = v;
    return true;
}
