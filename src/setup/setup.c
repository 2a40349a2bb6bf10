/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The setup steps' plans: which files change how, and which host commands run (setup.h). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/check.h"
#include "pcipass/common.h"
#include "pcipass/file.h"
#include "pcipass/setup.h"

#define GRUB_DROPIN "/etc/default/grub.d/pcipass.cfg"
#define KERNEL_CMDLINE "/etc/kernel/cmdline"
#define MODULES_LOAD "/etc/modules-load.d/pcipass.conf"
#define MODPROBE_CONF "/etc/modprobe.d/pcipass.conf"
#define UDEV_RULES "/etc/udev/rules.d/70-pcipass-sriov.rules"
#define UDEV_CONTROL "/run/udev/control"

const char *pp_step_name(pp_step_kind k)
{
    static const char *const names[] = { "iommu", "vfio", "vfs", "bind" };
    return names[k];
}

/* The one place setup asks whether a function is on VFIO (a variant driver may count too). */
bool pp_setup_is_fake(const pp_app *app)
{
    const char *const roots[] = { app->sysfs_root, app->proc_root, app->boot_root,
                                  app->conf_root, app->dev_root };
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        if (roots[i] && strcmp(roots[i], "/") != 0)
            return true;
    return false;
}

char *pp_setup_under(const char *root, const char *path)
{
    char cwd[4096];

    if (!root || !*root || strcmp(root, "/") == 0)
        return xstrdup(path);
    if (*root != '/' && getcwd(cwd, sizeof(cwd)))
        return xasprintf("%s/%s%s", cwd, root, path);
    return xasprintf("%s%s", root, path);
}

/* The file's bytes, or NULL when it is absent (*ERR: another failure, error slot set). */
char *pp_setup_slurp(const char *real, size_t *len, bool *err)
{
    char *b = pp_read_file(real, len);

    *err = !b && errno != ENOENT;
    if (!b) {
        *len = 0;
        if (!*err)
            pp_error_clear();
    }
    return b;
}

static bool exists(const char *root, const char *path)
{
    char *p = pp_setup_under(root, path);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static void say(char **slot, const char *fmt, ...) PP_PRINTF(2, 3);
static void say(char **slot, const char *fmt, ...)
{
    va_list ap;
    free(*slot);
    va_start(ap, fmt);
    *slot = xvasprintf(fmt, ap);
    va_end(ap);
}

static void add_command(pp_setup_plan *p, const char *fmt, ...) PP_PRINTF(2, 3);
static void add_command(pp_setup_plan *p, const char *fmt, ...)
{
    va_list ap;
    p->commands = xreallocarray(p->commands, p->ncommands + 1, sizeof(*p->commands));
    va_start(ap, fmt);
    p->commands[p->ncommands++] = xvasprintf(fmt, ap);
    va_end(ap);
}

/* An edit of PATH under the configuration root: AFTER replaces its bytes (taken over). false
 * with the state REFUSED when it cannot be read. */
static bool add_edit(pp_setup_plan *p, const char *root, const char *path, char *after)
{
    pp_setup_edit *e;
    bool err;

    p->edits = xreallocarray(p->edits, p->nedits + 1, sizeof(*p->edits));
    e = &p->edits[p->nedits++];
    memset(e, 0, sizeof(*e));
    e->path = xstrdup(path);
    e->real = pp_setup_under(root, path);
    e->before = pp_setup_slurp(e->real, &e->before_len, &err);
    e->after = after;
    e->after_len = strlen(after);
    if (err) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, "%s", pp_error_get());
        return false;
    }
    /* the edit was made from its text: past a NUL byte that text would lose the rest */
    if (e->before && memchr(e->before, '\0', e->before_len)) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("refused: '%s' holds a NUL byte; it is no text file pcipass edits"),
            e->real);
        return false;
    }
    if (e->before && e->before_len == e->after_len && memcmp(e->before, after, e->after_len) == 0)
        pp_setup_edit_clear(&p->edits[--p->nedits]);
    return true;
}

/* What the file holds now plus LINE, on a line of its own; HEADER first in a new file. */
static char *appended(const char *root, const char *path, const char *header, const char *line)
{
    char *real = pp_setup_under(root, path), *old;
    pp_buf b = PP_BUF_INIT;
    size_t n;
    bool err;

    old = pp_setup_slurp(real, &n, &err);
    free(real);
    pp_buf_add(&b, old ? old : header);
    if (old && n && old[n - 1] != '\n')
        pp_buf_add(&b, "\n");
    pp_buf_printf(&b, "%s\n", line);
    free(old);
    return pp_buf_take(&b);
}

