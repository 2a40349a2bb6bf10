/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The second inventory source: libvirt's PCI node devices, for a host pcipass does not run on.
 * The connection fetches the XML (virt), the XML module parses it; this file makes an inventory
 * of it like libpci's, marked partial for what node devices do not carry. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/host.h"
#include "pcipass/nodedev.h"
#include "pcipass/virt.h"
#include "host-private.h"

static int func_cmp(const void *a, const void *b)
{
    return pp_pci_addr_cmp(&((const pp_function *)a)->addr, &((const pp_function *)b)->addr);
}

/* One node device's XML, parsed while the next are fetched. */
static void nodedev_one(void *ctx, const char *dev, char *xml, const char *error)
{
    pp_host *h = ctx;
    pp_function f;
    char *name = pp_escape_ctl(dev);

    memset(&f, 0, sizeof(f));
    if (!xml) {
        char *why = pp_escape_ctl(error);
        pp_host_warn(h, _("node device %s: cannot read its XML: %s"), name, why);
        free(why);
    } else if (!pp_nodedev_parse(xml, &f, pp_host_strings(h))) {
        pp_host_warn(h, _("node device %s: %s; skipped"), name, pp_error_get());
        pp_error_clear();
    } else {
        pp_host_judge_vfio_name(&f);
        pp_host_add(h, &f);
    }
    free(name);
    free(xml);
}

static bool nodedev_load(pp_host *h, const char *root, void *conn)
{
    size_t i;

    (void)root;
    if (!pp_virt_nodedevs(conn, nodedev_one, h, &h->round_trips))
        return false;
    /* libvirt's names where it sent them (a real libvirtd does), pci.ids' for the rest and the
     * class, which node devices never name */
    pp_host_fill_names(h);
    if (h->nfuncs)
        qsort(h->funcs, h->nfuncs, sizeof(*h->funcs), func_cmp);
    /* two devices with one address would make lookups ambiguous: keep the first */
    for (i = 1; i < h->nfuncs;) {
        if (pp_pci_addr_eq(&h->funcs[i].addr, &h->funcs[i - 1].addr)) {
            pp_host_warn(h, _("node device for %s listed twice; the second is ignored"),
                         h->funcs[i].name);
            memmove(&h->funcs[i], &h->funcs[i + 1], (h->nfuncs - i - 1) * sizeof(*h->funcs));
            h->nfuncs--;
        } else {
            i++;
        }
    }
    return true;
}

const pp_host_source pp_host_source_nodedev = { "libvirt", nodedev_load };

pp_host *pp_host_load_nodedev(void *conn)
{
    pp_host *h = xcalloc(1, sizeof(*h));

    h->sysfs_root = xstrdup("");
    h->source = pp_host_source_nodedev.name;
    h->partial = true;
    if (!pp_host_source_nodedev.load(h, NULL, conn)) {
        pp_host_free(h);
        return NULL;
    }
    return h;
}
