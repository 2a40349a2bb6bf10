/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the host module: what its sources share (and the sysfs fuzz target, which tests the
 * pure parsers). */
#ifndef PCIPASS_HOST_PRIVATE_H
#define PCIPASS_HOST_PRIVATE_H

#include "pcipass/host.h"

void pp_host_warn(pp_host *h, const char *fmt, ...) PP_PRINTF(2, 3);
void pp_host_add(pp_host *h, const pp_function *f);
/* Fills the vendor, device and class names the functions of H lack from this machine's pci.ids,
 * through libpci's name lookup (no device access: for a host read through node devices). */
void pp_host_fill_names(pp_host *h);
/* Reads the pcipass-owned attributes of F under DEVDIR (SR-IOV, zPCI, boot_vga). */
void pp_host_read_extra(pp_host *h, pp_function *f, const char *devdir);
/* The pure parts of those reads. An attribute's text (newline already cut) as a number of BASE
 * (0: 0x for hex) up to MAX; false for anything else. */
bool pp_host_parse_attr_number(const char *s, int base, unsigned long max, unsigned long *out);
/* The last component of a link's target ("../../bus/pci/drivers/i40e" -> "i40e"). */
const char *pp_host_link_base(const char *target);

#endif