/* ---- iommu ---- */

/* A shell word of a GRUB default file: "..." (with $VAR), '...' and bare text; the two
 * command-line variables expand to what they hold so far, any other to nothing (grub-mkconfig
 * sources these files; pcipass reads them without running them). */
static char *sh_value(const char *v, const char *cur_linux, const char *cur_def)
{
    pp_buf b = PP_BUF_INIT;
    char q = 0;

    pp_buf_add(&b, "");
    for (; *v; v++) {
        if (!q && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '#' || *v == ';'))
            break;
        if ((*v == '"' || *v == '\'') && (!q || q == *v)) {
            q = q ? 0 : *v;
        } else if (q != '\'' && *v == '\\' && v[1]) {
            char c[2] = { *++v, 0 };
            pp_buf_add(&b, c);
        } else if (q != '\'' && *v == '$') {
            bool brace = v[1] == '{';
            const char *n = v + 1 + brace, *e = n;
            while (*e == '_' || (*e >= 'A' && *e <= 'Z') || (*e >= 'a' && *e <= 'z') ||
                   (*e >= '0' && *e <= '9'))
                e++;
            if ((size_t)(e - n) == strlen("GRUB_CMDLINE_LINUX_DEFAULT") &&
                strncmp(n, "GRUB_CMDLINE_LINUX_DEFAULT", (size_t)(e - n)) == 0)
                pp_buf_add(&b, cur_def);
            else if ((size_t)(e - n) == strlen("GRUB_CMDLINE_LINUX") &&
                     strncmp(n, "GRUB_CMDLINE_LINUX", (size_t)(e - n)) == 0)
                pp_buf_add(&b, cur_linux);
            v = e - 1 + (brace && *e == '}');
        } else {
            char c[2] = { *v, 0 };
            pp_buf_add(&b, c);
        }
    }
    return pp_buf_take(&b);
}

static void grub_file(const char *real, const char *shown, char **lin, char **def, char **where)
{
    char *text, *line, *save = NULL;
    size_t n;
    bool err;

    if (!(text = pp_setup_slurp(real, &n, &err)))
        return;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char **slot = NULL, *v;
        line += strspn(line, " \t");
        if (strncmp(line, "export ", 7) == 0)
            line += 7 + strspn(line + 7, " \t");
        if (strncmp(line, "GRUB_CMDLINE_LINUX=", 19) == 0)
            slot = lin, line += 19;
        else if (strncmp(line, "GRUB_CMDLINE_LINUX_DEFAULT=", 27) == 0)
            slot = def, line += 27;
        if (!slot)
            continue;
        v = sh_value(line, *lin, *def);
        free(*slot);
        *slot = v;
        free(*where);
        *where = xstrdup(shown);
    }
    free(text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The command line GRUB's normal entry gets: GRUB_CMDLINE_LINUX and _DEFAULT after
 * /etc/default/grub and every /etc/default/grub.d/ *.cfg in order (Debian's grub-mkconfig).
 * *WHERE: the last file that set one of them. */
static char *grub_cmdline(const char *root, char **where)
{
    char *lin = xstrdup(""), *def = xstrdup(""), *real = pp_setup_under(root, "/etc/default/grub"),
         *dir = pp_setup_under(root, "/etc/default/grub.d"), *out;
    struct dirent **names = NULL;
    int i, n;

    *where = NULL;
    grub_file(real, "/etc/default/grub", &lin, &def, where);
    n = scandir(dir, &names, NULL, by_name);
    for (i = 0; i < n; i++) {
        size_t l = strlen(names[i]->d_name);
        if (l > 4 && strcmp(names[i]->d_name + l - 4, ".cfg") == 0) {
            char *f = xasprintf("%s/%s", dir, names[i]->d_name),
                 *shown = xasprintf("/etc/default/grub.d/%s", names[i]->d_name);
            grub_file(f, shown, &lin, &def, where);
            free(f);
            free(shown);
        }
        free(names[i]);
    }
    free(names);
    out = xasprintf("%s %s", lin, def);
    free(lin);
    free(def);
    free(real);
    free(dir);
    return out;
}

/* The words of WANT (space-separated) that CMDLINE does not set, space-separated ("": none). */
static char *missing_words(const char *cmdline, const char *want)
{
    pp_buf b = PP_BUF_INIT;
    char *w = xstrdup(want), *save = NULL, *t;

    for (t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(t, '='), name[128];
        if (!eq || (size_t)(eq - t + 1) >= sizeof(name))
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)(eq - t + 1), t);
        if (!pp_cmdline_has(cmdline, name, eq + 1))
            pp_buf_item(&b, " ", t);
    }
    free(w);
    return pp_buf_take(&b);
}

