/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The owner index: guests parsed from domain XML, the index built from them, every entry checked
 * in order (address, then guest name) with its configurations and the definition it points at,
 * and lookups of held and absent addresses. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/owners.h"
#include "guests.h"
#include "tap.h"

typedef struct orow {
    const char *addr, *guest; /* NULL addr ends the list */
    bool live, config;
    char from; /* the definition dev points into: 'c' persistent, 'l' running */
    pp_managed managed; /* as that definition has it */
} orow;

typedef struct lookup {
    const char *addr; /* NULL ends the list */
    size_t n;
    const char *first; /* the first owner's guest */
    bool conflict;
} lookup;

typedef struct ocase {
    const char *what;
    guest_spec guests[4];
    orow want[10];
    lookup lookups[10];
} ocase;

#define Y PP_MANAGED_YES
#define N PP_MANAGED_NO

static const ocase cases[] = {
    { "no guests", { { NULL, NULL, NULL } }, { { NULL, NULL, false, false, 0, 0 } },
      { { "0000:00:00.0", 0, NULL, false }, { "ffff:ff:1f.7", 0, NULL, false } } },
    { "guests holding nothing", { { "a", "", "" }, { "b", NULL, "" }, { "c", "", NULL } },
      { { NULL, NULL, false, false, 0, 0 } }, { { "0000:05:00.0", 0, NULL, false } } },
    { "one guest, one function in both definitions: one entry, the persistent element",
      { { "web", "0000:05:00.0", "no:0000:05:00.0" } },
      { { "0000:05:00.0", "web", true, true, 'c', N } },
      { { "0000:05:00.0", 1, "web", false },
        { "0000:04:00.0", 0, NULL, false },
        { "0000:05:00.1", 0, NULL, false } } },
    /* the guests out of name order: the index sorts by name itself */
    { "three guests: live only, config only, both, a duplicate, an interface, domains",
      { { "zeta", "0000:05:00.0 0001:00:00.0", "no:0000:05:00.0 0000:03:00.0" },
        { "alpha", NULL, "0000:05:00.0 if:0000:ff:1f.7" },
        { "mid", "0000:05:00.0 no:0000:03:00.0 0000:03:00.0", NULL } },
      { { "0000:03:00.0", "mid", true, false, 'l', N },
        { "0000:03:00.0", "zeta", false, true, 'c', Y },
        { "0000:05:00.0", "alpha", false, true, 'c', Y },
        { "0000:05:00.0", "mid", true, false, 'l', Y },
        { "0000:05:00.0", "zeta", true, true, 'c', N },
        { "0000:ff:1f.7", "alpha", false, true, 'c', Y },
        { "0001:00:00.0", "zeta", true, false, 'l', Y } },
      { { "0000:00:00.0", 0, NULL, false },
        { "0000:03:00.0", 2, "mid", true },
        { "0000:04:00.0", 0, NULL, false },
        { "0000:05:00.0", 3, "alpha", true },
        { "0000:ff:1f.6", 0, NULL, false },
        { "0000:ff:1f.7", 1, "alpha", false },
        { "0001:00:00.0", 1, "zeta", false },
        { "0001:00:00.1", 0, NULL, false },
        { "0002:00:00.0", 0, NULL, false } } },
    { "a running definition alone, then the same guest's persistent one only",
      { { "b", "0000:01:00.0 0000:02:00.0", "0000:02:00.0 0000:03:00.0" } },
      { { "0000:01:00.0", "b", true, false, 'l', Y },
        { "0000:02:00.0", "b", true, true, 'c', Y },
        { "0000:03:00.0", "b", false, true, 'c', Y } },
      { { "0000:02:00.0", 1, "b", false } } },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static bool points_into(const pp_hostdev *dev, const pp_domain_info *d)
{
    return d->ndevs && dev >= d->devs && dev < d->devs + d->ndevs;
}

static void run_case(const ocase *t)
{
    pp_guests guests;
    pp_owners o;
    size_t ng, nw, i;

    for (ng = 0; ng < 4 && t->guests[ng].name; ng++)
        ;
    guests_build(t->guests, ng, &guests);
    pp_owners_build(&guests, &o);
    for (nw = 0; nw < 10 && t->want[nw].addr; nw++)
        ;
    ok(o.n == nw, "%s: %zu entries (%zu)", t->what, nw, o.n);
    for (i = 0; i < nw && i < o.n; i++) {
        const orow *w = &t->want[i];
        const pp_owner *e = &o.v[i];
        pp_pci_addr a = addr_of(w->addr);
        const pp_domain_info *d = w->from == 'c' ? &e->guest->config : &e->guest->live;
        char s[PP_PCI_ADDR_STRLEN];

        pp_pci_addr_format(&e->source, s);
        ok(pp_pci_addr_eq(&e->source, &a) && strcmp(e->guest->name, w->guest) == 0,
           "%s: entry %zu is %s of '%s' (%s of '%s')", t->what, i, w->addr, w->guest, s,
           e->guest->name);
        ok(e->live == w->live && e->config == w->config,
           "%s: entry %zu: live %d config %d (%d %d)", t->what, i, w->live, w->config, e->live,
           e->config);
        ok(e->dev && points_into(e->dev, d) && pp_pci_addr_eq(&e->dev->source, &a) &&
               e->dev->managed == w->managed,
           "%s: entry %zu: the element of the %s definition", t->what, i,
           w->from == 'c' ? "persistent" : "running");
    }
    for (i = 0; i < 10 && t->lookups[i].addr; i++) {
        const lookup *l = &t->lookups[i];
        pp_pci_addr a = addr_of(l->addr);
        const pp_owner *first = NULL;
        size_t n = pp_owners_of(&o, &a, &first), k;
        bool run_ok = true;

        for (k = 0; k < n; k++)
            run_ok = run_ok && pp_pci_addr_eq(&first[k].source, &a);
        ok(n == l->n && run_ok && (n == 0 || strcmp(first->guest->name, l->first) == 0),
           "%s: %s has %zu owner(s)%s%s (%zu)", t->what, l->addr, l->n, l->first ? ", first " : "",
           l->first ? l->first : "", n);
        ok(pp_owners_conflict(first, n) == l->conflict, "%s: %s %s", t->what, l->addr,
           l->conflict ? "in conflict" : "no conflict");
    }
    pp_owners_clear(&o);
    ok(o.n == 0 && o.v == NULL, "%s: cleared", t->what);
    pp_guests_clear(&guests);
}

/* A running definition the guest is not marked to have (a shut-off guest's stale one) is not
 * looked at; nor a persistent one of a transient guest. */
static void run_flags(void)
{
    static const guest_spec spec[] = { { "off", NULL, "0000:01:00.0" }, { "tr", "0000:02:00.0", NULL } };
    pp_guests guests;
    pp_owners o;
    const pp_owner *first;
    pp_pci_addr a;

    guests_build(spec, 2, &guests);
    guest_parse("off", "0000:07:00.0", &guests.v[0].live);
    guest_parse("tr", "0000:08:00.0", &guests.v[1].config);
    pp_owners_build(&guests, &o);
    a = addr_of("0000:07:00.0");
    ok(pp_owners_of(&o, &a, &first) == 0, "a shut-off guest's running definition is not read");
    a = addr_of("0000:08:00.0");
    ok(pp_owners_of(&o, &a, &first) == 0, "a transient guest's persistent definition is not read");
    ok(o.n == 2, "the two it has are (%zu)", o.n);
    pp_owners_clear(&o);
    pp_guests_clear(&guests);
}

/* Many functions (past any first allocation), given in descending order, half of them held by a
 * second guest as well: the index sorted, every lookup exact. */
static void run_many(void)
{
    enum { MANY = 70 };
    pp_buf big = PP_BUF_INIT, half = PP_BUF_INIT;
    guest_spec spec[2];
    pp_guests guests;
    pp_owners o;
    char *sb, *sh;
    size_t i, bad_order = 0, bad_lookup = 0;

    for (i = MANY; i-- > 0;)
        pp_buf_printf(&big, "%s0000:%02zx:%02zx.%zu", i == MANY - 1 ? "" : " ", 0x20 + i / 16,
                      (i / 2) % 32, i % 2 ? (size_t)7 : (size_t)0);
    for (i = 0; i < MANY; i += 2)
        pp_buf_printf(&half, "%s0000:%02zx:%02zx.%zu", i ? " " : "", 0x20 + i / 16, (i / 2) % 32,
                      (size_t)0);
    sb = pp_buf_take(&big);
    sh = pp_buf_take(&half);
    spec[0] = (guest_spec){ "b-many", NULL, sb };
    spec[1] = (guest_spec){ "a-half", sh, NULL };
    guests_build(spec, 2, &guests);
    pp_owners_build(&guests, &o);
    ok(o.n == MANY + MANY / 2, "%d functions, %d of them twice: %zu entries", MANY, MANY / 2, o.n);
    for (i = 1; i < o.n; i++) {
        int c = pp_pci_addr_cmp(&o.v[i - 1].source, &o.v[i].source);
        if (c > 0 || (c == 0 && strcmp(o.v[i - 1].guest->name, o.v[i].guest->name) >= 0))
            bad_order++;
    }
    ok(bad_order == 0, "sorted by address, then guest name (%zu out of order)", bad_order);
    for (i = 0; i < MANY; i++) {
        pp_pci_addr a = { 0, (unsigned)(0x20 + i / 16), (unsigned)((i / 2) % 32),
                          i % 2 ? 7u : 0u };
        const pp_owner *first;
        size_t n = pp_owners_of(&o, &a, &first), want = i % 2 ? 1 : 2;
        if (n != want || strcmp(first->guest->name, want == 2 ? "a-half" : "b-many") != 0 ||
            pp_owners_conflict(first, n) != (want == 2))
            bad_lookup++;
        a.function = 3; /* never held */
        if (pp_owners_of(&o, &a, &first) != 0)
            bad_lookup++;
    }
    ok(bad_lookup == 0, "every lookup of a held and an absent address exact (%zu wrong)",
       bad_lookup);
    pp_owners_clear(&o);
    pp_guests_clear(&guests);
    free(sb);
    free(sh);
}

/* A guest whose name holds an ESC (libvirt writes it raw, so its XML is not well-formed): read with
 * recovery, what it holds indexed, and listed among the guests whose holdings are unknown. */
static void run_damaged(void)
{
    static const guest_spec spec[] = {
        { "bad\033[31mname", NULL, "0000:06:00.0" },
        { "sound", NULL, "0000:05:00.0" },
    };
    pp_guests guests;
    pp_owners o;
    const pp_owner *first;
    pp_pci_addr a = addr_of("0000:06:00.0");
    const char *why;

    guests_build(spec, 2, &guests);
    pp_owners_build(&guests, &o);
    ok(pp_guest_damaged(&guests.v[0]) && !pp_guest_damaged(&guests.v[1]),
       "the guest with the ESC is marked damaged, the other not");
    why = pp_guest_damaged(&guests.v[0]);
    ok(why && !strchr(why, '\033'), "the reason is escaped: %s", why ? why : "-");
    ok(o.n == 2 && pp_owners_of(&o, &a, &first) == 1 && first->guest == &guests.v[0],
       "what recovery read of it is indexed: it holds 0000:06:00.0");
    ok(o.nunknown == 1 && o.unknown[0] == &guests.v[0],
       "and it is the one guest whose holdings are unknown");
    pp_owners_clear(&o);
    pp_guests_clear(&guests);
}

int main(void)
{
    size_t i;

    for (i = 0; i < NCASES; i++)
        run_case(&cases[i]);
    run_flags();
    run_many();
    run_damaged();
    {
        /* the empty run: no owners, no conflict, whatever FIRST is */
        pp_owner one = { { 0, 1, 0, 0 }, NULL, true, false, NULL };
        ok(!pp_owners_conflict(&one, 0) && !pp_owners_conflict(&one, 1),
           "no conflict among none or one owner");
    }
    return tap_done();
}
