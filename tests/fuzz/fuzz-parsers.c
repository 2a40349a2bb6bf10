/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The values operators type: PCI addresses (host and guest), numbers, zPCI uid and fid, MAC
 * addresses and managed=. What is accepted must print and parse back to itself. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"
#include "pcipass/pciaddr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1), buf[PP_PCI_ADDR_STRLEN], mac[18], mac2[18];
    pp_pci_addr a, b;
    uint64_t v;
    uint32_t u;
    pp_managed m;

    memcpy(s, data, size);
    s[size] = '\0';
    if (pp_pci_addr_parse(s, "device", &a)) {
        pp_pci_addr_format(&a, buf);
        if (!pp_pci_addr_parse(buf, "device", &b) || !pp_pci_addr_eq(&a, &b))
            abort();
    }
    if (pp_parse_number(s, "n", 0, UINT64_MAX, 16, &v) && pp_parse_number(s, "n", 1, 0xff, 2, &v) &&
        (v < 1 || v > 0xff))
        abort();
    if (pp_hostdev_parse_uid(s, &u) && (u < PP_ZPCI_UID_MIN || u > PP_ZPCI_UID_MAX))
        abort();
    (void)pp_hostdev_parse_fid(s, &u);
    if (pp_hostdev_parse_mac(s, mac)) {
        if (!pp_hostdev_parse_mac(mac, mac2) || strcmp(mac, mac2) != 0)
            abort();
    }
    (void)pp_hostdev_parse_managed(s, &m);
    (void)pp_arch_is_s390(s);
    pp_error_clear();
    free(s);
    return 0;
}
