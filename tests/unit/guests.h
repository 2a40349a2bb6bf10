/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guests for the guard and owner tests, built the way pcipass reads them: domain XML text through
 * the real parser (pp_domain_parse), one definition per configuration the guest has. */
#ifndef PCIPASS_TEST_GUESTS_H
#define PCIPASS_TEST_GUESTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/virt.h"

/* A domain XML holding the functions of SPEC, space-separated: "0000:05:02.0" a managed hostdev,
 * "no:ADDR" an unmanaged one, "if:ADDR" an <interface type='hostdev'>. */
static char *guest_xml(const char *name, const char *spec)
{
    pp_buf b = PP_BUF_INIT;
    char *copy = xstrdup(spec ? spec : ""), *tok, *save = NULL;
    unsigned n = 0;

    pp_buf_printf(&b,
                  "<domain type='kvm'>\n  <name>%s</name>\n"
                  "  <uuid>6f0a6a6c-1d1e-4b8a-9e0a-000000000001</uuid>\n"
                  "  <os><type arch='x86_64' machine='pc-q35-8.2'>hvm</type></os>\n  <devices>\n",
                  name);
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++) {
        const char *a = tok, *managed = "yes";
        pp_pci_addr addr;
        bool iface = false;

        if (strncmp(tok, "if:", 3) == 0) {
            iface = true;
            a = tok + 3;
        } else if (strncmp(tok, "no:", 3) == 0) {
            managed = "no";
            a = tok + 3;
        }
        if (!pp_pci_addr_parse(a, "test", &addr)) {
            printf("# bad address '%s' in a test table: %s\n", a, pp_error_get());
            abort();
        }
        if (iface)
            pp_buf_printf(&b,
                          "    <interface type='hostdev' managed='%s'>\n"
                          "      <mac address='52:54:00:00:00:%02x'/>\n"
                          "      <source><address type='pci' domain='0x%04x' bus='0x%02x' "
                          "slot='0x%02x' function='0x%x'/></source>\n    </interface>\n",
                          managed, n, addr.domain, addr.bus, addr.slot, addr.function);
        else
            pp_buf_printf(&b,
                          "    <hostdev mode='subsystem' type='pci' managed='%s'>\n"
                          "      <source><address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                          "function='0x%x'/></source>\n    </hostdev>\n",
                          managed, addr.domain, addr.bus, addr.slot, addr.function);
    }
    pp_buf_add(&b, "  </devices>\n</domain>\n");
    free(copy);
    return pp_buf_take(&b);
}

static void guest_parse(const char *name, const char *spec, pp_domain_info *out)
{
    char *xml = guest_xml(name, spec);
    if (!pp_domain_parse(xml, out)) {
        printf("# the test's domain XML for '%s' does not parse: %s\n%s", name, pp_error_get(), xml);
        abort();
    }
    free(xml);
}

/* A guest: LIVE is the running definition (NULL: not running), CONFIG the persistent one (NULL:
 * transient). */
typedef struct guest_spec {
    const char *name;
    const char *live, *config;
} guest_spec;

static void guests_build(const guest_spec *spec, size_t n, pp_guests *out)
{
    size_t i;

    out->v = xcalloc(n ? n : 1, sizeof(*out->v));
    out->n = n;
    for (i = 0; i < n; i++) {
        pp_guest *g = &out->v[i];
        g->name = xstrdup(spec[i].name);
        g->uuid = xasprintf("6f0a6a6c-1d1e-4b8a-9e0a-%012zx", i);
        g->active = g->has_live = spec[i].live != NULL;
        g->persistent = g->has_config = spec[i].config != NULL;
        g->state = g->active ? 1 : 5; /* VIR_DOMAIN_RUNNING, VIR_DOMAIN_SHUTOFF */
        if (g->has_live)
            guest_parse(g->name, spec[i].live, &g->live);
        if (g->has_config)
            guest_parse(g->name, spec[i].config, &g->config);
    }
}

static pp_pci_addr addr_of(const char *s)
{
    pp_pci_addr a;
    if (!pp_pci_addr_parse(s, "test", &a)) {
        printf("# bad address '%s' in a test table: %s\n", s, pp_error_get());
        abort();
    }
    return a;
}

#endif