static bool systemd_boot(const char *root)
{
    return exists(root, KERNEL_CMDLINE) || exists(root, "/boot/efi/loader/loader.conf") ||
           exists(root, "/efi/loader/loader.conf") || exists(root, "/boot/loader/loader.conf");
}

/* kernel-install takes the running command line when there is no /etc/kernel/cmdline, less what
 * the boot loader adds itself. */
static char *running_cmdline(const pp_host_setup *s)
{
    pp_buf b = PP_BUF_INIT;
    char *w = xstrdup(s->have_cmdline ? s->cmdline : ""), *save = NULL, *t;

    for (t = strtok_r(w, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
        if (strncmp(t, "BOOT_IMAGE=", 11) != 0 && strncmp(t, "initrd=", 7) != 0)
            pp_buf_item(&b, " ", t);
    free(w);
    return pp_buf_take(&b);
}

/* A command line and more words: one line. */
static char *joined(const char *line, const char *more)
{
    pp_buf b = PP_BUF_INIT;
    if (*line)
        pp_buf_item(&b, " ", line);
    pp_buf_item(&b, " ", more);
    pp_buf_add(&b, "\n");
    return pp_buf_take(&b);
}

static void plan_kernel_cmdline(pp_setup_plan *p, const char *root, const pp_host_setup *s,
                                const char *want)
{
    char *real = pp_setup_under(root, KERNEL_CMDLINE), *old, *miss;
    size_t n;
    bool err;

    old = pp_setup_slurp(real, &n, &err);
    free(real);
    if (!old)
        old = running_cmdline(s);
    old[strcspn(old, "\n")] = '\0';
    miss = missing_words(old, want);
    if (!*miss) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("%s already holds %s"), KERNEL_CMDLINE, want);
    } else if (add_edit(p, root, KERNEL_CMDLINE, joined(old, miss))) {
        say(&p->what,
            _("add %s to the kernel command line: %s (systemd-boot), then kernel-install"), miss,
            KERNEL_CMDLINE);
        add_command(p, "kernel-install add %s /boot/vmlinuz-%s", s->release, s->release);
        p->reboot = true;
        p->words = xstrdup(miss);
    }
    free(miss);
    free(old);
}

/* pcipass's drop-in holds every word of WORDS. */
static bool dropin_has(const char *root, const char *words)
{
    char *real = pp_setup_under(root, GRUB_DROPIN), *t, *w, *save = NULL, *x;
    size_t n;
    bool err, all;

    t = pp_setup_slurp(real, &n, &err);
    free(real);
    all = t != NULL;
    w = xstrdup(words);
    for (x = strtok_r(w, " ", &save); x && all; x = strtok_r(NULL, " ", &save))
        all = strstr(t, x) != NULL;
    free(w);
    free(t);
    return all;
}

static void plan_grub(pp_setup_plan *p, const char *root, const char *want)
{
    char *where, *cmdline = grub_cmdline(root, &where), *miss = missing_words(cmdline, want), *line;

    if (!*miss) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("the GRUB configuration already holds %s (%s)"), want,
            where ? where : "/etc/default/grub");
    } else if (where && strcmp(where, GRUB_DROPIN) != 0 && dropin_has(root, miss)) {
        /* written before, and a file read after it sets the line anew: another append would
         * not help */
        p->state = PP_SETUP_MANUAL;
        say(&p->what, _("%s holds %s, but %s, read after it, sets GRUB_CMDLINE_LINUX anew"),
            GRUB_DROPIN, miss, where);
        say(&p->note, _("what to do: %s"), _("add the words in that file, or remove its line"));
    } else {
        line = xasprintf("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX %s\"", miss);
        if (add_edit(p, root, GRUB_DROPIN,
                     appended(root, GRUB_DROPIN,
                              "# pcipass setup iommu: kernel parameters for VFIO pass-through\n",
                              line))) {
            say(&p->what, _("add %s to the kernel command line: GRUB drop-in %s, then update-grub"),
                miss, GRUB_DROPIN);
            add_command(p, "update-grub");
            p->reboot = true;
            p->words = xstrdup(miss);
        }
        free(line);
    }
    free(miss);
    free(cmdline);
    free(where);
}

