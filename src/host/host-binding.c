/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why a function is on its driver: the host's own configuration that binds it (driverctl.d,
 * driver_override, modprobe.d, the command line), else the kernel's match. Read once per load. */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcipass/common.h"
#include "pcipass/host.h"

/* Where modprobe reads its configuration, in its order: a file name in an earlier directory hides
 * the same name in a later one. */
static const char *const modprobe_dirs[] = { "/etc/modprobe.d", "/run/modprobe.d",
                                             "/lib/modprobe.d", "/usr/lib/modprobe.d" };

typedef struct rule {
    char *file;  /* "/etc/modprobe.d/vfio.conf", as on the host described */
    char *where; /* "/etc/modprobe.d/vfio.conf:3: options vfio-pci ids=..." */
    char *ids;   /* the ids= value; NULL: a softdep line that loads vfio-pci first */
} rule;

typedef struct rules {
    rule *v;
    size_t n;
} rules;

/* Outside text shown to the operator: control bytes would drive the terminal. */
static void tame(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static bool is_vfio_pci(const char *mod)
{
    return strcmp(mod, "vfio-pci") == 0 || strcmp(mod, "vfio_pci") == 0;
}

/* Does the ids list ("8086:1533,10de:1b80:ffffffff:ffffffff") hold VENDOR:DEVICE? */
static bool ids_match(const char *ids, unsigned vendor, unsigned device)
{
    const char *p = ids;

    while (*p) {
        unsigned v, d;
        size_t len = strcspn(p, ",");
        char one[64];

        if (len < sizeof(one)) {
            memcpy(one, p, len);
            one[len] = '\0';
            /* PCI_ANY_ID (ffffffff) matches any, as in the kernel's pci_match_one_device() */
            if (sscanf(one, "%x:%x", &v, &d) == 2 && (v == 0xffffffffu || v == vendor) &&
                (d == 0xffffffffu || d == device))
                return true;
        }
        p += len + (p[len] == ',');
    }
    return false;
}

static void add_rule(rules *r, const char *file, unsigned line, const char *text, const char *ids)
{
    r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
    r->v[r->n].file = xstrdup(file);
    r->v[r->n].where = xasprintf("%s:%u: %s", file, line, text);
    r->v[r->n].ids = ids ? xstrdup(ids) : NULL;
    tame(r->v[r->n].where);
    r->n++;
}

/* The first ids= rule that matches VENDOR:DEVICE, NULL if none. */
static const rule *match_rule(const rules *r, unsigned vendor, unsigned device)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (r->v[i].ids && ids_match(r->v[i].ids, vendor, device))
            return &r->v[i];
    return NULL;
}

/* A softdep that loads vfio-pci first, in the same file as rule M (written together). */
static const rule *softdep_with(const rules *r, const rule *m)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (!r->v[i].ids && strcmp(r->v[i].file, m->file) == 0)
            return &r->v[i];
    return NULL;
}

static void scan_file(rules *r, const char *path, const char *shown)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    unsigned no = 0;

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL, *w[2], *tok, *text;
        no++;
        line[strcspn(line, "#\n")] = '\0';
        text = xstrdup(line);
        w[0] = strtok_r(line, " \t", &save);
        w[1] = w[0] ? strtok_r(NULL, " \t", &save) : NULL;
        if (w[0] && w[1] && strcmp(w[0], "options") == 0 && is_vfio_pci(w[1])) {
            while ((tok = strtok_r(NULL, " \t", &save)))
                if (strncmp(tok, "ids=", 4) == 0)
                    add_rule(r, shown, no, text, tok + 4);
        } else if (w[0] && w[1] && strcmp(w[0], "softdep") == 0) {
            while ((tok = strtok_r(NULL, " \t", &save)))
                if (is_vfio_pci(tok)) {
                    add_rule(r, shown, no, text, NULL);
                    break;
                }
        }
        free(text);
    }
    fclose(f);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every effective modprobe.d file under ROOT, in modprobe's order (by name). */
