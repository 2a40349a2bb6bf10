/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's own configuration and CPU vendor, for the IOMMU verdict of `pcipass check`.
 * /proc/config.gz is gzip, /boot/config-RELEASE is plain text: pp_gz_open() reads both. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/file.h"
#include "pcipass/host.h"
#include "pcipass/zio.h"

/* One "CONFIG_X=y" line: sets the matching flag of K. */
static void kconfig_line(pp_kconfig *k, const char *line)
{
    static const struct {
        const char *name;
        size_t off;
    } opts[] = {
        { "CONFIG_INTEL_IOMMU=", offsetof(pp_kconfig, intel_iommu) },
        { "CONFIG_INTEL_IOMMU_DEFAULT_ON=", offsetof(pp_kconfig, intel_default_on) },
        { "CONFIG_AMD_IOMMU=", offsetof(pp_kconfig, amd_iommu) },
        { "CONFIG_X86=", offsetof(pp_kconfig, x86) },
    };
    size_t i, n;

    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        n = strlen(opts[i].name);
        if (strncmp(line, opts[i].name, n) == 0)
            *(bool *)((char *)k + opts[i].off) = line[n] == 'y' && (!line[n + 1] ||
                                                                    line[n + 1] == '\n');
    }
}

static bool kconfig_read(pp_kconfig *k, const char *path)
{
    pp_gzfile *z = pp_gz_open(path);
    char line[512];
    bool any = false;

    if (!z)
        return false;
    while (pp_gz_gets(z, line, sizeof(line))) {
        /* a configuration file always has CONFIG_ lines; anything else is not one */
        any = any || strncmp(line, "CONFIG_", 7) == 0;
        kconfig_line(k, line);
    }
    pp_gz_close(z);
    if (!any) {
        memset(k, 0, sizeof(*k));
        return false;
    }
    k->known = true;
    snprintf(k->path, sizeof(k->path), "%s", path);
    return true;
}

void pp_host_read_kconfig(const char *proc_root, const char *boot_root, const char *release,
                          pp_kconfig *out)
{
    char *path;

    memset(out, 0, sizeof(*out));
    if (proc_root) {
        path = xasprintf("%s/config.gz", proc_root);
        kconfig_read(out, path);
        free(path);
    }
    if (!out->known && boot_root && release && *release) {
        path = xasprintf("%s/config-%s", boot_root, release);
        kconfig_read(out, path);
        free(path);
    }
}

pp_cpu_vendor pp_host_read_cpu_vendor(const char *proc_root)
{
    char *path, line[256];
    FILE *f;
    pp_cpu_vendor v = PP_CPU_UNKNOWN;

    if (!proc_root)
        return v;
    path = xasprintf("%s/cpuinfo", proc_root);
    f = pp_fopen_regular(path);
    free(path);
    if (!f)
        return v;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "vendor_id", 9) != 0)
            continue;
        if (strstr(line, ": GenuineIntel"))
            v = PP_CPU_INTEL;
        else if (strstr(line, ": AuthenticAMD") || strstr(line, ": HygonGenuine"))
            v = PP_CPU_AMD;
        break;
    }
    fclose(f);
    return v;
}