static void plan_iommu(pp_app *app, pp_setup_plan *p)
{
    const char *root = pp_app_conf_root(app);
    pp_host *h = pp_app_host(app);
    pp_host_setup s;
    pp_checks c;
    pp_buf want = PP_BUF_INIT;
    char *w;

    if (h && pp_host_is_s390(h)) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("s390 needs no kernel parameter for the IOMMU: the machine translates "
                        "the DMA of zPCI functions itself"));
        return;
    }
    pp_checks_iommu(app, &c);
    if (c.v[0].words)
        pp_buf_item(&want, " ", c.v[0].words);
    if (p->step.iommu_pt)
        pp_buf_item(&want, " ", "iommu=pt");
    w = pp_buf_take(&want);
    if (c.v[0].status == PP_CHECK_FAIL && !c.v[0].words) {
        p->state = PP_SETUP_MANUAL;
        say(&p->what, "%s", c.v[0].message);
        say(&p->note, _("what to do: %s"), c.v[0].fix ? c.v[0].fix : "?");
    } else if (!*w) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, "%s", c.v[0].message);
    } else if (!root) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("no configuration root to write to: give it with --conf-root"));
    } else {
        if (!p->step.iommu_pt)
            say(&p->note, _("iommu=pt (host devices' DMA untranslated, often faster) is not "
                            "added; --iommu-pt adds it"));
        pp_host_read_setup(h, pp_app_proc_root(app), app->dev_root, &s);
        if (exists(root, "/etc/default/grub"))
            plan_grub(p, root, w);
        else if (systemd_boot(root))
            plan_kernel_cmdline(p, root, &s, w);
        else {
            p->state = PP_SETUP_MANUAL;
            say(&p->what, _("neither GRUB (/etc/default/grub) nor systemd-boot (%s) was found; "
                            "nothing was changed"),
                KERNEL_CMDLINE);
            say(&p->note, _("add exactly these words to the kernel command line of the boot "
                            "loader, then reboot: %s"),
                w);
        }
    }
    free(w);
    pp_checks_clear(&c);
}

char *pp_setup_boot_configured(pp_app *app, const char *words)
{
    const char *root = pp_app_conf_root(app);
    char *where = NULL, *cmdline, *miss;
    size_t n;
    bool err;

    if (!root)
        return NULL;
    if (exists(root, "/etc/default/grub")) {
        cmdline = grub_cmdline(root, &where);
    } else {
        char *real = pp_setup_under(root, KERNEL_CMDLINE);
        cmdline = pp_setup_slurp(real, &n, &err);
        free(real);
        if (!cmdline)
            return NULL;
        for (char *nl = cmdline; (nl = strchr(nl, '\n'));)
            *nl = ' ';
        where = xstrdup(KERNEL_CMDLINE);
    }
    miss = missing_words(cmdline, words);
    if (*miss) {
        free(where);
        where = NULL;
    }
    free(miss);
    free(cmdline);
    return where;
}

/* ---- vfio ---- */

/* A modules-load.d file (or /etc/modules) that lists vfio-pci: its path, else NULL. */
static char *modules_listed(const char *root)
{
    static const char *const dirs[] = { "/etc/modules-load.d", "/run/modules-load.d",
                                        "/usr/lib/modules-load.d", "/lib/modules-load.d" };
    char *found = NULL;

    for (size_t d = 0; d <= sizeof(dirs) / sizeof(dirs[0]) && !found; d++) {
        char *dir = pp_setup_under(root, d < 4 ? dirs[d] : "/etc");
        struct dirent **names = NULL;
        int i, n = scandir(dir, &names, NULL, by_name);
        for (i = 0; i < n; i++) {
            const char *nm = names[i]->d_name;
            size_t l = strlen(nm), len;
            bool err;
            if (!found && (d < 4 ? l > 5 && strcmp(nm + l - 5, ".conf") == 0
                                 : strcmp(nm, "modules") == 0)) {
                char *f = xasprintf("%s/%s", dir, nm), *t = pp_setup_slurp(f, &len, &err), *s,
                     *line;
                for (line = t ? strtok_r(t, "\n", &s) : NULL; line && !found;
                     line = strtok_r(NULL, "\n", &s)) {
                    line += strspn(line, " \t");
                    line[strcspn(line, " \t#;")] = '\0';
                    if (strcmp(line, "vfio-pci") == 0 || strcmp(line, "vfio_pci") == 0)
                        found = xasprintf("%s/%s", d < 4 ? dirs[d] : "/etc", nm);
                }
                free(t);
                free(f);
            }
            free(names[i]);
        }
        free(names);
        free(dir);
    }
    return found;
}

