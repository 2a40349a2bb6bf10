/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The assignment form: each field checked as it is typed, with the model's own validation. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pcipass/change.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "ui-private.h"

enum field { F_KIND, F_MAC, F_MANAGED, F_PREPARE, F_RELEASE, F_GADDR, F_UID, F_FID, F_APPLY, F_ALSO,
             F_PREVIEW, F_COUNT };

/* what goes with the function: the CLI's --whole-group and --all-functions */
enum also { ALSO_ONE, ALSO_GROUP, ALSO_DEVICE };

typedef struct form {
    pp_pci_addr addr;
    char *guest;
    char *title;
    enum field focus;
    int kind;    /* 0 hostdev, 1 interface */
    int managed; /* 0 yes, 1 no */
    char mac[24], gaddr[24], uid[16], fid[16];
    unsigned apply[3];
    int napply, apply_i;
    const char *apply_why; /* why the connection offers fewer (N_), or NULL */
    bool net_vf, s390;
    enum also also[3]; /* the choices that add something here */
    int nalso, also_i;
    bool dirty;
    bool valid;
    char msg[512];
    char *set_names; /* the functions that go, comma-separated */
    pp_hostdev hd;
    pp_hostdev *hds; /* the elements the preview shows and apply sends */
    size_t n;
    pp_findings findings; /* the guards of apply on what the form holds now */
    pp_pci_addr *marked;  /* functions marked in the list, assigned together (sorted) */
    size_t nmarked;
} form;

static const pp_guest *fguest(const form *fm)
{
    return pp_guests_find(&ui->app->guests, fm->guest);
}

static bool field_shown(const form *fm, enum field f)
{
    switch (f) {
    case F_KIND:
        return fm->net_vf;
    case F_MAC:
        return fm->kind == 1;
    case F_UID:
    case F_FID:
        return fm->s390;
    case F_ALSO:
        return fm->nalso > 1;
    case F_PREPARE:
    case F_RELEASE:
        return fm->managed == 1; /* managed='no': the host side is the operator's job */
    default:
        return true;
    }
}

static bool field_is_text(enum field f)
{
    return f == F_MAC || f == F_GADDR || f == F_UID || f == F_FID;
}

static char *field_text(form *fm, enum field f, size_t *size)
{
    switch (f) {
    case F_MAC:
        *size = sizeof(fm->mac);
        return fm->mac;
    case F_GADDR:
        *size = sizeof(fm->gaddr);
        return fm->gaddr;
    case F_UID:
        *size = sizeof(fm->uid);
        return fm->uid;
    case F_FID:
        *size = sizeof(fm->fid);
        return fm->fid;
    default:
        *size = 0;
        return NULL;
    }
}

static const char *apply_name(unsigned a)
{
    return _(pp_affect_choice(a));
}

static const char *also_name(enum also a)
{
    return a == ALSO_GROUP ? _("whole IOMMU group") : a == ALSO_DEVICE ? _("all functions")
                                                                      : _("just this function");
}

/* The elements from the form's assignment, with the same builders as the CLI's --whole-group and
 * --all-functions. */
static bool build(form *fm, const pp_guest *g)
{
    pp_app *app = ui->app;
    pp_guard_in in = { app->host, &app->owners, g, fm->apply[fm->apply_i] };
    enum also a = fm->also[fm->also_i];
    pp_pci_addr *set;
    size_t n, i;

    bool one_slot = a == ALSO_DEVICE;

    if (fm->nmarked) {
        /* the marked functions; where they are the functions of one device, they go to one guest
         * slot as one multifunction device, as --all-functions places them */
        set = xcalloc(fm->nmarked, sizeof(*set));
        memcpy(set, fm->marked, fm->nmarked * sizeof(*set));
        n = fm->nmarked;
        one_slot = true;
        for (i = 1; i < n; i++)
            one_slot = one_slot && pp_pci_same_slot(&set[i], &set[0]);
    } else if (!pp_change_build_set(&in, &fm->addr, a == ALSO_GROUP, a == ALSO_DEVICE, &set, &n)) {
        return false;
    }
    if (!pp_change_build_hostdevs(&fm->hd, one_slot, app->host, g, fm->apply[fm->apply_i], set, n,
                                  &fm->hds)) {
        free(set);
        return false;
    }
    fm->n = n;
    fm->set_names = pp_pci_addr_join(set, n, ", ");
    free(set);
    return true;
}

