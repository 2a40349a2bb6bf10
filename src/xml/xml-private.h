/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of src/xml share: the one reader of numbers in attributes and of a PCI
 * <address>, for domain XML (xml.c) and node-device XML (nodedev.c) alike. */
#ifndef PCIPASS_XML_PRIVATE_H
#define PCIPASS_XML_PRIVATE_H

#include <stdbool.h>

#include <libxml/tree.h>

#include "pcipass/pciaddr.h"

/* Attribute NAME of N as a number up to MAX: hex with 0x or decimal, as libvirt writes and
 * accepts (pp_parse_u64, never octal). false when N is NULL, or NAME absent or not such a
 * number. */
bool pp_xml_attr_num(xmlNodePtr n, const char *name, unsigned long long max,
                     unsigned long long *out);
/* A PCI <address domain= bus= slot= function=/> into OUT, each in its range; a missing domain is
 * 0, as libvirt reads it. false when N is NULL or any other attribute is absent or out of range. */
bool pp_xml_read_pci(xmlNodePtr a, pp_pci_addr *out);

#endif
