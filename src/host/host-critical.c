/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the host itself needs (the root filesystem's controller, the default route's NIC, the boot
 * VGA) and the setup facts `check` reports, read from the sysfs, proc and dev roots. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/file.h"
#include "pcipass/common.h"
#include "host-private.h"

/* dm over md over a partition is three levels; more is a loop */
#define MAX_DEPTH 8

static void add_critical(pp_host *h, const pp_pci_addr *a, pp_crit_kind kind, const char *detail)
{
    size_t i;
    for (i = 0; i < h->ncritical; i++)
        if (h->critical[i].kind == kind && pp_pci_addr_eq(&h->critical[i].addr, a))
            return;
    h->critical = xreallocarray(h->critical, h->ncritical + 1, sizeof(*h->critical));
    h->critical[h->ncritical].addr = *a;
    h->critical[h->ncritical].kind = kind;
    h->critical[h->ncritical].detail = xstrdup(detail);
    h->ncritical++;
}

/* The nearest PCI function above a sysfs device path: the last component that is an address. */
static bool pci_ancestor(const char *path, pp_pci_addr *out)
{
    char *copy = xstrdup(path), *slash;
    bool found = false;

    while (!found && (slash = strrchr(copy, '/'))) {
        const char *comp = slash + 1;
        /* DDDD:BB:SS.F is 12 characters; cheap filter before the strict parser */
        if (strlen(comp) == 12 && comp[4] == ':' && comp[10] == '.')
            found = pp_pci_addr_read(comp, out);
        *slash = '\0';
    }
    free(copy);
    return found;
}

/* Every entry of DIR whose name starts with PREFIX (slaves/X or lower_X), as paths. */
typedef void (*visit_fn)(pp_host *h, const char *path, pp_crit_kind kind, const char *detail,
                         int depth);

static void visit_entries(pp_host *h, const char *dir, const char *prefix, visit_fn fn,
                          pp_crit_kind kind, const char *detail, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        fn(h, p, kind, detail, depth + 1);
        free(p);
    }
    closedir(d);
}

/* A block device or interface directory (a link into devices/): its PCI function, or the
 * devices it is built on. */