/* The guards apply will run (pp_change_check, as the CLI's --dry-run), on the elements as built:
 * the form shows each finding as it is typed, with what would resolve it. false, with the error
 * slot set, when they could not run (the guest gone, libvirt not answering): never "Valid" then. */
static bool guards(form *fm)
{
    bool ran;
    pp_change c = { 0 };

    pp_findings_clear(&fm->findings);
    c.kind = PP_CHANGE_ATTACH;
    c.guest = fm->guest;
    c.hds = fm->hds;
    c.n = fm->n;
    c.want_live = (fm->apply[fm->apply_i] & PP_AFFECT_LIVE) != 0;
    c.want_config = (fm->apply[fm->apply_i] & PP_AFFECT_CONFIG) != 0;
    if ((ran = pp_change_check(ui->app, &c))) {
        fm->findings = c.findings;
        c.findings = (pp_findings){ 0 };
    }
    c.hds = NULL; /* the form's */
    pp_change_clear(&c);
    return ran;
}

/* What resolves finding F here: a choice of this form, the override Preview asks for, or
 * nothing (refused). */
static char *resolution(const form *fm, const pp_finding *f)
{
    int i;

    if (f->kind == PP_GUARD_GROUP && fm->also[fm->also_i] != ALSO_GROUP)
        for (i = 0; i < fm->nalso; i++)
            if (fm->also[i] == ALSO_GROUP)
                return xasprintf(_("resolve: Also < %s >, or an explicit override at Preview"),
                                 also_name(ALSO_GROUP));
    if (f->forceable)
        return xstrdup(_("Preview and apply ask for an explicit override"));
    return xstrdup(_("refused: no override; change the guest or the function"));
}

/* Builds the assignment from the fields with the same parsers the CLI uses. */
static void validate(form *fm)
{
    const pp_guest *g = fguest(fm);
    pp_hostdev *hd = &fm->hd;

    free(fm->hds);
    free(fm->set_names);
    fm->hds = NULL;
    fm->set_names = NULL;
    fm->n = 0;
    pp_findings_clear(&fm->findings);
    memset(hd, 0, sizeof(*hd));
    hd->source = fm->addr;
    hd->kind = fm->kind ? PP_HD_INTERFACE : PP_HD_HOSTDEV;
    hd->managed = fm->managed ? PP_MANAGED_NO : PP_MANAGED_YES;
    fm->valid = false;
    if (!g) {
        snprintf(fm->msg, sizeof(fm->msg), _("guest '%s' is gone; press r to refresh"), fm->guest);
        return;
    }
    if (hd->kind == PP_HD_INTERFACE && fm->mac[0] && !pp_hostdev_parse_mac(fm->mac, hd->mac))
        goto bad;
    if (fm->gaddr[0]) {
        if (!pp_pci_addr_parse(fm->gaddr, _("guest address"), &hd->guest_addr))
            goto bad;
        hd->has_guest_addr = hd->guest_addr_full = true;
    }
    if (fm->s390 && fm->uid[0]) {
        if (!pp_hostdev_parse_uid(fm->uid, &hd->uid))
            goto bad;
        hd->has_uid = true;
    }
    if (fm->s390 && fm->fid[0]) {
        if (!pp_hostdev_parse_fid(fm->fid, &hd->fid))
            goto bad;
        hd->has_fid = true;
    }
    if (!pp_hostdev_validate_guest(hd, g, 0))
        goto bad;
    if (!build(fm, g))
        goto bad;
    if (!guards(fm))
        goto bad;
    fm->valid = true;
    {
        /* a number typed without 0x is decimal: say how it was read */
        char read[128] = "";
        size_t o = 0;
        if (fm->s390 && fm->uid[0] && strncasecmp(fm->uid, "0x", 2) != 0)
            o += (size_t)snprintf(read + o, sizeof(read) - o, _("zpci uid %s read as 0x%04x. "),
                                  fm->uid, hd->uid);
        if (fm->s390 && fm->fid[0] && strncasecmp(fm->fid, "0x", 2) != 0 && o < sizeof(read))
            snprintf(read + o, sizeof(read) - o, _("zpci fid %s read as 0x%08x. "), fm->fid,
                     hd->fid);
        snprintf(fm->msg, sizeof(fm->msg), "%s%s", read,
                 fm->findings.n ? _("Valid. The guards of apply find:")
                                : _("Valid. Enter on [Preview XML] shows what will be sent."));
    }
    return;
bad:
    snprintf(fm->msg, sizeof(fm->msg), "%s", pp_error_get());
}

