/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guards behind attach, prepare and release, shared by the CLI and the TUI. libvirt itself only
 * refuses a function a RUNNING guest uses; these look at shut-off guests' configurations, IOMMU
 * groups and what the host needs, before anything is sent. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"

void pp_guard_add(pp_findings *out, pp_guard_kind kind, bool forceable, const pp_pci_addr *a,
                  char *msg)
{
    out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
    out->v[out->n].kind = kind;
    out->v[out->n].forceable = forceable;
    out->v[out->n].warning = false;
    out->v[out->n].addr = *a;
    /* findings quote guest names and sysfs text: escaped once here for every face */
    out->v[out->n].msg = pp_escape_ctl(msg);
    free(msg);
    out->n++;
}

void pp_guard_warn(pp_findings *out, pp_guard_kind kind, const pp_pci_addr *a, char *msg)
{
    pp_guard_add(out, kind, true, a, msg);
    out->v[out->n - 1].warning = true;
}

/* "not a PCI function of this host": where the inventory came from */
static char *not_on_host(const pp_host *h, const char *name)
{
    if (h->partial)
        return xasprintf(_("device: %s is not a PCI function of this host (libvirt's node "
                           "devices)"),
                         name);
    return xasprintf(_("device: %s is not a PCI function of this host (sysfs root %s)"), name,
                     h->sysfs_root);
}

static bool in_set(const pp_pci_addr *set, size_t n, const pp_pci_addr *a)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (pp_pci_addr_eq(&set[i], a))
            return true;
    return false;
}

static const char *where(const pp_owner *o)
{
    return _(pp_affect_words((o->live ? PP_AFFECT_LIVE : 0) | (o->config ? PP_AFFECT_CONFIG : 0)));
}

/* "guest 'a' (live configuration), guest 'b' (persistent configuration)": owners but G. */
static char *other_owners(const pp_owners *owners, const pp_pci_addr *a, const pp_guest *g,
                          bool live_only)
{
    const pp_owner *first;
    size_t i, n = owners ? pp_owners_of(owners, a, &first) : 0;
    pp_buf b = PP_BUF_INIT;
    char *t;

    for (i = 0; i < n; i++) {
        if ((g && first[i].guest == g) || (live_only && !first[i].live))
            continue;
        /* one whole entry per guest; the list is joined with ", " */
        t = xasprintf(_("guest '%s' (%s)"), first[i].guest->name, where(&first[i]));
        pp_buf_item(&b, ", ", t);
        free(t);
    }
    return pp_buf_take_or_null(&b);
}

/* Whether G holds A in one of the configurations of AFFECT (0: in any). */
static bool held_by(const pp_owners *owners, const pp_pci_addr *a, const pp_guest *g,
                    unsigned affect)
{
    const pp_owner *first;
    size_t i, n = owners ? pp_owners_of(owners, a, &first) : 0;
    for (i = 0; i < n; i++)
        if (first[i].guest == g &&
            (!affect || ((affect & PP_AFFECT_LIVE) && first[i].live) ||
             ((affect & PP_AFFECT_CONFIG) && first[i].config)))
            return true;
    return false;
}

static void check_critical(const pp_host *h, const pp_function *f, pp_findings *out)
{
    const pp_critical *c[8];
    size_t i, n = pp_host_critical_of(h, &f->addr, c, 8);

    if (h->partial) {
        pp_guard_warn(out, PP_GUARD_UNKNOWN, &f->addr,
            xasprintf(_("%s: whether it is host-critical (root filesystem, default route, boot "
                        "VGA) is unknown on this host: libvirt's node devices do not say"),
                      f->name));
        return;
    }
    for (i = 0; i < n; i++) {
        char *msg;
        switch (c[i]->kind) {
        case PP_CRIT_ROOTFS:
            msg = xasprintf(_("%s is host-critical: it holds the root filesystem (/ is on %s); "
                              "the host would lose its disk"),
                            f->name, c[i]->detail);
            break;
        case PP_CRIT_ROUTE:
            msg = xasprintf(_("%s is host-critical: it carries the default route (interface %s); "
                              "the host would drop off the network"),
                            f->name, c[i]->detail);
            break;
        default:
            msg = xasprintf(_("%s is host-critical: it is the boot VGA (boot_vga=1), the host's "
                              "console"),
                            f->name);
            break;
        }
        pp_guard_add(out, PP_GUARD_CRITICAL, true, &f->addr, msg);
    }
}

