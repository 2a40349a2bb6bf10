/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arbitrary bytes as a guest's domain XML: parsing its hostdev and interface elements, finding one,
 * and the `virsh edit`-style add and remove. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = xmalloc(size + 1);
    pp_domain_info d, d2;
    pp_hostdev hd;
    pp_pci_addr src = { 0, 0x17, 2, 1 };
    char *s;
    size_t i;

    memcpy(xml, data, size);
    xml[size] = '\0';
    if (pp_domain_parse(xml, &d)) {
        for (i = 0; i < d.ndevs; i++) {
            /* every parsed element prints, and what it prints parses back to the same source */
            char *one = pp_hostdev_to_xml(&d.devs[i]);
            char *dom = xasprintf("<domain><devices>%s</devices></domain>", one);
            if (!pp_domain_parse(dom, &d2) || d2.ndevs != 1 ||
                !pp_pci_addr_eq(&d2.devs[0].source, &d.devs[i].source))
                abort();
            pp_domain_info_clear(&d2);
            free(dom);
            free(one);
            (void)pp_hostdev_validate(&d.devs[i], &d);
        }
        if (d.ndevs)
            src = d.devs[0].source;
        (void)pp_domain_find(&d, &src);
        pp_domain_info_clear(&d);
    }
    free(pp_domain_element_xml(xml, &src));

    memset(&hd, 0, sizeof(hd));
    hd.kind = size && (data[0] & 1) ? PP_HD_INTERFACE : PP_HD_HOSTDEV;
    hd.managed = PP_MANAGED_YES;
    hd.source = src;
    hd.has_uid = hd.has_fid = true;
    hd.uid = 1;
    if ((s = pp_domain_add(xml, &hd))) {
        /* the new definition holds the element, and removing it again works */
        char *back = pp_domain_remove(s, &src);
        if (!back)
            abort();
        free(back);
        free(s);
    }
    free(pp_domain_remove(xml, &src));
    pp_error_clear();
    free(xml);
    return 0;
}
