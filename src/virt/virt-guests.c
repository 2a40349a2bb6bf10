/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every guest and its definitions: the state of all of them in two calls, then each definition. */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>

#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "virt-private.h"

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
    if (!ok) {
        /* one guest's definition that not even recovery reads must not hide the others: kept,
         * holding nothing that is known */
        out->damaged = xstrdup(pp_error_get());
        out->name = xstrdup("");
        out->uuid = xstrdup("");
        out->arch = xstrdup("");
        out->machine = xstrdup("");
    }
    return true;
}

/* What the listing already told of a guest: its state, whether it runs, whether it has a
 * persistent definition. */
typedef struct guest_known {
    int state;
    bool active, persistent;
} guest_known;

/* G's definitions as K says it has them: 1 read, 0 gone meanwhile, -1 failed with the error slot
 * set (G cleared). CALLS counts the libvirt calls made. */
static int read_known(virDomainPtr dom, const guest_known *k, pp_guest *g, unsigned *calls)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    memset(g, 0, sizeof(*g));
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        pp_virt_set_error(_("cannot read a guest's state"));
        return -1;
    }
    g->name = xstrdup(virDomainGetName(dom));
    g->uuid = xstrdup(uuid);
    g->state = k->state;
    g->active = k->active;
    g->persistent = k->persistent;
    if (g->active) {
        ++*calls;
        if (!read_definition(dom, 0, &g->live))
            goto fail;
        g->has_live = true;
    }
    if (g->persistent) {
        ++*calls;
        if (!read_definition(dom, VIR_DOMAIN_XML_INACTIVE, &g->config))
            goto fail;
        g->has_config = true;
    }
    return 1;
fail:
    pp_guest_clear(g);
    if (pp_virt_last_error_code() == VIR_ERR_NO_DOMAIN)
        return 0;
    return -1;
}

/* One guest's state and definitions, a call for each: 1 read, 0 gone meanwhile (undefined while
 * we list), -1 failed with the error slot set (G cleared). */
static int read_guest(virDomainPtr dom, pp_guest *g, unsigned *calls)
{
    guest_known k = { VIR_DOMAIN_NOSTATE, false, false };
    int reason;

    memset(g, 0, sizeof(*g));
    *calls += 3;
    if (virDomainGetState(dom, &k.state, &reason, 0) < 0) {
        if (pp_virt_last_error_code() == VIR_ERR_NO_DOMAIN)
            return 0;
        pp_virt_set_error(_("cannot read a guest's state"));
        return -1;
    }
    k.active = virDomainIsActive(dom) == 1;
    k.persistent = virDomainIsPersistent(dom) == 1;
    return read_known(dom, &k, g, calls);
}

bool pp_virt_guest_reread(pp_virt *v, const char *uuid, pp_guest *out)
{
    virDomainPtr dom = virDomainLookupByUUIDString(v->conn, uuid);
    unsigned calls = 0;
    int r;

    memset(out, 0, sizeof(*out));
    if (!dom) {
        pp_virt_set_error(_("reading the guest back"));
        return false;
    }
    r = read_guest(dom, out, &calls);
    virDomainFree(dom);
    if (r == 0)
        pp_error_set(_("reading the guest back: it is no longer defined"));
    else if (r < 0)
        pp_error_prefix(_("reading the guest back"));
    return r == 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const pp_guest *)a)->name, ((const pp_guest *)b)->name);
}

/* Guests read with several requests in flight: each costs a call per definition (three more
 * where the driver has no domain stats), and over a remote link every call a round trip. */
enum { GUEST_WORKERS = 5 };

typedef struct guest_fetch {
    virDomainPtr *doms;
    guest_known *known; /* NULL: each guest's state asked for */
    size_t n;
    pp_guest *v;
    int *r;
    char **err;
    atomic_size_t next;
    atomic_uint calls;
} guest_fetch;

static void *guest_worker(void *arg)
{
    guest_fetch *f = arg;
    size_t i;
    unsigned calls = 0;

    while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
        f->r[i] = f->known ? read_known(f->doms[i], &f->known[i], &f->v[i], &calls)
                           : read_guest(f->doms[i], &f->v[i], &calls);
        if (f->r[i] < 0)
            f->err[i] = xstrdup(pp_error_get());
    }
    atomic_fetch_add(&f->calls, calls);
    return NULL;
}