static void resolve_dev(pp_host *h, const char *link, pp_crit_kind kind, const char *detail,
                        int depth)
{
    char real[PATH_MAX], *sub;
    pp_pci_addr a;

    if (depth > MAX_DEPTH || !realpath(link, real))
        return;
    if (pci_ancestor(real, &a) && pp_host_find(h, &a)) {
        add_critical(h, &a, kind, detail);
        return;
    }
    /* virtual devices: dm/md list their disks in slaves/, bond/bridge/vlan their ports as
     * lower_* */
    sub = xasprintf("%s/slaves", real);
    visit_entries(h, sub, "", resolve_dev, kind, detail, depth);
    free(sub);
    visit_entries(h, real, "lower_", resolve_dev, kind, detail, depth);
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
static void find_rootfs(pp_host *h, const char *proc)
{
    char *path = xasprintf("%s/self/mountinfo", proc), *text = pp_read_file(path, NULL);
    char *line, *save = NULL;
    char majmin[32] = "", source[256] = "";

    if (!text) {
        pp_host_warn(h, _("cannot read '%s': %s; the root filesystem's controller is not known"),
                     path, strerror(errno));
        free(path);
        return;
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char mm[32], mnt[256], *dash;
        if (sscanf(line, "%*s %*s %31s %*s %255s", mm, mnt) != 2 || strcmp(mnt, "/") != 0)
            continue;
        /* the last mount on "/" is the one in effect */
        snprintf(majmin, sizeof(majmin), "%s", mm);
        source[0] = '\0';
        if ((dash = strstr(line, " - ")))
            sscanf(dash + 3, "%*s %255s", source);
    }
    free(text);
    free(path);
    if (!majmin[0])
        return;
    /* real sysfs has dev/block/MAJ:MIN; otherwise the name from the mount source */
    path = xasprintf("%s/dev/block/%s", h->sysfs_root, majmin);
    if (access(path, F_OK) == 0) {
        const char *name = strrchr(source, '/');
        resolve_dev(h, path, PP_CRIT_ROOTFS, name ? name + 1 : majmin, 0);
    } else if (source[0]) {
        const char *name = strrchr(source, '/');
        name = name ? name + 1 : source;
        free(path);
        path = xasprintf("%s/class/block/%s", h->sysfs_root, name);
        resolve_dev(h, path, PP_CRIT_ROOTFS, name, 0);
    }
    free(path);
}

static void route_iface(pp_host *h, const char *iface)
{
    char *path;
    if (!*iface || strcmp(iface, "lo") == 0)
        return;
    path = xasprintf("%s/class/net/%s", h->sysfs_root, iface);
    resolve_dev(h, path, PP_CRIT_ROUTE, iface, 0);
    free(path);
}

/* net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." in hex; default has
 * destination and mask 0 and RTF_UP. ipv6_route: "DEST LEN SRC LEN NEXTHOP METRIC REF USE FLAGS
 * IFACE". */
static void find_route(pp_host *h, const char *proc)
{
    char *path = xasprintf("%s/net/route", proc), *text = pp_read_file(path, NULL);
    char *line, *save = NULL;
    char iface[64], dest[40], mask[16];
    unsigned flags, len;

    if (!text)
        pp_host_warn(h, _("cannot read '%s': %s; the default route's interface is not known"), path,
                     strerror(errno));
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
        if (sscanf(line, "%63s %39s %*s %x %*s %*s %*s %15s", iface, dest, &flags, mask) == 4 &&
            strcmp(dest, "00000000") == 0 && strcmp(mask, "00000000") == 0 && (flags & 1))
            route_iface(h, iface);
    free(text);
    free(path);
    path = xasprintf("%s/net/ipv6_route", proc);
    text = pp_read_file(path, NULL); /* absent without IPv6: not worth a warning */
    save = NULL;
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
        if (sscanf(line, "%39s %x %*s %*s %*s %*s %*s %*s %x %63s", dest, &len, &flags, iface) == 4 &&
            len == 0 && strspn(dest, "0") == 32 && (flags & 1))
            route_iface(h, iface);
    free(text);
    free(path);
}

void pp_host_find_critical(pp_host *h, const char *proc_root)
{
    size_t i;

    for (i = 0; i < h->nfuncs; i++)
        if (h->funcs[i].boot_vga)
            add_critical(h, &h->funcs[i].addr, PP_CRIT_BOOT_VGA, "boot_vga");
    if (!proc_root)
        return;
    find_rootfs(h, proc_root);
    find_route(h, proc_root);
    h->critical_checked = true;
}

size_t pp_host_critical_of(const pp_host *h, const pp_pci_addr *addr, const pp_critical **out,
                           size_t max)
{
    size_t i, n = 0;
    for (i = 0; i < h->ncritical && n < max; i++)
        if (pp_pci_addr_eq(&h->critical[i].addr, addr))
            out[n++] = &h->critical[i];
    return n;
}

static bool read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    bool ok;

    if (!f)
        return false;
    ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

static bool file_has(const char *path, const char *needle)
{
    char *text = pp_read_file(path, NULL);
    bool r = text && strstr(text, needle);
    free(text);
    return r;
}

void pp_host_read_setup(const pp_host *h, const char *proc_root, const char *dev_root,
                        pp_host_setup *out)
{
    char *path;
    DIR *d;
    struct dirent *e;
    struct stat st;

    memset(out, 0, sizeof(*out));
    path = xasprintf("%s/kernel/iommu_groups", h->sysfs_root);
    if ((d = opendir(path))) {
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                out->iommu_groups++;
        closedir(d);
    }
    free(path);
    path = xasprintf("%s/module/vfio_pci", h->sysfs_root);
    out->vfio_pci_loaded = stat(path, &st) == 0;
    free(path);
    path = xasprintf("%s/bus/pci/drivers/vfio-pci", h->sysfs_root);
    out->vfio_pci_loaded = out->vfio_pci_loaded || stat(path, &st) == 0;
    free(path);
    if (proc_root) {
        path = xasprintf("%s/cmdline", proc_root);
        out->have_cmdline = read_line(path, out->cmdline, sizeof(out->cmdline));
        free(path);
        path = xasprintf("%s/sys/kernel/osrelease", proc_root);
        if (!read_line(path, out->release, sizeof(out->release)))
            out->release[0] = '\0';
        free(path);
    }
    if (out->release[0]) {
        path = xasprintf("/lib/modules/%s/modules.dep", out->release);
        out->vfio_pci_loadable = file_has(path, "/vfio-pci.ko");
        free(path);
        path = xasprintf("/lib/modules/%s/modules.builtin", out->release);
        out->vfio_pci_loadable = out->vfio_pci_loadable || file_has(path, "/vfio-pci.ko");
        free(path);
    }
    path = xasprintf("%s/vfio/vfio", dev_root ? dev_root : "/dev");
    out->dev_vfio = stat(path, &st) == 0;
    free(path);
}
