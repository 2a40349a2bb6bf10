/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <inttypes.h>

#include "pcipass/common.h"
#include "pcipass/pciaddr.h"
#include "tap.h"

static void parses(const char *in, const char *want)
{
    pp_pci_addr a;
    char buf[PP_PCI_ADDR_STRLEN];
    bool r = pp_pci_addr_parse(in, "device", &a);

    ok(r, "'%s' parses", in);
    if (r) {
        pp_pci_addr_format(&a, buf);
        is_str(buf, want, "'%s' formats as '%s'", in, want);
    }
}

static void refuses(const char *in, const char *msg_part)
{
    pp_pci_addr a;
    pp_error_clear();
    ok(!pp_pci_addr_parse(in, "device", &a), "'%s' is refused", in);
    ok(strstr(pp_error_get(), msg_part) != NULL, "message for '%s' says '%s' (got: %s)", in,
       msg_part, pp_error_get());
    ok(strstr(pp_error_get(), "device") != NULL, "message for '%s' names the field", in);
}

static void number(const char *in, uint64_t min, uint64_t max, bool good, uint64_t want)
{
    uint64_t v = 12345;
    bool r = pp_parse_number(in, "uid", min, max, 4, &v);
    ok(r == good, "number '%s' in 0x%" PRIx64 "-0x%" PRIx64 " %s", in, min, max,
       good ? "accepted" : "refused");
    if (good && r)
        ok(v == want, "number '%s' is %" PRIu64, in, want);
    if (!good)
        ok(v == 12345, "refused number '%s' leaves the output alone", in);
}

int main(void)
{
    pp_pci_addr a, b;

    parses("0000:17:02.1", "0000:17:02.1");
    parses("17:02.1", "0000:17:02.1");
    parses("0002:00:00.0", "0002:00:00.0");
    parses("FFFF:FF:1F.7", "ffff:ff:1f.7");
    parses("1:2:3.4", "0001:02:03.4");
    refuses("", "expected DDDD:BB:SS.F");
    refuses("0000:17:02", "expected DDDD:BB:SS.F");
    refuses("0000:17:20.0", "slot must be 0x00-0x1f");
    refuses("0000:17:02.8", "function must be 0-7");
    /* 32-bit domains (VMD): as the kernel names them, never cut to 16 bits */
    parses("10000:d8:00.0", "10000:d8:00.0");
    parses("ffffffff:ff:1f.7", "ffffffff:ff:1f.7");
    parses("0010000:d8:00.0", "10000:d8:00.0");
    refuses("100000000:00:00.0", "expected DDDD:BB:SS.F");
    refuses("100000000:00:00.0", "domain 0000-ffffffff");
    refuses("0000:100:00.0", "expected DDDD:BB:SS.F");
    refuses("0000:17:02.1 ", "expected DDDD:BB:SS.F");
    refuses("x000:17:02.1", "expected DDDD:BB:SS.F");
    refuses("0000:17:02.-1", "expected DDDD:BB:SS.F");

    pp_pci_addr_parse("0000:17:02.1", "a", &a);
    pp_pci_addr_parse("0000:17:02.2", "b", &b);
    ok(pp_pci_addr_cmp(&a, &b) < 0, "addresses order by function");
    pp_pci_addr_parse("0001:00:00.0", "b", &b);
    ok(pp_pci_addr_cmp(&a, &b) < 0, "addresses order by domain first");
    ok(pp_pci_addr_eq(&a, &a), "an address equals itself");

    number("0x0001", 1, 0xffff, true, 1);
    number("65535", 1, 0xffff, true, 0xffff);
    number("0xffff", 1, 0xffff, true, 0xffff);
    number("0x10000", 1, 0xffff, false, 0);
    number("0", 1, 0xffff, false, 0);
    number("-1", 0, 0xffff, false, 0);
    number(" 1", 0, 0xffff, false, 0);
    number("0x", 0, 0xffff, false, 0);
    number("12abc", 0, 0xffff, false, 0);
    number("0xffffffff", 0, 0xffffffffULL, true, 0xffffffffULL);
    number("0x100000000", 0, 0xffffffffULL, false, 0);
    number("99999999999999999999999", 0, 0xffffffffULL, false, 0);
    pp_parse_number("0x10000", "uid", 1, 0xffff, 4, &(uint64_t){ 0 });
    is_str(pp_error_get(), "uid: '0x10000' is out of range; valid range 0x0001-0xffff",
           "range message names field and range");
    return tap_done();
}
