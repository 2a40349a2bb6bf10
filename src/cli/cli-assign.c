/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass xml, attach and detach: one option parser builds the assignment for all three, and the
 * same builder makes the XML that is previewed and the XML that is sent. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-private.h"
#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/change.h"

typedef struct assign_opts {
    pp_hostdev hd;
    const char *guest;
    const char *device;
    bool live, config, dry_run, force, json, whole_group, all_functions, no_lock_wait;
    double wait;
} assign_opts;

/* One option of the assignment; false with the error slot set for a bad value. */
/* A guest's name for one line of text (the escaping rule, a newline too); valid until the next
 * call. */
static const char *shown(const char *name)
{
    static char *last;
    free(last);
    last = pp_escape_ctl(name);
    return last;
}

static bool assign_opt(int c, const char *arg, assign_opts *o)
{
    pp_hostdev *hd = &o->hd;

    switch (c) {
    case PP_OPT_MANAGED:
        return pp_hostdev_parse_managed(arg, &hd->managed);
    case PP_OPT_ZPCI_UID:
        hd->has_uid = true;
        return pp_hostdev_parse_uid(arg, &hd->uid);
    case PP_OPT_ZPCI_FID:
        hd->has_fid = true;
        return pp_hostdev_parse_fid(arg, &hd->fid);
    case PP_OPT_GUEST_ADDRESS:
        hd->has_guest_addr = hd->guest_addr_full = true;
        return pp_pci_addr_parse(arg, "guest-address", &hd->guest_addr);
    case PP_OPT_INTERFACE:
        hd->kind = PP_HD_INTERFACE;
        return true;
    case PP_OPT_MAC:
        return pp_hostdev_parse_mac(arg, hd->mac);
    case PP_OPT_GUEST:
        o->guest = arg;
        return true;
    case PP_OPT_LIVE:
        o->live = true;
        return true;
    case PP_OPT_CONFIG:
        o->config = true;
        return true;
    case PP_OPT_DRY_RUN:
        o->dry_run = true;
        return true;
    case PP_OPT_FORCE:
        o->force = true;
        return true;
    case PP_OPT_JSON:
        o->json = true;
        return true;
    case PP_OPT_WHOLE_GROUP:
        o->whole_group = true;
        return true;
    case PP_OPT_ALL_FUNCTIONS:
        o->all_functions = true;
        return true;
    case PP_OPT_WAIT:
        return pp_cli_parse_wait(arg, &o->wait);
    case PP_OPT_NO_WAIT:
        o->no_lock_wait = true;
        return true;
    }
    return true;
}

/* Parses options and NPOS positional words (GUEST and/or DEVICE). -1: go on; else exit status. */
static int parse(const pp_cli_cmd *cmd, int argc, char **argv, int npos, assign_opts *o)
{
    int c, rc;

    memset(o, 0, sizeof(*o));
    o->hd.kind = PP_HD_HOSTDEV;
    o->hd.managed = PP_MANAGED_YES; /* pcipass's default: libvirt binds and unbinds vfio-pci */
    o->wait = PP_UNPLUG_WAIT_SECONDS;
    while ((rc = pp_cli_getopt(cmd, argc, argv, &c)) == -1 && c != -1) {
        if (!assign_opt(c, optarg, o)) {
            fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
            return PP_EXIT_FAIL;
        }
    }
    if (rc != -1)
        return rc;
    if (argc - optind != npos)
        return pp_cli_usage_error(cmd, argc - optind < npos ? _("missing argument")
                                                            : _("unexpected argument '%s'"),
                                  argv[argc - 1]);
    if (npos == 2)
        o->guest = argv[optind++];
    o->device = argv[optind];
    if (!pp_pci_addr_parse(o->device, "device", &o->hd.source)) {
        fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
        return PP_EXIT_FAIL;
    }
    if (o->hd.mac[0] && o->hd.kind != PP_HD_INTERFACE)
        return pp_cli_usage_error(cmd, _("--mac needs --interface"));
    return -1;
}