static const char *title(ui_view *v)
{
    return ((form *)v->data)->title;
}

static void draw(ui_view *v, int y, int h, int w)
{
    form *fm = v->data;
    const pp_guest *g = fguest(fm);
    int line = y + 1, cx = -1, cy = -1;
    enum field f;
    static const char *const labels[F_COUNT] = {
        N_("Form"), N_("MAC address"), N_("Managed"), "", "", N_("Guest PCI address"),
        N_("zPCI uid"), N_("zPCI fid"), N_("Apply to"), N_("Also"), "",
    };
    static const char *const hints[F_COUNT] = {
        N_("interface: VF with a MAC"),
        N_("empty: generated"),
        N_("yes: libvirt binds vfio"),
        N_("bind it to vfio-pci now"),
        N_("give it back to its driver"),
        N_("empty: libvirt picks"),
        N_("0x0001-0xffff"),
        N_("0x00000000-0xffffffff"),
        "",
        "",
        "",
    };

    for (int i = 0; i < h; i++)
        ui_put(y + i, 0, w, UI_NORMAL, "");
    if (g)
        ui_putf(y, 0, w, UI_NORMAL, _(" Guest '%s': %s, %s"), g->name, _(pp_guest_state_name(g)),
                pp_guest_info(g)->arch ? pp_guest_info(g)->arch : "?");
    line++;
    for (f = 0; f < F_COUNT; f++) {
        char value[64];
        bool focus = fm->focus == f;
        size_t sz;
        char *txt = field_text(fm, f, &sz);

        if (!field_shown(fm, f))
            continue;
        if (f == F_PREPARE || f == F_RELEASE) {
            ui_put(line, 22, 30, focus ? UI_FIELD_FOCUS : UI_FIELD,
                   f == F_PREPARE ? _("[Prepare host]") : _("[Release to host]"));
            ui_put(line, 52, w - 52, UI_DIM, _(hints[f]));
            line++;
            continue;
        }
        if (f == F_PREVIEW) {
            line++;
            ui_put(line, 2, 16, focus ? UI_FIELD_FOCUS : fm->valid ? UI_OK : UI_DIM,
                   _("[Preview XML]"));
            line++;
            continue;
        }
        if (f == F_KIND)
            snprintf(value, sizeof(value), "< %s >", fm->kind ? "interface" : "hostdev");
        else if (f == F_MANAGED)
            snprintf(value, sizeof(value), "< %s >", fm->managed ? _("no") : _("yes"));
        else if (f == F_APPLY)
            snprintf(value, sizeof(value), "< %s >", apply_name(fm->apply[fm->apply_i]));
        else if (f == F_ALSO)
            snprintf(value, sizeof(value), "< %s >", also_name(fm->also[fm->also_i]));
        else
            snprintf(value, sizeof(value), "%s", txt);
        ui_putf(line, 0, 22, UI_NORMAL, "  %s", _(labels[f]));
        ui_put(line, 22, 30, focus ? UI_FIELD_FOCUS : UI_FIELD, value);
        if (f == F_APPLY && fm->apply_why) { /* the reason has the row below to itself */
            ui_put(line, 52, w - 52, UI_DIM, "");
            line++;
            ui_putf(line, 0, w, UI_DIM, "  %s", _(fm->apply_why));
        } else if (f == F_ALSO) /* the functions that go, as the builder has them */
            ui_put(line, 52, w - 52, UI_DIM, fm->set_names ? fm->set_names : "");
        else if (f == F_MAC && !fm->mac[0] && fm->n) /* what empty sends */
            ui_putf(line, 52, w - 52, UI_DIM, _("empty: %s"), fm->hds[0].mac);
        else /* _("") is the PO header */
            ui_put(line, 52, w - 52, UI_DIM, hints[f][0] ? _(hints[f]) : "");
        if (focus && field_is_text(f)) {
            cy = line;
            cx = 22 + (int)ui_text_width(txt);
        }
        line++;
    }
    line++;
    {
        /* the verdict whole, wrapped at words below the fields */
        char **l;
        size_t n = ui_wrap(fm->msg, w, NULL, &l), i;
        for (i = 0; i < n && line < y + h; i++)
            ui_put(line++, 0, w, fm->valid && !fm->findings.n ? UI_OK : UI_ERROR, l[i]);
        ui_wrap_free(l, n);
        /* each guard finding, and under it what resolves it */
        for (size_t k = 0; k < fm->findings.n && line < y + h; k++) {
            const pp_finding *fd = &fm->findings.v[k];
            char *res = resolution(fm, fd), *t = xasprintf(" - %s", fd->msg);
            n = ui_wrap(t, w, "   ", &l);
            for (i = 0; i < n && line < y + h; i++)
                ui_put(line++, 0, w, fd->forceable ? UI_CONFLICT : UI_ERROR, l[i]);
            ui_wrap_free(l, n);
            free(t);
            t = xasprintf("   %s", res);
            n = ui_wrap(t, w, "   ", &l);
            for (i = 0; i < n && line < y + h; i++)
                ui_put(line++, 0, w, UI_DIM, l[i]);
            ui_wrap_free(l, n);
            free(t);
            free(res);
        }
    }
    /* the text cursor where typing goes */
    ui_cursor(cy >= 0 ? cy : 0, cx >= 0 ? cx : 0, cy >= 0);
}

