/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PCI node devices of the host behind a connection: the inventory of a remote host. One list
 * call, then each device's XML with several requests in flight, so that a link's latency is paid
 * about once per batch rather than once per function. */
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

typedef struct fetch {
    virNodeDevicePtr *devs;
    size_t n;
    char **xml;
    char **err; /* libvirt's message for a device whose XML could not be read */
    atomic_size_t next;
} fetch;

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
    }
    return NULL;
}

bool pp_virt_nodedevs(pp_virt *v, pp_nodedev_xml **out, size_t *n, unsigned *round_trips)
{
    virNodeDevicePtr *devs = NULL;
    pthread_t th[NODEDEV_WORKERS];
    size_t i, k, nth = 0;
    fetch f = { 0 };
    int r;

    *out = NULL;
    *n = 0;
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
    atomic_init(&f.next, 0);
    for (i = 0; i < NODEDEV_WORKERS && i < k; i++)
        if (pp_thread_create(&th[nth], NULL, fetch_worker, &f) == 0)
            nth++;
    fetch_worker(&f); /* this thread takes its share too (and all of it if none started) */
    for (i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    *out = xcalloc(k + 1, sizeof(**out));
    for (i = 0; i < k; i++) {
        (*out)[i].name = xstrdup(virNodeDeviceGetName(devs[i]));
        (*out)[i].xml = f.xml[i];
        (*out)[i].error = f.err[i];
        virNodeDeviceFree(devs[i]);
    }
    *n = k;
    if (round_trips)
        *round_trips += (unsigned)k;
    free(f.xml);
    free(f.err);
    free(devs);
    return true;
}

void pp_nodedev_xmls_free(pp_nodedev_xml *v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].xml);
        free(v[i].error);
    }
    free(v);
}
