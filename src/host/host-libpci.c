/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only place that talks to libpci. */
#include <config.h>

#include <pthread.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pci/pci.h>

#include "pcipass/common.h"
#include "pcipass/file.h"
#include "host-private.h"

/* libpci's error callback must not return; it longjmps here, so a broken entry costs that entry
 * only. */
static jmp_buf libpci_jmp;
static bool libpci_jmp_armed;
static char libpci_msg[1024];
static pp_host *libpci_host;
static const char *libpci_current; /* the function being read, for warnings */

static void PP_NORETURN libpci_error(char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    vsnprintf(libpci_msg, sizeof(libpci_msg), msg, ap);
    va_end(ap);
    if (libpci_jmp_armed)
        longjmp(libpci_jmp, 1);
    pp_die(_("libpci: %s"), libpci_msg);
}

static void libpci_warning(char *msg, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, msg);
    vsnprintf(buf, sizeof(buf), msg, ap);
    va_end(ap);
    if (libpci_host && libpci_current)
        pp_host_warn(libpci_host, _("%s: libpci: %s"), libpci_current, buf);
    else if (libpci_host)
        pp_host_warn(libpci_host, _("libpci: %s"), buf);
}

static void libpci_debug(char *msg, ...)
{
    (void)msg;
}

/* Our own readdir: the addresses to ask libpci for, in address order, each exactly once. */
static bool list_addresses(pp_host *h, const char *devdir, pp_pci_addr **out, size_t *n)
{
    DIR *d = opendir(devdir);
    struct dirent *de;
    size_t cap = 0;

    *out = NULL;
    *n = 0;
    if (!d) {
        pp_error_set(_("cannot read PCI devices in '%s': %s"), devdir, strerror(errno));
        return false;
    }
    while ((de = readdir(d))) {
        pp_pci_addr a;
        char canon[PP_PCI_ADDR_STRLEN];

        if (de->d_name[0] == '.')
            continue;
        /* Only the kernel's own spelling; anything else is not a PCI function. */
        if (strlen(de->d_name) >= PP_PCI_ADDR_STRLEN || !pp_pci_addr_read(de->d_name, &a)) {
            pp_host_warn(h, _("%s/%s: not a PCI function address, skipped"), devdir, de->d_name);
            continue;
        }
        pp_pci_addr_format(&a, canon);
        if (strcmp(canon, de->d_name) != 0) {
            pp_host_warn(h, _("%s/%s: not a PCI function address, skipped"), devdir, de->d_name);
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[(*n)++] = a;
    }
    closedir(d);
    pp_error_clear();
    qsort(*out, *n, sizeof(**out), pp_pci_addr_qcmp);
    return true;
}

static char *lookup(struct pci_access *pacc, int flags, ...)
{
    char buf[256];
    const char *r;
    va_list ap;

    va_start(ap, flags);
    /* libpci's lookup is variadic; the arguments pass straight through as libpci documents. */
    switch (flags & (PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_CLASS)) {
    case PCI_LOOKUP_VENDOR:
        r = pci_lookup_name(pacc, buf, sizeof(buf), flags, va_arg(ap, int));
        break;
    case PCI_LOOKUP_DEVICE: {
        int v = va_arg(ap, int), dv = va_arg(ap, int);
        r = pci_lookup_name(pacc, buf, sizeof(buf), flags, v, dv);
        break;
    }
    default:
        r = pci_lookup_name(pacc, buf, sizeof(buf), flags, va_arg(ap, int));
        break;
    }
    va_end(ap);
    return r ? xstrdup(r) : NULL;
}

/* pci.ids' name of the class and subclass CLS. Where pci.ids has only the class, libpci writes
 * "Class name [CLS]", where it has neither, "Class CLS": the class name alone, or none. */
static char *class_name(struct pci_access *pacc, unsigned cls)
{
    char *n = lookup(pacc, PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, (int)cls);
    char tail[16];
    size_t len, tl;

    if (!n)
        return NULL;
    snprintf(tail, sizeof(tail), " [%04x]", cls);
    len = strlen(n);
    tl = strlen(tail);
    if (len > tl && strcmp(n + len - tl, tail) == 0) {
        n[len - tl] = '\0';
    } else {
        char fb[32];
        snprintf(fb, sizeof(fb), "Class %04x", cls);
        if (strcmp(n, fb) == 0) {
            free(n);
            n = NULL;
        }
    }
    return n;
}

/* Whether the extended config space (from 0x100) of the function can be read: the kernel shows
 * only 64 bytes to non-root, a conventional function has 256; libpci would warn on every short
 * read while it walks the capabilities. */
static bool ext_config_readable(const pp_fn_dir *d)
{
    char buf[4];
    int fd = pp_fn_dir_open_attr(d, PP_ATTR_CONFIG);
    bool ok = fd >= 0 && pread(fd, buf, sizeof(buf), 0x100) == (ssize_t)sizeof(buf);

    if (fd >= 0)
        close(fd);
    return ok;
}

/* The attribute files libpci opens for a function: libpci opens them blocking, so each is looked
 * at first in the function's directory as read once (the entries' types, as lspci's own
 * directory read costs) rather than a stat each. False (warned, the function skipped) when one
 * that libpci needs is no regular file; *NUMA false when numa_node is not (the function is read
 * without it). */
static bool attrs_regular(pp_host *h, const pp_fn_dir *d, const char *name, bool *numa)
{
    static const int need[] = { PP_ATTR_VENDOR, PP_ATTR_DEVICE, PP_ATTR_CLASS,
                                PP_ATTR_REVISION, PP_ATTR_SUBSYSTEM_VENDOR,
                                PP_ATTR_SUBSYSTEM_DEVICE, PP_ATTR_CONFIG, PP_ATTR_IRQ,
                                PP_ATTR_RESOURCE };

    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (pp_fn_dir_special(d, need[i])) {
            pp_host_warn(h, _("%s: skipped: '%s' is not a regular file"), name,
                         pp_fn_dir_name(need[i]));
            return false;
        }
    *numa = !pp_fn_dir_special(d, PP_ATTR_NUMA_NODE);
    if (!*numa)
        pp_host_warn(h, _("%s: cannot read '%s': %s"), name, "numa_node", _("not a regular file"));
    return true;
}

/* pci.ids' names of F; what PREV (the function read before it, NULL for none) has in common with
 * F is taken from it: SR-IOV hosts hold thousands of VFs of one model, and each lookup walks
 * libpci's hash. */
static void fill_names(struct pci_access *pacc, pp_host *h, pp_function *f,
                       const pp_function *prev)
{
    int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
    const char *u = f->ident_unknown;
    /* pci.ids' names of an id that is not there would be a guess (check_ident) */
    bool no_vendor = u && strcmp(u, "vendor") == 0;
    bool no_device = no_vendor || (u && strcmp(u, "device") == 0);
    bool no_class = u && strcmp(u, "class") == 0;
    bool vendor;

    if (prev && prev->ident_unknown)
        prev = NULL;
    vendor = prev && prev->vendor_id == f->vendor_id;
    if (!f->vendor_name && !no_vendor)
        f->vendor_name =
            vendor ? prev->vendor_name
                   : pp_host_keep(h, lookup(pacc, PCI_LOOKUP_VENDOR | flags, (int)f->vendor_id));
    if (!f->device_name && !no_device)
        f->device_name = vendor && prev->device_id == f->device_id
                             ? prev->device_name
                             : pp_host_keep(h, lookup(pacc, PCI_LOOKUP_DEVICE | flags,
                                                      (int)f->vendor_id, (int)f->device_id));
    if (!f->class_name && !no_class)
        f->class_name = prev && prev->class_code >> 8 == f->class_code >> 8
                            ? prev->class_name
                            : pp_host_keep(h, class_name(pacc, f->class_code >> 8));
}

/* Reads one function through libpci: its identity when IDENT (else F has it from its uevent), its
 * serial number when EXT, its names. False when libpci gave up on it (the entry is skipped). */
static bool fill_one(struct pci_access *pacc, pp_host *h, pp_function *f, const pp_function *prev,
                     bool ident, bool ext, bool numa)
{
    /* volatile: it lives across the longjmp back from libpci's error callback. */
    struct pci_dev *volatile dev = NULL;

    /* Only libpci's reads sit between setjmp and a possible longjmp; f is untouched there. */
    if (setjmp(libpci_jmp)) {
        pp_host_warn(h, _("%s: skipped: %s"), f->name, libpci_msg);
        if (dev)
            pci_free_dev(dev);
        libpci_current = NULL;
        return false;
    }
    libpci_current = f->name;
    if (!ident && !ext)
        goto names;
    dev = pci_get_dev(pacc, (int)f->addr.domain, (int)f->addr.bus, (int)f->addr.slot,
                      (int)f->addr.function);
    /* The driver and IOMMU group links are read by pp_host_read_extra(), once each: libpci would
     * resolve each with realpath(), one readlink per component of the path. */
    /* the extended capabilities for the Device Serial Number: the one id that tells two cards
     * of the same model apart, for the audit */
    pci_fill_info(dev, (ident ? PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
                                    PCI_FILL_SUBSYS | (numa ? PCI_FILL_NUMA_NODE : 0)
                              : 0) |
                           (ext ? PCI_FILL_CAPS | PCI_FILL_EXT_CAPS : 0));
    struct pci_cap *dsn = ext ? pci_find_cap(dev, PCI_EXT_CAP_ID_DSN, PCI_CAP_EXTENDED) : NULL;
    if (dsn) {
        f->has_serial = true;
        f->serial = ((uint64_t)pci_read_long(dev, dsn->addr + 8) << 32) |
                    pci_read_long(dev, dsn->addr + 4);
    }
    if (ident) {
        f->vendor_id = dev->vendor_id;
        f->device_id = dev->device_id;
        f->class_code = ((uint32_t)dev->device_class << 8) | dev->prog_if;
        f->revision = dev->rev_id;
        f->subsys_vendor_id = dev->subsys_vendor_id;
        f->subsys_device_id = dev->subsys_id;
        f->numa_node = numa ? dev->numa_node : -1;
    }
    pci_free_dev(dev);
    dev = NULL; /* the name lookups below may still longjmp back */
names:
    if (!h->names_later)
        fill_names(pacc, h, f, prev);
    libpci_current = NULL;
    return true;
}

/* Whether TEXT is the kernel's spelling of an id of DIGITS hex digits: "0x8086\n". */
static bool hex_id(const char *text, size_t digits)
{
    size_t n = 0;

    if (strncmp(text, "0x", 2) != 0)
        return false;
    for (text += 2; n < digits && strchr("0123456789abcdefABCDEF", *text) && *text; text++)
        n++;
    return n == digits && (!*text || strcmp(text, "\n") == 0);
}

/* libpci reads an empty or garbage vendor, device or class file as 0: where it gave 0, the file
 * is read once more to tell a real 0 (a class) from an id that is not there (said, by file). */
/* The text of identity file NAME (ATTR in D; through DEVDIR where the directory could not be
 * read), NULL when it cannot be read. */
static char *ident_text(const pp_fn_dir *d, int attr, const char *devdir, const pp_function *f,
                        const char *name)
{
    char *path, *text, buf[64];
    ssize_t r;
    int fd;

    if (!d) {
        path = xasprintf("%s/%s/%s", devdir, f->name, name);
        text = pp_read_file(path, NULL);
        free(path);
        return text;
    }
    if ((fd = pp_fn_dir_open_attr(d, attr)) < 0)
        return NULL;
    /* one short read: the kernel's text is "0x020000\n", and a file swapped for a device after
     * the directory was read must not be read without end */
    do
        r = read(fd, buf, sizeof(buf) - 1);
    while (r < 0 && errno == EINTR);
    close(fd);
    if (r < 0)
        return NULL;
    buf[r] = '\0';
    return xstrdup(buf);
}

static void check_ident(pp_host *h, pp_function *f, const pp_fn_dir *d, const char *devdir)
{
    static const char *const files[] = { "vendor", "device", "class" };
    static const int attrs[] = { PP_ATTR_VENDOR, PP_ATTR_DEVICE, PP_ATTR_CLASS };
    static const size_t digits[] = { 4, 4, 6 };
    const unsigned v[] = { f->vendor_id, f->device_id, f->class_code };
    char *text;

    for (size_t i = 0; i < 3 && !f->ident_unknown; i++) {
        if (v[i] != 0)
            continue;
        text = ident_text(d, attrs[i], devdir, f, files[i]);
        if (text && hex_id(text, digits[i])) {
            free(text);
            continue;
        }
        f->ident_unknown = files[i];
        /* pci.ids' names of an id that is not there would be a guess */
        *(i == 2 ? &f->class_name : &f->device_name) = NULL;
        if (i == 0)
            f->vendor_name = NULL;
        if (text && *text && text[strlen(text) - 1] == '\n')
            text[strlen(text) - 1] = '\0';
        if (text && *text)
            pp_host_warn(h, _("%s: its identity is unknown: '%s' holds \"%s\", not a hex id"),
                         f->name, files[i], text);
        else
            pp_host_warn(h, _("%s: its identity is unknown: '%s' is empty or unreadable"), f->name,
                         files[i]);
        free(text);
    }
}

static bool libpci_load(pp_host *h, const char *root)
{
    char *busdir, *devdir;
    struct pci_access *pacc;
    pp_pci_addr *addrs;
    size_t naddrs, i;
    struct stat st;
    int devfd;

    if (stat(root, &st) != 0) {
        pp_error_set(_("sysfs root '%s': %s"), root, strerror(errno));
        return false;
    }
    busdir = xasprintf("%s/bus/pci", root);
    devdir = xasprintf("%s/devices", busdir);
    if (!S_ISDIR(st.st_mode) || stat(devdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        pp_error_set(_("'%s' is not a sysfs root: it has no bus/pci/devices directory"), root);
        goto fail;
    }
    if (!list_addresses(h, devdir, &addrs, &naddrs))
        goto fail;

    pacc = pci_alloc();
    pacc->method = PCI_ACCESS_SYS_BUS_PCI;
    pacc->error = libpci_error;
    pacc->warning = libpci_warning;
    pacc->debug = libpci_debug;
    libpci_host = h;
    libpci_jmp_armed = true;
    if (setjmp(libpci_jmp)) {
        libpci_jmp_armed = false;
        libpci_host = NULL;
        pp_error_set(_("libpci cannot read '%s': %s"), busdir, libpci_msg);
        free(addrs);
        /* pci_cleanup() after a failed init may touch half-set state; the leak is one struct. */
        goto fail;
    }
    pci_set_param(pacc, "sysfs.path", busdir);
    pci_init(pacc);
    devfd = open(devdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    for (i = 0; i < naddrs; i++) {
        pp_function f;
        const pp_function *prev;
        pp_fn_dir d;
        bool numa = true, listed, ext, ok;

        memset(&f, 0, sizeof(f));
        f.addr = addrs[i];
        pp_pci_addr_format(&f.addr, f.name);
        /* one directory fd per function: what it holds is known from one read of it */
        listed = devfd >= 0 && pp_fn_dir_open(&d, devfd, f.name);
        if (!listed) {
            /* libpci says why (a dangling device link: its files cannot be opened either) */
            if (fill_one(pacc, h, &f, h->nfuncs ? &h->funcs[h->nfuncs - 1] : NULL, true, false,
                         true)) {
                char *path = xasprintf("%s/%s", devdir, f.name);
                check_ident(h, &f, NULL, devdir);
                pp_host_read_extra(h, &f, path);
                free(path);
                pp_host_add(h, &f);
            }
            continue;
        }
        prev = h->nfuncs ? &h->funcs[h->nfuncs - 1] : NULL;
        if (pp_host_read_ident_dir(h, &f, &d, &ext) == 1) {
            ok = fill_one(pacc, h, &f, prev, false, ext, false);
        } else {
            /* no uevent that the kernel wrote: libpci reads the attribute files */
            ok = attrs_regular(h, &d, f.name, &numa) &&
                 fill_one(pacc, h, &f, prev, true, !h->config_unread && ext_config_readable(&d),
                          numa);
            if (ok)
                check_ident(h, &f, &d, devdir);
        }
        if (ok) {
            pp_host_read_extra_dir(h, &f, &d);
            pp_host_add(h, &f);
        }
        pp_fn_dir_close(&d);
    }
    if (devfd >= 0)
        close(devfd);
    libpci_jmp_armed = false;
    libpci_host = NULL;
    pci_cleanup(pacc);
    free(addrs);
    free(busdir);
    free(devdir);
    return true;
fail:
    free(busdir);
    free(devdir);
    return false;
}

/* libpci's callbacks reach the host through one static pointer: one scan at a time */
static pthread_mutex_t libpci_lock = PTHREAD_MUTEX_INITIALIZER;

static bool libpci_load_locked(pp_host *h, const char *root, void *conn)
{
    bool ok;
    (void)conn;
    pthread_mutex_lock(&libpci_lock);
    ok = libpci_load(h, root);
    pthread_mutex_unlock(&libpci_lock);
    return ok;
}

const pp_host_source pp_host_source_libpci = { "libpci", libpci_load_locked };

/* Names from this machine's pci.ids: a lookup needs no device access (no pci_init), so it serves
 * a host read elsewhere too. */
void pp_host_fill_names(pp_host *h)
{
    struct pci_access *pacc;
    size_t i;

    pthread_mutex_lock(&libpci_lock);
    pacc = pci_alloc();
    pacc->error = libpci_error;
    pacc->warning = libpci_warning;
    pacc->debug = libpci_debug;
    libpci_host = h;
    libpci_jmp_armed = true;
    if (setjmp(libpci_jmp)) {
        pp_host_warn(h, _("libpci: %s; names are left as the host gave them"), libpci_msg);
        goto out;
    }
    for (i = 0; i < h->nfuncs; i++)
        /* node devices may carry names of their own: the one before is no model there */
        fill_names(pacc, h, &h->funcs[i], i && !h->partial ? &h->funcs[i - 1] : NULL);
    h->names_later = false;
out:
    libpci_jmp_armed = false;
    libpci_host = NULL;
    pci_cleanup(pacc);
    pthread_mutex_unlock(&libpci_lock);
}
