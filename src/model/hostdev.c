/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The assignment model without its XML: a guest's PCI facts (slots, zPCI ids, identity), the
 * element fields as the operator types them, the stable MAC, and validation against the guest. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"

void pp_serial_format(uint64_t serial, char out[24])
{
    int i;
    for (i = 0; i < 8; i++)
        snprintf(out + i * 3, 4, "%02x%s", (unsigned)(serial >> (56 - 8 * i)) & 0xff,
                 i < 7 ? "-" : "");
}

const pp_identity *pp_domain_identity(const pp_domain_info *d, const pp_pci_addr *addr)
{
    size_t i;
    for (i = 0; i < d->nids; i++)
        if (pp_pci_addr_eq(&d->ids[i].addr, addr))
            return &d->ids[i];
    return NULL;
}

bool pp_domain_free_slot(const pp_domain_info *d, bool hotplug, int pcie, pp_pci_addr *out)
{
    unsigned slot;
    size_t i;

    if (hotplug && d->pcie && pcie == 0) {
        /* a conventional device: a slot of a pcie-to-pci-bridge */
        if (!d->free_bridge_slots)
            return false;
        *out = d->bridge_slot;
        return true;
    }
    if (hotplug && d->pcie) {
        /* pcie-root takes no hot-plug: the device goes behind a free port, in its slot 0 */
        if (!d->nfree_ports)
            return false;
        out->domain = out->slot = out->function = 0;
        out->bus = d->free_ports[0];
        return true;
    }
    for (slot = 1; slot <= PP_PCI_SLOT_MAX; slot++) {
        for (i = 0; i < d->nslots; i++)
            if (d->slots[i].domain == 0 && d->slots[i].bus == 0 && d->slots[i].slot == slot)
                break;
        if (i == d->nslots) {
            out->domain = out->bus = out->function = 0;
            out->slot = slot;
            return true;
        }
    }
    return false;
}

void pp_domain_info_clear(pp_domain_info *d)
{
    free(d->name);
    free(d->uuid);
    free(d->arch);
    free(d->machine);
    free(d->devs);
    free(d->uids);
    free(d->fids);
    free(d->slots);
    free(d->free_ports);
    free(d->ids);
    free(d->boot_orders);
    free(d->damaged);
    memset(d, 0, sizeof(*d));
}

const pp_hostdev *pp_domain_find(const pp_domain_info *d, const pp_pci_addr *source)
{
    size_t i;
    for (i = 0; i < d->ndevs; i++)
        if (pp_pci_addr_eq(&d->devs[i].source, source))
            return &d->devs[i];
    return NULL;
}

/* ---- validation ---- */

bool pp_hostdev_parse_uid(const char *s, uint32_t *out)
{
    uint64_t v;
    char *msg;

    if (pp_parse_number(s, "zpci uid", PP_ZPCI_UID_MIN, PP_ZPCI_UID_MAX, 4, &v)) {
        *out = (uint32_t)v;
        return true;
    }
    /* the note belongs to a zero, not to every refusal */
    if (!s || strtoull(s, NULL, 0) != 0 || !strchr("0", s[0]) || !s[0])
        return false;
    msg = xstrdup(pp_error_get());
    /* TRANSLATORS: IBM's documentation allows uid 0x0000, libvirt refuses it. */
    pp_error_set(_("%s (IBM's documentation lists 0x0000 as valid too, but libvirt refuses uid 0)"),
                 msg);
    free(msg);
    return false;
}

bool pp_hostdev_parse_fid(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!pp_parse_number(s, "zpci fid", 0, PP_ZPCI_FID_MAX, 8, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool pp_hostdev_parse_mac(const char *s, char out[18])
{
    unsigned char b[6];
    int i;

    if (!s || strlen(s) != 17)
        goto bad;
    for (i = 0; i < 6; i++) {
        const char *p = s + i * 3;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            (i < 5 && p[2] != ':'))
            goto bad;
        b[i] = (unsigned char)strtoul((char[3]){ p[0], p[1], 0 }, NULL, 16);
    }
    if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
        pp_error_set(_("mac: '%s' is the all-zero address, which no NIC may have; a guest NIC "
                       "needs a unicast address such as 52:54:00:xx:xx:xx"),
                     s);
        return false;
    }
    if (b[0] & 1) {
        pp_error_set(_("mac: '%s' is a multicast address; a guest NIC needs a unicast address "
                       "(lowest bit of the first byte 0, e.g. 52:54:00:xx:xx:xx)"),
                     s);
        return false;
    }
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return true;
bad:
    pp_error_set(_("mac: '%s' is not a MAC address; expected six hex byte pairs separated by "
                   "colons, e.g. 52:54:00:12:34:56"),
                 s ? s : "");
    return false;
}

