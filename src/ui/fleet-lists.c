/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet's screens over every reachable host at once, from its host list: the merged function
 * list (a HOST column), the ownership review across hosts, and find (free functions by class or
 * ids, with what could not be checked on a host). They only read; a change is made in the host's
 * own console (Enter on the host list), so that it goes to that host. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/table.h"
#include "ui-private.h"

typedef struct query {
    bool has_class, has_vendor, has_device;
    unsigned class_code, class_shift, vendor, device;
} query;

static bool hex(const char *s, size_t max, unsigned *out, size_t *digits)
{
    size_t n = strlen(s);
    char *end;

    if (!n || n > max || strspn(s, "0123456789abcdefABCDEF") != n)
        return false;
    *out = (unsigned)strtoul(s, &end, 16);
    *digits = n;
    return true;
}

/* "02", "0200", "020000": a class (as find --class); "15b3:1017" or "15b3:": ids; "": all. */
static bool parse_query(const char *s, query *q)
{
    const char *colon = strchr(s, ':');
    size_t d;

    memset(q, 0, sizeof(*q));
    if (!*s)
        return true;
    if (!colon) {
        if (!hex(s, 6, &q->class_code, &d) || d % 2)
            return false;
        q->has_class = true;
        q->class_shift = d == 2 ? 16 : d == 4 ? 8 : 0;
        return true;
    }
    {
        char v[8];
        if ((size_t)(colon - s) >= sizeof(v))
            return false;
        memcpy(v, s, (size_t)(colon - s));
        v[colon - s] = '\0';
        if (!hex(v, 4, &q->vendor, &d))
            return false;
        q->has_vendor = true;
        if (colon[1] && !hex(colon + 1, 4, &q->device, &d))
            return false;
        q->has_device = colon[1] != '\0';
    }
    return true;
}

static bool matches(const query *q, const pp_function *f)
{
    return (!q->has_class || (f->class_code >> q->class_shift) == q->class_code) &&
           (!q->has_vendor || f->vendor_id == q->vendor) &&
           (!q->has_device || f->device_id == q->device);
}

/* The member's guests, read when a change made them forgotten; false: not known. */
static bool guests_known(pp_app *m)
{
    if (!m->have_guests)
        pp_app_guests(m, true);
    return m->have_guests;
}

static void function_row(pp_table *t, pp_app *m, const pp_function *f)
{
    const pp_owner *first;
    size_t n = m->have_guests ? pp_owners_of(&m->owners, &f->addr, &first) : 0;
    char group[16] = "-", cls[16], *owner = n ? pp_owners_label(first, n) : NULL, *dev;

    if (f->iommu_group >= 0)
        snprintf(group, sizeof(group), "%d", f->iommu_group);
    snprintf(cls, sizeof(cls), "%06x", (unsigned)f->class_code);
    dev = xasprintf("%s %s", f->vendor_name ? f->vendor_name : "?",
                    f->device_name ? f->device_name : "?");
    pp_table_row(t, f->name, f->class_name ? f->class_name : cls, dev, f->driver, group,
                 m->have_guests ? owner ? owner : "-" : _("unknown"));
    free(owner);
    free(dev);
}

/* What could not be checked on M, under a free function's row. */
static void unchecked_row(pp_table *t, pp_app *m)
{
    const char *const *facts;
    size_t i, n = pp_guard_unchecked(m->host, &facts);
    char *words = NULL, *line;

    for (i = 0; i < n; i++) {
        char *w = words ? xasprintf("%s, %s", words, _(facts[i])) : xstrdup(_(facts[i]));
        free(words);
        words = w;
    }
    if (!words)
        return;
    line = xasprintf(_("%s: unknown on this host (libvirt's node devices do not say)"), words);
    pp_table_span(t, 1, line);
    free(line);
    free(words);
}

static void functions_table(pp_app *app, pp_table *t, const query *q, bool only_free)
{
    size_t i, k;

    pp_table_row(t, _("ADDRESS"), _("CLASS"), _("DEVICE"), _("DRIVER"), _("GROUP"), _("OWNER"));
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        bool known;
        if (!pp_fleet_usable(m))
            continue;
        known = guests_known(m);
        pp_table_lead_value(t, pp_app_host_label(m));
        for (k = 0; k < m->host->nfuncs; k++) {
            const pp_function *f = &m->host->funcs[k];
            pp_guard_in in = { m->host, known ? &m->owners : NULL, NULL, 0 };
            bool unknown = false;
            if (q && !matches(q, f))
                continue;
            if (only_free && !pp_guard_free(&in, &f->addr, &unknown))
                continue;
            function_row(t, m, f);
            if (unknown)
                unchecked_row(t, m);
        }
    }
}