static void check_group(const pp_guard_in *in, const pp_function *f, const pp_pci_addr *set,
                        size_t nset, pp_findings *out)
{
    const pp_host *h = in->host;
    size_t i;

    if (f->iommu_group < 0) {
        pp_guard_add(out, PP_GUARD_NO_IOMMU, true, &f->addr,
            xasprintf(_("%s has no IOMMU group: VFIO cannot assign it (is the IOMMU on? see "
                        "'pcipass check')"),
                      f->name));
        return;
    }
    for (i = 0; i < h->nfuncs; i++) {
        const pp_function *p = &h->funcs[i];
        char *others;

        if (p == f || p->iommu_group != f->iommu_group || p->bridge || in_set(set, nset, &p->addr))
            continue;
        if (in->guest && held_by(in->owners, &p->addr, in->guest, 0))
            continue;
        others = other_owners(in->owners, &p->addr, in->guest, false);
        if (others) {
            pp_guard_add(out, PP_GUARD_GROUP, true, &f->addr,
                xasprintf(_("%s: IOMMU group %d partner %s is held by %s; a group goes to one "
                            "guest as a whole"),
                          f->name, f->iommu_group, p->name, others));
            free(others);
        } else if (pp_function_group_safe(p) == 0) {
            pp_guard_add(out, PP_GUARD_GROUP, true, &f->addr,
                xasprintf(_("%s: IOMMU group %d partner %s is bound to host driver %s; the group "
                            "is not viable until it is bound to a VFIO driver (assigning the "
                            "whole group with it resolves this)"),
                          f->name, f->iommu_group, p->name, p->driver));
        } else if (pp_function_group_safe(p) < 0) {
            /* a partner on a driver that may be a host one: not viable for all we know */
            char *why = pp_vfio_reason(p);
            pp_guard_add(out, PP_GUARD_GROUP, true, &f->addr,
                xasprintf(_("%s: IOMMU group %d partner %s: %s; the group is viable only if "
                            "that is a VFIO driver"),
                          f->name, f->iommu_group, p->name, why));
            free(why);
        }
    }
}

/* SR-IOV: a PF taken from its host driver loses its VFs, so a PF goes nowhere while a guest holds
 * one of its VFs, and a VF nowhere while a guest holds its PF; in any configuration, because a
 * shut-off guest's VF is gone when it starts. Never forceable while a guest runs with it. */
static void check_sriov(const pp_guard_in *in, const pp_function *f, const pp_pci_addr *set,
                        size_t nset, pp_findings *out)
{
    const pp_host *h = in->host;
    const pp_owner *first;
    size_t i, k, n;

    for (i = 0; i < h->nfuncs; i++) {
        const pp_function *p = &h->funcs[i];
        /* from the VFs' physfn links: a PF whose sriov_totalvfs is missing or garbage is
         * still the PF its VFs name */
        bool pf_of_p = p->is_vf && pp_pci_addr_eq(&p->physfn, &f->addr),
             related = pf_of_p || (f->is_vf && pp_pci_addr_eq(&f->physfn, &p->addr));
        char *others;
        bool live = false;

        if (!related || in_set(set, nset, &p->addr))
            continue;
        if (!(others = other_owners(in->owners, &p->addr, NULL, false)))
            continue;
        n = in->owners ? pp_owners_of(in->owners, &p->addr, &first) : 0;
        for (k = 0; k < n; k++)
            live = live || first[k].live;
        pp_guard_add(out, PP_GUARD_SRIOV, !live, &f->addr,
                     pf_of_p
                         /* a PF already on a VFIO driver has left its host driver: the risk is
                          * the guest's, which can turn SR-IOV off */
                         ? (pp_function_on_vfio(f)
                                ? xasprintf(_("%s is the SR-IOV PF of VF %s, which %s holds; the PF "
                                              "is on VFIO driver %s, and a guest holding it can "
                                              "turn SR-IOV off and take the VF away"),
                                            f->name, p->name, others, f->driver)
                                : xasprintf(_("%s is the SR-IOV PF of VF %s, which %s holds; "
                                              "taking the PF from its host driver destroys its "
                                              "VFs"),
                                            f->name, p->name, others))
                         : xasprintf(_("%s is a VF of PF %s, which %s holds; the PF's guest and "
                                       "its driver decide over this VF"),
                                     f->name, p->name, others));
        free(others);
    }
}

