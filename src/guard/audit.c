/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit (see audit.h). Guest names and metadata come from outside: they go into findings as
 * they are, and each face escapes them for its terminal. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/audit.h"
#include "pcipass/common.h"

static const char *const kind_names[] = {
    "missing", "replaced", "damaged-record", "critical", "shared", "group", "no-iommu", "sriov",
    "bridge", "unmanaged", "zpci-duplicate", "uid-not-unique", "no-reset", "unrecorded",
};

const char *pp_audit_kind_name(pp_audit_kind k)
{
    return kind_names[k];
}

static int severity_of(pp_audit_kind k)
{
    switch (k) {
    case PP_AUDIT_MISSING:
    case PP_AUDIT_REPLACED:
    case PP_AUDIT_CRITICAL:
        return 3;
    case PP_AUDIT_NO_RESET:
    case PP_AUDIT_UNRECORDED:
    case PP_AUDIT_UID_NOT_UNIQUE:
        return 1;
    default:
        return 2;
    }
}

static void add(pp_audit *a, pp_audit_kind kind, const pp_guest *g, const pp_pci_addr *addr,
                char *msg, char *advice)
{
    pp_audit_finding *f;

    a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
    f = &a->v[a->n++];
    f->kind = kind;
    f->severity = severity_of(kind);
    f->guest = xstrdup(g->name);
    f->addr = *addr;
    f->msg = msg;
    f->advice = advice;
}

/* What the guards' findings mean after the fact, and what to do about them. */
static bool from_guard(pp_guard_kind k, pp_audit_kind *out, const char **advice)
{
    switch (k) {
    case PP_GUARD_OWNER:
        *out = PP_AUDIT_SHARED;
        *advice = N_("detach it from all but one guest; only one of them can start with it");
        return true;
    case PP_GUARD_GROUP:
        *out = PP_AUDIT_GROUP;
        *advice = N_("give the whole IOMMU group to this guest (bind the partners to vfio-pci), "
                     "or detach the function");
        return true;
    case PP_GUARD_NO_IOMMU:
        *out = PP_AUDIT_NO_IOMMU;
        *advice = N_("turn the IOMMU on ('pcipass check' says how); the guest cannot start with "
                     "it before");
        return true;
    case PP_GUARD_CRITICAL:
        *out = PP_AUDIT_CRITICAL;
        *advice = N_("detach it now: starting the guest would take it from the host");
        return true;
    case PP_GUARD_SRIOV:
        *out = PP_AUDIT_SRIOV;
        *advice = N_("assign either the PF or its VFs, never both; detach one side");
        return true;
    case PP_GUARD_NOT_ENDPOINT:
        *out = PP_AUDIT_BRIDGE;
        *advice = N_("detach it; VFIO assigns endpoint functions only");
        return true;
    case PP_GUARD_NO_RESET:
        *out = PP_AUDIT_NO_RESET;
        *advice = N_("expect trouble after a guest restart; prefer a function the kernel can "
                     "reset");
        return true;
    default:
        return false; /* in-guest (it is this guest's), not-on-host (checked here, with more) */
    }
}

/* Whether F is the hardware ID recorded: vendor, device, subsystem, class and serial alike (its
 * address is not part of it; pp_pci_same_slot is about addresses). On the fields the record holds
 * readable: a damaged record compares what it can. */
static bool same_hardware(const pp_identity *id, const pp_function *f)
{
    unsigned u = id->unknown;
    return ((u & PP_ID_VENDOR) || id->vendor == f->vendor_id) &&
           ((u & PP_ID_DEVICE) || id->device == f->device_id) &&
           ((u & PP_ID_SUBSYS_VENDOR) || id->subsys_vendor == f->subsys_vendor_id) &&
           ((u & PP_ID_SUBSYS_DEVICE) || id->subsys_device == f->subsys_device_id) &&
           ((u & PP_ID_CLASS) || id->class_code == f->class_code) &&
           ((u & PP_ID_SERIAL) ||
            (id->has_serial == f->has_serial && (!id->has_serial || id->serial == f->serial)));
}