/* vfio-pci among the kernel's modules, under the configuration root: a fake root's own kernel
 * (the host's /lib/modules is the real root's). */
static bool vfio_loadable(const char *root, const pp_host_setup *s)
{
    static const char *const lists[] = { "modules.dep", "modules.builtin" };
    bool found = false;

    if (!*root || strcmp(root, "/") == 0 || !s->release[0])
        return s->vfio_pci_loadable;
    for (size_t i = 0; i < 2 && !found; i++) {
        char *rel = xasprintf("/lib/modules/%s/%s", s->release, lists[i]),
             *real = pp_setup_under(root, rel), *t;
        size_t n;
        bool err;
        t = pp_setup_slurp(real, &n, &err);
        found = t && strstr(t, "/vfio-pci.ko");
        free(t);
        free(real);
        free(rel);
    }
    return found;
}

static void plan_vfio(pp_app *app, pp_setup_plan *p)
{
    const char *root = pp_app_conf_root(app);
    pp_host *h = pp_app_host(app);
    pp_host_setup s;
    char *listed;

    if (!h || h->partial) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, "%s", h ? _("setup works on this machine only") : pp_error_get());
        return;
    }
    if (!root) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("no configuration root to write to: give it with --conf-root"));
        return;
    }
    pp_host_read_setup(h, pp_app_proc_root(app), app->dev_root, &s);
    if (!s.vfio_pci_loaded && !vfio_loadable(root, &s) && s.release[0]) {
        p->state = PP_SETUP_MANUAL;
        say(&p->what, _("vfio-pci is neither loaded nor among the modules of kernel %s"),
            s.release);
        say(&p->note, _("what to do: %s"),
            _("install a kernel built with CONFIG_VFIO_PCI, or its modules package"));
        return;
    }
    listed = modules_listed(root);
    if (!listed)
        add_edit(p, root, MODULES_LOAD,
                 appended(root, MODULES_LOAD, "# pcipass setup vfio: vfio-pci at every boot\n",
                          "vfio-pci"));
    if (!s.vfio_pci_loaded)
        add_command(p, "modprobe vfio-pci");
    if (listed && s.vfio_pci_loaded) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("vfio-pci is loaded, and %s loads it at every boot"), listed);
    } else if (p->state != PP_SETUP_REFUSED) {
        say(&p->what, _("vfio-pci at every boot (%s) and now (modprobe)"),
            listed ? listed : MODULES_LOAD);
    }
    free(listed);
}

/* ---- vfs ---- */

/* The kernel's virtfnN links of the PF: the VFs that exist, whatever was written. -1: the PF
 * directory cannot be read. */
int pp_setup_count_vfs(const pp_app *app, const pp_pci_addr *pf)
{
    char name[PP_PCI_ADDR_STRLEN], *dir;
    DIR *d;
    struct dirent *e;
    int n = 0;

    pp_pci_addr_format(pf, name);
    dir = xasprintf("%s/bus/pci/devices/%s", app->sysfs_root ? app->sysfs_root : "/sys", name);
    if (!(d = opendir(dir))) {
        free(dir);
        return -1;
    }
    while ((e = readdir(d)))
        n += strncmp(e->d_name, "virtfn", 6) == 0 && e->d_name[6] >= '0' && e->d_name[6] <= '9';
    closedir(d);
    free(dir);
    return n;
}

char *pp_setup_vfs_blockers(pp_app *app, const pp_pci_addr *pf)
{
    pp_host *h = pp_app_host(app);
    pp_buf b = PP_BUF_INIT;
    size_t i, k, n;

    if (!pp_app_guests(app, true))
        return xasprintf(_("whether a guest holds one of its VFs is unknown: %s"), pp_error_get());
    for (i = 0; h && i < h->nfuncs; i++) {
        const pp_function *f = &h->funcs[i];
        const pp_owner *o;
        if (!f->is_vf || pp_pci_addr_cmp(&f->physfn, pf) != 0)
            continue;
        n = pp_owners_of(&app->owners, &f->addr, &o);
        for (k = 0; k < n; k++) {
            char *l = pp_owner_label(&o[k]), *t = xasprintf(_("%s (guest %s)"), f->name, l);
            pp_buf_item(&b, ", ", t);
            free(t);
            free(l);
        }
        if (!n && pp_function_on_vfio(f)) {
            char *t = xasprintf(_("%s (on %s)"), f->name, f->driver);
            pp_buf_item(&b, ", ", t);
            free(t);
        }
    }
    for (i = 0; i < app->owners.nunknown && !b.s; i++)
        return xasprintf(_("whether a guest holds one of its VFs is unknown: guest '%s' is not "
                           "well-formed"),
                         app->owners.unknown[i]->name);
    return pp_buf_take_or_null(&b);
}

