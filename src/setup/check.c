/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The setup checklist: from the roots (host module), libvirt (virt module) and the guards. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/check.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/setup.h"

static void item(pp_checks *c, const char *id, pp_check_status st, char *message, const char *fix)
{
    c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
    c->v[c->n].id = id;
    c->v[c->n].status = st;
    /* messages quote guest names, libvirt's errors and sysfs: escaped once, for every face */
    c->v[c->n].message = pp_escape_ctl(message);
    free(message);
    c->v[c->n].fix = st == PP_CHECK_PASS || !fix ? NULL : xstrdup(fix);
    c->v[c->n].step = c->v[c->n].words = NULL;
    c->n++;
}

static size_t count_zpci(const pp_host *h)
{
    size_t i, n = 0;
    for (i = 0; i < h->nfuncs; i++)
        n += h->funcs[i].has_zpci;
    return n;
}

/* Whether the command line sets kernel parameter NAME (e.g. "intel_iommu=") to a list holding
 * VALUE ("off"): the IOMMU parameters take comma-separated options ("intel_iommu=on,sm_on"). The
 * value of the last occurrence counts, as the kernel parses them in order. */
bool pp_cmdline_has(const char *cmdline, const char *name, const char *value)
{
    size_t n = strlen(name), vn = strlen(value);
    const char *p = cmdline, *last = NULL;

    while (*p) {
        const char *w = p + strspn(p, " \t");
        size_t wl = strcspn(w, " \t");
        if (!wl)
            break;
        if (wl > n && strncmp(w, name, n) == 0)
            last = w + n;
        p = w + wl;
    }
    while (last && *last && *last != ' ' && *last != '\t') {
        size_t ol = strcspn(last, ", \t");
        if (ol == vn && strncmp(last, value, vn) == 0)
            return true;
        last += ol + (last[ol] == ',');
    }
    return false;
}

/* The one true reason there are no IOMMU groups, from the kernel's configuration, the command line
 * and the CPU vendor (x86; s390 is told apart by its zPCI functions before). The order matters:
 * support that is not built in makes the command line moot; an IOMMU the kernel has turned on
 * leaves only the firmware. An unreadable configuration is said, never guessed around. */
/* WORDS are in the boot configuration pcipass setup writes to, but not yet on the running
 * kernel's command line: configured, not a failure. */
static bool pending(pp_checks *c, pp_app *app, const char *words)
{
    char *where = pp_setup_boot_configured(app, words);

    if (!where)
        return false;
    item(c, "iommu", PP_CHECK_PENDING,
         xasprintf(_("configured, takes effect at the next boot: %s is in %s, not yet on the "
                     "running kernel's command line"),
                   words, where),
         _("reboot"));
    free(where);
    return true;
}