void pp_hostdev_stable_mac(const char *uuid, const pp_pci_addr *source, char out[18])
{
    char name[PP_PCI_ADDR_STRLEN];
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: small, fixed, the same on every build */
    const char *parts[2];
    int i;

    pp_pci_addr_format(source, name);
    parts[0] = uuid ? uuid : "";
    parts[1] = name;
    for (i = 0; i < 2; i++) {
        const unsigned char *p;
        for (p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= (unsigned char)tolower(*p);
            h *= 0x100000001b3ULL;
        }
        h ^= '/';
        h *= 0x100000001b3ULL;
    }
    snprintf(out, 18, "52:54:00:%02x:%02x:%02x", (unsigned)(h >> 16) & 0xff,
             (unsigned)(h >> 8) & 0xff, (unsigned)h & 0xff);
}

bool pp_hostdev_parse_managed(const char *s, pp_managed *out)
{
    if (s && strcmp(s, "yes") == 0)
        *out = PP_MANAGED_YES;
    else if (s && strcmp(s, "no") == 0)
        *out = PP_MANAGED_NO;
    else {
        pp_error_set(_("managed: '%s' is not valid; use yes or no"), s ? s : "");
        return false;
    }
    return true;
}

bool pp_hostdev_parse_onoff(const char *s, const char *field, pp_onoff *out)
{
    if (s && strcmp(s, "on") == 0)
        *out = PP_ONOFF_ON;
    else if (s && strcmp(s, "off") == 0)
        *out = PP_ONOFF_OFF;
    else {
        pp_error_set(_("%s: '%s' is not valid; use on or off"), field, s ? s : "");
        return false;
    }
    return true;
}

