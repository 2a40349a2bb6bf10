/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host module's own sysfs reads: arbitrary attribute contents and link targets. The input is
 * split at NUL bytes into sriov_totalvfs, sriov_numvfs, function_id, uid, uid_is_unique, pchid,
 * boot_vga (files) and physfn, driver, iommu_group (link targets) of one function in a private
 * directory, which pp_host_read_extra() then reads; the pure parsers get each part as well. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "host-private.h"
#include "fuzz.h"

static const char *const files[] = { "sriov_totalvfs", "sriov_numvfs", "function_id", "uid",
                                     "uid_is_unique",  "pchid",        "boot_vga" };
static const char *const links[] = { "physfn", "driver", "iommu_group" };
#define NFILES (sizeof(files) / sizeof(files[0]))
#define NLINKS (sizeof(links) / sizeof(links[0]))

static char *dir;

static void remove_dir(void)
{
    size_t i;
    char *p;

    for (i = 0; i < NFILES + NLINKS; i++) {
        p = xasprintf("%s/%s", dir, i < NFILES ? files[i] : links[i - NFILES]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

static void make_dir(void)
{
    char tmpl[] = "/tmp/pcipass-fuzz-sysfs.XXXXXX";

    if (!mkdtemp(tmpl))
        abort();
    dir = xstrdup(tmpl);
    atexit(remove_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    pp_host h;
    pp_function f;
    size_t i;
    unsigned long v;
    pp_uevent_ident id;

    if (!dir)
        make_dir();
    for (i = 0; i < NFILES + NLINKS; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
        char *part = xmalloc(n + 1), *path;
        const char *name = i < NFILES ? files[i] : links[i - NFILES];

        memcpy(part, p, n);
        part[n] = '\0';
        path = xasprintf("%s/%s", dir, name);
        unlink(path);
        if (i < NFILES && n) {
            FILE *fp = fopen(path, "w");
            if (!fp)
                abort();
            fwrite(part, 1, n, fp);
            fclose(fp);
        } else if (i >= NFILES && n && n < 4096) {
            (void)symlink(part, path);
        }
        /* the pure parsers on the part as it is, and as read_attr() leaves it */
        if (!pp_host_parse_uevent(part, &id) &&
            (id.vendor > 0xffff || id.device > 0xffff || id.subsys_vendor > 0xffff ||
             id.subsys_device > 0xffff || id.class_code > 0xffffff))
            abort();
        (void)pp_host_parse_attr_number(part, 0, 0xffffffffUL, &v);
        (void)pp_host_parse_attr_number(part, 10, 0xffff, &v);
        part[strcspn(part, "\n")] = '\0';
        if (pp_host_parse_attr_number(part, 0, 0xffff, &v) && v > 0xffff)
            abort();
        if (strlen(pp_host_link_base(part)) > strlen(part))
            abort();
        free(path);
        free(part);
        p = nul ? nul + 1 : end;
    }

    memset(&h, 0, sizeof(h));
    memset(&f, 0, sizeof(f));
    snprintf(f.name, sizeof(f.name), "0000:17:00.0");
    f.class_code = 0x030000; /* VGA: boot_vga is read too */
    pp_host_read_extra(&h, &f, dir);
    if (f.is_pf && f.sriov_total > 0xffff)
        abort();
    pp_strpool_free(h.strings); /* every string pp_host_read_extra() kept */
    for (i = 0; i < h.nwarnings; i++)
        free(h.warnings[i]);
    free(h.warnings);
    pp_error_clear();
    return 0;
}