static void iommu_verdict(pp_checks *c, pp_app *app, const pp_host_setup *s, const pp_kconfig *k,
                          pp_cpu_vendor cpu, const char *boot_root)
{
    const char *off = NULL;
    bool intel = cpu != PP_CPU_AMD, amd = cpu != PP_CPU_INTEL;
    bool intel_on, amd_on;

    if (k->known && !k->x86) {
        /* Intel and AMD are all pcipass knows the IOMMU switches of (s390 is handled before) */
        item(c, "iommu", PP_CHECK_FAIL,
             xasprintf(_("no IOMMU groups; why is unknown: the kernel (configuration %s) is not "
                         "built for x86, and pcipass knows the IOMMU settings of x86 and s390 "
                         "only."),
                       k->path),
             _("see the IOMMU documentation of the platform, then run check again"));
        return;
    }
    if (k->known && !(intel && k->intel_iommu) && !(amd && k->amd_iommu)) {
        item(c, "iommu", PP_CHECK_FAIL,
             xasprintf(cpu == PP_CPU_INTEL ? _("no IOMMU groups: this kernel is built without Intel "
                                               "IOMMU support (CONFIG_INTEL_IOMMU is not set in %s).")
                       : cpu == PP_CPU_AMD ? _("no IOMMU groups: this kernel is built without AMD "
                                               "IOMMU support (CONFIG_AMD_IOMMU is not set in %s).")
                                           : _("no IOMMU groups: this kernel is built without IOMMU "
                                               "support (neither CONFIG_INTEL_IOMMU nor "
                                               "CONFIG_AMD_IOMMU is set in %s)."),
                       k->path),
             _("boot a kernel built with IOMMU support (CONFIG_INTEL_IOMMU for Intel, "
               "CONFIG_AMD_IOMMU for AMD), such as the distribution's standard kernel"));
        return;
    }
    if (s->have_cmdline) {
        if (pp_cmdline_has(s->cmdline, "iommu=", "off"))
            off = "iommu=off";
        else if (intel && pp_cmdline_has(s->cmdline, "intel_iommu=", "off"))
            off = "intel_iommu=off";
        else if (amd && pp_cmdline_has(s->cmdline, "amd_iommu=", "off"))
            off = "amd_iommu=off";
    }
    if (off) {
        char *fix = xasprintf(_("remove %s from the kernel command line (GRUB_CMDLINE_LINUX in "
                                "/etc/default/grub, then update-grub) and reboot"),
                              off);
        item(c, "iommu", PP_CHECK_FAIL,
             xasprintf(_("no IOMMU groups: the kernel command line turns the IOMMU off with %s."),
                       off),
             fix);
        free(fix);
        return;
    }
    if (!k->known) {
        item(c, "iommu", PP_CHECK_FAIL,
             s->release[0]
                 ? xasprintf(_("no IOMMU groups; whether kernel %s has IOMMU support and turns it "
                               "on is unknown: its configuration is readable neither as "
                               "config.gz under the proc root nor as config-%s under %s."),
                             s->release, s->release, boot_root ? boot_root : _("the boot root"))
                 : xstrdup(_("no IOMMU groups; whether this kernel has IOMMU support and turns it "
                             "on is unknown: neither its release nor its configuration is "
                             "readable.")),
             _("make the kernel's configuration readable (modprobe configs gives /proc/config.gz, "
               "or give the boot root with --boot-root) and run check again"));
        return;
    }
    /* The AMD IOMMU is on by default (there is no amd_iommu=on); Intel's only where so built. */
    intel_on = k->intel_iommu && (k->intel_default_on ||
                                  (s->have_cmdline &&
                                   pp_cmdline_has(s->cmdline, "intel_iommu=", "on")));
    amd_on = k->amd_iommu;
    if (intel && k->intel_iommu && !intel_on && !(amd && amd_on) &&
        pending(c, app, "intel_iommu=on"))
        return;
    if (intel && k->intel_iommu && !intel_on && !(amd && amd_on)) {
        item(c, "iommu", PP_CHECK_FAIL,
             xstrdup(_("no IOMMU groups: this kernel has Intel IOMMU support but leaves it off "
                       "by default (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set), and the command "
                       "line does not turn it on.")),
             _("add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
               "/etc/default/grub, then update-grub) and reboot, or run 'pcipass setup iommu'"));
        c->v[c->n - 1].step = "iommu";
        c->v[c->n - 1].words = "intel_iommu=on";
        return;
    }
    if (intel && amd && k->intel_iommu && !intel_on) {
        /* the CPU vendor is unknown: each vendor's IOMMU is in a different state */
        item(c, "iommu", PP_CHECK_FAIL,
             xstrdup(_("no IOMMU groups: this kernel leaves an Intel IOMMU off by default "
                       "(CONFIG_INTEL_IOMMU_DEFAULT_ON is not set) and turns an AMD IOMMU on; "
                       "the CPU's vendor is unknown.")),
             _("on Intel, add intel_iommu=on to the kernel command line and reboot; on AMD, "
               "enable AMD-Vi (often called IOMMU) in the firmware setup and reboot"));
        return;
    }
    item(c, "iommu", PP_CHECK_FAIL,
         xstrdup(_("no IOMMU groups, although this kernel has IOMMU support and turns it on: the "
                   "firmware keeps it off.")),
         cpu == PP_CPU_INTEL ? _("enable VT-d in the firmware setup and reboot")
         : cpu == PP_CPU_AMD ? _("enable AMD-Vi (often called IOMMU) in the firmware setup and "
                                 "reboot")
                             : _("enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup "
                                 "and reboot"));
}

