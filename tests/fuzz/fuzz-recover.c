/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arbitrary bytes as a guest's name and description inside an otherwise sound domain XML, as
 * libvirt writes them (raw): the recovering domain parser always yields the domain; when the bytes
 * hold no markup, it always finds the guest's hostdev after them, and says the definition is
 * damaged exactly when strict XML would refuse it. */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"
#include "fuzz.h"

/* A character XML 1.0 does not allow in text (its Char production), in valid UTF-8: C0 but tab,
 * newline, carriage return, and the non-characters U+FFFE and U+FFFF (EF BF BE, EF BF BF);
 * surrogates are not valid UTF-8. */
static bool has_bad_char(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return true;
        if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
            return true;
    }
    return false;
}

/* Whether S is valid UTF-8: the escaping rule writes a bad byte, and only a bad byte, as \x80 to
 * \xff (a control is \x00 to \x1f or \x7f); a backslash of S's own only makes this say no. */
static bool valid_utf8(const char *s)
{
    char *e = pp_escape(s, PP_ESC_LAYOUT);
    const char *p;
    bool ok = true;

    for (p = e; ok && (p = strstr(p, "\\x")) != NULL; p += 2)
        ok = !(p[2] >= '8' && p[2] <= 'f');
    free(e);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1), *xml;
    pp_domain_info d;
    bool markup;

    memcpy(text, data, size);
    text[size] = '\0';
    markup = strpbrk(text, "<>&]") != NULL;
    xml = xasprintf("<domain type='qemu'><name>g%s</name><uuid>5a1e0000-0000-4000-8000-000000000001"
                    "</uuid><description>%s</description><os><type arch='x86_64' machine='q35'>hvm"
                    "</type></os><devices><hostdev mode='subsystem' type='pci' managed='yes'>"
                    "<source><address domain='0x0000' bus='0x17' slot='0x02' function='0x1'/>"
                    "</source></hostdev></devices></domain>",
                    text, text);
    if (pp_domain_parse(xml, &d)) {
        if (!markup && valid_utf8(text)) {
            pp_pci_addr want = { 0, 0x17, 2, 1 };
            if (!pp_domain_find(&d, &want))
                abort();
            if ((d.damaged != NULL) != has_bad_char(text))
                abort();
        }
        /* the reason is escaped: it goes to terminals */
        if (d.damaged && strchr(d.damaged, '\033'))
            abort();
        pp_domain_info_clear(&d);
    } else if (!markup) {
        abort(); /* without markup in it, recovery always yields the domain */
    }
    pp_error_clear();
    free(xml);
    free(text);
    return 0;
}