static void read_rules(const char *root, rules *r)
{
    char **names = NULL, **dirof = NULL;
    size_t n = 0, i, j, k;

    memset(r, 0, sizeof(*r));
    for (k = 0; k < sizeof(modprobe_dirs) / sizeof(modprobe_dirs[0]); k++) {
        char *dir = xasprintf("%s%s", root, modprobe_dirs[k]);
        DIR *d = opendir(dir);
        struct dirent *e;

        free(dir);
        if (!d)
            continue;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            bool seen = false;
            if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
                continue;
            for (j = 0; j < n && !seen; j++)
                seen = strcmp(names[j], e->d_name) == 0;
            if (seen)
                continue;
            names = xreallocarray(names, n + 1, sizeof(*names));
            dirof = xreallocarray(dirof, n + 1, sizeof(*dirof));
            names[n] = xstrdup(e->d_name);
            dirof[n] = (char *)modprobe_dirs[k];
            n++;
        }
        closedir(d);
    }
    /* sort names and keep each one's directory with it */
    for (i = 0; i < n; i++) {
        char *t = xasprintf("%s\n%s", names[i], dirof[i]);
        free(names[i]);
        names[i] = t;
    }
    if (n) /* qsort of no array is undefined */
        qsort(names, n, sizeof(*names), name_cmp);
    for (i = 0; i < n; i++) {
        char *nl = strchr(names[i], '\n'), *shown, *path;
        *nl = '\0';
        shown = xasprintf("%s/%s", nl + 1, names[i]);
        path = xasprintf("%s%s", root, shown);
        scan_file(r, path, shown);
        free(shown);
        free(path);
        free(names[i]);
    }
    free(names);
    free(dirof);
}

static void free_rules(rules *r)
{
    size_t i;
    for (i = 0; i < r->n; i++) {
        free(r->v[i].file);
        free(r->v[i].where);
        free(r->v[i].ids);
    }
    free(r->v);
}

void pp_host_set_binding(pp_function *f, pp_binding_source src, const char *detail)
{
    if (!f->binding)
        f->binding = xcalloc(1, sizeof(*f->binding));
    free(f->binding->detail);
    f->binding->source = src;
    f->binding->detail = detail ? xstrdup(detail) : NULL;
    if (f->binding->detail)
        tame(f->binding->detail);
}

/* The vfio-pci.ids= (or vfio_pci.ids=) word of the command line, NULL if none. */
static char *cmdline_ids(const char *proc_root)
{
    char *path, buf[4096], *save = NULL, *w, *r = NULL;
    FILE *f;

    if (!proc_root)
        return NULL;
    path = xasprintf("%s/cmdline", proc_root);
    f = fopen(path, "re");
    free(path);
    if (!f)
        return NULL;
    if (fgets(buf, sizeof(buf), f))
        for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
            if (strncmp(w, "vfio-pci.ids=", 13) == 0 || strncmp(w, "vfio_pci.ids=", 13) == 0) {
                free(r);
                r = xstrdup(w);
            }
    fclose(f);
    return r;
}

/* The driver a driverctl override file names for F, NULL if none. */
static char *driverctl_of(const char *root, const pp_function *f, char **shown)
{
    char *path, buf[256];
    FILE *in;

    *shown = xasprintf("/etc/driverctl.d/pci-%s", f->name);
    path = xasprintf("%s%s", root, *shown);
    in = fopen(path, "re");
    free(path);
    if (!in || !fgets(buf, sizeof(buf), in)) {
        if (in)
            fclose(in);
        free(*shown);
        *shown = NULL;
        return NULL;
    }
    fclose(in);
    buf[strcspn(buf, " \t\n")] = '\0';
    return xstrdup(buf);
}

static bool stub_driver(const char *d)
{
    return strcmp(d, "vfio-pci") == 0 || strcmp(d, "pci-stub") == 0;
}

