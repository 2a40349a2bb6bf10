/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inventory container and pcipass's own sysfs reads (the attributes libpci does not know). */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/file.h"
#include "host-private.h"

void pp_host_warn(pp_host *h, const char *fmt, ...)
{
    va_list ap;
    char *w;
    h->warnings = xreallocarray(h->warnings, h->nwarnings + 1, sizeof(*h->warnings));
    va_start(ap, fmt);
    w = xvasprintf(fmt, ap);
    va_end(ap);
    /* sysfs names and contents are any bytes: escaped where they enter a message */
    h->warnings[h->nwarnings++] = pp_escape_ctl(w);
    free(w);
}

pp_strpool *pp_host_strings(pp_host *h)
{
    /* made on first use, here alone: a host is also put together by hand (the unit checks) */
    if (!h->strings)
        h->strings = pp_strpool_new();
    return h->strings;
}

const char *pp_host_keep(pp_host *h, char *s)
{
    return pp_strpool_take(pp_host_strings(h), s);
}

const char *pp_host_keep_copy(pp_host *h, const char *s)
{
    return pp_strpool_add(pp_host_strings(h), s);
}

void pp_host_add(pp_host *h, const pp_function *f)
{
    /* Grows by doubling: the sources add thousands of functions on SR-IOV hosts. */
    if ((h->nfuncs & (h->nfuncs - 1)) == 0)
        h->funcs = xreallocarray(h->funcs, h->nfuncs ? h->nfuncs * 2 : 1, sizeof(*h->funcs));
    h->funcs[h->nfuncs++] = *f;
}

static const char *const attr_names[PP_ATTR_COUNT] = {
    "boot_vga", "class", "config", "device", "driver", "driver_override", "function_id",
    "iommu_group", "irq", "numa_node", "pchid", "physfn", "reset", "reset_method", "resource",
    "revision", "sriov_numvfs", "sriov_totalvfs", "subsystem_device", "subsystem_vendor", "uevent",
    "uid", "uid_is_unique", "vendor", "vfio-dev"
};

const char *pp_fn_dir_name(int attr)
{
    return attr_names[attr];
}

static int attr_index(const char *name)
{
    size_t lo = 0, hi = PP_ATTR_COUNT;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, attr_names[mid]);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

bool pp_fn_dir_open(pp_fn_dir *d, int at, const char *path)
{
    /* getdents64 itself: opendir() and fdopendir() add an fstat, readdir() nothing we need */
    _Alignas(struct dirent64) char buf[8192];
    ssize_t n;
    int err;

    for (size_t i = 0; i < PP_ATTR_COUNT; i++)
        d->type[i] = -1;
    d->fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->fd < 0)
        return false;
    while ((n = getdents64(d->fd, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(void *)(buf + off);
            int k = attr_index(e->d_name);
            if (k >= 0)
                d->type[k] = e->d_type;
            off += e->d_reclen;
        }
    }
    if (n < 0) {
        err = errno;
        close(d->fd);
        d->fd = -1;
        errno = err;
        return false;
    }
    return true;
}

