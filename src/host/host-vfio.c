/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one rule for "bound to VFIO". vfio-pci is not the only VFIO driver: every variant driver
 * (mlx5_vfio_pci, nvgrace_gpu_vfio_pci, pds_vfio_pci, hisi_acc_vfio_pci, ism_vfio_pci, ...)
 * builds on vfio_pci_core, which the kernel shows as a holder of that module, and a device that
 * any of them drives has a VFIO device (vfio-dev/vfioN, kernel 6.1 and later). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "host-private.h"

/* vfio_pci_core's holders: NULL with *STATE 0 when it is not loaded, 1 when it lists them, 2 when
 * it is present without holders/ (built into the kernel). */
typedef struct core_holders {
    int state;
    char **names;
    size_t n;
} core_holders;

static void read_holders(const pp_host *h, core_holders *c)
{
    char *path = xasprintf("%s/module/vfio_pci_core", h->sysfs_root), *hp;
    struct stat st;
    DIR *d;
    struct dirent *de;

    memset(c, 0, sizeof(*c));
    hp = xasprintf("%s/holders", path);
    if (stat(path, &st) != 0) {
        c->state = 0;
    } else if (!(d = opendir(hp))) {
        c->state = 2;
    } else {
        c->state = 1;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            c->names = xreallocarray(c->names, c->n + 1, sizeof(*c->names));
            c->names[c->n++] = xstrdup(de->d_name);
        }
        closedir(d);
    }
    free(hp);
    free(path);
}

static bool held(const core_holders *c, const char *module)
{
    size_t i;
    for (i = 0; module && i < c->n; i++)
        if (strcmp(c->names[i], module) == 0)
            return true;
    return false;
}

/* The module of driver NAME: the basename of SYSFS/bus/pci/drivers/NAME/module. 1 read, 0 none
 * (a driver built into the kernel), -1 unreadable. */
static int driver_module(pp_host *h, const char *name, const char **out)
{
    char *path = xasprintf("%s/bus/pci/drivers/%s/module", h->sysfs_root, name), link[4096];
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    int e = errno;

    free(path);
    *out = NULL;
    errno = e;
    if (n < 0)
        return e == ENOENT ? 0 : -1;
    link[n] = '\0';
    *out = pp_host_keep_copy(h, pp_host_link_base(link));
    return 1;
}

static void judge(pp_function *f, const core_holders *c, int mod)
{
    pp_vfio_why w;

    if (!f->driver)
        w = PP_VFIO_WHY_NO_DRIVER;
    else if (strcmp(f->driver, "vfio-pci") == 0)
        w = PP_VFIO_WHY_VFIO_PCI;
    else if (held(c, f->driver_module))
        w = PP_VFIO_WHY_HOLDER;
    else if (f->vfio_dev)
        w = PP_VFIO_WHY_VFIO_DEV;
    else if (c->state == 0)
        w = PP_VFIO_WHY_NO_CORE;
    else if (c->state == 2)
        w = PP_VFIO_WHY_CORE_BUILT_IN;
    else if (mod < 0)
        w = PP_VFIO_WHY_UNREADABLE;
    else
        w = mod ? PP_VFIO_WHY_NOT_HELD : PP_VFIO_WHY_BUILT_IN;
    f->vfio_why = w;
    f->vfio = w == PP_VFIO_WHY_VFIO_PCI || w == PP_VFIO_WHY_HOLDER || w == PP_VFIO_WHY_VFIO_DEV
                  ? PP_VFIO_YES
              : w == PP_VFIO_WHY_CORE_BUILT_IN || w == PP_VFIO_WHY_UNREADABLE ? PP_VFIO_UNKNOWN
                                                                               : PP_VFIO_NO;
}

/* The drivers met so far in one judging, each with its module link as read once. */
typedef struct seen_driver {
    const char *name;
    const char *module;
    int mod;
} seen_driver;

void pp_host_judge_vfio(pp_host *h)
{
    core_holders c;
    seen_driver *seen = NULL;
    size_t i, k, nseen = 0;

    read_holders(h, &c);
    for (i = 0; i < h->nfuncs; i++) {
        pp_function *f = &h->funcs[i];
        int mod = 0;

        /* one module link per driver, not per function: SR-IOV hosts have thousands of VFs */
        for (k = 0; f->driver && k < nseen; k++)
            if (strcmp(seen[k].name, f->driver) == 0)
                break;
        if (f->driver && k < nseen) {
            f->driver_module = seen[k].module;
            mod = seen[k].mod;
        } else if (f->driver) {
            mod = driver_module(h, f->driver, &f->driver_module);
            if (mod < 0)
                pp_host_warn(h, _("%s: cannot read the module of driver %s: %s"), f->name,
                             f->driver, strerror(errno));
            seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
            seen[nseen++] = (seen_driver){ f->driver, f->driver_module, mod };
        }
        judge(f, &c, mod);
    }
    free(seen);
    for (i = 0; i < c.n; i++)
        free(c.names[i]);
    free(c.names);
}

