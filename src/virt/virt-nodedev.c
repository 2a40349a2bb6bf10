/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PCI node devices of the host behind a connection: the inventory of a remote host. One list
 * call, then each device's XML with several requests in flight, so that a link's latency is paid
 * about once per batch rather than once per function; the caller reads each one as it comes, while
 * the next are on their way. */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "virt-private.h"

/* Requests in flight per connection: enough to hide a link's latency, well under what makes a
 * daemon run out of file descriptors or workers (its default max_client_requests is 5 per
 * client; more only queue at the daemon). */
enum { NODEDEV_WORKERS = 5 };
/* The reader is woken once per this many devices at most: one wake-up per device would cost
 * more system calls than the reading it waits for. */
enum { NODEDEV_BATCH = 32 };

typedef struct fetch {
    virNodeDevicePtr *devs;
    size_t n;
    char **xml;
    char **err; /* libvirt's message for a device whose XML could not be read */
    atomic_bool *done;
    atomic_size_t next;
    /* the reader sleeps (WAITING) until device CUR and the batch's last after it are in */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_bool waiting;
    atomic_size_t cur;
} fetch;

static bool reader_can_go(fetch *f)
{
    size_t cur = atomic_load(&f->cur);
    size_t last = cur + NODEDEV_BATCH < f->n ? cur + NODEDEV_BATCH : f->n - 1;

    return atomic_load(&f->done[cur]) && atomic_load(&f->done[last]);
}

static void *fetch_worker(void *arg)
{
    fetch *f = arg;
    size_t i;

    while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
        f->xml[i] = virNodeDeviceGetXMLDesc(f->devs[i], 0);
        if (!f->xml[i]) {
            const char *m = virGetLastErrorMessage();
            f->err[i] = xstrdup(m ? m : "?");
        }
        /* done, then a look at the reader; it publishes what it waits for, then looks at done:
         * one of the two sees the other (sequentially consistent) */
        atomic_store(&f->done[i], true);
        if (atomic_load(&f->waiting) && reader_can_go(f)) {
            pthread_mutex_lock(&f->lock);
            pthread_cond_signal(&f->cond);
            pthread_mutex_unlock(&f->lock);
        }
    }
    return NULL;
}

/* Device I, once it is in; when it is not, sleeps until it and the rest of a batch are. */
static void wait_for(fetch *f, size_t i)
{
    if (atomic_load(&f->done[i]))
        return;
    pthread_mutex_lock(&f->lock);
    atomic_store(&f->cur, i);
    atomic_store(&f->waiting, true);
    while (!reader_can_go(f))
        pthread_cond_wait(&f->cond, &f->lock);
    atomic_store(&f->waiting, false);
    pthread_mutex_unlock(&f->lock);
}

bool pp_virt_nodedevs(pp_virt *v, pp_nodedev_each *each, void *ctx, unsigned *round_trips)
{
    virNodeDevicePtr *devs = NULL;
    pthread_t th[NODEDEV_WORKERS];
    size_t i, k, nth = 0;
    fetch f = { 0 };
    int r;

    r = virConnectListAllNodeDevices(v->conn, &devs, VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV);
    if (round_trips)
        *round_trips = 1;
    if (r < 0 && pp_virt_last_error_code() == VIR_ERR_INVALID_ARG) {
        /* a driver that takes no filter (libvirt's test driver in some versions): all, by name */
        r = virConnectListAllNodeDevices(v->conn, &devs, 0);
        if (round_trips)
            (*round_trips)++;
    }
    if (r < 0) {
        pp_virt_set_error(_("cannot list the host's node devices"));
        return false;
    }
    for (i = k = 0; i < (size_t)r; i++) {
        const char *name = virNodeDeviceGetName(devs[i]);
        if (name && strncmp(name, "pci_", 4) == 0)
            devs[k++] = devs[i];
        else
            virNodeDeviceFree(devs[i]);
    }
    f.devs = devs;
    f.n = k;
    f.xml = xcalloc(k + 1, sizeof(*f.xml));
    f.err = xcalloc(k + 1, sizeof(*f.err));
    f.done = xcalloc(k + 1, sizeof(*f.done));
    for (i = 0; i < k; i++)
        atomic_init(&f.done[i], false);
    atomic_init(&f.next, 0);
    atomic_init(&f.waiting, false);
    atomic_init(&f.cur, 0);
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.cond, NULL);
    for (i = 0; i < NODEDEV_WORKERS && i < k; i++)
        if (pp_thread_create(&th[nth], NULL, fetch_worker, &f) == 0)
            nth++;
    if (nth == 0)
        fetch_worker(&f); /* no thread could start: this one fetches them all first */
    for (i = 0; i < k; i++) {
        wait_for(&f, i);
        each(ctx, virNodeDeviceGetName(devs[i]), f.xml[i], f.err[i]);
        free(f.err[i]);
    }
    for (i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    for (i = 0; i < k; i++)
        virNodeDeviceFree(devs[i]);
    if (round_trips)
        *round_trips += (unsigned)k;
    pthread_cond_destroy(&f.cond);
    pthread_mutex_destroy(&f.lock);
    free(f.done);
    free(f.xml);
    free(f.err);
    free(devs);
    return true;
}