/* Both definitions of the guest: the assignment must fit the running one and the persistent one. */
static void print_result(const assign_opts *o, const char *verb, unsigned affect, const char *xml,
                         const char *state, const pp_change *c, const pp_pci_addr *set, size_t n)
{
    if (o->json) {
        json_object *j = json_object_new_object(), *devs = json_object_new_array();
        size_t i;
        char name[PP_PCI_ADDR_STRLEN];
        json_object_object_add(j, "action", json_object_new_string(verb));
        json_object_object_add(j, "guest", json_object_new_string(o->guest));
        json_object_object_add(j, "device", json_object_new_string(o->device));
        for (i = 0; i < n; i++) {
            pp_pci_addr_format(&set[i], name);
            json_object_array_add(devs, json_object_new_string(name));
        }
        json_object_object_add(j, "devices", devs);
        json_object_object_add(j, "live", json_object_new_boolean(affect & PP_AFFECT_LIVE));
        json_object_object_add(j, "config", json_object_new_boolean(affect & PP_AFFECT_CONFIG));
        json_object_object_add(j, "dry_run", json_object_new_boolean(!c));
        json_object_object_add(j, "state", state ? json_object_new_string(state) : NULL);
        json_object_object_add(j, "pending", pp_json_str_or_null(c ? c->pending : NULL));
        json_object_object_add(j, "siblings", pp_json_str_or_null(c ? c->siblings : NULL));
        json_object_object_add(j, "xml", json_object_new_string(xml ? xml : ""));
        pp_json_print(j);
        return;
    }
    fputs(xml ? xml : "", stdout);
}

int pp_cmd_xml(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("xml");
    assign_opts o;
    char *xml;
    int rc = parse(cmd, argc, argv, 1, &o);

    if (rc != -1)
        return rc;
    if (!pp_hostdev_validate(&o.hd, NULL))
        return pp_cli_fail();
    if (o.guest) {
        const pp_guest *g;
        if (!pp_app_guests(app, true))
            return pp_cli_fail();
        if (!(g = pp_app_find_guest(app, o.guest)) || !pp_hostdev_validate_guest(&o.hd, g, 0))
            return pp_cli_fail();
        /* what attach would send to this guest: its stable MAC, the zPCI id policy */
        if (o.hd.kind == PP_HD_INTERFACE && !o.hd.mac[0])
            pp_hostdev_stable_mac(g->uuid, &o.hd.source, o.hd.mac);
        if (pp_arch_is_s390(pp_guest_info(g)->arch)) {
            const pp_host *h = pp_app_host(app);
            if (!h)
                return pp_cli_fail();
            pp_change_zpci_ids(h, g, NULL, 0, &o.hd);
        }
    }
    xml = pp_hostdev_to_xml(&o.hd);
    fputs(xml, stdout);
    free(xml);
    return PP_EXIT_OK;
}

/* Why the default left out the running definition, before anything is sent. */
static void scope_note(const pp_app *app, const pp_guest *g, const assign_opts *o)
{
    unsigned choices[3];
    const char *why;

    pp_virt_affect_choices(app->virt, g, choices, &why);
    if (why && !o->live && !o->config)
        fprintf(stderr, "%s: %s\n", pp_progname(), _(why));
}