static void check_iommu(pp_checks *c, pp_app *app, const pp_host *h, const pp_host_setup *s)
{
    size_t zpci = count_zpci(h);
    pp_kconfig k;

    if (s->iommu_groups > 0 && zpci > 0)
        item(c, "iommu", PP_CHECK_PASS,
             xasprintf(_("IOMMU active: %zu IOMMU groups, %zu s390 zPCI functions"),
                       s->iommu_groups, zpci),
             NULL);
    else if (s->iommu_groups > 0)
        item(c, "iommu", PP_CHECK_PASS,
             xasprintf(_("IOMMU active: %zu IOMMU groups under %s/kernel/iommu_groups"),
                       s->iommu_groups, h->sysfs_root),
             NULL);
    else if (zpci > 0)
        item(c, "iommu", PP_CHECK_FAIL,
             xasprintf(_("no IOMMU groups, although %zu s390 zPCI functions are present"), zpci),
             _("load vfio-pci and check that the LPAR's zPCI functions are configured online "
               "(lszdev, chzdev)"));
    else {
        pp_host_read_kconfig(pp_app_proc_root(app), pp_app_boot_root(app), s->release, &k);
        iommu_verdict(c, app, s, &k, pp_host_read_cpu_vendor(pp_app_proc_root(app)),
                      pp_app_boot_root(app));
    }
}

static void check_vfio(pp_checks *c, const pp_app *app, const pp_host_setup *s)
{
    if (s->vfio_pci_loaded)
        item(c, "vfio-pci", PP_CHECK_PASS, xstrdup(_("vfio-pci is loaded")), NULL);
    else if (s->vfio_pci_loadable) {
        item(c, "vfio-pci", PP_CHECK_WARN,
             xasprintf(_("vfio-pci is not loaded, but kernel %s has it (libvirt loads it for "
                         "managed='yes')"),
                       s->release),
             _("modprobe vfio-pci, and list it in /etc/modules-load.d/ to load it at boot "
               "('pcipass setup vfio' does both)"));
        c->v[c->n - 1].step = "vfio";
    } else if (!s->release[0])
        item(c, "vfio-pci", PP_CHECK_WARN,
             xstrdup(_("vfio-pci is not loaded; whether the kernel has it is unknown (no proc "
                       "root)")),
             _("modprobe vfio-pci"));
    else
        item(c, "vfio-pci", PP_CHECK_FAIL,
             xasprintf(_("vfio-pci is neither loaded nor among the modules of kernel %s"),
                       s->release),
             _("install a kernel built with CONFIG_VFIO_PCI, or its modules package"));
    (void)app;
}

/* iommufd without the VFIO container: only a libvirt that assigns through iommufd can use it. */
static void check_iommufd_only(pp_checks *c, pp_app *app, const char *dev)
{
    pp_virt *v = app->virt ? app->virt : pp_app_virt(app, true);
    unsigned long ver = v ? pp_virt_lib_version(v) : 0;
    char have[32], need[32];

    pp_virt_version_text(PP_LIBVIRT_IOMMUFD, need, sizeof(need));
    pp_virt_version_text(ver, have, sizeof(have));
    if (ver >= PP_LIBVIRT_IOMMUFD)
        item(c, "dev-vfio", PP_CHECK_PASS,
             xasprintf(_("iommufd only (%s/iommu and %s/vfio/devices/, no %s/vfio/vfio): libvirt "
                         "%s assigns through iommufd"),
                       dev, dev, dev, have),
             NULL);
    else
        item(c, "dev-vfio", PP_CHECK_FAIL,
             ver ? xasprintf(_("iommufd only (%s/iommu and %s/vfio/devices/, no %s/vfio/vfio): "
                               "libvirt %s and later assign through iommufd; this host's libvirt "
                               "is %s"),
                             dev, dev, dev, need, have)
                 : xasprintf(_("iommufd only (%s/iommu and %s/vfio/devices/, no %s/vfio/vfio): "
                               "libvirt %s and later assign through iommufd; this host's libvirt "
                               "is unknown (%s)"),
                             dev, dev, dev, need, pp_error_get()),
             _("install libvirt 12.1 or later, or boot a kernel with the VFIO container "
               "(CONFIG_VFIO_CONTAINER) or iommufd's compatibility node "
               "(CONFIG_IOMMUFD_VFIO_CONTAINER)"));
}

