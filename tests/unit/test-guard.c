/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guards, case by case: one host built through the host module (its functions added with
 * pp_host_add, its critical functions found by pp_host_find_critical in a small proc and sysfs
 * tree), guests parsed from domain XML, the owner index built from them; each row a target, a set
 * and the findings expected (kind, forceable, function, the key parts of the message). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/owners.h"
#include "host-private.h"
#include "guests.h"
#include "tap.h"

/* ---- the host ---- */

typedef struct fn_spec {
    const char *addr;
    uint32_t class_code;
    bool bridge;
    int group; /* -1: none */
    const char *driver;
    const char *physfn; /* a VF: its PF */
    unsigned sriov_total; /* a PF: how many VFs it offers */
    bool boot_vga, no_reset;
} fn_spec;

/* In address order, as the host sources add them. Groups: 1 a bridge and a multifunction NIC with
 * one function on a host driver; 2 a boot VGA and its audio on a host driver; 8 two functions of
 * which guest 'web' holds one; 5/6/7, 10/11, 12/13 and 20/21 PFs and VFs, each in its own group;
 * 22 a partner on pds_vfio_pci (vfio_pci_core holds it); 23 judged by name as node devices are:
 * ionic (unknown) and virtio_vfio_pci (a VFIO driver); 24/25 a PF on vfio-pci and its VF, which
 * 'db' holds. */
static const fn_spec host_fns[] = {
    { "0000:00:00.0", 0x060000, true, 0, NULL, NULL, 0, false, false },
    { "0000:00:01.0", 0x060400, true, 1, "pcieport", NULL, 0, false, false },
    { "0000:01:00.0", 0x020000, false, 1, "vfio-pci", NULL, 0, false, false },
    { "0000:01:00.1", 0x020000, false, 1, "e1000e", NULL, 0, false, false },
    { "0000:01:00.2", 0x020000, false, 1, "pci-stub", NULL, 0, false, false },
    { "0000:01:00.3", 0x020000, false, 1, NULL, NULL, 0, false, false },
    { "0000:02:00.0", 0x030000, false, 2, "bochs-drm", NULL, 0, true, false },
    { "0000:02:00.1", 0x040300, false, 2, "snd_hda_intel", NULL, 0, false, false },
    { "0000:03:00.0", 0x010802, false, 3, "nvme", NULL, 0, false, false },
    { "0000:04:00.0", 0x020000, false, 4, "igb", NULL, 0, false, false },
    { "0000:05:00.0", 0x020000, false, 5, "i40e", NULL, 4, false, false },
    { "0000:05:02.0", 0x020000, false, 6, "vfio-pci", "0000:05:00.0", 0, false, false },
    { "0000:05:02.1", 0x020000, false, 7, "iavf", "0000:05:00.0", 0, false, false },
    { "0000:06:00.0", 0x0c0330, false, 8, "vfio-pci", NULL, 0, false, false },
    { "0000:06:00.1", 0x0c0330, false, 8, "vfio-pci", NULL, 0, false, false },
    { "0000:07:00.0", 0x020000, false, -1, NULL, NULL, 0, false, false },
    { "0000:08:00.0", 0x010802, false, 9, "vfio-pci", NULL, 0, false, true },
    { "0000:09:00.0", 0x020000, false, 10, "ixgbe", NULL, 8, false, false },
    { "0000:09:02.0", 0x020000, false, 11, "vfio-pci", "0000:09:00.0", 0, false, false },
    { "0000:0a:00.0", 0x020000, false, 12, "vfio-pci", NULL, 8, false, false },
    { "0000:0a:02.0", 0x020000, false, 13, "iavf", "0000:0a:00.0", 0, false, false },
    { "0000:0b:00.0", 0x020000, false, 14, "vfio-pci", NULL, 0, false, false },
    { "0000:0c:00.0", 0x020000, false, 15, "vfio-pci", NULL, 0, false, false },
    { "0000:0e:00.0", 0x020000, false, 16, "vfio-pci", NULL, 0, false, false },
    { "0000:0e:00.7", 0x020000, false, 16, "vfio-pci", NULL, 0, false, false },
    { "0000:0e:01.0", 0x020000, false, 17, "vfio-pci", NULL, 0, false, false },
    { "0000:0f:00.0", 0x020000, false, 18, "vfio-pci", NULL, 0, false, false },
    { "0000:10:00.0", 0x020000, false, 19, "vfio-pci", NULL, 0, false, false },
    { "0000:11:00.0", 0x020000, false, 20, "mlx5_core", NULL, 8, false, false },
    { "0000:11:02.0", 0x020000, false, 21, "vfio-pci", "0000:11:00.0", 0, false, false },
    { "0000:12:00.0", 0x120000, false, 22, "vfio-pci", NULL, 0, false, false },
    { "0000:12:00.1", 0x120000, false, 22, "pds_vfio_pci", NULL, 0, false, false },
    { "0000:13:00.0", 0x020000, false, 23, "vfio-pci", NULL, 0, false, false },
    { "0000:13:00.1", 0x020000, false, 23, "ionic", NULL, 0, false, false },
    { "0000:13:00.2", 0x020000, false, 23, "virtio_vfio_pci", NULL, 0, false, false },
    { "0000:14:00.0", 0x020000, false, 24, "vfio-pci", NULL, 4, false, false },
    { "0000:14:02.0", 0x020000, false, 25, "vfio-pci", "0000:14:00.0", 0, false, false },
};
#define NFNS (sizeof(host_fns) / sizeof(host_fns[0]))