static void step(form *fm, int dir)
{
    enum field f = fm->focus;
    do
        f = (enum field)(((int)f + dir + F_COUNT) % F_COUNT);
    while (!field_shown(fm, f));
    fm->focus = f;
}

static void change_choice(form *fm, int dir)
{
    switch (fm->focus) {
    case F_KIND:
        fm->kind = !fm->kind;
        break;
    case F_MANAGED:
        fm->managed = !fm->managed;
        break;
    case F_APPLY:
        fm->apply_i = (fm->apply_i + dir + fm->napply) % fm->napply;
        break;
    case F_ALSO:
        fm->also_i = (fm->also_i + dir + fm->nalso) % fm->nalso;
        break;
    default:
        return;
    }
    fm->dirty = true;
    validate(fm);
}

/* managed='no': bind the function to vfio-pci (or give it back) through libvirt, behind the same
 * guards and journal as `pcipass prepare` / `release`. */
static void host_prepare(form *fm, bool release)
{
    pp_change c = { 0 };
    pp_findings accepted = { 0 };
    pp_hostdev hd = { 0 };
    char name[PP_PCI_ADDR_STRLEN], *q;

    hd.source = fm->addr;
    pp_pci_addr_format(&fm->addr, name);
    c.kind = release ? PP_CHANGE_RELEASE : PP_CHANGE_PREPARE;
    c.hds = &hd;
    c.n = 1;
    if (!ui_change_guards(&c, &accepted))
        goto out;
    q = release ? xasprintf(_("Give %s back to its host driver?"), name)
                : xasprintf(_("Bind %s to vfio-pci on the host?"), name);
    if (!ui_confirm(q)) {
        free(q);
        goto out;
    }
    free(q);
    /* the change reads the host again: the list and the group guard see the new driver */
    if (ui_apply(&c, _("Working through libvirt ...")) != PP_CHANGE_DONE)
        goto out;
    if (c.recorded)
        ui_status(UI_OK, release ? _("%s given back to its host driver") : _("%s bound to vfio-pci"),
                  name);
    else
        ui_status(UI_ERROR, _("%s: done, but not recorded for undo: %s"), name, c.record_error);
out:
    pp_findings_clear(&accepted);
    pp_change_clear(&c);
}