/* The next line of *P (NUL-terminated in place), empty ones too; NULL at the end. */
static char *next_line(char **p)
{
    char *l = *p, *nl;

    if (!l || !*l)
        return NULL;
    nl = strchr(l, '\n');
    if (nl)
        *nl = '\0';
    *p = nl ? nl + 1 : l + strlen(l);
    return l;
}

/* A running udevd takes new rules on reload; without one (a container, a rescue shell) there is
 * nothing to reload, and udevadm would fail. */
static bool udev_running(const char *root)
{
    char *sock = pp_setup_under(root, UDEV_CONTROL);
    struct stat st;
    bool up = lstat(sock, &st) == 0;

    free(sock);
    return up;
}

/* The rules file with PF's line replaced by one for N VFs (none for 0). */
static char *udev_rules(const char *root, const char *pf, unsigned n)
{
    char *real = pp_setup_under(root, UDEV_RULES), *old, *line, *save = NULL, *key;
    pp_buf b = PP_BUF_INIT;
    size_t len;
    bool err;

    old = pp_setup_slurp(real, &len, &err);
    free(real);
    key = xasprintf("KERNEL==\"%s\"", pf);
    if (!old)
        pp_buf_add(&b, "# pcipass setup vfs: the SR-IOV VFs of each PF at every boot\n");
    for (save = old; (line = next_line(&save));)
        if (!strstr(line, key))
            pp_buf_printf(&b, "%s\n", line);
    if (n)
        pp_buf_printf(&b,
                      "ACTION==\"add\", SUBSYSTEM==\"pci\", %s, ATTR{sriov_numvfs}=\"%u\"\n", key,
                      n);
    free(key);
    free(old);
    return pp_buf_take(&b);
}

static void plan_vfs(pp_app *app, pp_setup_plan *p)
{
    const char *root = pp_app_conf_root(app);
    char name[PP_PCI_ADDR_STRLEN], *why;
    int now = pp_setup_count_vfs(app, &p->step.dev);

    pp_pci_addr_format(&p->step.dev, name);
    if (!root) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("no configuration root to write to: give it with --conf-root"));
        return;
    }
    if (now < 0) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("the VFs of %s cannot be read from sysfs"), name);
        return;
    }
    p->vfs_from = (unsigned)now;
    if ((unsigned)now != p->step.nvfs && (why = pp_setup_vfs_blockers(app, &p->step.dev))) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("refused: changing the VF count of %s destroys its VFs, and these are in "
                         "use: %s; nothing was changed"),
            name, why);
        free(why);
        return;
    }
    if (!add_edit(p, root, UDEV_RULES, udev_rules(root, name, p->step.nvfs)))
        return;
    if ((unsigned)now != p->step.nvfs)
        p->sysfs_attr = xasprintf("%s/bus/pci/devices/%s/sriov_numvfs",
                                  app->sysfs_root ? app->sysfs_root : "/sys", name);
    if (p->nedits && udev_running(root))
        add_command(p, "udevadm control --reload");
    else if (p->nedits)
        say(&p->note, _("udev is not running here (no %s): the rule is read when udev starts"),
            UDEV_CONTROL);
    if (!p->nedits && !p->sysfs_attr) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("%s has %u VFs, and %s keeps them at every boot"), name, p->step.nvfs,
            UDEV_RULES);
    } else {
        say(&p->what, _("%u VFs on %s now (sriov_numvfs, %u now) and at every boot (udev rule)"),
            p->step.nvfs, name, p->vfs_from);
    }
}

/* ---- bind ---- */

/* Another function an ids= line would take: on a host driver or host-critical. */
static char *ids_victims(const pp_host *h, const pp_function *f)
{
    pp_buf b = PP_BUF_INIT;
    const pp_critical *c[1];

    for (size_t i = 0; i < h->nfuncs; i++) {
        const pp_function *g = &h->funcs[i];
        char *t = NULL;
        if (g == f || g->vendor_id != f->vendor_id || g->device_id != f->device_id)
            continue;
        if (pp_host_critical_of(h, &g->addr, c, 1))
            t = xasprintf(_("%s (host-critical: %s)"), g->name, c[0]->detail);
        else if (g->driver && !pp_function_on_vfio(g))
            t = xasprintf(_("%s (on %s)"), g->name, g->driver);
        if (t)
            pp_buf_item(&b, ", ", t);
        free(t);
    }
    return pp_buf_take_or_null(&b);
}