/* A host from node devices: libvirt gives the driver's name and nothing else. */
void pp_host_judge_vfio_name(pp_function *f)
{
    size_t n = f->driver ? strlen(f->driver) : 0;
    static const char tail[] = "_vfio_pci";

    if (!f->driver)
        f->vfio_why = PP_VFIO_WHY_NO_DRIVER;
    else if (strcmp(f->driver, "vfio-pci") == 0 ||
             (n > sizeof(tail) - 1 && strcmp(f->driver + n - (sizeof(tail) - 1), tail) == 0))
        f->vfio_why = PP_VFIO_WHY_NAME;
    else
        f->vfio_why = PP_VFIO_WHY_NAME_UNKNOWN;
    f->vfio = f->vfio_why == PP_VFIO_WHY_NAME          ? PP_VFIO_YES
              : f->vfio_why == PP_VFIO_WHY_NAME_UNKNOWN ? PP_VFIO_UNKNOWN
                                                        : PP_VFIO_NO;
}

/* The device's VFIO device, "vfioN" under DIRFD/vfio-dev, NULL if none. */
char *pp_host_read_vfio_dev(int dirfd)
{
    int fd = openat(dirfd, "vfio-dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    char *name = NULL;

    if (fd < 0)
        return NULL;
    if (!(d = fdopendir(fd))) {
        close(fd);
        return NULL;
    }
    while (!name && (de = readdir(d)))
        if (strncmp(de->d_name, "vfio", 4) == 0)
            name = xstrdup(de->d_name);
    closedir(d);
    return name;
}

bool pp_function_on_vfio(const pp_function *f)
{
    return f->driver && f->vfio == PP_VFIO_YES;
}

int pp_function_group_safe(const pp_function *f)
{
    if (!f->driver || pp_function_on_vfio(f) || strcmp(f->driver, "pci-stub") == 0)
        return 1;
    return f->vfio == PP_VFIO_UNKNOWN ? -1 : 0;
}

char *pp_vfio_reason(const pp_function *f)
{
    const char *d = f->driver ? f->driver : "", *m = f->driver_module ? f->driver_module : d;

    switch (f->vfio_why) {
    case PP_VFIO_WHY_NO_DRIVER:
        return xasprintf(_("%s is on no driver"), f->name);
    case PP_VFIO_WHY_VFIO_PCI:
        return xasprintf(_("%s is on vfio-pci, a VFIO driver"), f->name);
    case PP_VFIO_WHY_HOLDER:
        return xasprintf(_("%s is on %s, a VFIO driver: its module %s is held by vfio_pci_core"),
                         f->name, d, m);
    case PP_VFIO_WHY_VFIO_DEV:
        return xasprintf(_("%s is on %s, a VFIO driver: the kernel shows its VFIO device %s"),
                         f->name, d, f->vfio_dev);
    case PP_VFIO_WHY_NOT_HELD:
        return xasprintf(_("%s is on %s, not a VFIO driver: its module %s is not held by "
                           "vfio_pci_core"),
                         f->name, d, m);
    case PP_VFIO_WHY_NO_CORE:
        return xasprintf(_("%s is on %s, not a VFIO driver: vfio_pci_core is not loaded"),
                         f->name, d);
    case PP_VFIO_WHY_BUILT_IN:
        return xasprintf(_("%s is on %s, not a VFIO driver: it is built into the kernel, and "
                           "vfio_pci_core is a module"),
                         f->name, d);
    case PP_VFIO_WHY_CORE_BUILT_IN:
        return xasprintf(_("%s is on %s; whether that is a VFIO driver is unknown: vfio_pci_core "
                           "is built into the kernel and lists no holders, and the device has no "
                           "vfio-dev"),
                         f->name, d);
    case PP_VFIO_WHY_UNREADABLE:
        return xasprintf(_("%s is on %s; whether that is a VFIO driver is unknown: the driver's "
                           "module link cannot be read"),
                         f->name, d);
    case PP_VFIO_WHY_NAME:
        return xasprintf(_("%s is on %s, a VFIO driver by its name (libvirt's node devices)"),
                         f->name, d);
    case PP_VFIO_WHY_NAME_UNKNOWN:
        break;
    }
    return xasprintf(_("%s is on %s; whether that is a VFIO driver is unknown: libvirt's node "
                       "devices give only its name"),
                     f->name, d);
}

const char *pp_vfio_why_name(pp_vfio_why w)
{
    static const char *const names[] = {
        [PP_VFIO_WHY_NO_DRIVER] = "no-driver",
        [PP_VFIO_WHY_VFIO_PCI] = "vfio-pci",
        [PP_VFIO_WHY_HOLDER] = "vfio_pci_core-holder",
        [PP_VFIO_WHY_VFIO_DEV] = "vfio-dev",
        [PP_VFIO_WHY_NOT_HELD] = "not-held",
        [PP_VFIO_WHY_NO_CORE] = "no-vfio_pci_core",
        [PP_VFIO_WHY_BUILT_IN] = "built-in",
        [PP_VFIO_WHY_CORE_BUILT_IN] = "vfio_pci_core-built-in",
        [PP_VFIO_WHY_UNREADABLE] = "unreadable",
        [PP_VFIO_WHY_NAME] = "name",
        [PP_VFIO_WHY_NAME_UNKNOWN] = "name-unknown",
    };
    return names[w];
}

/* ---- the variant drivers the kernel offers (modules.alias, as libvirt reads it) ---- */

static size_t stars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '*';
    return n;
}