/* How VFIO reaches the IOMMU: the VFIO container (/dev/vfio/vfio with vfio_iommu_type1), iommufd
 * with the container's compatibility node (/dev/vfio/vfio served by iommufd), or iommufd only. */
static void check_dev_vfio(pp_checks *c, pp_app *app, const pp_host_setup *s)
{
    const char *dev = app->dev_root ? app->dev_root : "/dev";

    if (s->dev_vfio && s->dev_iommu && !s->vfio_type1)
        item(c, "dev-vfio", PP_CHECK_PASS,
             xasprintf(_("%s/vfio/vfio is iommufd's compatibility node for the VFIO container "
                         "(%s/iommu is present, vfio_iommu_type1 is not loaded)"),
                       dev, dev),
             NULL);
    else if (s->dev_vfio)
        item(c, "dev-vfio", PP_CHECK_PASS,
             s->dev_iommu ? xasprintf(_("%s/vfio/vfio is present (the VFIO container); iommufd "
                                        "(%s/iommu) too"),
                                      dev, dev)
                          : xasprintf(_("%s/vfio/vfio is present (the VFIO container)"), dev),
             NULL);
    else if (s->dev_iommu && s->dev_vfio_devices)
        check_iommufd_only(c, app, dev);
    else if (s->vfio_pci_loaded) /* loading it again would not help */
        item(c, "dev-vfio", PP_CHECK_FAIL, xasprintf(_("%s/vfio/vfio is missing"), dev),
             _("vfio is loaded, so the node exists in the kernel: in a container, pass "
               "/dev/vfio through; else check that devtmpfs is mounted on /dev"));
    else
        item(c, "dev-vfio", PP_CHECK_FAIL, xasprintf(_("%s/vfio/vfio is missing"), dev),
             _("modprobe vfio-pci creates it ('pcipass setup vfio'); in a container, pass "
               "/dev/vfio through"));
}

static void check_libvirt(pp_checks *c, pp_app *app)
{
    /* the app's connection is kept as it is: a read-only one still serves the console's review,
     * writability is probed on a connection of its own */
    pp_virt *v = app->virt ? app->virt : pp_app_virt(app, true), *own = NULL;
    const char *uri = app->uri ? app->uri : _("the default URI");
    bool pci, vfio;

    /* a writable connection of the check's own: libvirt answers domain capabilities only there */
    if (v && !app->virt_rw && (own = pp_virt_open(app->uri, false)))
        v = own;
    else if (v && !app->virt_rw) {
        char *why = xstrdup(pp_error_get());
        item(c, "libvirt", PP_CHECK_FAIL,
             xasprintf(_("libvirt at %s is reachable read-only only: %s"), pp_virt_uri(v), why),
             _("run as root, or as a member of the group libvirtd grants access to (often "
               "'libvirt')"));
        free(why);
        v = NULL;
    } else if (!v) {
        item(c, "libvirt", PP_CHECK_FAIL, xasprintf("%s", pp_error_get()),
             _("start libvirtd (systemctl start libvirtd), or choose another URI with -c"));
    }
    if (!v) {
        item(c, "hostdev", PP_CHECK_FAIL,
             xasprintf(_("PCI hostdev support of the hypervisor at %s is unknown: libvirt is not "
                         "reachable"),
                       uri),
             _("fix the libvirt check first"));
        return;
    }
    item(c, "libvirt", PP_CHECK_PASS,
         xasprintf(_("libvirt at %s is reachable and writable"), pp_virt_uri(v)), NULL);
    if (!pp_virt_hostdev_support(v, &pci, &vfio))
        item(c, "hostdev", PP_CHECK_WARN,
             xasprintf(_("cannot tell whether the hypervisor takes PCI hostdevs: %s"),
                       pp_error_get()),
             _("use a hypervisor connection (qemu:///system) to check this"));
    else if (pci && vfio)
        item(c, "hostdev", PP_CHECK_PASS,
             xasprintf(_("the hypervisor at %s takes PCI hostdevs through vfio"), pp_virt_uri(v)),
             NULL);
    else if (pci)
        item(c, "hostdev", PP_CHECK_FAIL,
             xasprintf(_("the hypervisor at %s takes PCI hostdevs, but not through vfio"),
                       pp_virt_uri(v)),
             _("make /dev/vfio/vfio available (modprobe vfio-pci), then restart libvirtd"));
    else
        item(c, "hostdev", PP_CHECK_FAIL,
             xasprintf(_("the hypervisor at %s does not take PCI hostdevs"), pp_virt_uri(v)),
             _("use the QEMU/KVM driver (qemu:///system) with VFIO available to it"));
    pp_virt_close(own);
}