static bool key(ui_view *v, int k, enum ui_action a)
{
    form *fm = v->data;
    size_t size;
    char *txt = field_text(fm, fm->focus, &size);

    /* a text field takes what is typed, q and / included */
    if (txt && k >= ' ' && k < 127) {
        size_t len = strlen(txt);
        if (len + 1 < size) {
            txt[len] = (char)k;
            txt[len + 1] = '\0';
            fm->dirty = true;
            validate(fm);
        }
        return true;
    }
    if (txt && a == ACT_CLEAR) {
        size_t len = strlen(txt);
        if (len)
            txt[len - 1] = '\0';
        fm->dirty = true;
        validate(fm);
        return true;
    }
    switch (a) {
    case ACT_NEXT:
        step(fm, 1);
        return true;
    case ACT_PREV:
        step(fm, -1);
        return true;
    case ACT_LEFT:
        change_choice(fm, -1);
        return true;
    case ACT_RIGHT:
        change_choice(fm, 1);
        return true;
    case ACT_ENTER:
        if (fm->focus == F_PREPARE || fm->focus == F_RELEASE) {
            host_prepare(fm, fm->focus == F_RELEASE);
        } else if (fm->focus == F_PREVIEW) {
            const pp_function *f = pp_host_find(ui->app->host, &fm->addr);
            validate(fm);
            if (!fm->valid || !f) {
                ui_status(UI_ERROR, "%s", fm->msg);
                return true;
            }
            ui_cursor(0, 0, false);
            ui_push(ui_preview_view(fm->guest, fm->hds, fm->n, fm->apply[fm->apply_i]));
            /* the plan as the guards see it: passes, or the overrides it needs, or refused */
            if (pp_findings_blocking(&fm->findings, true, NULL))
                ui_status(UI_ERROR, _("Apply will refuse this plan: %s"),
                          fm->findings.v[0].msg);
            else if (fm->findings.n)
                ui_status(UI_CONFLICT,
                          P_("This plan needs %zu explicit override at apply: %s",
                             "This plan needs %zu explicit overrides at apply, the first: %s",
                             fm->findings.n),
                          fm->findings.n, fm->findings.v[0].msg);
            else
                ui_status(UI_OK, "%s", _("The guards of apply find nothing in this plan."));
        } else if (field_is_text(fm->focus)) {
            step(fm, 1);
        } else {
            change_choice(fm, 1);
        }
        return true;
    case ACT_BACK:
        if (fm->dirty && !ui_confirm(_("Leave the form? Its input is lost.")))
            return true;
        ui_cursor(0, 0, false);
        ui_pop();
        return true;
    default:
        break;
    }
    if (a == ACT_HELP || a == ACT_OWNERS || a == ACT_REFRESH || a == ACT_QUIT ||
        a == ACT_CHECKLIST) {
        ui_cursor(0, 0, false);
        return false;
    }
    return true; /* nothing else means anything in a form */
}

static bool dirty(ui_view *v)
{
    return ((form *)v->data)->dirty;
}

static void ffree(ui_view *v)
{
    form *fm = v->data;
    free(fm->guest);
    free(fm->title);
    free(fm->hds);
    free(fm->set_names);
    free(fm->marked);
    pp_findings_clear(&fm->findings);
    free(fm);
}