/* pcipass.conf with ID in its ids= line and a softdep for DRIVER (NULL: none). */
static char *modprobe_conf(const char *root, const char *id, const char *driver)
{
    char *real = pp_setup_under(root, MODPROBE_CONF), *old, *line, *save = NULL;
    char *soft = driver ? xasprintf("softdep %s pre: vfio-pci", driver) : NULL;
    pp_buf b = PP_BUF_INIT;
    bool err, have_ids = false, have_soft = false;
    size_t len;

    old = pp_setup_slurp(real, &len, &err);
    free(real);
    if (!old)
        pp_buf_add(&b, "# pcipass setup bind: functions on vfio-pci from boot\n");
    for (save = old; (line = next_line(&save));) {
        if (strncmp(line, "options vfio-pci ids=", 21) == 0 && !have_ids) {
            have_ids = true;
            if (strstr(line + 21, id))
                pp_buf_printf(&b, "%s\n", line);
            else
                pp_buf_printf(&b, "%s,%s\n", line, id);
            continue;
        }
        have_soft |= soft && strcmp(line, soft) == 0;
        pp_buf_printf(&b, "%s\n", line);
    }
    if (!have_ids)
        pp_buf_printf(&b, "options vfio-pci ids=%s\n", id);
    if (soft && !have_soft)
        pp_buf_printf(&b, "%s\n", soft);
    free(soft);
    free(old);
    return pp_buf_take(&b);
}

static void plan_bind_ids(pp_setup_plan *p, const char *root, const pp_host *h,
                          const pp_function *f)
{
    char id[16], *victims, **rules;
    size_t n = pp_host_vfio_id_rules(root, f->vendor_id, f->device_id, &rules), i;

    snprintf(id, sizeof(id), "%04x:%04x", f->vendor_id, f->device_id);
    if (n) {
        p->state = PP_SETUP_NOTHING;
        say(&p->what, _("%s is bound to vfio-pci at boot already: %s"), f->name, rules[0]);
    } else if ((victims = ids_victims(h, f))) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, _("refused: an 'options vfio-pci ids=%s' line would also take %s; install "
                         "driverctl (apt install driverctl) to bind %s by its address"),
            id, victims, f->name);
        free(victims);
    } else if (add_edit(p, root, MODPROBE_CONF,
                        modprobe_conf(root, id,
                                      f->driver && !pp_function_on_vfio(f) ? f->driver : NULL))) {
        say(&p->what, _("%s on vfio-pci from boot: ids=%s in %s, then update-initramfs"),
            f->name, id, MODPROBE_CONF);
        add_command(p, "update-initramfs -u");
        p->reboot = true;
        say(&p->note, _("'pcipass prepare %s' binds it now"), f->name);
    }
    for (i = 0; i < n; i++)
        free(rules[i]);
    free(rules);
}

static void plan_bind(pp_app *app, pp_setup_plan *p)
{
    const char *root = pp_app_conf_root(app);
    pp_host *h = pp_app_host(app);
    const pp_function *f = h ? pp_host_find(h, &p->step.dev) : NULL;
    const pp_critical *c[1];
    bool err;
    size_t n;

    if (!f || !root) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, "%s", !f ? pp_error_get()
                                : _("no configuration root to write to: give it with --conf-root"));
        return;
    }
    if (pp_host_critical_of(h, &f->addr, c, 1) || f->bridge) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, f->bridge ? _("refused: %s is a bridge, not an endpoint")
                                 : _("refused: %s is host-critical (%s); setup never binds it to "
                                     "vfio-pci"),
            f->name, f->bridge ? "" : c[0]->detail);
        return;
    }
    if (!pp_host_has_driverctl(root)) {
        plan_bind_ids(p, root, h, f);
        return;
    }
    {
        char *rel = xasprintf("/etc/driverctl.d/pci-%s", f->name);
        char *file = pp_setup_under(root, rel), *t = pp_setup_slurp(file, &n, &err);
        if (t && strncmp(t, "vfio-pci", 8) == 0) {
            p->state = PP_SETUP_NOTHING;
            say(&p->what, _("%s is bound to vfio-pci by driverctl already (%s)"), f->name, rel);
        } else {
            say(&p->what, _("%s on vfio-pci by its address, now and at every boot (driverctl)"),
                f->name);
            add_command(p, "driverctl set-override %s vfio-pci", f->name);
        }
        free(t);
        free(file);
        free(rel);
    }
}

/* ---- the steps ---- */