/* A function whose vendor, device or class file holds no id: libpci reads it as 0, and whether it
 * is a bridge (its class) or what device it is cannot be told. */
static void check_identity(const pp_function *f, pp_findings *out)
{
    if (f->ident_unknown)
        pp_guard_add(out, PP_GUARD_IDENTITY, true, &f->addr,
            xasprintf(_("%s: its identity is unknown: its sysfs file '%s' holds no hex id, so what "
                        "it is (an endpoint or a bridge) is unknown"),
                      f->name, f->ident_unknown));
}

/* Without any reset the function keeps the state a guest left in it: after a guest restart, or in
 * the next guest, it may not come up again. */
static void check_reset(const pp_host *h, const pp_function *f, pp_findings *out)
{
    if (h->partial)
        pp_guard_warn(out, PP_GUARD_UNKNOWN, &f->addr,
            xasprintf(_("%s: whether the kernel can reset it is unknown on this host: libvirt's "
                        "node devices do not say"),
                      f->name));
    else if (f->no_reset)
        pp_guard_add(out, PP_GUARD_NO_RESET, true, &f->addr,
            xasprintf(_("%s has no reset method (the kernel offers none): a guest restart may "
                        "leave it unusable"),
                      f->name));
}

void pp_guard_attach(const pp_guard_in *in, const pp_pci_addr *set, size_t n, pp_findings *out)
{
    size_t k;

    for (k = 0; k < n; k++) {
        const pp_function *f = pp_host_find(in->host, &set[k]);
        char name[PP_PCI_ADDR_STRLEN], *others;

        pp_pci_addr_format(&set[k], name);
        if (in->guest && held_by(in->owners, &set[k], in->guest, in->affect))
            pp_guard_add(out, PP_GUARD_IN_GUEST, false, &set[k],
                xasprintf(_("%s is already assigned to guest '%s'"), name, in->guest->name));
        for (size_t u = 0; in->owners && u < in->owners->nunknown; u++)
            pp_guard_add(out, PP_GUARD_HOLDER_UNKNOWN, true, &set[k],
                xasprintf(_("whether guest '%s' holds %s is unknown: its definition is not "
                            "well-formed XML (%s)"),
                          in->owners->unknown[u]->name, name,
                          pp_guest_damaged(in->owners->unknown[u])));
        if ((others = other_owners(in->owners, &set[k], in->guest, false))) {
            pp_guard_add(out, PP_GUARD_OWNER, true, &set[k],
                xasprintf(_("%s is held by %s; two guests holding one function cannot both "
                            "start"),
                          name, others));
            free(others);
        }
        if (!f) {
            pp_guard_add(out, PP_GUARD_NOT_ON_HOST, true, &set[k], not_on_host(in->host, name));
            continue;
        }
        check_identity(f, out);
        if (f->bridge) {
            pp_guard_add(out, PP_GUARD_NOT_ENDPOINT, false, &set[k],
                xasprintf(_("%s is a bridge (class %06x), not an endpoint; VFIO assigns endpoint "
                            "functions only"),
                          name, (unsigned)f->class_code));
            continue;
        }
        check_critical(in->host, f, out);
        check_group(in, f, set, n, out);
        check_sriov(in, f, set, n, out);
        check_reset(in->host, f, out);
    }
}

size_t pp_guard_unchecked(const pp_host *h, const char *const **facts)
{
    /* the warnings of check_critical and check_reset */
    static const char *const partial[] = { N_("host-critical"), N_("reset") };

    *facts = partial;
    return h->partial ? 2 : 0;
}