static const char *fix_for(pp_guard_kind k)
{
    switch (k) {
    case PP_GUARD_NOT_ON_HOST:
        return _("check the address with 'pcipass list'");
    case PP_GUARD_NOT_ENDPOINT:
        return _("assign the endpoint functions behind the bridge instead");
    case PP_GUARD_OWNER:
    case PP_GUARD_IN_GUEST:
        return _("detach it from that guest first ('pcipass detach GUEST DEVICE')");
    case PP_GUARD_GROUP:
        return _("attach with --whole-group, or bind the partner to vfio-pci ('pcipass prepare "
                 "PARTNER')");
    case PP_GUARD_NO_IOMMU:
        return _("turn the IOMMU on (see the iommu check)");
    case PP_GUARD_CRITICAL:
        return _("leave it to the host; --force assigns it if the host can really do without it");
    case PP_GUARD_RUNNING:
        return _("shut the guest down or detach it first");
    case PP_GUARD_SRIOV:
        return _("detach the related PF or VF from its guest first");
    case PP_GUARD_HOTPLUG:
        return NULL; /* about a guest, not the function: attach says it */
    case PP_GUARD_HOLDER_UNKNOWN:
        return _("correct that guest's definition ('virsh edit', or 'virsh desc' for a "
                 "description), then check again");
    case PP_GUARD_NO_RESET:
        return _("assign it only if the guest is never restarted without a host reboot; --force "
                 "assigns it anyway");
    case PP_GUARD_UNKNOWN:
        return _("run 'pcipass check' on that host itself to learn it");
    case PP_GUARD_IDENTITY:
        return _("read the warnings above; --force assigns it if you know what it is");
    }
    return NULL;
}

/* The VFIO variant driver the running kernel offers for FN (modules.alias, as libvirt reads it). */
static void check_variant(pp_checks *c, const pp_app *app, const pp_function *fn)
{
    char **v;
    size_t k, n = pp_app_vfio_variants(app, fn, &v);
    const char *why = n ? pp_vfio_variant_why(v[0]) : NULL;

    if (n)
        item(c, "variant", PP_CHECK_PASS,
             why ? xasprintf(_("the kernel offers VFIO variant driver %s for %s (%s); prepare "
                               "--driver or --driver-model choose it"),
                             v[0], fn->name, why)
                 : xasprintf(_("the kernel offers VFIO variant driver %s for %s; prepare "
                               "--driver or --driver-model choose it"),
                             v[0], fn->name),
             NULL);
    for (k = 0; k < n; k++)
        free(v[k]);
    free(v);
}

/* An ids= line (pcipass setup bind) that puts FN on vfio-pci from the next boot, while another
 * driver or none has it now: configured, not yet in effect. */
static void check_pending_binding(pp_checks *c, const pp_app *app, const pp_function *fn)
{
    char **where;
    size_t k, n;

    /* on vfio-pci already, whatever the VFIO rule could learn of it */
    if (fn->driver && strcmp(fn->driver, "vfio-pci") == 0)
        return;
    n = pp_host_vfio_id_rules(pp_app_conf_root(app), fn->vendor_id, fn->device_id, &where);
    if (n) {
        char *fix = xasprintf(_("reboot, or 'pcipass prepare %s' to move it now"), fn->name);
        item(c, "binding", PP_CHECK_PENDING,
             xasprintf(_("configured, takes effect at the next boot: %s is on %s until then; "
                         "vfio-pci takes it by %s"),
                       fn->name, fn->driver ? fn->driver : _("no driver"), where[0]),
             fix);
        free(fix);
    }
    for (k = 0; k < n; k++)
        free(where[k]);
    free(where);
}

