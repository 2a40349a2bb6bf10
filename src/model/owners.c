/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/owners.h"

static pp_owner *find(pp_owner *v, size_t n, const pp_pci_addr *a, const pp_guest *g)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (v[i].guest == g && pp_pci_addr_eq(&v[i].source, a))
            return &v[i];
    return NULL;
}

static int cmp_owner(const void *pa, const void *pb)
{
    const pp_owner *a = pa, *b = pb;
    int c = pp_pci_addr_cmp(&a->source, &b->source);
    return c ? c : strcmp(a->guest->name, b->guest->name);
}

void pp_owners_build(const pp_guests *g, pp_owners *out)
{
    size_t i, j, cap = 0;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < g->n; i++) {
        const pp_guest *gu = &g->v[i];
        size_t first = out->n;

        if (pp_guest_damaged(gu)) {
            out->unknown = xreallocarray(out->unknown, out->nunknown + 1, sizeof(*out->unknown));
            out->unknown[out->nunknown++] = gu;
        }

        /* config first, so that an owner shows the persistent definition when there is one */
        for (int pass = 0; pass < 2; pass++) {
            const pp_domain_info *d = pass == 0 ? &gu->config : &gu->live;
            if (pass == 0 ? !gu->has_config : !gu->has_live)
                continue;
            for (j = 0; j < d->ndevs; j++) {
                /* only this guest's own entries can match: search from its first one */
                pp_owner *o = find(out->v + first, out->n - first, &d->devs[j].source, gu);
                if (!o) {
                    if (out->n == cap) {
                        cap = cap ? cap * 2 : 16;
                        out->v = xreallocarray(out->v, cap, sizeof(*out->v));
                    }
                    o = &out->v[out->n++];
                    memset(o, 0, sizeof(*o));
                    o->source = d->devs[j].source;
                    o->guest = gu;
                    o->dev = &d->devs[j];
                }
                if (pass == 0)
                    o->config = true;
                else
                    o->live = true;
            }
        }
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_owner);
}

void pp_owners_clear(pp_owners *o)
{
    free(o->v);
    free(o->unknown);
    memset(o, 0, sizeof(*o));
}

size_t pp_owners_of(const pp_owners *o, const pp_pci_addr *addr, const pp_owner **first)
{
    size_t lo = 0, hi = o->n, end;

    /* lower bound of ADDR */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pp_pci_addr_cmp(&o->v[mid].source, addr) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (end = lo; end < o->n && pp_pci_addr_eq(&o->v[end].source, addr); end++)
        ;
    *first = o->v + lo;
    return end - lo;
}

bool pp_owners_conflict(const pp_owner *first, size_t n)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (first[i].guest != first[0].guest)
            return true;
    return false;
}

const char *pp_owner_where(const pp_owner *o)
{
    return o->live && o->config ? "L+C" : o->live ? "L" : "C";
}

char *pp_owner_label(const pp_owner *o)
{
    return xasprintf("%s[%s%s]", o->guest->name, o->live ? "L" : "", o->config ? "C" : "");
}

char *pp_owners_label(const pp_owner *first, size_t n)
{
    pp_buf b = PP_BUF_INIT;
    char *l, *s;
    size_t i;

    for (i = 0; i < n; i++) {
        l = pp_owner_label(&first[i]);
        pp_buf_item(&b, ",", l);
        free(l);
    }
    s = pp_buf_take(&b);
    if (pp_owners_conflict(first, n)) {
        l = xasprintf(_("%s CONFLICT"), s);
        free(s);
        s = l;
    }
    return s;
}

size_t pp_owners_of_guest(const pp_owners *o, const pp_guest *g, const pp_owner ***out)
{
    size_t i, n = 0;

    *out = xcalloc(o->n + 1, sizeof(**out));
    for (i = 0; i < o->n; i++)
        if (o->v[i].guest == g)
            (*out)[n++] = &o->v[i];
    return n;
}

char *pp_owners_guest_text(const pp_owners *o, const pp_guest *g)
{
    pp_buf b = PP_BUF_INIT;
    char a[PP_PCI_ADDR_STRLEN];
    size_t i;

    for (i = 0; i < o->n; i++) {
        if (o->v[i].guest != g)
            continue;
        pp_pci_addr_format(&o->v[i].source, a);
        pp_buf_item(&b, " ", a);
    }
    return pp_buf_take(&b);
}