static char *describe_id(const pp_identity *id)
{
    char f[5][16], serial[24];
    const unsigned vals[] = { id->vendor, id->device, id->subsys_vendor, id->subsys_device,
                              (unsigned)id->class_code };

    for (unsigned k = 0; k < 5; k++)
        snprintf(f[k], sizeof(f[k]), (id->unknown & (1u << k)) ? "?" : k == 4 ? "%06x" : "%04x",
                 vals[k]);
    if (id->has_serial)
        pp_serial_format(id->serial, serial);
    return xasprintf(_("%s:%s (subsystem %s:%s, class %s, serial %s)"), f[0], f[1], f[2], f[3],
                     f[4],
                     (id->unknown & PP_ID_SERIAL) ? "?" : id->has_serial ? serial : _("none"));
}

/* The fields of a damaged record that do not read, comma-separated. */
static char *unknown_fields(const pp_identity *id)
{
    pp_buf b = PP_BUF_INIT;
    for (unsigned k = 0; k < PP_ID_NFIELDS; k++)
        if (id->unknown & (1u << k))
            pp_buf_item(&b, ", ", pp_identity_field(k));
    return pp_buf_take_or_null(&b);
}

static char *describe_fn(const pp_function *f)
{
    pp_identity id;
    memset(&id, 0, sizeof(id));
    id.vendor = f->vendor_id;
    id.device = f->device_id;
    id.subsys_vendor = f->subsys_vendor_id;
    id.subsys_device = f->subsys_device_id;
    id.class_code = f->class_code;
    id.has_serial = f->has_serial;
    id.serial = f->serial;
    return describe_id(&id);
}

/* Where the recorded device is now: the other addresses that hold a device of its identity
 * (comma-separated), NULL when none. Without a serial, each of several same cards is named. */
static char *found_elsewhere(const pp_host *h, const pp_identity *id)
{
    pp_buf b = PP_BUF_INIT;
    size_t i;

    for (i = 0; i < h->nfuncs; i++)
        if (!pp_pci_addr_eq(&h->funcs[i].addr, &id->addr) && same_hardware(id, &h->funcs[i]))
            pp_buf_item(&b, ", ", h->funcs[i].name);
    return pp_buf_take_or_null(&b);
}

/* The identity recorded for ADDR: from the persistent definition, else the live one. */
static const pp_identity *recorded(const pp_guest *g, const pp_pci_addr *addr)
{
    const pp_identity *id = NULL;
    if (g->has_config)
        id = pp_domain_identity(&g->config, addr);
    if (!id && g->has_live)
        id = pp_domain_identity(&g->live, addr);
    return id;
}