/* What the host says of a selected function: its reset methods and why it is on its driver. */
static void check_device_host(pp_checks *c, const pp_app *app, const pp_function *fn)
{
    pp_binding b;

    if (fn->reset_method && *fn->reset_method)
        item(c, "reset", PP_CHECK_PASS,
             xasprintf(_("%s can be reset by the kernel (reset_method: %s)"), fn->name,
                       fn->reset_method),
             NULL);
    else if (fn->resettable)
        item(c, "reset", PP_CHECK_PASS,
             xasprintf(_("%s can be reset by the kernel; this kernel does not list its methods"),
                       fn->name),
             NULL);
    else if (!fn->no_reset)
        item(c, "reset", PP_CHECK_WARN,
             xasprintf(_("whether %s can be reset is unknown: its reset attributes are not "
                         "readable"),
                       fn->name),
             _("read the warnings above, or run check as root"));
    if (pp_app_binding(app, fn, &b))
        item(c, "binding", PP_CHECK_PASS, pp_binding_sentence(fn, &b), NULL);
    if (!pp_function_on_vfio(fn))
        check_pending_binding(c, app, fn);
    check_variant(c, app, fn);
    if (fn->driver)
        item(c, "vfio", fn->vfio == PP_VFIO_UNKNOWN ? PP_CHECK_WARN : PP_CHECK_PASS,
             pp_vfio_reason(fn),
             fn->vfio_why == PP_VFIO_WHY_NAME_UNKNOWN
                 ? _("run 'pcipass check' on that host itself to learn it")
                 : _("'modinfo -F depends DRIVER' names vfio_pci_core for a VFIO driver"));
}

static void check_device(pp_checks *c, pp_app *app, const pp_pci_addr *a, bool have_guests,
                         const char *why_not)
{
    pp_guard_in in = { app->host, have_guests ? &app->owners : NULL, NULL, 0 };
    pp_findings f = { 0 };
    const pp_function *fn = pp_host_find(app->host, a);
    size_t i;

    pp_guard_attach(&in, a, 1, &f);
    for (i = 0; i < f.n; i++)
        item(c, f.v[i].kind == PP_GUARD_NO_RESET ? "reset" : "device",
             f.v[i].kind == PP_GUARD_OWNER || f.v[i].kind == PP_GUARD_HOLDER_UNKNOWN ||
                     f.v[i].kind == PP_GUARD_IDENTITY || f.v[i].warning
                 ? PP_CHECK_WARN
                 : PP_CHECK_FAIL,
             xstrdup(f.v[i].msg),
             fix_for(f.v[i].kind));
    if (f.n == 0 && fn && !have_guests)
        /* nobody can say it is free: not "ready" */
        item(c, "device", PP_CHECK_WARN,
             xasprintf(_("%s: whether a guest holds it is unknown, because the guests could not "
                         "be read: %s"),
                       fn->name, why_not),
             _("fix the libvirt check first, then check the device again"));
    else if (f.n == 0 && fn)
        item(c, "device", PP_CHECK_PASS,
             xasprintf(_("%s is ready to assign (driver %s, IOMMU group %d)"), fn->name,
                       fn->driver ? fn->driver : _("none"), fn->iommu_group),
             NULL);
    pp_findings_clear(&f);
    if (fn)
        check_device_host(c, app, fn);
}

/* A host read through libvirt: what its node devices tell (IOMMU groups, vfio-pci bound to a
 * function); its kernel, modules and /dev are not visible from here, so those are unknown. */
static void check_remote(pp_checks *c, const pp_host *h)
{
    size_t i, k, groups = 0, vfio = 0, variant = 0;
    static const char fix[] = N_("run 'pcipass check' on that host itself to learn it");

    for (i = 0; i < h->nfuncs; i++) {
        bool seen = h->funcs[i].iommu_group < 0;
        for (k = 0; k < i && !seen; k++)
            seen = h->funcs[k].iommu_group == h->funcs[i].iommu_group;
        groups += !seen;
        vfio += h->funcs[i].driver && strcmp(h->funcs[i].driver, "vfio-pci") == 0;
        variant += pp_function_on_vfio(&h->funcs[i]);
    }
    if (groups)
        item(c, "iommu", PP_CHECK_PASS,
             xasprintf(_("IOMMU active: %zu IOMMU groups among the host's node devices"), groups),
             NULL);
    else
        item(c, "iommu", PP_CHECK_WARN,
             xstrdup(_("no IOMMU groups among the host's node devices: the IOMMU is off there, "
                       "or libvirt does not say; the kernel's settings are unknown on this host")),
             _(fix));
    if (vfio)
        item(c, "vfio-pci", PP_CHECK_PASS,
             xasprintf(_("vfio-pci is loaded: %zu functions are bound to it"), vfio), NULL);
    else if (variant)
        item(c, "vfio-pci", PP_CHECK_WARN,
             xasprintf(_("VFIO is loaded: %zu functions are on VFIO variant drivers; whether "
                         "vfio-pci itself is loaded is unknown on this host"),
                       variant),
             _(fix));
    else
        item(c, "vfio-pci", PP_CHECK_WARN,
             xstrdup(_("whether vfio-pci is loaded is unknown on this host (no function is bound "
                       "to it)")),
             _(fix));
    item(c, "dev-vfio", PP_CHECK_WARN,
         xstrdup(_("whether /dev/vfio/vfio is present is unknown on this host")), _(fix));
}