static void add_variant(char ***out, size_t *n, const char *name, const char *pattern,
                        size_t **spec)
{
    size_t i, w = stars(pattern);

    for (i = 0; i < *n; i++)
        if (strcmp((*out)[i], name) == 0)
            return;
    *out = xreallocarray(*out, *n + 1, sizeof(**out));
    *spec = xreallocarray(*spec, *n + 1, sizeof(**spec));
    /* most specific (fewest wildcards) first, as libvirt prefers it */
    for (i = *n; i > 0 && (*spec)[i - 1] > w; i--) {
        (*out)[i] = (*out)[i - 1];
        (*spec)[i] = (*spec)[i - 1];
    }
    (*out)[i] = xstrdup(name);
    (*spec)[i] = w;
    (*n)++;
}

size_t pp_host_vfio_variants(const char *proc_root, const char *conf_root, const pp_function *f,
                             char ***out)
{
    char rel[128], line[1024], alias[128], *path;
    size_t n = 0, *spec = NULL;
    FILE *in;

    *out = NULL;
    if (!proc_root || !conf_root)
        return 0;
    path = xasprintf("%s/sys/kernel/osrelease", proc_root);
    in = fopen(path, "re");
    free(path);
    if (!in || !fgets(rel, sizeof(rel), in)) {
        if (in)
            fclose(in);
        return 0;
    }
    fclose(in);
    rel[strcspn(rel, "\n")] = '\0';
    if (!*rel || strchr(rel, '/'))
        return 0;
    /* the kernel's own spelling of a VFIO alias for this function */
    snprintf(alias, sizeof(alias), "vfio_pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
             f->vendor_id, f->device_id, f->subsys_vendor_id, f->subsys_device_id,
             (unsigned)(f->class_code >> 16) & 0xff, (unsigned)(f->class_code >> 8) & 0xff,
             (unsigned)f->class_code & 0xff);
    path = xasprintf("%s/lib/modules/%s/modules.alias", conf_root, rel);
    in = fopen(path, "re");
    free(path);
    if (!in)
        return 0;
    while (fgets(line, sizeof(line), in)) {
        char pat[512], mod[128];
        if (sscanf(line, "alias %511s %127s", pat, mod) == 2 &&
            strncmp(pat, "vfio_pci:", 9) == 0 && strcmp(mod, "vfio_pci") != 0 &&
            fnmatch(pat, alias, 0) == 0)
            add_variant(out, &n, mod, pat, &spec);
    }
    fclose(in);
    free(spec);
    return n;
}

const char *pp_vfio_variant_why(const char *name)
{
    static const struct {
        const char *name, *why;
    } known[] = {
        { "mlx5_vfio_pci", N_("live migration of the guest with its VF") },
        { "hisi_acc_vfio_pci", N_("live migration of the guest with its accelerator VF") },
        { "pds_vfio_pci", N_("live migration of the guest with its VF") },
        { "qat_vfio_pci", N_("live migration of the guest with its accelerator VF") },
        { "virtio_vfio_pci", N_("a virtio VF that the guest drives as a legacy device") },
        { "nvgrace_gpu_vfio_pci", N_("the GPU's device memory given to the guest as memory") },
        { "ism_vfio_pci", N_("IBM Z ISM: plain vfio-pci cannot give it to a guest") },
    };
    size_t i;

    for (i = 0; name && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i].name, name) == 0)
            return _(known[i].why);
    return NULL;
}