static void check_identity(pp_audit *a, const pp_host *h, const pp_guest *g,
                           const pp_pci_addr *addr, const pp_function *f)
{
    const pp_identity *id = recorded(g, addr);
    char name[PP_PCI_ADDR_STRLEN], *was, *is, *where;

    pp_pci_addr_format(addr, name);
    if (!f) {
        where = id ? found_elsewhere(h, id) : NULL;
        if (where)
            add(a, PP_AUDIT_MISSING, g, addr,
                xasprintf(_("%s does not exist on this host; the device assigned there is now "
                            "found at %s"),
                          name, where),
                xasprintf(_("detach %s from guest '%s' and attach %s instead"), name, g->name,
                          where));
        else
            add(a, PP_AUDIT_MISSING, g, addr,
                xasprintf(_("%s does not exist on this host"), name),
                xasprintf(_("detach %s from guest '%s'; the guest cannot start with it"), name,
                          g->name));
        free(where);
        return;
    }
    if (!id) {
        add(a, PP_AUDIT_UNRECORDED, g, addr,
            xasprintf(_("%s has no identity recorded in guest '%s' (assigned without pcipass); "
                        "whether it is still the same device cannot be told"),
                      name, g->name),
            xasprintf(_("check that %s is the intended device, then run 'pcipass audit --record "
                        "%s'"),
                      name, g->name));
        return;
    }
    if (id->unknown) {
        /* evidence kept: never "unrecorded", whose advice (--record) would overwrite it */
        char *bad = unknown_fields(id), *rec = describe_id(id);
        add(a, PP_AUDIT_DAMAGED, g, addr,
            xasprintf(_("%s: its identity recorded in guest '%s' is damaged (%s cannot be "
                        "read); what could be read, %s, %s the device there"),
                      name, g->name, bad, rec,
                      same_hardware(id, f) ? _("matches") : _("does not match")),
            xasprintf(_("compare the guest's pcipass metadata with %s by hand (virsh metadata %s "
                        "%s); once the device is verified, detach and attach it with pcipass to "
                        "record it anew"),
                      name, g->name, PP_IDENTITY_NS));
        free(bad);
        free(rec);
    }
    if (same_hardware(id, f))
        return;
    was = describe_id(id);
    is = describe_fn(f);
    where = found_elsewhere(h, id);
    add(a, PP_AUDIT_REPLACED, g, addr,
        where ? xasprintf(_("%s holds another device than was assigned: was %s, is %s; the "
                            "assigned device is now found at %s"),
                          name, was, is, where)
              : xasprintf(_("%s holds another device than was assigned: was %s, is %s"), name,
                          was, is),
        where ? xasprintf(_("detach %s from guest '%s' and attach %s instead"), name, g->name,
                          where)
              : xasprintf(_("detach %s from guest '%s' before it starts; if the new device is "
                            "meant for it, run 'pcipass audit --record %s' after checking"),
                          name, g->name, g->name));
    free(was);
    free(is);
    free(where);
}

/* s390: a uid or fid used by two devices of one definition of the guest (libvirt refuses that
 * when asked, but a definition written by hand or another tool may hold it). */
static void check_zpci(pp_audit *a, const pp_guest *g, const pp_hostdev *hd)
{
    char name[PP_PCI_ADDR_STRLEN];

    pp_pci_addr_format(&hd->source, name);
    for (int pass = 0; pass < 2; pass++) {
        const pp_domain_info *d = pass ? &g->live : &g->config;
        size_t k, uses_uid = 0, uses_fid = 0;
        if ((pass ? !g->has_live : !g->has_config) || !pp_domain_find(d, &hd->source))
            continue;
        hd = pp_domain_find(d, &hd->source);
        for (k = 0; k < d->nuids; k++)
            uses_uid += hd->has_uid && d->uids[k] == hd->uid;
        for (k = 0; k < d->nfids; k++)
            uses_fid += hd->has_fid && d->fids[k] == hd->fid;
        if (uses_uid > 1 || uses_fid > 1) {
            add(a, PP_AUDIT_ZPCI_DUP, g, &hd->source,
                uses_uid > 1 ? xasprintf(_("%s: zPCI uid 0x%04x is used %zu times in guest '%s'"),
                                         name, hd->uid, uses_uid, g->name)
                             : xasprintf(_("%s: zPCI fid 0x%08x is used %zu times in guest '%s'"),
                                         name, hd->fid, uses_fid, g->name),
                xasprintf(_("give each device of guest '%s' its own zPCI uid and fid (or leave "
                            "them to libvirt)"),
                          g->name));
            return;
        }
    }
}