int pp_cmd_attach(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("attach");
    const pp_guest *g;
    pp_host *h;
    assign_opts o;
    unsigned affect;
    char *xml = NULL;
    pp_pci_addr *set = NULL;
    pp_hostdev *hds = NULL;
    pp_change c = { 0 };
    pp_guard_in in;
    size_t n = 0, i;
    int rc = parse(cmd, argc, argv, 2, &o);

    if (rc != -1)
        return rc;
    if (!pp_hostdev_validate(&o.hd, NULL) || !(h = pp_app_host(app)))
        return pp_cli_fail();
    if (!pp_app_guests(app, o.dry_run))
        return pp_cli_fail();
    if (!(g = pp_app_find_guest(app, o.guest)) ||
        !pp_virt_affect(app->virt, g, o.live, o.config, &affect) ||
        !pp_hostdev_validate_guest(&o.hd, g, affect))
        return pp_cli_fail();
    scope_note(app, g, &o);
    in.host = h;
    in.owners = &app->owners;
    in.guest = g;
    in.affect = affect;
    if (o.all_functions && o.hd.source.function != 0)
        return pp_cli_usage_error(cmd, _("--all-functions: DEVICE must be function 0 of its "
                                         "device (DDDD:BB:SS.0), not function %u"),
                                  o.hd.source.function);
    /* the same builders as the console's form */
    if (!pp_change_build_set(&in, &o.hd.source, o.whole_group, o.all_functions, &set, &n))
        return pp_cli_fail();
    rc = PP_EXIT_FAIL;
    if (!pp_change_build_hostdevs(&o.hd, o.all_functions, h, g, affect, set, n, &hds))
        goto fail;
    c.kind = PP_CHANGE_ATTACH;
    c.guest = o.guest;
    c.hds = hds;
    c.n = n;
    c.want_live = o.live;
    c.want_config = o.config;
    c.force = o.force;
    c.no_lock_wait = o.no_lock_wait;
    if (o.dry_run) {
        /* the same guards as the change itself, so that a dry run that passes is a plan that
         * will */
        if (!pp_change_check(app, &c))
            goto fail;
        if (!pp_cli_findings(&c.findings, o.force))
            goto out;
        pp_buf b = PP_BUF_INIT;
        for (i = 0; i < n; i++) {
            char *one = pp_hostdev_to_xml(&hds[i]);
            pp_buf_add(&b, one);
            free(one);
        }
        xml = pp_buf_take(&b);
        if (!o.json)
            printf(_("# dry run: would attach to the %s of guest '%s':\n"),
                   _(pp_affect_words(c.affect)), shown(g->name));
        print_result(&o, "attach", c.affect, xml, NULL, NULL, set, n);
        rc = PP_EXIT_OK;
        goto out;
    }
    switch (pp_cli_apply(app, &c)) {
    case PP_CHANGE_DONE:
        if (!o.json)
            printf(_("# attached %s to the %s of guest '%s'; libvirt stored:\n"), c.devices,
                   _(pp_affect_words(c.affect)), shown(o.guest));
        print_result(&o, "attach", c.affect, c.xml, "done", &c, set, n);
        rc = PP_EXIT_OK;
        break;
    case PP_CHANGE_REQUESTED:
        /* libvirt took it but does not show it: said as it is (on stderr), not as done */
        if (o.json)
            print_result(&o, "attach", c.affect, c.xml, "requested", &c, set, n);
        break;
    default:
        break;
    }
    goto out;
fail:
    rc = pp_cli_fail();
out:
    pp_change_clear(&c);
    free(xml);
    free(hds);
    free(set);
    return rc;
}

int pp_cmd_detach(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("detach");
    pp_change c = { 0 };
    assign_opts o;
    char *xml;
    int rc = parse(cmd, argc, argv, 2, &o);

    if (rc != -1)
        return rc;
    c.kind = PP_CHANGE_DETACH;
    c.guest = o.guest;
    c.hds = &o.hd;
    c.n = 1;
    c.want_live = o.live;
    c.want_config = o.config;
    c.wait = o.wait;
    c.no_lock_wait = o.no_lock_wait;
    if (o.dry_run) {
        const pp_guest *g;
        const pp_hostdev *hd;
        if (!pp_app_guests(app, true) || !(g = pp_app_find_guest(app, o.guest)) ||
            !pp_change_check(app, &c)) {
            pp_change_clear(&c);
            return pp_cli_fail();
        }
        hd = pp_domain_find((c.affect & PP_AFFECT_CONFIG) ? &g->config : &g->live, &o.hd.source);
        xml = pp_hostdev_to_xml(hd);
        if (!o.json)
            printf(_("# dry run: would detach from the %s of guest '%s':\n"),
                   _(pp_affect_words(c.affect)), shown(g->name));
        if (c.siblings && !o.json)
            printf(_("# %s shares the guest slot of %s and would stay attached\n"), c.siblings,
                   o.device);
        print_result(&o, "detach", c.affect, xml, NULL, NULL, &o.hd.source, 1);
        free(xml);
        pp_change_clear(&c);
        return PP_EXIT_OK;
    }
    rc = PP_EXIT_FAIL;
    switch (pp_cli_apply(app, &c)) {
    case PP_CHANGE_DONE:
        if (!o.json)
            printf(_("# detached %s from the %s of guest '%s'; it was:\n"), c.devices,
                   _(pp_affect_words(c.affect)), shown(o.guest));
        rc = PP_EXIT_OK;
        break;
    case PP_CHANGE_REQUESTED:
        if (!o.json)
            printf(_("# detach of %s from the %s of guest '%s' requested, not done; it was:\n"),
                   c.devices, _(pp_affect_words(c.affect)), shown(o.guest));
        break;
    default:
        pp_change_clear(&c);
        return rc;
    }
    if (c.siblings && !o.json)
        printf(_("# %s shares the guest slot of %s and stays attached\n"), c.siblings, o.device);
    print_result(&o, "detach", c.affect, c.xml, rc == PP_EXIT_OK ? "done" : "requested", &c,
                 &o.hd.source, 1);
    pp_change_clear(&c);
    return rc;
}