bool pp_hostdev_parse_boot_order(const char *s, unsigned *out)
{
    uint64_t v;
    if (!s || pp_parse_u64(s, 10, PP_BOOT_ORDER_MAX, &v) != 0 || v < 1) {
        pp_error_set(_("boot-order: '%s' is not valid; valid range 1-%u"), s ? s : "",
                     PP_BOOT_ORDER_MAX);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

bool pp_hostdev_parse_vlan(const char *s, unsigned *out)
{
    uint64_t v;
    /* 0 and 4095 are reserved by 802.1Q */
    if (!s || pp_parse_u64(s, 10, PP_VLAN_MAX, &v) != 0 || v < PP_VLAN_MIN) {
        pp_error_set(_("vlan: '%s' is not a VLAN tag; valid range %u-%u"), s ? s : "",
                     PP_VLAN_MIN, PP_VLAN_MAX);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

bool pp_hostdev_parse_driver_name(const char *s, const char *field, char out[PP_DRIVER_MODEL_MAX])
{
    size_t n = s ? strlen(s) : 0;

    if (!n || n > 55 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_-") != n) {
        pp_error_set(_("%s: '%s' is not a driver name; use a kernel module's name such as "
                       "mlx5_vfio_pci (letters, digits, '_' and '-', at most 55)"),
                     field, s ? s : "");
        return false;
    }
    snprintf(out, PP_DRIVER_MODEL_MAX, "%s", s);
    return true;
}

bool pp_hostdev_check_rom_file(const char *root, const char *path, bool others_must_read,
                               char out[PP_ROM_FILE_MAX])
{
    char *full;
    struct stat st;
    int fd;

    const char *p;

    for (p = path; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            break;
    if (!path || path[0] != '/' || strlen(path) >= PP_ROM_FILE_MAX || *p) {
        pp_error_set(_("rom-file: '%s' is not valid; an absolute path of at most %d bytes"),
                     path ? path : "", PP_ROM_FILE_MAX - 1);
        return false;
    }
    full = xasprintf("%s%s", root ? root : "", path);
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pp_error_set(fd < 0 ? _("rom-file: cannot read '%s': %s")
                            : _("rom-file: '%s' is not a regular file%s"),
                     full, fd < 0 ? strerror(errno) : "");
        if (fd >= 0)
            close(fd);
        free(full);
        return false;
    }
    close(fd);
    if (others_must_read && !(st.st_mode & S_IROTH)) {
        pp_error_set(_("rom-file: '%s' is not readable by others (mode %04o): the hypervisor "
                       "runs as another user and could not read it"),
                     full, (unsigned)(st.st_mode & 07777));
        free(full);
        return false;
    }
    free(full);
    snprintf(out, PP_ROM_FILE_MAX, "%s", path);
    return true;
}

bool pp_arch_is_s390(const char *arch)
{
    return arch && (strcmp(arch, "s390x") == 0 || strcmp(arch, "s390") == 0);
}

static bool contains(const uint32_t *v, size_t n, uint32_t x)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

bool pp_hostdev_validate(const pp_hostdev *hd, const pp_domain_info *guest)
{
    char name[PP_PCI_ADDR_STRLEN];

    if (hd->has_uid && (hd->uid < PP_ZPCI_UID_MIN || hd->uid > PP_ZPCI_UID_MAX)) {
        pp_error_set(_("zpci uid: 0x%04x is out of range; valid range 0x0001-0xffff"), hd->uid);
        return false;
    }
    if (hd->kind != PP_HD_INTERFACE && hd->mac[0]) {
        pp_error_set(_("mac: a MAC address needs the interface form (--interface)"));
        return false;
    }
    if (hd->kind != PP_HD_INTERFACE && (hd->vlan || hd->trust)) {
        pp_error_set(hd->vlan ? _("vlan: a VLAN tag needs the interface form (--interface)")
                              : _("trust: trustGuestRxFilters needs the interface form "
                                  "(--interface)"));
        return false;
    }
    if (!guest)
        return true;
    pp_pci_addr_format(&hd->source, name);
    if ((hd->has_uid || hd->has_fid) && !pp_arch_is_s390(guest->arch)) {
        pp_error_set(_("zpci: guest '%s' is %s; zPCI uid/fid exist for s390x guests only"),
                     guest->name, guest->arch ? guest->arch : _("of unknown architecture"));
        return false;
    }
    if (pp_domain_find(guest, &hd->source)) {
        pp_error_set(_("%s is already assigned to guest '%s'"), name, guest->name);
        return false;
    }
    if (hd->has_guest_addr && hd->guest_addr_full) {
        size_t i;
        for (i = 0; i < guest->nslots && !pp_pci_addr_eq(&guest->slots[i], &hd->guest_addr); i++)
            ;
        if (i < guest->nslots) {
            /* libvirt would say "Attempted double use of PCI Address" only when it is sent */
            pp_pci_addr_format(&hd->guest_addr, name);
            pp_error_set(_("guest-address: %s is already in use in guest '%s'; choose a free one "
                           "or leave it to libvirt"),
                         name, guest->name);
            return false;
        }
    }
    if (hd->boot_order && guest->os_boot) {
        /* libvirt: "per-device boot elements cannot be used together with os/boot elements" */
        /* libvirt writes <boot dev='hd'/> into a guest defined without any boot element */
        pp_error_set(_("boot-order: guest '%s' boots by <os><boot dev=.../>, which libvirt does "
                       "not take together with a per-device boot order; in one 'virsh edit', "
                       "remove <os><boot> and give the boot disk a <boot order='1'/> (libvirt "
                       "adds <boot dev='hd'/> to a guest that has no boot element at all)"),
                     guest->name);
        return false;
    }
    if (hd->boot_order && contains(guest->boot_orders, guest->nboot_orders, hd->boot_order)) {
        pp_error_set(_("boot-order: %u is already used by another device of guest '%s'; choose "
                       "another"),
                     hd->boot_order, guest->name);
        return false;
    }
    if (hd->has_uid && contains(guest->uids, guest->nuids, hd->uid)) {
        pp_error_set(_("zpci uid: 0x%04x is already used in guest '%s'; uids must be unique within "
                       "a guest"),
                     hd->uid, guest->name);
        return false;
    }
    if (hd->has_fid && contains(guest->fids, guest->nfids, hd->fid)) {
        pp_error_set(_("zpci fid: 0x%08x is already used in guest '%s'; fids must be unique within "
                       "a guest"),
                     hd->fid, guest->name);
        return false;
    }
    return true;
}
