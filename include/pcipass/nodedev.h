/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's node-device XML of a PCI device, read into a pp_function (the remote inventory). */
#ifndef PCIPASS_NODEDEV_H
#define PCIPASS_NODEDEV_H

#include <stdbool.h>

#include "pcipass/function.h"
#include "pcipass/strpool.h"

/* Fills F (zeroed by the caller) from XML: address, class, ids and names, driver, IOMMU group,
 * NUMA node, PF/VF relation, PCI Express. What the XML does not carry stays unknown (the
 * caller's host is marked partial); its strings kept in POOL. false with the error slot set
 * when XML is no PCI device. */
bool pp_nodedev_parse(const char *xml, pp_function *f, pp_strpool *pool);

#endif
