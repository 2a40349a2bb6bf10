/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses and the numbers operators type: parsed strictly, printed the way libvirt prints
 * them. */
#ifndef PCIPASS_PCIADDR_H
#define PCIPASS_PCIADDR_H

#include <stdbool.h>
#include <stdint.h>

/* 32 bits, as the kernel and libvirt hold it (VMD and other host bridges use domains above
 * 0xffff); never cut to 16 */
#define PP_PCI_DOMAIN_MAX 0xffffffffu
#define PP_PCI_BUS_MAX 0xffu
#define PP_PCI_SLOT_MAX 0x1fu
#define PP_PCI_FUNCTION_MAX 0x7u

typedef struct pp_pci_addr {
    unsigned domain, bus, slot, function;
} pp_pci_addr;

/* "DDDDDDDD:BB:SS.F" plus NUL; the domain has at least 4 digits, up to 8 */
#define PP_PCI_ADDR_STRLEN 17

/* Accepts DDDD:BB:SS.F (1 to 8 domain digits) and BB:SS.F (domain 0000), hex digits,
 * case-insensitive. On failure sets the error slot with a message naming FIELD and the valid form,
 * and returns false. */
bool pp_pci_addr_parse(const char *s, const char *field, pp_pci_addr *out);
/* The same test as a predicate, for text from sysfs or a guest's metadata: the error slot is left
 * alone, so a caller need not save and restore it around a probe. */
bool pp_pci_addr_read(const char *s, pp_pci_addr *out);
void pp_pci_addr_format(const pp_pci_addr *a, char buf[PP_PCI_ADDR_STRLEN]);
/* The N addresses of V as text, SEP between them ("" for none). Caller frees. */
char *pp_pci_addr_join(const pp_pci_addr *v, size_t n, const char *sep);
int pp_pci_addr_cmp(const pp_pci_addr *a, const pp_pci_addr *b);
bool pp_pci_addr_eq(const pp_pci_addr *a, const pp_pci_addr *b);
/* pp_pci_addr_cmp for qsort over an array of addresses. */
int pp_pci_addr_qcmp(const void *a, const void *b);
/* Whether A and B are in one device slot (domain, bus and slot the same): the functions of one
 * device on the host, one multifunction device in a guest. */
bool pp_pci_same_slot(const pp_pci_addr *a, const pp_pci_addr *b);

/* Reads 1..MAXDIGITS hex digits at P into *OUT (strtoul would also take signs, spaces and 0x): the
 * first byte after them, NULL where P starts with none. */
const char *pp_hex_field(const char *p, int maxdigits, unsigned *out);
/* The one number reader: S as an unsigned number up to MAX, in BASE 16 (an optional 0x), 10, or 0
 * (hex with 0x, else decimal; never octal), with nothing before or after it (no blanks or signs).
 * 0 with *OUT set; -1 not such a number; 1 above MAX. Leaves the error slot alone. */
int pp_parse_u64(const char *s, int base, uint64_t max, uint64_t *out);
/* An unsigned number in hex (0x...) or decimal, MIN..MAX inclusive. On failure sets the error slot
 * with FIELD and the range printed in hex with HEXDIGITS digits. */
bool pp_parse_number(const char *s, const char *field, uint64_t min, uint64_t max, int hexdigits,
                     uint64_t *out);

#endif