bool pp_setup_validate(pp_app *app, const pp_step *s)
{
    pp_host *h;
    const pp_function *f;
    char name[PP_PCI_ADDR_STRLEN];

    if (s->kind != PP_STEP_VFS && s->kind != PP_STEP_BIND)
        return true;
    if (!(h = pp_app_host(app)))
        return false;
    pp_pci_addr_format(&s->dev, name);
    if (!(f = pp_host_find(h, &s->dev))) {
        pp_error_set(_("device: %s is not a PCI function of this host ('pcipass list' shows them)"),
                     name);
        return false;
    }
    if (s->kind == PP_STEP_VFS && !f->is_pf) {
        pp_error_set(_("PF: %s is no SR-IOV physical function (it has no sriov_totalvfs)"), name);
        return false;
    }
    if (s->kind == PP_STEP_VFS && s->nvfs > f->sriov_total) {
        pp_error_set(_("N: %u is out of range for %s: 0 to %u (its sriov_totalvfs)"), s->nvfs,
                     name, f->sriov_total);
        return false;
    }
    return true;
}

/* The step that fixes the check ID: the checks the IOMMU and vfio-pci steps answer. */
static int step_for(const char *id)
{
    return strcmp(id, "iommu") == 0 ? PP_STEP_IOMMU
           : strcmp(id, "vfio-pci") == 0 || strcmp(id, "dev-vfio") == 0 ? PP_STEP_VFIO
                                                                         : -1;
}

size_t pp_setup_auto(pp_app *app, pp_step **out)
{
    pp_checks c;
    bool want[2] = { false, false };
    size_t i, n = 0;

    *out = xcalloc(2, sizeof(**out));
    pp_checks_run(app, NULL, 0, &c);
    for (i = 0; i < c.n; i++)
        if (c.v[i].status == PP_CHECK_FAIL || c.v[i].status == PP_CHECK_WARN)
            want[step_for(c.v[i].id) == PP_STEP_IOMMU ? 0 : 1] |= step_for(c.v[i].id) >= 0;
    pp_checks_clear(&c);
    /* those setup has a fix for: a plan with something to do */
    for (i = 0; i < 2; i++) {
        pp_setup_plan p;
        pp_step s = { .kind = i ? PP_STEP_VFIO : PP_STEP_IOMMU };
        if (!want[i])
            continue;
        pp_setup_plan_step(app, &s, &p);
        if (p.state == PP_SETUP_DONE)
            (*out)[n++] = s;
        pp_setup_plan_clear(&p);
    }
    return n;
}

void pp_setup_plan_step(pp_app *app, const pp_step *s, pp_setup_plan *p)
{
    memset(p, 0, sizeof(*p));
    p->step = *s;
    p->fake = pp_setup_is_fake(app);
    p->state = PP_SETUP_DONE; /* what applying it is to reach */
    /* a fake root writes only under itself: never the host's own /etc or /sys beside it */
    if (p->fake && (!app->conf_root || (s->kind == PP_STEP_VFS && !app->sysfs_root))) {
        p->state = PP_SETUP_REFUSED;
        say(&p->error, !app->conf_root
                           ? _("a root option is given but no --conf-root: setup writes no file "
                               "of this host then; give --conf-root too")
                           : _("a root option is given but no --sysfs-root: setup writes no "
                               "attribute of this host then; give --sysfs-root too"));
        p->what = xstrdup(p->error);
        return;
    }
    switch (s->kind) {
    case PP_STEP_IOMMU:
        plan_iommu(app, p);
        break;
    case PP_STEP_VFIO:
        plan_vfio(app, p);
        break;
    case PP_STEP_VFS:
        plan_vfs(app, p);
        break;
    case PP_STEP_BIND:
        plan_bind(app, p);
        break;
    }
    if (!p->what)
        p->what = xstrdup(p->error ? p->error : "");
}

void pp_setup_edit_clear(pp_setup_edit *e)
{
    free(e->path);
    free(e->real);
    free(e->before);
    free(e->after);
    memset(e, 0, sizeof(*e));
}

void pp_setup_plan_clear(pp_setup_plan *p)
{
    size_t i;
    for (i = 0; i < p->nedits; i++)
        pp_setup_edit_clear(&p->edits[i]);
    free(p->edits);
    for (i = 0; i < p->ncommands; i++)
        free(p->commands[i]);
    free(p->commands);
    free(p->what);
    free(p->note);
    free(p->error);
    free(p->record_error);
    free(p->sysfs_attr);
    free(p->words);
    memset(p, 0, sizeof(*p));
}
