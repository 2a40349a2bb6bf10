/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/pciaddr.h"

const char *pp_hex_field(const char *p, int maxdigits, unsigned *out)
{
    unsigned v = 0;
    int n = 0;

    while (n < maxdigits && isxdigit((unsigned char)*p)) {
        int c = tolower((unsigned char)*p);
        v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
        p++;
        n++;
    }
    if (n == 0)
        return NULL;
    *out = v;
    return p;
}

enum { ADDR_OK, ADDR_FORM, ADDR_SLOT, ADDR_FUNCTION };

static int addr_read(const char *s, pp_pci_addr *out)
{
    pp_pci_addr a = { 0, 0, 0, 0 };
    const char *p = s ? s : "";
    unsigned first;
    const char *colon2;

    if (!s || !*s)
        return ADDR_FORM;
    /* Two colons: the domain is given. */
    colon2 = strchr(p, ':');
    if (colon2 && strchr(colon2 + 1, ':')) {
        p = pp_hex_field(p, 8, &first);
        if (!p || *p++ != ':')
            return ADDR_FORM;
        a.domain = first;
    }
    p = pp_hex_field(p, 2, &a.bus);
    if (!p || *p++ != ':')
        return ADDR_FORM;
    p = pp_hex_field(p, 2, &a.slot);
    if (!p || *p++ != '.')
        return ADDR_FORM;
    p = pp_hex_field(p, 1, &a.function);
    if (!p || *p != '\0')
        return ADDR_FORM;
    if (a.slot > PP_PCI_SLOT_MAX)
        return ADDR_SLOT;
    if (a.function > PP_PCI_FUNCTION_MAX)
        return ADDR_FUNCTION;
    *out = a;
    return ADDR_OK;
}

bool pp_pci_addr_read(const char *s, pp_pci_addr *out)
{
    return addr_read(s, out) == ADDR_OK;
}

bool pp_pci_addr_parse(const char *s, const char *field, pp_pci_addr *out)
{
    switch (addr_read(s, out)) {
    case ADDR_OK:
        return true;
    case ADDR_SLOT:
        pp_error_set(_("%s: invalid PCI address '%s': slot must be 0x00-0x1f"), field, s);
        return false;
    case ADDR_FUNCTION:
        pp_error_set(_("%s: invalid PCI address '%s': function must be 0-7"), field, s);
        return false;
    }
    pp_error_set(_("%s: invalid PCI address '%s': expected DDDD:BB:SS.F or BB:SS.F in hex "
                   "(domain 0000-ffffffff, bus 00-ff, slot 00-1f, function 0-7)"),
                 field, s ? s : "");
    return false;
}

/* "%04x:%02x:%02x.%x" by hand: it runs for every function and owner, and snprintf's cost was
 * 2 % of a whole listing's instructions */
void pp_pci_addr_format(const pp_pci_addr *a, char buf[PP_PCI_ADDR_STRLEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned dom = a->domain, digits = 4;
    char *p = buf;

    while (digits < 8 && dom >> (digits * 4))
        digits++;
    while (digits--)
        *p++ = hex[(dom >> (digits * 4)) & 0xf];
    *p++ = ':';
    *p++ = hex[(a->bus >> 4) & 0xf];
    *p++ = hex[a->bus & 0xf];
    *p++ = ':';
    *p++ = hex[(a->slot >> 4) & 0x1];
    *p++ = hex[a->slot & 0xf];
    *p++ = '.';
    *p++ = hex[a->function & 7];
    *p = '\0';
}

int pp_pci_addr_cmp(const pp_pci_addr *a, const pp_pci_addr *b)
{
    if (a->domain != b->domain)
        return a->domain < b->domain ? -1 : 1;
    if (a->bus != b->bus)
        return a->bus < b->bus ? -1 : 1;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->function != b->function)
        return a->function < b->function ? -1 : 1;
    return 0;
}

bool pp_pci_addr_eq(const pp_pci_addr *a, const pp_pci_addr *b)
{
    return pp_pci_addr_cmp(a, b) == 0;
}

int pp_pci_addr_qcmp(const void *a, const void *b)
{
    return pp_pci_addr_cmp(a, b);
}

bool pp_pci_same_slot(const pp_pci_addr *a, const pp_pci_addr *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

static bool has_0x(const char *p)
{
    return p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
}

int pp_parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
    const char *p = s ? s : "";
    unsigned long long v;
    char *end;

    if (base != 10 && has_0x(p)) {
        base = 16;
        p += 2;
        /* strtoull would skip a second 0x: "0x0x10" is no number */
        if (has_0x(p))
            return -1;
    } else if (base == 0) {
        base = 10; /* never octal: an operator's 0400 is not 256 */
    }
    /* strtoull accepts leading blanks and signs; "-1" must not wrap around. */
    if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
        return -1;
    errno = 0;
    v = strtoull(p, &end, base);
    if (*end != '\0')
        return -1;
    if (errno == ERANGE || v > max)
        return 1;
    *out = v;
    return 0;
}

bool pp_parse_number(const char *s, const char *field, uint64_t min, uint64_t max, int hexdigits,
                     uint64_t *out)
{
    uint64_t v;
    const char *p = s ? s : "";
    int r;

    /* "0400": hex to one reader, octal to another (libvirt's own parser), decimal to a third */
    if (p[0] == '0' && p[1] && !p[strspn(p, "0123456789")]) {
        pp_error_set(_("%s: '%s' is ambiguous: a leading zero without 0x (write 0x%s for hex, or "
                       "the decimal number without the zero); valid range 0x%0*" PRIx64 "-0x%0*" PRIx64),
                     field, s, p, hexdigits, min, hexdigits, max);
        return false;
    }
    r = pp_parse_u64(s, 0, max, &v);
    if (r < 0)
        goto bad;
    if (r > 0 || v < min)
        goto range;
    *out = v;
    return true;
bad:
    pp_error_set(_("%s: '%s' is not a number (use hex with 0x, or decimal); valid range 0x%0*" PRIx64
                   "-0x%0*" PRIx64),
                 field, s ? s : "", hexdigits, min, hexdigits, max);
    return false;
range:
    pp_error_set(_("%s: '%s' is out of range; valid range 0x%0*" PRIx64 "-0x%0*" PRIx64), field, s,
                 hexdigits, min, hexdigits, max);
    return false;
}

char *pp_pci_addr_join(const pp_pci_addr *v, size_t n, const char *sep)
{
    pp_buf b = PP_BUF_INIT;
    char name[PP_PCI_ADDR_STRLEN];

    for (size_t i = 0; i < n; i++) {
        pp_pci_addr_format(&v[i], name);
        pp_buf_item(&b, sep, name);
    }
    return pp_buf_take(&b);
}
