/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass xml, attach and detach: one option parser builds the assignment for all three, and the
 * same builder makes the XML that is previewed and the XML that is sent. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/cli.h"
#include "pcipass/common.h"

enum {
    OPT_GUEST = 256,
    OPT_MANAGED,
    OPT_UID,
    OPT_FID,
    OPT_GADDR,
    OPT_IFACE,
    OPT_MAC,
    OPT_LIVE,
    OPT_CONFIG,
    OPT_DRY,
    OPT_FORCE,
    OPT_JSON,
};

typedef struct assign_opts {
    pp_hostdev hd;
    const char *guest;
    const char *device;
    bool live, config, dry_run, force, json;
} assign_opts;

#define ASSIGN_LONGOPTS                                                                            \
    { "managed", required_argument, NULL, OPT_MANAGED },                                           \
        { "zpci-uid", required_argument, NULL, OPT_UID },                                          \
        { "zpci-fid", required_argument, NULL, OPT_FID },                                          \
        { "guest-address", required_argument, NULL, OPT_GADDR },                                   \
        { "interface", no_argument, NULL, OPT_IFACE }, { "mac", required_argument, NULL, OPT_MAC }

/* One option of the assignment; false with the error slot set for a bad value. */
static bool assign_opt(int c, const char *arg, assign_opts *o)
{
    pp_hostdev *hd = &o->hd;

    switch (c) {
    case OPT_MANAGED:
        return pp_hostdev_parse_managed(arg, &hd->managed);
    case OPT_UID:
        hd->has_uid = true;
        return pp_hostdev_parse_uid(arg, &hd->uid);
    case OPT_FID:
        hd->has_fid = true;
        return pp_hostdev_parse_fid(arg, &hd->fid);
    case OPT_GADDR:
        hd->has_guest_addr = hd->guest_addr_full = true;
        return pp_pci_addr_parse(arg, "guest-address", &hd->guest_addr);
    case OPT_IFACE:
        hd->kind = PP_HD_INTERFACE;
        return true;
    case OPT_MAC:
        return pp_hostdev_parse_mac(arg, hd->mac);
    case OPT_GUEST:
        o->guest = arg;
        return true;
    case OPT_LIVE:
        o->live = true;
        return true;
    case OPT_CONFIG:
        o->config = true;
        return true;
    case OPT_DRY:
        o->dry_run = true;
        return true;
    case OPT_FORCE:
        o->force = true;
        return true;
    case OPT_JSON:
        o->json = true;
        return true;
    }
    return true;
}

/* Parses options and NPOS positional words (GUEST and/or DEVICE). -1: go on; else exit status. */
static int parse(const pp_cli_cmd *cmd, int argc, char **argv, const struct option *longopts,
                 int npos, assign_opts *o)
{
    int c, rc;

    memset(o, 0, sizeof(*o));
    o->hd.kind = PP_HD_HOSTDEV;
    o->hd.managed = PP_MANAGED_YES; /* pcipass's default: libvirt binds and unbinds vfio-pci */
    while ((rc = pp_cli_getopt(cmd, argc, argv, "h", longopts, &c)) == -1 && c != -1) {
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

/* The guest by name, or a message that lists the valid names. */
static const pp_guest *find_guest(pp_app *app, const char *name)
{
    const pp_guest *g = pp_guests_find(&app->guests, name);
    char *names, *t;
    size_t i;

    if (g)
        return g;
    names = xstrdup("");
    for (i = 0; i < app->guests.n; i++) {
        t = xasprintf("%s%s%s", names, i ? ", " : "", app->guests.v[i].name);
        free(names);
        names = t;
    }
    pp_error_set(_("guest: no guest named '%s' at %s (guests: %s)"), name,
                 pp_virt_uri(app->virt), app->guests.n ? names : _("none"));
    free(names);
    return NULL;
}

/* Both definitions of the guest: the assignment must fit the running one and the persistent one. */
static bool validate_for_guest(const pp_hostdev *hd, const pp_guest *g)
{
    if (g->has_config && !pp_hostdev_validate(hd, &g->config))
        return false;
    if (g->has_live && !pp_hostdev_validate(hd, &g->live))
        return false;
    return true;
}

static const char *affect_words(unsigned affect)
{
    if (affect == (PP_AFFECT_LIVE | PP_AFFECT_CONFIG))
        return N_("live and persistent configuration");
    return affect == PP_AFFECT_LIVE ? N_("live configuration") : N_("persistent configuration");
}

static void print_result(const assign_opts *o, const char *verb, unsigned affect, const char *xml,
                         bool done)
{
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "action", json_object_new_string(verb));
        json_object_object_add(j, "guest", json_object_new_string(o->guest));
        json_object_object_add(j, "device", json_object_new_string(o->device));
        json_object_object_add(j, "live", json_object_new_boolean(affect & PP_AFFECT_LIVE));
        json_object_object_add(j, "config", json_object_new_boolean(affect & PP_AFFECT_CONFIG));
        json_object_object_add(j, "dry_run", json_object_new_boolean(!done));
        json_object_object_add(j, "xml", json_object_new_string(xml));
        pp_json_print(j);
        return;
    }
    fputs(xml, stdout);
}