static void owners_table(pp_app *app, pp_table *t)
{
    size_t i, k;

    pp_table_row(t, _("ADDRESS"), _("GUEST"), _("IN"), _("CONFLICT"));
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        if (!pp_fleet_usable(m))
            continue;
        pp_table_lead_value(t, pp_app_host_label(m));
        if (!guests_known(m)) {
            pp_table_span(t, 1, _("guests unknown: they could not be read"));
            continue;
        }
        for (k = 0; k < m->owners.n; k++) {
            const pp_owner *o = &m->owners.v[k], *first;
            size_t n = pp_owners_of(&m->owners, &o->source, &first);
            char addr[PP_PCI_ADDR_STRLEN];
            pp_pci_addr_format(&o->source, addr);
            pp_table_row(t, addr, o->guest->name, o->live ? o->config ? "L+C" : "L" : "C",
                         pp_owners_conflict(first, n) ? _("yes") : _("no"));
        }
    }
}

/* The table as lines, escaped as every outside text is. */
static size_t table_lines(pp_table *t, char ***out)
{
    char *buf = NULL, *p, *nl;
    size_t size = 0, n = 0;
    FILE *f = open_memstream(&buf, &size);
    char **v = NULL;

    if (f) {
        pp_table_print(t, f);
        fclose(f);
    }
    for (p = buf; p && *p; p = nl + 1) {
        nl = strchr(p, '\n');
        v = xreallocarray(v, n + 1, sizeof(*v));
        v[n++] = nl ? strndup(p, (size_t)(nl - p)) : xstrdup(p);
        if (!nl)
            break;
    }
    free(buf);
    *out = v;
    return n;
}

/* A read-only pager: the first line (the header) stays, the rest scrolls; Esc or q goes back. */
static void pager(const char *title, char **l, size_t n)
{
    size_t top = 1;

    for (;;) {
        int h = ui_lines() - 4, y, key;
        size_t i;
        if (ui_too_small()) {
            ui_draw_too_small();
            if (ui_getkey() == 'q')
                return;
            continue;
        }
        ui_clear();
        ui_put(0, 0, ui_cols(), UI_TITLE, title);
        ui_put(1, 0, ui_cols(), UI_HEADING, n ? l[0] : "");
        for (i = top, y = 2; i < n && y < 2 + h; i++, y++)
            ui_put(y, 0, ui_cols(), UI_NORMAL, l[i]);
        if (n <= 1)
            ui_put(2, 0, ui_cols(), UI_DIM, _("(nothing to show)"));
        ui_put(ui_lines() - 1, 0, ui_cols(), UI_TITLE, _(" Up/Down, PgUp/PgDn:scroll  Esc:back"));
        ui_flush();
        key = ui_getkey();
        if (key == UI_KEY_ESC || key == 'q')
            return;
        if ((key == UI_KEY_DOWN || key == 'j') && top + (size_t)h < n)
            top++;
        else if ((key == UI_KEY_UP || key == 'k') && top > 1)
            top--;
        else if (key == UI_KEY_PGDN)
            top = top + (size_t)h < n ? top + (size_t)h : top;
        else if (key == UI_KEY_PGUP)
            top = top > (size_t)h ? top - (size_t)h : 1;
        else if (key == UI_KEY_HOME)
            top = 1;
        else if (key == UI_KEY_END && n > (size_t)h + 1)
            top = n - (size_t)h;
    }
}

void ui_fleet_list(pp_app *app, enum ui_fleet_list which)
{
    pp_table *t = pp_table_new(which == UI_FLEET_OWNERS ? 4 : 6);
    char **l, *title, qtext[32] = "";
    size_t n, i;
    query q;

    if (which == UI_FLEET_FIND) {
        char *prompt = xstrdup(_("Find free functions: class (02, 0200), ids (15b3:1017, 15b3:) "
                                 "or empty for all: "));
        /* a wrong query is said in the prompt itself, which stays for the next try */
        bool go;
        while ((go = ui_prompt(prompt, qtext, sizeof(qtext))) && !parse_query(qtext, &q)) {
            char *shown = pp_escape_ctl(qtext);
            free(prompt);
            prompt = xasprintf(_("find: '%s' is neither a class in hex (2, 4 or 6 digits) nor "
                                 "ids VENDOR:DEVICE in hex (0000-ffff); again: "),
                               shown);
            free(shown);
        }
        free(prompt);
        if (!go) { /* Esc */
            pp_table_free(t);
            return;
        }
    }
    pp_table_lead(t, _("HOST"));
    pp_table_right(t, 4);
    if (which == UI_FLEET_OWNERS)
        owners_table(app, t);
    else
        functions_table(app, t, which == UI_FLEET_FIND ? &q : NULL, which == UI_FLEET_FIND);
    n = table_lines(t, &l);
    pp_table_free(t);
    title = which == UI_FLEET_FUNCTIONS ? xstrdup(_(" Every host's PCI functions"))
            : which == UI_FLEET_OWNERS  ? xstrdup(_(" Who owns what, on every host"))
            : *qtext ? xasprintf(_(" Free functions matching %s, on every host"), qtext)
                     : xstrdup(_(" Free functions, on every host"));
    pager(title, l, n);
    free(title);
    for (i = 0; i < n; i++)
        free(l[i]);
    free(l);
}