/* Guests, by name as pcipass reads them: 'db' shut off, 'tmp' running and transient, 'web' running
 * and persistent with a function in each configuration only (0b: config, 0f: live). 0d:00.0 is
 * not on the host. */
static const guest_spec guest_specs[] = {
    { "db", NULL, "0000:09:02.0 0000:0a:00.0 no:0000:0c:00.0 0000:0d:00.0 0000:14:02.0" },
    { "tmp", "0000:10:00.0 0000:11:00.0", NULL },
    { "web", "0000:05:02.0 0000:06:00.1 0000:0f:00.0",
      "0000:05:02.0 0000:06:00.1 0000:0b:00.0 if:0000:0c:00.0" },
};

static char *root; /* the test's own directory: proc/ and sys/ */

static void mkdirs(const char *path)
{
    char *p = xstrdup(path), *s;
    for (s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            printf("# mkdir %s: %s\n", p, strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        printf("# mkdir %s: %s\n", p, strerror(errno));
    free(p);
}

static void put(const char *rel, const char *text)
{
    char *path = xasprintf("%s/%s", root, rel);
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
        printf("# cannot write %s\n", path);
    free(path);
}

static void link_to(const char *target, const char *rel)
{
    char *path = xasprintf("%s/%s", root, rel);
    if (symlink(target, path) != 0)
        printf("# symlink %s: %s\n", path, strerror(errno));
    free(path);
}

/* The root filesystem on an NVMe partition under 03:00.0, the default route through eno1 on
 * 04:00.0, as the kernel shows them. */
static void make_tree(void)
{
    const char *nvme = "sys/devices/pci0000:00/0000:00:1d.0/0000:03:00.0/nvme/nvme0/nvme0n1/"
                       "nvme0n1p2",
               *eno = "sys/devices/pci0000:00/0000:00:1c.0/0000:04:00.0/net/eno1";
    char *p;

    p = xasprintf("%s/%s", root, nvme);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/%s", root, eno);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/sys/dev/block", root);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/sys/class/net", root);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/proc/self", root);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/proc/net", root);
    mkdirs(p);
    free(p);
    link_to("../../devices/pci0000:00/0000:00:1d.0/0000:03:00.0/nvme/nvme0/nvme0n1/nvme0n1p2",
            "sys/dev/block/259:2");
    link_to("../../devices/pci0000:00/0000:00:1c.0/0000:04:00.0/net/eno1", "sys/class/net/eno1");
    /* vfio_pci_core holds the variant driver pds_vfio_pci, as the kernel shows a loaded module */
    p = xasprintf("%s/sys/module/vfio_pci_core/holders", root);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/sys/module/pds_vfio_pci/holders", root);
    mkdirs(p);
    free(p);
    p = xasprintf("%s/sys/bus/pci/drivers/pds_vfio_pci", root);
    mkdirs(p);
    free(p);
    link_to("../../pds_vfio_pci", "sys/module/vfio_pci_core/holders/pds_vfio_pci");
    link_to("../../../../module/pds_vfio_pci", "sys/bus/pci/drivers/pds_vfio_pci/module");
    put("proc/self/mountinfo", "21 1 0:20 / /sys rw,nosuid - sysfs sysfs rw\n"
                               "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n");
    put("proc/net/route",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eno1\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
        "eno1\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n");
}

static pp_host *make_host(void)
{
    pp_host *h = xcalloc(1, sizeof(*h));
    size_t i;

    h->sysfs_root = xasprintf("%s/sys", root);
    h->source = "test";
    for (i = 0; i < NFNS; i++) {
        const fn_spec *s = &host_fns[i];
        pp_function f;

        memset(&f, 0, sizeof(f));
        f.addr = addr_of(s->addr);
        pp_pci_addr_format(&f.addr, f.name);
        f.class_code = s->class_code;
        f.bridge = s->bridge;
        f.iommu_group = s->group;
        f.numa_node = -1;
        f.driver = s->driver; /* the host's pool keeps a read host's strings; these are static */
        if (s->physfn) {
            f.is_vf = true;
            f.physfn = addr_of(s->physfn);
        }
        f.is_pf = s->sriov_total > 0;
        f.sriov_total = f.sriov_enabled = s->sriov_total;
        f.boot_vga = s->boot_vga;
        f.no_reset = s->no_reset;
        f.resettable = !s->no_reset;
        pp_host_add(h, &f);
    }
    pp_host_judge_vfio(h);
    for (i = 0; i < h->nfuncs; i++)
        if (h->funcs[i].addr.bus == 0x13)
            pp_host_judge_vfio_name(&h->funcs[i]);
    {
        char *proc = xasprintf("%s/proc", root);
        pp_host_find_critical(h, proc);
        free(proc);
    }
    return h;
}

/* ---- the cases ---- */