static void audit_guest(pp_audit *a, const pp_host *h, const pp_owners *o, const pp_guest *g)
{
    pp_pci_addr *set = NULL;
    const pp_hostdev **hds = NULL;
    pp_findings gf = { 0 };
    pp_guard_in in = { h, o, g, 0 };
    size_t i, k, n = 0;

    /* each function the guest holds, once, from either definition */
    for (int pass = 0; pass < 2; pass++) {
        const pp_domain_info *d = pass ? &g->live : &g->config;
        if (pass ? !g->has_live : !g->has_config)
            continue;
        for (i = 0; i < d->ndevs; i++) {
            for (k = 0; k < n && !pp_pci_addr_eq(&set[k], &d->devs[i].source); k++)
                ;
            if (k < n)
                continue;
            set = xreallocarray(set, n + 1, sizeof(*set));
            hds = xreallocarray(hds, n + 1, sizeof(*hds));
            set[n] = d->devs[i].source;
            hds[n++] = &d->devs[i];
        }
    }
    a->assignments += n;
    /* the guards over the whole set, as if it were attached now: partners this guest holds
     * count as its own */
    if (n)
        pp_guard_attach(&in, set, n, &gf);
    for (i = 0; i < n; i++) {
        const pp_function *f = pp_host_find(h, &set[i]);
        const pp_hostdev *live = g->has_live ? pp_domain_find(&g->live, &set[i]) : NULL;
        char name[PP_PCI_ADDR_STRLEN];

        pp_pci_addr_format(&set[i], name);
        check_identity(a, h, g, &set[i], f);
        for (k = 0; k < gf.n; k++) {
            pp_audit_kind kind;
            const char *advice;
            if (pp_pci_addr_eq(&gf.v[k].addr, &set[i]) && from_guard(gf.v[k].kind, &kind, &advice))
                add(a, kind, g, &set[i], xstrdup(gf.v[k].msg), xstrdup(_(advice)));
        }
        if (f && g->active && live && live->managed == PP_MANAGED_NO && !pp_function_on_vfio(f)) {
            char *why = pp_vfio_reason(f);
            add(a, PP_AUDIT_UNMANAGED, g, &set[i],
                xasprintf(_("%s is managed='no' in running guest '%s', but is not on a VFIO "
                            "driver: %s"),
                          name, g->name, why),
                xasprintf(_("run 'pcipass prepare %s' before the guest needs it"), name));
            free(why);
        }
        check_zpci(a, g, hds[i]);
        if (f && f->has_zpci && !f->zpci.uid_is_unique)
            add(a, PP_AUDIT_UID_NOT_UNIQUE, g, &set[i],
                xasprintf(_("%s: the host does not guarantee unique zPCI uids (uid_is_unique is "
                            "0); the guest may see uid 0x%04x change or collide"),
                          name, f->zpci.uid),
                xstrdup(_("turn on UID checking for the LPAR in the hardware configuration")));
    }
    pp_findings_clear(&gf);
    free(set);
    free(hds);
}

static int cmp_finding(const void *pa, const void *pb)
{
    const pp_audit_finding *a = pa, *b = pb;
    int c;
    if (a->severity != b->severity)
        return b->severity - a->severity;
    if ((c = strcmp(a->guest, b->guest)) != 0)
        return c;
    if ((c = pp_pci_addr_cmp(&a->addr, &b->addr)) != 0)
        return c;
    return (int)a->kind - (int)b->kind;
}

bool pp_audit_run(const pp_host *h, const pp_guests *g, const pp_owners *o, char *const *names,
                  size_t nnames, pp_audit *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < nnames; i++)
        if (!pp_guests_find(g, names[i])) {
            pp_error_set(_("guest: no guest named '%s'"), names[i]);
            return false;
        }
    for (i = 0; i < g->n; i++) {
        bool wanted = nnames == 0;
        for (size_t k = 0; k < nnames && !wanted; k++)
            wanted = strcmp(names[k], g->v[i].name) == 0;
        if (!wanted)
            continue;
        out->guests++;
        audit_guest(out, h, o, &g->v[i]);
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
    return true;
}

void pp_audit_clear(pp_audit *a)
{
    size_t i;
    for (i = 0; i < a->n; i++) {
        free(a->v[i].guest);
        free(a->v[i].msg);
        free(a->v[i].advice);
    }
    free(a->v);
    memset(a, 0, sizeof(*a));
}

const pp_audit_finding *pp_audit_worst(const pp_audit *a, const pp_pci_addr *addr,
                                       const char *guest)
{
    size_t i;
    /* sorted worst first: the first match is the worst */
    for (i = 0; i < a->n; i++)
        if (pp_pci_addr_eq(&a->v[i].addr, addr) && (!guest || strcmp(a->v[i].guest, guest) == 0))
            return &a->v[i];
    return NULL;
}