void pp_checks_run(pp_app *app, const pp_pci_addr *sel, size_t nsel, pp_checks *out)
{
    pp_host_setup s;
    pp_host *h;
    char *why;
    bool have_guests;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!(h = pp_app_host(app))) {
        item(out, "iommu", PP_CHECK_FAIL, xstrdup(pp_error_get()),
             _("give the sysfs root with --sysfs-root, or run on the host itself"));
    } else if (h->partial) {
        check_remote(out, h);
    } else {
        pp_host_read_setup(h, pp_app_proc_root(app), app->dev_root, &s);
        check_iommu(out, app, h, &s);
        check_vfio(out, app, &s);
        check_dev_vfio(out, app, &s);
        if (!s.dev_vfio && !s.vfio_pci_loaded && s.vfio_pci_loadable)
            out->v[out->n - 1].step = "vfio";
    }
    check_libvirt(out, app);
    if (!h)
        return;
    /* owners through the read-only connection: reading needs no write access */
    have_guests = pp_app_guests(app, true);
    why = have_guests ? NULL : xstrdup(pp_error_get());
    for (i = 0; have_guests && i < app->owners.nunknown; i++)
        item(out, "owners", PP_CHECK_WARN,
             xasprintf(_("owners are incomplete: guest '%s' has a definition that is not "
                         "well-formed XML (%s); what it holds is not known for sure"),
                       app->owners.unknown[i]->name, pp_guest_damaged(app->owners.unknown[i])),
             _("correct that guest's definition ('virsh edit', or 'virsh desc' for a "
               "description)"));
    for (i = 0; i < nsel; i++)
        check_device(out, app, &sel[i], have_guests, why);
    free(why);
}

void pp_checks_iommu(pp_app *app, pp_checks *out)
{
    pp_host_setup s;
    pp_host *h;

    memset(out, 0, sizeof(*out));
    if (!(h = pp_app_host(app)) || h->partial) {
        item(out, "iommu", PP_CHECK_FAIL, xstrdup(h ? _("not this machine") : pp_error_get()),
             NULL);
        return;
    }
    pp_host_read_setup(h, pp_app_proc_root(app), app->dev_root, &s);
    check_iommu(out, app, h, &s);
}

size_t pp_checks_failed(const pp_checks *c)
{
    size_t i, n = 0;
    for (i = 0; i < c->n; i++)
        /* a binding for the next boot leaves the function assignable now (managed) */
        n += c->v[i].status == PP_CHECK_FAIL ||
             (c->v[i].status == PP_CHECK_PENDING && strcmp(c->v[i].id, "binding") != 0);
    return n;
}

void pp_checks_clear(pp_checks *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].message);
        free(c->v[i].fix);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

const char *pp_check_status_label(pp_check_status s)
{
    /* TRANSLATORS: check results, kept to four letters so that the list lines up; "wait":
     * configured, takes effect at the next boot */
    return s == PP_CHECK_PASS ? _("pass") : s == PP_CHECK_WARN ? _("warn")
                              : s == PP_CHECK_PENDING ? _("wait") : _("FAIL");
}

const char *pp_check_status_name(pp_check_status s)
{
    return s == PP_CHECK_PASS ? "pass" : s == PP_CHECK_WARN ? "warn"
                              : s == PP_CHECK_PENDING ? "pending" : "fail";
}