typedef struct want {
    pp_guard_kind kind;
    bool forceable;
    const char *addr; /* NULL ends the list */
    const char *parts[3]; /* in the message */
} want;

enum op { ATTACH, PREPARE, RELEASE };

typedef struct gcase {
    const char *what;
    enum op op;
    const char *guest; /* NULL: readiness for any guest */
    unsigned affect;
    bool no_owners; /* the guests are not known */
    const char *set[4];
    want want[4];
} gcase;

#define L PP_AFFECT_LIVE
#define C PP_AFFECT_CONFIG
#define FORCE true
#define NEVER false

static const gcase cases[] = {
    /* plain */
    { "a free endpoint alone in its group", ATTACH, "db", C, false, { "0000:0e:01.0" }, { { 0 } } },
    { "a function the host does not show", ATTACH, "db", C, false, { "0000:99:00.0" },
      { { PP_GUARD_NOT_ON_HOST, FORCE, "0000:99:00.0",
          { "device: 0000:99:00.0 is not a PCI function of this host", "/sys)" } } } },
    { "an absent function another guest holds: both said", ATTACH, "web", C, false,
      { "0000:0d:00.0" },
      { { PP_GUARD_OWNER, FORCE, "0000:0d:00.0",
          { "0000:0d:00.0 is held by guest 'db' (persistent configuration);", "cannot both start" } },
        { PP_GUARD_NOT_ON_HOST, FORCE, "0000:0d:00.0", { "0000:0d:00.0 is not a PCI function" } } } },
    { "a PCI bridge: never, and nothing else looked at", ATTACH, "db", C, false, { "0000:00:01.0" },
      { { PP_GUARD_NOT_ENDPOINT, NEVER, "0000:00:01.0",
          { "0000:00:01.0 is a bridge (class 060400)", "endpoint functions only" } } } },
    { "a host bridge", ATTACH, NULL, 0, false, { "0000:00:00.0" },
      { { PP_GUARD_NOT_ENDPOINT, NEVER, "0000:00:00.0", { "is a bridge (class 060000)" } } } },

    /* the target's own holdings, by configuration */
    { "held in the target's persistent definition, config change", ATTACH, "web", C, false,
      { "0000:0b:00.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:0b:00.0",
          { "0000:0b:00.0 is already assigned to guest 'web'" } } } },
    { "held in the target's persistent definition, live change", ATTACH, "web", L, false,
      { "0000:0b:00.0" }, { { 0 } } },
    { "held in the target's persistent definition, any configuration", ATTACH, "web", 0, false,
      { "0000:0b:00.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:0b:00.0", { "already assigned to guest 'web'" } } } },
    { "held in the target's running definition, live change", ATTACH, "web", L, false,
      { "0000:0f:00.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:0f:00.0", { "already assigned to guest 'web'" } } } },
    { "held in the target's running definition, config change", ATTACH, "web", C, false,
      { "0000:0f:00.0" }, { { 0 } } },
    { "held in the target's running definition, live and config change", ATTACH, "web", L | C,
      false, { "0000:0f:00.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:0f:00.0", { "already assigned to guest 'web'" } } } },

    /* other guests' holdings */
    { "another guest's running definition", ATTACH, "db", C, false, { "0000:0f:00.0" },
      { { PP_GUARD_OWNER, FORCE, "0000:0f:00.0",
          { "0000:0f:00.0 is held by guest 'web' (live configuration);" } } } },
    { "another guest's both definitions", ATTACH, "db", C, false, { "0000:06:00.1" },
      { { PP_GUARD_OWNER, FORCE, "0000:06:00.1",
          { "is held by guest 'web' (live and persistent configuration);" } } } },
    { "two other guests, named in order", ATTACH, "tmp", L, false, { "0000:0c:00.0" },
      { { PP_GUARD_OWNER, FORCE, "0000:0c:00.0",
          { "is held by guest 'db' (persistent configuration), guest 'web' (persistent "
            "configuration);" } } } },
    { "the target and another guest: the target not among the others", ATTACH, "web", C, false,
      { "0000:0c:00.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:0c:00.0", { "already assigned to guest 'web'" } },
        { PP_GUARD_OWNER, FORCE, "0000:0c:00.0",
          { "0000:0c:00.0 is held by guest 'db' (persistent configuration);" } } } },
    { "no target: every holder counts", ATTACH, NULL, 0, false, { "0000:0b:00.0" },
      { { PP_GUARD_OWNER, FORCE, "0000:0b:00.0",
          { "is held by guest 'web' (persistent configuration);" } } } },

    /* what the host needs */
    { "the root filesystem's controller", ATTACH, "db", C, false, { "0000:03:00.0" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:03:00.0",
          { "0000:03:00.0 is host-critical", "root filesystem (/ is on nvme0n1p2)" } } } },
    { "the default route's NIC", ATTACH, "db", C, false, { "0000:04:00.0" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:04:00.0",
          { "0000:04:00.0 is host-critical", "default route (interface eno1)" } } } },
    { "the boot VGA, its audio partner on a host driver", ATTACH, "db", C, false,
      { "0000:02:00.0" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:02:00.0",
          { "0000:02:00.0 is host-critical", "boot VGA (boot_vga=1)" } },
        { PP_GUARD_GROUP, FORCE, "0000:02:00.0",
          { "0000:02:00.0: IOMMU group 2 partner 0000:02:00.1 is bound to host driver "
            "snd_hda_intel" } } } },
    { "the boot VGA with its partner in the set", ATTACH, "db", C, false,
      { "0000:02:00.0", "0000:02:00.1" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:02:00.0", { "boot VGA" } } } },

    /* IOMMU groups */
    { "a partner on a host driver (bridge, pci-stub, no driver and vfio-pci pass)", ATTACH, "db",
      C, false, { "0000:01:00.0" },
      { { PP_GUARD_GROUP, FORCE, "0000:01:00.0",
          { "0000:01:00.0: IOMMU group 1 partner 0000:01:00.1 is bound to host driver e1000e",
            "assigning the whole group with it resolves this" } } } },
    { "the partners all vfio-pci, pci-stub, none or a bridge", ATTACH, "db", C, false,
      { "0000:01:00.1" }, { { 0 } } },
    { "the partner on a host driver inside the set", ATTACH, "db", C, false,
      { "0000:01:00.0", "0000:01:00.1" }, { { 0 } } },
    { "a partner another guest holds", ATTACH, "db", C, false, { "0000:06:00.0" },
      { { PP_GUARD_GROUP, FORCE, "0000:06:00.0",
          { "0000:06:00.0: IOMMU group 8 partner 0000:06:00.1 is held by guest 'web' (live and "
            "persistent configuration)",
            "a group goes to one guest as a whole" } } } },
    { "a partner the target itself holds", ATTACH, "web", L | C, false, { "0000:06:00.0" },
      { { 0 } } },
    { "a held partner, no target", ATTACH, NULL, 0, false, { "0000:06:00.0" },
      { { PP_GUARD_GROUP, FORCE, "0000:06:00.0", { "partner 0000:06:00.1 is held by guest 'web'" } } } },
    { "no IOMMU group", ATTACH, "db", C, false, { "0000:07:00.0" },
      { { PP_GUARD_NO_IOMMU, FORCE, "0000:07:00.0",
          { "0000:07:00.0 has no IOMMU group", "'pcipass check'" } } } },
    { "no reset method", ATTACH, "db", C, false, { "0000:08:00.0" },
      { { PP_GUARD_NO_RESET, FORCE, "0000:08:00.0", { "0000:08:00.0 has no reset method" } } } },
    { "each member of a set checked", ATTACH, "db", C, false,
      { "0000:07:00.0", "0000:08:00.0", "0000:99:00.0" },
      { { PP_GUARD_NO_IOMMU, FORCE, "0000:07:00.0", { "0000:07:00.0 has no IOMMU group" } },
        { PP_GUARD_NO_RESET, FORCE, "0000:08:00.0", { "0000:08:00.0 has no reset method" } },
        { PP_GUARD_NOT_ON_HOST, FORCE, "0000:99:00.0", { "0000:99:00.0 is not a PCI function" } } } },

    /* SR-IOV */
    { "a PF whose VF a running guest holds", ATTACH, "db", C, false, { "0000:05:00.0" },
      { { PP_GUARD_SRIOV, NEVER, "0000:05:00.0",
          { "0000:05:00.0 is the SR-IOV PF of VF 0000:05:02.0, which guest 'web' (live and "
            "persistent configuration) holds",
            "destroys its VFs" } } } },
    { "a PF whose VF the target itself holds, running", ATTACH, "web", L | C, false,
      { "0000:05:00.0" },
      { { PP_GUARD_SRIOV, NEVER, "0000:05:00.0", { "PF of VF 0000:05:02.0, which guest 'web'" } } } },
    { "a PF whose VF a shut-off guest holds", ATTACH, "tmp", L, false, { "0000:09:00.0" },
      { { PP_GUARD_SRIOV, FORCE, "0000:09:00.0",
          { "0000:09:00.0 is the SR-IOV PF of VF 0000:09:02.0, which guest 'db' (persistent "
            "configuration) holds" } } } },
    { "a PF already on a VFIO driver whose VF a shut-off guest holds", ATTACH, "tmp", L, false,
      { "0000:14:00.0" },
      { { PP_GUARD_SRIOV, FORCE, "0000:14:00.0",
          { "0000:14:00.0 is the SR-IOV PF of VF 0000:14:02.0, which guest 'db'",
            "the PF is on VFIO driver vfio-pci, and a guest holding it can turn SR-IOV off" } } } },
    { "a VF whose PF a shut-off guest holds", ATTACH, "web", C, false, { "0000:0a:02.0" },
      { { PP_GUARD_SRIOV, FORCE, "0000:0a:02.0",
          { "0000:0a:02.0 is a VF of PF 0000:0a:00.0, which guest 'db' (persistent configuration) "
            "holds",
            "decide over this VF" } } } },
    { "a VF whose PF a running guest holds", ATTACH, "db", C, false, { "0000:11:02.0" },
      { { PP_GUARD_SRIOV, NEVER, "0000:11:02.0",
          { "0000:11:02.0 is a VF of PF 0000:11:00.0, which guest 'tmp' (live configuration) "
            "holds" } } } },
    { "a VF whose PF is free (its sibling VF held)", ATTACH, "db", C, false, { "0000:05:02.1" },
      { { 0 } } },
    { "a PF with its held VF in the set", ATTACH, "web", 0, false, { "0000:05:00.0", "0000:05:02.0" },
      { { PP_GUARD_IN_GUEST, NEVER, "0000:05:02.0", { "0000:05:02.0 is already assigned" } } } },

    /* guests not known */
    { "no owner index: owner and SR-IOV checks skipped", ATTACH, NULL, 0, true, { "0000:05:00.0" },
      { { 0 } } },
    { "no owner index: drivers still looked at", ATTACH, NULL, 0, true, { "0000:01:00.0" },
      { { PP_GUARD_GROUP, FORCE, "0000:01:00.0", { "partner 0000:01:00.1 is bound to host driver" } } } },

    /* prepare and release */
    { "prepare what a running guest uses", PREPARE, NULL, 0, false, { "0000:05:02.0" },
      { { PP_GUARD_RUNNING, NEVER, "0000:05:02.0",
          { "0000:05:02.0 is in use by guest 'web' (live and persistent configuration)",
            "shut the guest down or detach it first" } } } },
    { "prepare what only a persistent definition holds", PREPARE, NULL, 0, false,
      { "0000:0b:00.0" }, { { 0 } } },
    { "release what a transient guest uses", RELEASE, NULL, 0, false, { "0000:10:00.0" },
      { { PP_GUARD_RUNNING, NEVER, "0000:10:00.0",
          { "0000:10:00.0 is in use by guest 'tmp' (live configuration)" } } } },
    { "release what a running definition alone holds", RELEASE, NULL, 0, false,
      { "0000:0f:00.0" },
      { { PP_GUARD_RUNNING, NEVER, "0000:0f:00.0", { "in use by guest 'web' (live configuration)" } } } },
    { "prepare a host bridge", PREPARE, NULL, 0, false, { "0000:00:00.0" },
      { { PP_GUARD_NOT_ENDPOINT, NEVER, "0000:00:00.0", { "0000:00:00.0 is a bridge (class 060000)" } } } },
    { "release a host bridge: only running guests matter", RELEASE, NULL, 0, false,
      { "0000:00:00.0" }, { { 0 } } },
    { "prepare an absent function", PREPARE, NULL, 0, false, { "0000:99:00.0" },
      { { PP_GUARD_NOT_ON_HOST, FORCE, "0000:99:00.0", { "0000:99:00.0 is not a PCI function" } } } },
    { "release an absent function", RELEASE, NULL, 0, false, { "0000:99:00.0" }, { { 0 } } },
    { "prepare the boot VGA", PREPARE, NULL, 0, false, { "0000:02:00.0" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:02:00.0", { "0000:02:00.0 is host-critical", "boot VGA" } } } },
    { "prepare the root filesystem's controller", PREPARE, NULL, 0, false, { "0000:03:00.0" },
      { { PP_GUARD_CRITICAL, FORCE, "0000:03:00.0", { "root filesystem (/ is on nvme0n1p2)" } } } },
    { "a partner on a VFIO variant driver (vfio_pci_core holds pds_vfio_pci)", ATTACH, "db", C,
      false, { "0000:12:00.0" }, { { 0 } } },
    { "node devices: a partner named ionic is unknown, one named virtio_vfio_pci is VFIO", ATTACH,
      "db", C, false, { "0000:13:00.0" },
      { { PP_GUARD_GROUP, FORCE, "0000:13:00.0",
          { "IOMMU group 23 partner 0000:13:00.1: 0000:13:00.1 is on ionic; whether that is a "
            "VFIO driver is unknown: libvirt's node devices give only its name" } } } },
    { "prepare without an owner index", PREPARE, NULL, 0, true, { "0000:05:02.0" }, { { 0 } } },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *kind_name(pp_guard_kind k)
{
    static const char *const names[] = { "not-on-host", "not-endpoint", "in-guest", "owner",
                                         "group", "no-iommu", "critical", "running",
                                         "sriov", "hotplug", "no-reset" };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static bool matches(const pp_finding *f, const want *w)
{
    pp_pci_addr a = addr_of(w->addr);
    size_t i;

    if (f->kind != w->kind || f->forceable != w->forceable || !pp_pci_addr_eq(&f->addr, &a) ||
        !f->msg)
        return false;
    for (i = 0; i < 3 && w->parts[i]; i++)
        if (!strstr(f->msg, w->parts[i]))
            return false;
    return true;
}

/* Every wanted finding matched by one finding, none left over; the blocking counts with and
 * without force follow from the wanted ones. */
static void check_findings(const char *what, const pp_findings *got, const want *w, bool *seen)
{
    bool used[16] = { false };
    size_t nwant = 0, nnever = 0, i, k;

    for (k = 0; k < 4 && w[k].addr; k++) {
        nwant++;
        nnever += !w[k].forceable;
        for (i = 0; i < got->n && i < 16; i++)
            if (!used[i] && matches(&got->v[i], &w[k]))
                break;
        ok(i < got->n && i < 16, "%s: %s finding (%s) for %s", what, kind_name(w[k].kind),
           w[k].forceable ? "forceable" : "never forceable", w[k].addr);
        if (i < got->n && i < 16) {
            used[i] = true;
            seen[w[k].kind] = true;
        } else {
            printf("#   wanted parts: '%s' '%s'\n", w[k].parts[0] ? w[k].parts[0] : "",
                   w[k].parts[1] ? w[k].parts[1] : "");
        }
    }
    ok(got->n == nwant, "%s: %zu finding(s), %zu wanted", what, got->n, nwant);
    for (i = 0; i < got->n; i++)
        if (i >= 16 || !used[i])
            printf("#   unexpected: %s%s %s\n", kind_name(got->v[i].kind),
                   got->v[i].forceable ? " (forceable)" : "", got->v[i].msg ? got->v[i].msg : "");
    ok(pp_findings_blocking(got, false, NULL) == got->n &&
           pp_findings_blocking(got, true, NULL) == nnever,
       "%s: %zu block without force, %zu with it", what, nwant, nnever);
}

static void run_cases(const pp_host *h, const pp_guests *guests, const pp_owners *owners,
                      bool *seen)
{
    size_t c, k;

    for (c = 0; c < NCASES; c++) {
        const gcase *t = &cases[c];
        pp_guard_in in = { h, t->no_owners ? NULL : owners, NULL, t->affect };
        pp_pci_addr set[4];
        pp_findings f = { 0 };
        size_t n = 0;

        if (t->guest && !(in.guest = pp_guests_find(guests, t->guest))) {
            printf("# no guest '%s' in the table\n", t->guest);
            abort();
        }
        for (k = 0; k < 4 && t->set[k]; k++)
            set[n++] = addr_of(t->set[k]);
        if (t->op == ATTACH)
            pp_guard_attach(&in, set, n, &f);
        else
            pp_guard_prepare(&in, &set[0], t->op == RELEASE, &f);
        check_findings(t->what, &f, t->want, seen);
        pp_findings_clear(&f);
        ok(f.n == 0 && f.v == NULL, "%s: findings cleared", t->what);
    }
}

/* ---- the sets of --whole-group and --all-functions ---- */

typedef struct set_case {
    const char *what;
    bool whole_group; /* else all functions */
    bool no_owners;
    const char *addr;
    const char *want[6]; /* in address order */
} set_case;

static const set_case set_cases[] = {
    { "whole group: the free endpoints, the bridge left out", true, false, "0000:01:00.0",
      { "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3" } },
    { "whole group from its last function: sorted", true, false, "0000:01:00.3",
      { "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3" } },
    { "whole group from a bridge: it and the group's endpoints", true, false, "0000:00:01.0",
      { "0000:00:01.0", "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3" } },
    { "whole group: the boot VGA comes first", true, false, "0000:02:00.1",
      { "0000:02:00.0", "0000:02:00.1" } },
    { "whole group: a partner another guest holds left out", true, false, "0000:06:00.0",
      { "0000:06:00.0" } },
    { "whole group without an owner index: every endpoint", true, true, "0000:06:00.0",
      { "0000:06:00.0", "0000:06:00.1" } },
    { "whole group from a held function: it and the free partner", true, false, "0000:06:00.1",
      { "0000:06:00.0", "0000:06:00.1" } },
    { "whole group without an IOMMU group: the function alone", true, false, "0000:07:00.0",
      { "0000:07:00.0" } },
    { "whole group of an absent function: the function alone", true, false, "0000:99:00.0",
      { "0000:99:00.0" } },
    { "all functions of a device", false, false, "0000:01:00.2",
      { "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3" } },
    { "all functions: function 7 and 0, not the next slot", false, false, "0000:0e:00.7",
      { "0000:0e:00.0", "0000:0e:00.7" } },
    { "all functions of two VFs in one slot", false, false, "0000:05:02.1",
      { "0000:05:02.0", "0000:05:02.1" } },
    { "all functions: another slot of bus 0 left out", false, false, "0000:00:01.0",
      { "0000:00:01.0" } },
    { "all functions of an absent function: the function alone", false, false, "0000:99:00.0",
      { "0000:99:00.0" } },
};
#define NSETS (sizeof(set_cases) / sizeof(set_cases[0]))

static void run_sets(const pp_host *h, const pp_owners *owners)
{
    size_t c, k, n, nwant;

    for (c = 0; c < NSETS; c++) {
        const set_case *t = &set_cases[c];
        pp_guard_in in = { h, t->no_owners ? NULL : owners, NULL, 0 };
        pp_pci_addr a = addr_of(t->addr), *got = NULL;
        bool same;

        n = t->whole_group ? pp_guard_whole_group(&in, &a, &got)
                           : pp_guard_all_functions(h, &a, &got);
        for (nwant = 0; nwant < 6 && t->want[nwant]; nwant++)
            ;
        same = n == nwant;
        for (k = 0; same && k < n; k++) {
            pp_pci_addr w = addr_of(t->want[k]);
            same = pp_pci_addr_eq(&got[k], &w);
        }
        ok(same, "%s (%zu, %zu wanted)", t->what, n, nwant);
        for (k = 0; !same && k < n; k++) {
            char s[PP_PCI_ADDR_STRLEN];
            pp_pci_addr_format(&got[k], s);
            printf("#   got %s\n", s);
        }
        free(got);
    }
}

/* The sets fed back to the guards: what --whole-group and --all-functions are for. */
static void run_set_attach(const pp_host *h, const pp_guests *guests, const pp_owners *owners)
{
    pp_guard_in in = { h, owners, pp_guests_find(guests, "db"), PP_AFFECT_CONFIG };
    pp_pci_addr a = addr_of("0000:01:00.0"), *set = NULL;
    pp_findings f = { 0 };
    size_t n;

    n = pp_guard_whole_group(&in, &a, &set);
    pp_guard_attach(&in, set, n, &f);
    ok(n == 4 && f.n == 0, "the whole group of 01:00.0 goes without a finding (%zu)", f.n);
    pp_findings_clear(&f);
    free(set);

    a = addr_of("0000:02:00.1");
    n = pp_guard_all_functions(h, &a, &set);
    pp_guard_attach(&in, set, n, &f);
    ok(n == 2 && f.n == 1 && f.v[0].kind == PP_GUARD_CRITICAL,
       "all functions of 02:00: the boot VGA is critical, its partner no longer in the way (%zu)",
       f.n);
    pp_findings_clear(&f);
    free(set);

    /* the group partner 06:00.1 is held: the whole group is 06:00.0 alone, and it still says so */
    a = addr_of("0000:06:00.0");
    n = pp_guard_whole_group(&in, &a, &set);
    pp_guard_attach(&in, set, n, &f);
    ok(n == 1 && f.n == 1 && f.v[0].kind == PP_GUARD_GROUP && f.v[0].forceable,
       "a whole group short of a held partner still gets the group finding");
    pp_findings_clear(&f);
    free(set);
}

/* ---- free: what attach's guards let pass, to no guest in particular ---- */

static void run_free(pp_host *h, const pp_owners *owners)
{
    static const struct {
        const char *addr, *what;
        bool free_;
    } rows[] = {
        { "0000:0e:01.0", "alone in its group on vfio-pci, held by none: free", true },
        { "0000:01:00.3", "a group partner on a host driver: not free", false },
        { "0000:0f:00.0", "held live by a guest: not free", false },
        { "0000:0b:00.0", "held in a persistent configuration only: not free", false },
        { "0000:05:00.0", "a PF whose VF a guest holds: not free", false },
        { "0000:09:00.0", "a PF whose VF a shut-off guest holds: not free", false },
        { "0000:08:00.0", "no reset method: not free (attach asks for force)", false },
        { "0000:07:00.0", "no IOMMU group: not free", false },
        { "0000:00:01.0", "a bridge: never free", false },
        { "0000:02:00.0", "the boot VGA, host-critical: not free", false },
        { "0000:99:00.0", "not on the host: not free", false },
    };
    pp_guard_in in = { h, owners, NULL, 0 };
    pp_guard_in none = { h, NULL, NULL, 0 };
    pp_pci_addr a;
    bool unknown;
    size_t r;

    for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        bool got;
        a = addr_of(rows[r].addr);
        got = pp_guard_free(&in, &a, &unknown);
        ok(got == rows[r].free_ && !unknown, "free: %s %s", rows[r].addr, rows[r].what);
    }
    a = addr_of("0000:0e:01.0");
    ok(!pp_guard_free(&none, &a, &unknown), "free: guests not read, nothing is free");
    /* node devices: the host-critical and reset guards cannot check, and say so */
    h->partial = true;
    ok(pp_guard_free(&in, &a, &unknown) && unknown,
       "free: on a host read through node devices, free with what was not checked");
    a = addr_of("0000:0f:00.0");
    ok(!pp_guard_free(&in, &a, &unknown), "free: there too, what is known to be held is not");
    {
        const char *const *facts;
        size_t n = pp_guard_unchecked(h, &facts);
        ok(n == 2 && strcmp(facts[0], "host-critical") == 0 && strcmp(facts[1], "reset") == 0,
           "free: the unchecked facts there are host-critical and reset");
    }
    h->partial = false;
}

/* ---- findings from elsewhere (the change service's) and how many block ---- */

static void run_blocking(bool *seen)
{
    static const struct {
        const char *what;
        size_t n;
        struct {
            pp_guard_kind kind;
            bool forceable;
        } v[3];
        size_t without_force, with_force;
    } rows[] = {
        { "no findings", 0, { { 0, false } }, 0, 0 },
        { "a hot-plug finding (the change service's): never", 1, { { PP_GUARD_HOTPLUG, false } }, 1,
          1 },
        { "two forceable findings", 2, { { PP_GUARD_OWNER, true }, { PP_GUARD_CRITICAL, true } }, 2,
          0 },
        { "forceable and unforceable", 3,
          { { PP_GUARD_OWNER, true }, { PP_GUARD_IN_GUEST, false }, { PP_GUARD_HOTPLUG, false } },
          3, 2 },
    };
    size_t r, k;

    for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        pp_findings f = { 0 };
        pp_pci_addr a = addr_of("0000:0e:01.0");
        bool kept = true;

        for (k = 0; k < rows[r].n; k++)
            pp_guard_add(&f, rows[r].v[k].kind, rows[r].v[k].forceable, &a,
                         xasprintf("finding %zu", k));
        for (k = 0; k < rows[r].n; k++) {
            char text[32];
            snprintf(text, sizeof(text), "finding %zu", k);
            kept = kept && f.v[k].kind == rows[r].v[k].kind &&
                   f.v[k].forceable == rows[r].v[k].forceable && pp_pci_addr_eq(&f.v[k].addr, &a) &&
                   strcmp(f.v[k].msg, text) == 0;
            if (kept)
                seen[f.v[k].kind] = true;
        }
        ok(f.n == rows[r].n && kept, "%s: added as given", rows[r].what);
        ok(pp_findings_blocking(&f, false, NULL) == rows[r].without_force,
           "%s: %zu block without force", rows[r].what, rows[r].without_force);
        ok(pp_findings_blocking(&f, true, NULL) == rows[r].with_force, "%s: %zu block with force",
           rows[r].what, rows[r].with_force);
        pp_findings_clear(&f);
    }
}

/* The one rule of a blocking finding (the change service's, the CLI's and the console's), and
 * what the console asks about: it asks for warnings too, while the CLI says them and goes on. */
static void run_rule(void)
{
    static const struct {
        const char *what;
        bool forceable, warning, force, accepted;
        bool blocks, asks;
    } rows[] = {
        { "unforceable", false, false, false, false, true, false },
        { "unforceable, with force", false, false, true, false, true, false },
        { "unforceable, accepted (a yes cannot pass it)", false, false, false, true, true, false },
        { "forceable", true, false, false, false, true, true },
        { "forceable, with force", true, false, true, false, false, true },
        { "forceable, accepted in the console", true, false, false, true, false, true },
        { "a warning: never blocks, but the console asks", true, true, false, false, false, true },
    };
    pp_pci_addr a = addr_of("0000:0e:01.0"), other = addr_of("0000:0e:01.1");

    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        pp_findings f = { 0 }, yes = { 0 };
        if (rows[r].warning)
            pp_guard_warn(&f, PP_GUARD_UNKNOWN, &a, xstrdup("not checked"));
        else
            pp_guard_add(&f, PP_GUARD_OWNER, rows[r].forceable, &a, xstrdup("held"));
        /* the yes is for this finding; one for another function passes nothing */
        pp_guard_add(&yes, f.v[0].kind, true, rows[r].accepted ? &a : &other, xstrdup("yes"));
        ok(pp_finding_blocks(&f.v[0], rows[r].force, &yes) == rows[r].blocks &&
               pp_findings_blocking(&f, rows[r].force, &yes) == rows[r].blocks,
           "%s: %s", rows[r].what, rows[r].blocks ? "blocks" : "passes");
        ok(pp_finding_asks(&f.v[0]) == rows[r].asks, "%s: the console %s", rows[r].what,
           rows[r].asks ? "asks" : "does not ask (it refuses or passes)");
        pp_findings_clear(&f);
        pp_findings_clear(&yes);
    }
}

int main(void)
{
    char tmpl[] = "/tmp/pcipass-guard.XXXXXX";
    bool seen[PP_GUARD_NO_RESET + 1] = { false };
    pp_guests guests = { 0 };
    pp_owners owners;
    pp_host *h;
    size_t i;

    if (!mkdtemp(tmpl))
        return 99;
    root = tmpl;
    make_tree();
    h = make_host();

    /* the setup itself, so that a wrong table shows here and not as odd findings below */
    for (i = 0; i < NFNS; i++) {
        pp_pci_addr a = addr_of(host_fns[i].addr);
        if (!pp_host_find(h, &a))
            break;
    }
    ok(h->nfuncs == NFNS && i == NFNS, "the host holds the table's %zu functions, each found",
       (size_t)NFNS);
    ok(h->ncritical == 3 && h->critical_checked,
       "the host module found three critical functions (root filesystem, route, boot VGA): %zu",
       h->ncritical);
    for (i = 0; i < h->nwarnings; i++)
        printf("# host warning: %s\n", h->warnings[i]);
    guests_build(guest_specs, sizeof(guest_specs) / sizeof(guest_specs[0]), &guests);
    pp_owners_build(&guests, &owners);
    ok(owners.n == 12, "the owner index holds 12 guest-function pairs (%zu)", owners.n);

    run_cases(h, &guests, &owners, seen);
    run_sets(h, &owners);
    run_set_attach(h, &guests, &owners);
    run_free(h, &owners);
    run_blocking(seen);
    run_rule();
    for (i = 0; i <= PP_GUARD_NO_RESET; i++)
        ok(seen[i], "guard kind %s met at least once", kind_name((pp_guard_kind)i));

    pp_owners_clear(&owners);
    pp_guests_clear(&guests);
    pp_host_free(h);
    {
        /* only this test's own directory */
        char *cmd = xasprintf("rm -rf '%s'", root);
        if (system(cmd) != 0)
            printf("# cleanup of %s failed\n", root);
        free(cmd);
    }
    return tap_done();
}