bool pp_guard_free(const pp_guard_in *in, const pp_pci_addr *addr, bool *unknown)
{
    pp_guard_in any = *in;
    pp_findings f = { 0 };
    bool free_ = false;
    size_t i;

    if (unknown)
        *unknown = false;
    if (!in->owners)
        return false;
    any.guest = NULL;
    any.affect = 0;
    pp_guard_attach(&any, addr, 1, &f);
    free_ = pp_findings_blocking(&f, false, NULL) == 0;
    for (i = 0; unknown && i < f.n; i++)
        *unknown = *unknown || f.v[i].warning;
    pp_findings_clear(&f);
    return free_;
}

void pp_guard_prepare(const pp_guard_in *in, const pp_pci_addr *addr, bool release,
                      pp_findings *out)
{
    const pp_function *f = pp_host_find(in->host, addr);
    char name[PP_PCI_ADDR_STRLEN], *running;

    pp_pci_addr_format(addr, name);
    if ((running = other_owners(in->owners, addr, NULL, true))) {
        pp_guard_add(out, PP_GUARD_RUNNING, false, addr,
            xasprintf(_("%s is in use by %s; shut the guest down or detach it first"), name,
                      running));
        free(running);
    }
    if (release)
        return;
    if (!f) {
        pp_guard_add(out, PP_GUARD_NOT_ON_HOST, true, addr, not_on_host(in->host, name));
        return;
    }
    check_identity(f, out);
    if (f->bridge) {
        pp_guard_add(out, PP_GUARD_NOT_ENDPOINT, false, addr,
            xasprintf(_("%s is a bridge (class %06x), not an endpoint; VFIO assigns endpoint "
                        "functions only"),
                      name, (unsigned)f->class_code));
        return;
    }
    check_critical(in->host, f, out);
}

bool pp_finding_blocks(const pp_finding *x, bool force, const pp_findings *accepted)
{
    if (x->warning || (x->forceable && force))
        return false;
    for (size_t k = 0; x->forceable && accepted && k < accepted->n; k++)
        if (accepted->v[k].kind == x->kind && pp_pci_addr_eq(&accepted->v[k].addr, &x->addr))
            return false;
    return true;
}

size_t pp_findings_blocking(const pp_findings *f, bool force, const pp_findings *accepted)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += pp_finding_blocks(&f->v[i], force, accepted);
    return n;
}

bool pp_finding_asks(const pp_finding *x)
{
    return x->forceable;
}

void pp_findings_clear(pp_findings *f)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        free(f->v[i].msg);
    free(f->v);
    memset(f, 0, sizeof(*f));
}

size_t pp_guard_whole_group(const pp_guard_in *in, const pp_pci_addr *addr, pp_pci_addr **out)
{
    const pp_function *f = pp_host_find(in->host, addr);
    const pp_owner *first;
    size_t i, n = 1;

    *out = xmalloc(sizeof(**out) * (in->host->nfuncs + 1));
    (*out)[0] = *addr;
    if (!f || f->iommu_group < 0)
        return 1;
    for (i = 0; i < in->host->nfuncs; i++) {
        const pp_function *p = &in->host->funcs[i];
        if (p == f || p->iommu_group != f->iommu_group || p->bridge)
            continue;
        if (in->owners && pp_owners_of(in->owners, &p->addr, &first) > 0)
            continue;
        (*out)[n++] = p->addr;
    }
    qsort(*out, n, sizeof(**out), pp_pci_addr_qcmp);
    return n;
}

size_t pp_guard_all_functions(const pp_host *h, const pp_pci_addr *addr, pp_pci_addr **out)
{
    size_t i, n = 0;

    *out = xmalloc(sizeof(**out) * (h->nfuncs + 1));
    for (i = 0; i < h->nfuncs; i++) {
        const pp_pci_addr *a = &h->funcs[i].addr;
        if (pp_pci_same_slot(a, addr))
            (*out)[n++] = *a;
    }
    if (n == 0)
        (*out)[n++] = *addr;
    return n;
}