/* Every guest with its state in two calls: the domain stats' state, and the list of transient
 * guests (the rest have a persistent definition); running is an id other than -1, as virsh list
 * shows it. -1 on failure, with libvirt's error; -2 where the driver has no domain stats. */
static int list_known(virConnectPtr c, virDomainPtr **doms, guest_known **known)
{
    virDomainStatsRecordPtr *recs = NULL;
    virDomainPtr *tr = NULL;
    int n, nt, i, j;

    n = virConnectGetAllDomainStats(c, VIR_DOMAIN_STATS_STATE, &recs, 0);
    if (n < 0)
        return pp_virt_last_error_code() == VIR_ERR_NO_SUPPORT ? -2 : -1;
    nt = virConnectListAllDomains(c, &tr, VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
    if (nt < 0) {
        virDomainStatsRecordListFree(recs);
        return -1;
    }
    *doms = xcalloc((size_t)n + 1, sizeof(**doms));
    *known = xcalloc((size_t)n + 1, sizeof(**known));
    for (i = 0; i < n; i++) {
        unsigned char u[VIR_UUID_BUFLEN], ut[VIR_UUID_BUFLEN];
        guest_known *k = &(*known)[i];

        (*doms)[i] = recs[i]->dom;
        virDomainRef(recs[i]->dom);
        k->state = VIR_DOMAIN_NOSTATE;
        virTypedParamsGetInt(recs[i]->params, recs[i]->nparams, "state.state", &k->state);
        k->active = virDomainGetID(recs[i]->dom) != (unsigned)-1;
        k->persistent = virDomainGetUUID(recs[i]->dom, u) == 0;
        for (j = 0; j < nt && k->persistent; j++)
            if (virDomainGetUUID(tr[j], ut) == 0 && memcmp(u, ut, sizeof(u)) == 0)
                k->persistent = false;
    }
    for (j = 0; j < nt; j++)
        virDomainFree(tr[j]);
    free(tr);
    virDomainStatsRecordListFree(recs);
    return n;
}

bool pp_virt_guests(pp_virt *v, pp_guests *out)
{
    virDomainPtr *doms = NULL;
    pthread_t th[GUEST_WORKERS];
    guest_fetch f = { 0 };
    size_t i, nth = 0;
    int n;
    bool ok = true;

    memset(out, 0, sizeof(*out));
    n = list_known(v->conn, &doms, &f.known);
    if (n == -2) {
        virResetLastError();
        n = virConnectListAllDomains(v->conn, &doms, 0);
    }
    out->round_trips = 2; /* the stats and the transient list, or the refused stats and a list */
    if (n < 0) {
        pp_virt_set_error(_("cannot list guests"));
        return false;
    }
    f.doms = doms;
    f.n = (size_t)n;
    f.v = xcalloc((size_t)n + 1, sizeof(*f.v));
    f.r = xcalloc((size_t)n + 1, sizeof(*f.r));
    f.err = xcalloc((size_t)n + 1, sizeof(*f.err));
    atomic_init(&f.next, 0);
    atomic_init(&f.calls, 0);
    for (i = 0; i < GUEST_WORKERS && i + 1 < f.n; i++)
        if (pp_thread_create(&th[nth], NULL, guest_worker, &f) == 0)
            nth++;
    guest_worker(&f);
    for (i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    /* in libvirt's order, the failures' first reason kept */
    out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
    for (i = 0; i < f.n; i++) {
        if (f.r[i] < 0 && ok) {
            pp_error_set("%s", f.err[i]);
            ok = false;
        }
        if (f.r[i] > 0)
            out->v[out->n++] = f.v[i];
        free(f.err[i]);
        virDomainFree(doms[i]);
    }
    free(f.v);
    free(f.r);
    free(f.err);
    free(f.known);
    free(doms);
    if (!ok) {
        pp_error_prefix(_("reading guests"));
        pp_guests_clear(out);
        return false;
    }
    out->round_trips += atomic_load(&f.calls);
    qsort(out->v, out->n, sizeof(*out->v), by_name);
    return true;
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