static const ui_view_ops ops = {
    .screen = UI_SCREEN_FORM,
    .title = title,
    .draw = draw,
    .key = key,
    .dirty = dirty,
    .free = ffree,
};

/* zPCI ids as both faces choose them (pp_change_zpci_ids): the host's own where the guest has them
 * free; a field left empty is libvirt's choice */
static void suggest_zpci(form *fm, const pp_guest *g)
{
    pp_hostdev hd = { 0 };

    hd.source = fm->addr;
    pp_change_zpci_ids(ui->app->host, g, NULL, 0, &hd);
    if (hd.has_uid)
        snprintf(fm->uid, sizeof(fm->uid), "0x%04x", hd.uid);
    if (hd.has_fid)
        snprintf(fm->fid, sizeof(fm->fid), "0x%08x", hd.fid);
}

ui_view *ui_form_view(const pp_function *f, const char *guest)
{
    form *fm = xcalloc(1, sizeof(*fm));
    const pp_guest *g = pp_guests_find(&ui->app->guests, guest);

    fm->addr = f->addr;
    fm->guest = xstrdup(guest);
    fm->title = xasprintf(_("Assign %s to guest '%s'"), f->name, guest);
    fm->net_vf = f->is_vf && (f->class_code >> 16) == 0x02;
    fm->s390 = g && pp_arch_is_s390(pp_guest_info(g)->arch);
    /* only what the connection can do, the default first */
    fm->apply[0] = PP_AFFECT_CONFIG;
    fm->napply = 1;
    if (g)
        fm->napply = (int)pp_virt_affect_choices(ui->app->virt, g, fm->apply, &fm->apply_why);
    if (!fm->napply) { /* none can (a transient guest there): the guards say why */
        fm->apply[0] = PP_AFFECT_LIVE;
        fm->napply = 1;
    }
    if (fm->s390 && g)
        suggest_zpci(fm, g);
    fm->also[fm->nalso++] = ALSO_ONE;
    if (g) {
        pp_guard_in in = { ui->app->host, &ui->app->owners, g, 0 };
        pp_pci_addr *set;
        /* offered where it adds a function */
        if (pp_guard_whole_group(&in, &f->addr, &set) > 1)
            fm->also[fm->nalso++] = ALSO_GROUP;
        free(set);
        if (f->addr.function == 0) {
            if (pp_guard_all_functions(ui->app->host, &f->addr, &set) > 1)
                fm->also[fm->nalso++] = ALSO_DEVICE;
            free(set);
        }
    }
    fm->focus = fm->net_vf ? F_KIND : F_MANAGED;
    validate(fm);
    return ui_view_new(&ops, fm);
}

ui_view *ui_form_view_set(const pp_pci_addr *set, size_t n, const char *guest)
{
    pp_pci_addr *s = xcalloc(n, sizeof(*s));
    const pp_function *f;
    ui_view *v;
    form *fm;
    char *names;

    memcpy(s, set, n * sizeof(*s));
    /* the first function is the template's (function 0 of a device, where marked) */
    qsort(s, n, sizeof(*s), pp_pci_addr_qcmp);
    f = pp_host_find(ui->app->host, &s[0]);
    if (!f) {
        free(s);
        ui_status(UI_ERROR, "%s", _("a marked function is gone from the host; press r"));
        return NULL;
    }
    v = ui_form_view(f, guest);
    fm = v->data;
    fm->marked = s;
    fm->nmarked = n;
    fm->nalso = 1; /* the marks say what goes */
    fm->also_i = 0;
    fm->net_vf = false; /* several functions: hostdev elements */
    fm->kind = 0;
    names = pp_pci_addr_join(s, n, ", ");
    free(fm->title);
    fm->title = xasprintf(_("Assign %s together to guest '%s'"), names, guest);
    free(names);
    if (fm->focus == F_KIND)
        fm->focus = F_MANAGED;
    /* the suggested zPCI ids were the first function's: each one gets its own at build */
    fm->uid[0] = fm->fid[0] = '\0';
    validate(fm);
    return v;
}