void pp_fn_dir_close(pp_fn_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

bool pp_fn_dir_special(const pp_fn_dir *d, int attr)
{
    struct stat st;

    if (d->type[attr] < 0 || d->type[attr] == DT_REG)
        return false;
    if (d->type[attr] == DT_LNK || d->type[attr] == DT_UNKNOWN)
        return fstatat(d->fd, attr_names[attr], &st, 0) == 0 && !S_ISREG(st.st_mode);
    return true;
}

int pp_fn_dir_open_attr(const pp_fn_dir *d, int attr)
{
    if (d->type[attr] < 0) {
        errno = ENOENT;
        return -1;
    }
    /* O_NONBLOCK all the same: a FIFO put there since the directory was read does not block */
    if (d->type[attr] == DT_REG)
        return openat(d->fd, attr_names[attr], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (d->type[attr] == DT_LNK || d->type[attr] == DT_UNKNOWN)
        return pp_open_regular(d->fd, attr_names[attr]);
    errno = EFTYPE_PP;
    return -1;
}

/* One attribute file, read once. 1: read; 0: absent; -1: present but unreadable (warned). */
/* ATTR's text in BUF, NUL-terminated, from one read: sysfs gives an attribute whole, and a file
 * swapped for something endless after the directory was read is not read without end. Its length,
 * or -1 with errno set (ENOENT: absent). */
static ssize_t read_text(const pp_fn_dir *d, int attr, char *buf, size_t size)
{
    int fd = pp_fn_dir_open_attr(d, attr), e;
    ssize_t n;

    if (fd < 0)
        return -1;
    do
        n = read(fd, buf, size - 1);
    while (n < 0 && errno == EINTR);
    e = errno;
    close(fd);
    errno = e;
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static int read_attr(pp_host *h, const pp_function *f, const pp_fn_dir *d, int attr, char *buf,
                     size_t size)
{
    if (read_text(d, attr, buf, size) < 0) {
        if (errno == ENOENT)
            return 0;
        pp_host_warn(h, _("%s: cannot read '%s': %s"), f->name, attr_names[attr],
                     pp_open_error(errno));
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 1;
}

bool pp_host_parse_attr_number(const char *s, int base, unsigned long max, unsigned long *out)
{
    uint64_t v;

    if (pp_parse_u64(s, base, max, &v) != 0)
        return false;
    *out = (unsigned long)v;
    return true;
}

const char *pp_host_link_base(const char *target)
{
    size_t n = strlen(target);
    const char *b;

    while (n > 1 && target[n - 1] == '/')
        n--;
    for (b = target + n; b > target && b[-1] != '/'; b--)
        ;
    return b;
}

static bool read_number(pp_host *h, const pp_function *f, const pp_fn_dir *d, int attr,
                        int base, unsigned long max, unsigned long *out)
{
    char buf[64];

    if (read_attr(h, f, d, attr, buf, sizeof(buf)) != 1)
        return false;
    if (!pp_host_parse_attr_number(buf, base, max, out)) {
        pp_host_warn(h, _("%s: '%s' holds '%s', not a number; ignored"), f->name,
                     attr_names[attr], buf);
        return false;
    }
    return true;
}

/* "VVVV:DDDD", as the kernel prints two ids */
static bool id_pair(const char *s, size_t n, unsigned *a, unsigned *b)
{
    return n == 9 && pp_hex_field(s, 4, a) == s + 4 && s[4] == ':' &&
           pp_hex_field(s + 5, 4, b) == s + 9;
}

const char *pp_host_parse_uevent(const char *text, pp_uevent_ident *out)
{
    static const char *const keys[] = { "PCI_CLASS", "PCI_ID", "PCI_SUBSYS_ID" };
    bool seen[3] = { false, false, false };
    const char *line = text;

    while (*line) {
        size_t len = strcspn(line, "\n");
        const char *eq = memchr(line, '=', len);

        for (size_t k = 0; eq && k < 3; k++) {
            size_t kl = strlen(keys[k]), vl = len - kl - 1;
            const char *v = eq + 1;
            unsigned cls = 0;
            bool ok;

            if ((size_t)(eq - line) != kl || memcmp(line, keys[k], kl) != 0)
                continue;
            /* a key twice is no text of the kernel's: which one would be true? */
            if (seen[k])
                return keys[k];
            if (k == 0) {
                /* %04X of the 24-bit class: four to six digits */
                ok = vl >= 4 && vl <= 6 && pp_hex_field(v, 6, &cls) == v + vl;
                out->class_code = cls;
            } else if (k == 1) {
                ok = id_pair(v, vl, &out->vendor, &out->device);
            } else {
                ok = id_pair(v, vl, &out->subsys_vendor, &out->subsys_device);
            }
            if (!ok)
                return keys[k];
            seen[k] = true;
        }
        line += len;
        if (*line)
            line++;
    }
    for (size_t k = 0; k < 3; k++)
        if (!seen[k])
            return keys[k];
    return NULL;
}

/* The function's NUMA node: -1 where the kernel knows none (or the file says nothing usable). */
static int read_numa(pp_host *h, const pp_function *f, const pp_fn_dir *d)
{
    char buf[64];
    unsigned long v;

    if (read_attr(h, f, d, PP_ATTR_NUMA_NODE, buf, sizeof(buf)) != 1 || strcmp(buf, "-1") == 0)
        return -1;
    if (!pp_host_parse_attr_number(buf, 10, 0xffff, &v)) {
        pp_host_warn(h, _("%s: '%s' holds '%s', not a number; ignored"), f->name, "numa_node", buf);
        return -1;
    }
    return (int)v;
}

int pp_host_read_ident_dir(pp_host *h, pp_function *f, const pp_fn_dir *d, bool *ext)
{
    char buf[4096];
    pp_uevent_ident id;
    const char *bad;
    unsigned char rev;
    unsigned long r;
    ssize_t n;
    int fd;

    *ext = false;
    if ((n = read_text(d, PP_ATTR_UEVENT, buf, sizeof(buf))) < 0) {
        if (errno == ENOENT)
            return 0;
        pp_host_warn(h, _("%s: cannot read '%s': %s; its identity is read from the attribute files"),
                     f->name, "uevent", pp_open_error(errno));
        return -1;
    }
    if (strlen(buf) != (size_t)n) {
        pp_host_warn(h, _("%s: 'uevent' holds a NUL byte; its identity is read from the attribute "
                          "files"), f->name);
        return -1;
    }
    if ((bad = pp_host_parse_uevent(buf, &id))) {
        pp_host_warn(h, _("%s: 'uevent' has no %s as the kernel writes it; its identity is read "
                          "from the attribute files"), f->name, bad);
        return -1;
    }
    f->vendor_id = id.vendor;
    f->device_id = id.device;
    f->class_code = id.class_code;
    f->subsys_vendor_id = id.subsys_vendor;
    f->subsys_device_id = id.subsys_device;
    /* the revision is config space's byte 8, one byte the kernel reads for anyone; the extended
     * space (from 0x100) only root reads, and a conventional function has none */
    f->revision = 0;
    fd = h->config_unread ? -1 : pp_fn_dir_open_attr(d, PP_ATTR_CONFIG);
    if (fd >= 0 && pread(fd, &rev, 1, 8) == 1) {
        f->revision = rev;
    } else if (!h->config_unread && read_number(h, f, d, PP_ATTR_REVISION, 0, 0xff, &r)) {
        f->revision = (unsigned)r;
    }
    if (fd >= 0) {
        char ec[4];
        *ext = pread(fd, ec, sizeof(ec), 0x100) == (ssize_t)sizeof(ec);
        close(fd);
    }
    f->numa_node = read_numa(h, f, d);
    return 1;
}

static void read_sriov(pp_host *h, pp_function *f, const pp_fn_dir *d)
{
    char link[4096];
    ssize_t n;
    unsigned long total, enabled;

    n = d->type[PP_ATTR_PHYSFN] < 0 ? -1 : readlinkat(d->fd, "physfn", link, sizeof(link) - 1);
    if (n > 0) {
        const char *base;
        link[n] = '\0';
        base = strrchr(link, '/');
        base = base ? base + 1 : link;
        if (pp_pci_addr_read(base, &f->physfn))
            f->is_vf = true;
        else
            pp_host_warn(h, _("%s: 'physfn' points to '%s', not a PCI function"), f->name, link);
    }
    if (read_number(h, f, d, PP_ATTR_SRIOV_TOTALVFS, 10, 0xffff, &total)) {
        f->is_pf = true;
        f->sriov_total = (unsigned)total;
        if (read_number(h, f, d, PP_ATTR_SRIOV_NUMVFS, 10, 0xffff, &enabled))
            f->sriov_enabled = (unsigned)enabled;
    }
}

/* s390: the kernel's zPCI attributes (Documentation/arch/s390/pci.rst). */
static void read_zpci(pp_host *h, pp_function *f, const pp_fn_dir *d)
{
    unsigned long fid, uid = 0, uniq = 0, pchid = 0;

    if (!read_number(h, f, d, PP_ATTR_FUNCTION_ID, 0, 0xffffffffUL, &fid))
        return;
    f->has_zpci = true;
    f->zpci.fid = (uint32_t)fid;
    if (read_number(h, f, d, PP_ATTR_UID, 0, 0xffff, &uid))
        f->zpci.uid = (uint32_t)uid;
    /* the kernel shows one variable (zpci_unique_uid, the LPAR's UID checking) in every
     * function's file: read from the first function that has it, 3 system calls fewer each */
    if (!h->zpci_uniq_read && read_number(h, f, d, PP_ATTR_UID_IS_UNIQUE, 0, 1, &uniq)) {
        h->zpci_uniq_read = true;
        h->zpci_uniq = uniq == 1;
    }
    f->zpci.uid_is_unique = h->zpci_uniq;
    if (read_number(h, f, d, PP_ATTR_PCHID, 0, 0xffff, &pchid))
        f->zpci.pchid = (uint32_t)pchid;
}

/* The basename of the target of link ATTR, as libpci would give it after realpath(), within the
 * caller's LINK of SIZE bytes: none when the link is absent or dangling (warned). One readlinkat
 * and one faccessat instead of realpath()'s walk over every component of the path: on 4096
 * functions that walk is most of the scan. */
static const char *read_link_base(pp_host *h, const pp_function *f, const pp_fn_dir *d,
                                  int attr, char *link, size_t size)
{
    const char *name = attr_names[attr], *base;
    ssize_t n;

    if (d->type[attr] < 0)
        return NULL;
    n = readlinkat(d->fd, name, link, size - 1);
    if (n < 0) {
        if (errno != ENOENT && errno != EINVAL)
            pp_host_warn(h, _("%s: cannot read '%s': %s"), f->name, name, strerror(errno));
        return NULL;
    }
    link[n] = '\0';
    if (faccessat(d->fd, name, F_OK, 0) != 0) {
        pp_host_warn(h, _("%s: '%s' link is dangling, treated as none"), f->name, name);
        return NULL;
    }
    base = pp_host_link_base(link);
    return *base ? base : NULL;
}

static bool class_is_bridge(uint32_t class_code)
{
    unsigned cls = class_code >> 8;
    /* host, PCI-to-PCI, CardBus and semi-transparent bridges: not endpoints, never assignable */
    return cls == 0x0600 || cls == 0x0604 || cls == 0x0607 || cls == 0x0609;
}

/* An attribute's text with control bytes made visible, in place: sysfs roots can be anything. */
static char *tamed(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}

static void read_group(pp_host *h, pp_function *f, const pp_fn_dir *d)
{
    char link[PATH_MAX];
    const char *g = read_link_base(h, f, d, PP_ATTR_IOMMU_GROUP, link, sizeof(link));
    unsigned long v;

    if (g && pp_host_parse_attr_number(g, 10, 0x7fffffff, &v))
        f->iommu_group = (int)v;
    else if (g)
        pp_host_warn(h, _("%s: 'iommu_group' points to '%s', not a group number; ignored"),
                     f->name, g);
}

static void read_reset(pp_host *h, pp_function *f, const pp_fn_dir *d)
{
    char ov[256], rm[256];

    if (read_attr(h, f, d, PP_ATTR_DRIVER_OVERRIDE, ov, sizeof(ov)) == 1 && *ov &&
        strcmp(ov, "(null)") != 0)
        f->driver_override = pp_host_keep_copy(h, tamed(ov));
    /* the kernel hides both reset and reset_method where it has no reset for the function */
    switch (read_attr(h, f, d, PP_ATTR_RESET_METHOD, rm, sizeof(rm))) {
    case 1:
        f->reset_method = pp_host_keep_copy(h, tamed(rm));
        f->no_reset = !*rm;
        f->resettable = *rm;
        break;
    case 0:
        /* the directory's entries say whether "reset" is there */
        f->resettable = d->type[PP_ATTR_RESET] >= 0;
        f->no_reset = !f->resettable;
        break;
    default:
        break;
    }
}

void pp_host_read_extra_dir(pp_host *h, pp_function *f, const pp_fn_dir *d)
{
    char buf[16], link[PATH_MAX];

    f->bridge = class_is_bridge(f->class_code);
    f->iommu_group = -1; /* never group 0 by accident */
    f->driver = pp_host_keep_copy(h, read_link_base(h, f, d, PP_ATTR_DRIVER, link, sizeof(link)));
    if (f->driver && d->type[PP_ATTR_VFIO_DEV] >= 0)
        f->vfio_dev = pp_host_keep(h, pp_host_read_vfio_dev(d->fd));
    read_group(h, f, d);
    read_sriov(h, f, d);
    read_zpci(h, f, d);
    read_reset(h, f, d);
    /* boot_vga exists only on VGA-class functions */
    if ((f->class_code >> 16) == 0x03 &&
        read_attr(h, f, d, PP_ATTR_BOOT_VGA, buf, sizeof(buf)) == 1)
        f->boot_vga = strcmp(buf, "1") == 0;
}

void pp_host_read_extra(pp_host *h, pp_function *f, const char *devdir)
{
    pp_fn_dir d;

    if (!pp_fn_dir_open(&d, AT_FDCWD, devdir)) {
        f->bridge = class_is_bridge(f->class_code);
        f->iommu_group = -1;
        pp_host_warn(h, _("%s: cannot open '%s': %s"), f->name, devdir, strerror(errno));
        return;
    }
    pp_host_read_extra_dir(h, f, &d);
    pp_fn_dir_close(&d);
}

static pp_host *load(const char *root, bool names_later, bool config_unread)
{
    const pp_host_source *src = &pp_host_source_libpci;
    pp_host *h = xcalloc(1, sizeof(*h));
    size_t len;

    h->sysfs_root = xstrdup(root && *root ? root : "/sys");
    len = strlen(h->sysfs_root);
    while (len > 1 && h->sysfs_root[len - 1] == '/')
        h->sysfs_root[--len] = '\0';
    h->source = src->name;
    h->names_later = names_later;
    h->config_unread = config_unread;
    if (!src->load(h, h->sysfs_root, NULL)) {
        pp_host_free(h);
        return NULL;
    }
    pp_host_judge_vfio(h);
    return h;
}

pp_host *pp_host_load(const char *root)
{
    return load(root, false, false);
}

pp_host *pp_host_load_listing(const char *root, bool names_later)
{
    return load(root, names_later, true);
}

void pp_host_free(pp_host *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < h->nfuncs; i++) {
        if (h->funcs[i].binding)
            free(h->funcs[i].binding->detail);
        free(h->funcs[i].binding);
    }
    for (i = 0; i < h->nwarnings; i++)
        free(h->warnings[i]);
    for (i = 0; i < h->ncritical; i++)
        free(h->critical[i].detail);
    free(h->critical);
    free(h->warnings);
    free(h->funcs);
    pp_strpool_free(h->strings);
    free(h->sysfs_root);
    free(h);
}

const pp_function *pp_host_find(const pp_host *h, const pp_pci_addr *addr)
{
    size_t lo = 0, hi = h->nfuncs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pp_pci_addr_cmp(&h->funcs[mid].addr, addr);
        if (c == 0)
            return &h->funcs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t pp_host_group_members(const pp_host *h, const pp_function *f, const pp_function **out,
                             size_t max)
{
    size_t i, n = 0;

    if (f->iommu_group < 0)
        return 0;
    for (i = 0; i < h->nfuncs; i++) {
        const pp_function *g = &h->funcs[i];
        if (g != f && g->iommu_group == f->iommu_group) {
            if (n < max)
                out[n] = g;
            n++;
        }
    }
    return n < max ? n : max;
}

int pp_host_pcie(const pp_host *h, const pp_pci_addr *a)
{
    char name[PP_PCI_ADDR_STRLEN], *path;
    unsigned char cfg[256];
    struct stat st;
    int fd, pcie = -1;
    ssize_t n;
    unsigned pos, hops;

    if (h->partial) { /* node devices: what libvirt said, no sysfs here */
        const pp_function *f = pp_host_find(h, a);
        return f ? f->pcie : -1;
    }
    pp_pci_addr_format(a, name);
    /* the kernel shows the link attributes of PCI Express functions only */
    path = xasprintf("%s/bus/pci/devices/%s/max_link_speed", h->sysfs_root, name);
    if (stat(path, &st) == 0)
        pcie = 1;
    free(path);
    if (pcie == 1)
        return 1;
    /* else the capability list, which only root reads past the first 64 bytes */
    path = xasprintf("%s/bus/pci/devices/%s/config", h->sysfs_root, name);
    fd = pp_open_regular(AT_FDCWD, path);
    free(path);
    if (fd < 0)
        return -1;
    n = pread(fd, cfg, sizeof(cfg), 0);
    close(fd);
    if (n < (ssize_t)sizeof(cfg) || !(cfg[0x06] & 0x10)) /* no capability list readable */
        return -1;
    for (pos = cfg[0x34] & 0xfc, hops = 0; pos >= 0x40 && hops < 48; hops++) {
        if (cfg[pos] == 0x10) /* PCI Express */
            return 1;
        pos = cfg[pos + 1] & 0xfc;
    }
    return 0;
}

bool pp_host_is_s390(const pp_host *h)
{
    size_t i;
    for (i = 0; i < h->nfuncs; i++)
        if (h->funcs[i].has_zpci)
            return true;
    return false;
}