void pp_host_find_bindings(pp_host *h, const char *proc_root, const char *conf_root)
{
    rules r = { 0 };
    char *cmd = cmdline_ids(proc_root), *dcdir;
    struct stat st;
    bool driverctl = false;
    size_t i;

    if (conf_root) {
        read_rules(conf_root, &r);
        /* one stat instead of one failed open per function where driverctl has no overrides */
        dcdir = xasprintf("%s/etc/driverctl.d", conf_root);
        driverctl = stat(dcdir, &st) == 0 && S_ISDIR(st.st_mode);
        free(dcdir);
    }
    for (i = 0; i < h->nfuncs; i++) {
        pp_function *f = &h->funcs[i];
        bool vfio = f->driver && strcmp(f->driver, "vfio-pci") == 0;
        char *shown = NULL,
             *dc = driverctl && f->driver ? driverctl_of(conf_root, f, &shown) : NULL;

        if (!f->driver) {
            /* no driver: nothing to explain */
        } else if (dc && strcmp(dc, f->driver) == 0) {
            pp_host_set_binding(f, PP_BIND_DRIVERCTL, shown);
        } else if (f->driver_override && strcmp(f->driver_override, f->driver) == 0) {
            pp_host_set_binding(f, PP_BIND_DRIVER_OVERRIDE, f->driver_override);
        } else {
            const rule *m = vfio ? match_rule(&r, f->vendor_id, f->device_id) : NULL;
            const rule *sd = m ? softdep_with(&r, m) : NULL;
            if (m) {
                char *d = sd ? xasprintf("%s; %s", m->where, sd->where) : xstrdup(m->where);
                pp_host_set_binding(f, PP_BIND_MODPROBE, d);
                free(d);
            } else if (vfio && cmd && ids_match(strchr(cmd, '=') + 1, f->vendor_id, f->device_id)) {
                pp_host_set_binding(f, PP_BIND_CMDLINE, cmd);
            } else if (stub_driver(f->driver)) {
                /* these drivers match no device by themselves: someone bound it by hand */
                pp_host_set_binding(f, PP_BIND_UNKNOWN, NULL);
            } else {
                pp_host_set_binding(f, PP_BIND_KERNEL, NULL);
            }
        }
        free(dc);
        free(shown);
    }
    free(cmd);
    free_rules(&r);
}

const char *pp_binding_source_name(pp_binding_source s)
{
    switch (s) {
    case PP_BIND_LIBVIRT:
        return "libvirt";
    case PP_BIND_DRIVERCTL:
        return "driverctl";
    case PP_BIND_DRIVER_OVERRIDE:
        return "driver_override";
    case PP_BIND_MODPROBE:
        return "modprobe.d";
    case PP_BIND_CMDLINE:
        return "cmdline";
    case PP_BIND_UNKNOWN:
        return "unknown";
    case PP_BIND_KERNEL:
        break;
    }
    return "kernel";
}

size_t pp_host_vfio_id_rules(const char *conf_root, unsigned vendor, unsigned device, char ***out)
{
    rules r;
    size_t i, n = 0;

    *out = NULL;
    if (!conf_root)
        return 0;
    read_rules(conf_root, &r);
    for (i = 0; i < r.n; i++)
        if (r.v[i].ids && ids_match(r.v[i].ids, vendor, device)) {
            *out = xreallocarray(*out, n + 1, sizeof(**out));
            (*out)[n++] = xstrdup(r.v[i].where);
        }
    free_rules(&r);
    return n;
}

bool pp_host_has_driverctl(const char *conf_root)
{
    static const char *const where[] = { "/usr/sbin/driverctl", "/sbin/driverctl" };
    struct stat st;
    size_t i;

    for (i = 0; conf_root && i < sizeof(where) / sizeof(where[0]); i++) {
        char *p = xasprintf("%s%s", conf_root, where[i]);
        bool ok = stat(p, &st) == 0;
        free(p);
        if (ok)
            return true;
    }
    return false;
}