int pp_cmd_xml(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        ASSIGN_LONGOPTS,
        { "guest", required_argument, NULL, OPT_GUEST },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("xml");
    assign_opts o;
    char *xml;
    int rc = parse(cmd, argc, argv, opts, 1, &o);

    if (rc != -1)
        return rc;
    if (!pp_hostdev_validate(&o.hd, NULL))
        return pp_cli_fail();
    if (o.guest) {
        const pp_guest *g;
        if (!pp_app_guests(app, true))
            return pp_cli_fail();
        if (!(g = find_guest(app, o.guest)) || !validate_for_guest(&o.hd, g))
            return pp_cli_fail();
    }
    xml = pp_hostdev_to_xml(&o.hd);
    fputs(xml, stdout);
    free(xml);
    return PP_EXIT_OK;
}

/* The function must be on this host, unless the operator says otherwise. */
static bool check_host(pp_app *app, const assign_opts *o)
{
    pp_host *h = pp_app_host(app);

    if (!h)
        return false;
    if (!pp_host_find(h, &o->hd.source) && !o->force) {
        pp_error_set(_("device: %s is not a PCI function of this host (sysfs root %s); --force "
                       "assigns it anyway"),
                     o->device, h->sysfs_root);
        return false;
    }
    return true;
}

int pp_cmd_attach(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        ASSIGN_LONGOPTS,
        { "live", no_argument, NULL, OPT_LIVE },
        { "config", no_argument, NULL, OPT_CONFIG },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "force", no_argument, NULL, OPT_FORCE },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("attach");
    const pp_guest *g;
    assign_opts o;
    unsigned affect;
    char *xml;
    int rc = parse(cmd, argc, argv, opts, 2, &o);

    if (rc != -1)
        return rc;
    if (!pp_hostdev_validate(&o.hd, NULL) || !check_host(app, &o))
        return pp_cli_fail();
    if (!pp_app_guests(app, o.dry_run))
        return pp_cli_fail();
    if (!(g = find_guest(app, o.guest)) || !validate_for_guest(&o.hd, g) ||
        !pp_virt_affect(g, o.live, o.config, &affect))
        return pp_cli_fail();

    if (o.dry_run) {
        xml = pp_hostdev_to_xml(&o.hd);
        if (!o.json)
            printf(_("# dry run: would attach to the %s of guest '%s':\n"), _(affect_words(affect)),
                   g->name);
        print_result(&o, "attach", affect, xml, false);
        free(xml);
        return PP_EXIT_OK;
    }
    if (!pp_virt_attach(app->virt, g, &o.hd, affect, &xml))
        return pp_cli_fail();
    if (!o.json)
        printf(_("# attached %s to the %s of guest '%s'; libvirt stored:\n"), o.device,
               _(affect_words(affect)), o.guest);
    print_result(&o, "attach", affect, xml, true);
    free(xml);
    pp_app_forget_guests(app);
    return PP_EXIT_OK;
}

int pp_cmd_detach(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "live", no_argument, NULL, OPT_LIVE },
        { "config", no_argument, NULL, OPT_CONFIG },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("detach");
    const pp_guest *g;
    assign_opts o;
    unsigned affect;
    char *xml;
    int rc = parse(cmd, argc, argv, opts, 2, &o);

    if (rc != -1)
        return rc;
    if (!pp_app_guests(app, o.dry_run))
        return pp_cli_fail();
    if (!(g = find_guest(app, o.guest)) || !pp_virt_affect(g, o.live, o.config, &affect))
        return pp_cli_fail();
    if (o.dry_run) {
        const pp_domain_info *d = (affect & PP_AFFECT_CONFIG) ? &g->config : &g->live;
        const pp_hostdev *hd = pp_domain_find(d, &o.hd.source);
        if (!hd) {
            pp_error_set(_("device: %s is not in the %s of guest '%s'"), o.device,
                         _(affect_words(affect)), g->name);
            return pp_cli_fail();
        }
        xml = pp_hostdev_to_xml(hd);
        if (!o.json)
            printf(_("# dry run: would detach from the %s of guest '%s':\n"), _(affect_words(affect)),
                   g->name);
        print_result(&o, "detach", affect, xml, false);
        free(xml);
        return PP_EXIT_OK;
    }
    if (!pp_virt_detach(app->virt, g, &o.hd.source, affect, &xml))
        return pp_cli_fail();
    if (!o.json)
        printf(_("# detached %s from the %s of guest '%s'; it was:\n"), o.device,
               _(affect_words(affect)), o.guest);
    print_result(&o, "detach", affect, xml, true);
    free(xml);
    pp_app_forget_guests(app);
    return PP_EXIT_OK;
}
