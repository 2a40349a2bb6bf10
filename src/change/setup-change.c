/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change sequence of a setup step and its undo (setup.h): the lock, the journal with the
 * bytes of every file, the edits and commands the setup module planned, the read back. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/setup.h"
#include "change-private.h"

extern char **environ;

static char *memdup0(const char *p, size_t n)
{
    char *o = xmalloc(n + 1);
    memcpy(o, p, n);
    o[n] = '\0';
    return o;
}

/* ---- files, attributes, commands ---- */

static bool same_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    return (!a && !b) || (a && b && an == bn && memcmp(a, b, an) == 0);
}

static bool mkdirs(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            *p = '/';
            return false;
        }
        *p = '/';
    }
    return mkdir(dir, 0755) == 0 || errno == EEXIST;
}

/* The directory of REAL, made, and inside ROOT once links are resolved: a link in a fake root
 * never leads a write out of it. */
static bool dir_inside(const char *root, const char *real)
{
    char *dir = xstrdup(real), *slash = strrchr(dir, '/'), rd[PATH_MAX], rr[PATH_MAX];
    bool ok;

    if (slash)
        *slash = '\0';
    ok = mkdirs(dir);
    if (!ok)
        pp_error_set(_("cannot create directory '%s': %s"), dir, strerror(errno));
    else if (root && *root && strcmp(root, "/") != 0 &&
             (!realpath(dir, rd) || !realpath(root, rr) || strncmp(rd, rr, strlen(rr)) != 0 ||
              (rd[strlen(rr)] != '/' && rd[strlen(rr)] != '\0'))) {
        pp_error_set(_("refused: '%s' leads out of the configuration root %s"), dir, root);
        ok = false;
    }
    free(dir);
    return ok;
}

/* REAL gets BYTES (NULL: removed), through a new file renamed over it: never half written. */
static bool put_file(const char *root, const char *real, const char *bytes, size_t n)
{
    char *tmp;
    struct stat st;
    int fd;
    size_t off = 0;
    bool ok = true;

    if (!bytes) {
        if (unlink(real) == 0 || errno == ENOENT)
            return true;
        pp_error_set(_("cannot remove '%s': %s"), real, strerror(errno));
        return false;
    }
    if (!dir_inside(root, real))
        return false;
    tmp = xasprintf("%s.pcipass-XXXXXX", real);
    if ((fd = mkstemp(tmp)) < 0) {
        pp_error_set(_("cannot write '%s': %s"), real, strerror(errno));
        free(tmp);
        return false;
    }
    (void)fchmod(fd, stat(real, &st) == 0 ? st.st_mode & 07777 : 0644);
    while (ok && off < n) {
        ssize_t w = write(fd, bytes + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, real) != 0) {
        pp_error_set(_("cannot write '%s': %s"), real, strerror(errno));
        unlink(tmp);
        ok = false;
    }
    free(tmp);
    return ok;
}

static bool write_attr(const char *path, unsigned v)
{
    char buf[16];
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t w = -1;

    snprintf(buf, sizeof(buf), "%u\n", v);
    if (fd >= 0) {
        w = write(fd, buf, strlen(buf));
        if (close(fd) != 0)
            w = -1;
    }
    if (w != (ssize_t)strlen(buf)) {
        pp_error_set(_("cannot write %u to '%s': %s"), v, path, strerror(errno));
        return false;
    }
    return true;
}

/* CMD (words separated by spaces) with its output on stderr; false with the error slot set. */
static bool run_command(const char *cmd)
{
    char *w = xstrdup(cmd), *argv[16], *save = NULL;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int n = 0, st, e;

    for (char *t = strtok_r(w, " ", &save); t && n < 15; t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    /* the tools live in sbin, which a PATH of a non-login shell may lack */
    for (size_t i = 0; e == ENOENT && !strchr(argv[0], '/') && i < 2; i++) {
        char *full = xasprintf("%s/%s", i ? "/sbin" : "/usr/sbin", argv[0]);
        e = posix_spawn(&pid, full, &fa, NULL, argv, environ);
        free(full);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (e) {
        pp_error_set(_("cannot run '%s': %s"), cmd, strerror(e));
        free(w);
        return false;
    }
    free(w);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        pp_error_set(_("'%s' failed (exit status %d)"), cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return false;
    }
    return true;
}

/* ---- the journal records ---- */

static char *commands_text(char *const *cmds, size_t n, bool fake)
{
    pp_buf b = PP_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        pp_buf_printf(&b, "%s%s\n", fake ? "not run: " : "", cmds[i]);
    return pp_buf_take_or_null(&b);
}

static void fill(const pp_setup_plan *p, pp_jrec *r, const char *phase)
{
    char name[PP_PCI_ADDR_STRLEN];

    memset(r, 0, sizeof(*r));
    r->action = xstrdup("setup");
    r->phase = xstrdup(phase);
    if (p->step.kind == PP_STEP_VFS || p->step.kind == PP_STEP_BIND) {
        pp_pci_addr_format(&p->step.dev, name);
        r->devices = xstrdup(name);
    }
    {
        pp_buf f = PP_BUF_INIT;
        pp_buf_add(&f, pp_step_name(p->step.kind));
        if (p->step.kind == PP_STEP_VFS)
            pp_buf_printf(&f, ",from=%u,to=%u", p->vfs_from, p->step.nvfs);
        if (p->fake)
            pp_buf_add(&f, ",fake");
        r->flags = pp_buf_take(&f);
    }
    for (size_t i = 0; i < p->nedits; i++)
        pp_jrec_add_file(r, p->edits[i].real, p->edits[i].before, p->edits[i].before_len,
                         p->edits[i].after, p->edits[i].after_len);
    r->commands = commands_text(p->commands, p->ncommands, p->fake);
}

/* ---- apply ---- */

static void read_back(pp_app *app, pp_setup_plan *p)
{
    size_t i, n;
    bool err;
    char name[PP_PCI_ADDR_STRLEN];

    p->state = PP_SETUP_DONE;
    pp_pci_addr_format(&p->step.dev, name);
    for (i = 0; i < p->nedits && p->state == PP_SETUP_DONE; i++) {
        char *now = pp_setup_slurp(p->edits[i].real, &n, &err);
        if (!same_bytes(now, n, p->edits[i].after, p->edits[i].after_len)) {
            p->state = PP_SETUP_REQUESTED;
            p->error = xasprintf(_("'%s' reads back other than written"), p->edits[i].real);
        }
        free(now);
    }
    if (p->state == PP_SETUP_DONE && p->words) {
        /* the boot configuration as the boot loader's tools read it, not just the bytes */
        char *where = pp_setup_boot_configured(app, p->words);
        if (!where) {
            p->state = PP_SETUP_REQUESTED;
            p->error = xasprintf(_("written, but the boot configuration read back does not hold "
                                   "%s: a file read after it sets the command line anew"),
                                 p->words);
        }
        free(where);
    }
    if (p->state == PP_SETUP_DONE && p->sysfs_attr) {
        int vfs = pp_setup_count_vfs(app, &p->step.dev);
        if (vfs != (int)p->step.nvfs) {
            p->state = PP_SETUP_REQUESTED;
            p->error = xasprintf(_("%u written to sriov_numvfs, but the kernel shows %d VFs of %s "
                                   "(virtfn links), not %u"),
                                 p->step.nvfs, vfs, name, p->step.nvfs);
        }
    }
    if (p->state == PP_SETUP_DONE && !p->fake && p->step.kind == PP_STEP_VFIO && p->ncommands &&
        strncmp(p->commands[0], "modprobe", 8) == 0 && app->host) {
        pp_host_setup s;
        pp_host_read_setup(app->host, pp_app_proc_root(app), app->dev_root, &s);
        if (!s.vfio_pci_loaded) {
            p->state = PP_SETUP_REQUESTED;
            p->error = xstrdup(_("modprobe vfio-pci answered, but the kernel shows no vfio-pci "
                                 "module"));
        }
    }
    if (p->state == PP_SETUP_DONE && !p->fake && p->step.kind == PP_STEP_BIND &&
        p->ncommands && strncmp(p->commands[0], "driverctl set-override", 22) == 0 &&
        pp_app_reload_host(app)) {
        const pp_function *f = pp_host_find(app->host, &p->step.dev);
        if (!f || !pp_function_on_vfio(f)) {
            p->state = PP_SETUP_REQUESTED;
            p->error = xasprintf(_("driverctl answered, but the kernel shows %s on driver %s"),
                                 name, f && f->driver ? f->driver : _("none"));
        }
    }
}

/* Edits, the attribute, the commands; on a failure what was written is put back. */
static bool make(pp_app *app, pp_setup_plan *p)
{
    const char *root = pp_app_conf_root(app);
    size_t i, k;
    bool ok = true, vfs_set = false;
    char *err;

    for (k = 0; ok && k < p->nedits; k++)
        if (!(ok = put_file(root, p->edits[k].real, p->edits[k].after, p->edits[k].after_len)))
            break;
    if (ok && p->sysfs_attr) {
        /* the kernel refuses a new count while VFs exist: 0 first */
        ok = (p->vfs_from == 0 || p->step.nvfs == 0 || write_attr(p->sysfs_attr, 0)) &&
             write_attr(p->sysfs_attr, p->step.nvfs);
        vfs_set = true;
    }
    for (i = 0; ok && !p->fake && i < p->ncommands; i++)
        ok = run_command(p->commands[i]);
    if (ok)
        return true;
    err = xstrdup(pp_error_get());
    while (k-- > 0)
        if (!put_file(root, p->edits[k].real, p->edits[k].before, p->edits[k].before_len))
            fprintf(stderr, _("%s: warning: %s\n"), pp_progname(), pp_error_get());
    if (vfs_set && p->sysfs_attr && (int)p->vfs_from != pp_setup_count_vfs(app, &p->step.dev))
        (void)(write_attr(p->sysfs_attr, 0) &&
               (!p->vfs_from || write_attr(p->sysfs_attr, p->vfs_from)));
    pp_error_set("%s; %s", err, _("what was written is put back"));
    free(err);
    return false;
}

static const char *phase_of(pp_setup_state s)
{
    return s == PP_SETUP_DONE ? "done" : s == PP_SETUP_REQUESTED ? "requested" : "failed";
}

/* The same files, with the same bytes before and after, and the same commands. */
static bool same_plan(const pp_setup_plan *a, const pp_setup_plan *b)
{
    size_t i;

    if (a->nedits != b->nedits || a->ncommands != b->ncommands ||
        (a->sysfs_attr != NULL) != (b->sysfs_attr != NULL) || a->vfs_from != b->vfs_from)
        return false;
    for (i = 0; i < a->nedits; i++)
        if (strcmp(a->edits[i].real, b->edits[i].real) != 0 ||
            !same_bytes(a->edits[i].before, a->edits[i].before_len, b->edits[i].before,
                        b->edits[i].before_len) ||
            !same_bytes(a->edits[i].after, a->edits[i].after_len, b->edits[i].after,
                        b->edits[i].after_len))
            return false;
    for (i = 0; i < a->ncommands; i++)
        if (strcmp(a->commands[i], b->commands[i]) != 0)
            return false;
    return true;
}

pp_setup_state pp_setup_apply(pp_app *app, const pp_step *s, const pp_change *lockopts,
                              const pp_setup_plan *seen, pp_setup_plan *p)
{
    char *jpath = NULL;
    pp_jrec intent, out;
    int jfd;

    memset(p, 0, sizeof(*p));
    pp_interrupt_note(_("nothing was changed"));
    if (!pp_change_lock(lockopts)) {
        p->step = *s;
        p->state = PP_SETUP_REFUSED;
        p->error = xstrdup(pp_error_get());
        p->what = xstrdup("");
        return p->state;
    }
    /* under the lock: what another pcipass changed until now is planned from */
    if (app->host)
        pp_app_reload_host(app);
    pp_app_forget_guests(app);
    pp_setup_plan_step(app, s, p);
    if (p->state == PP_SETUP_DONE && !p->nedits && !p->ncommands && !p->sysfs_attr)
        p->state = PP_SETUP_NOTHING;
    if (p->state == PP_SETUP_DONE && seen && !same_plan(seen, p)) {
        p->state = PP_SETUP_REFUSED;
        p->error = xstrdup(_("the files changed since they were shown; nothing was changed "
                             "(look at the new diff first)"));
    }
    if (p->state != PP_SETUP_DONE)
        goto out;
    if ((jfd = pp_change_journal_open(app, &jpath)) < 0) {
        p->state = PP_SETUP_REFUSED;
        p->error = xstrdup(pp_error_get());
        goto out;
    }
    fill(p, &intent, "intent");
    if (!pp_change_record(jfd, jpath, &intent)) {
        p->state = PP_SETUP_REFUSED;
        p->error = xstrdup(pp_error_get());
    } else {
        if (!make(app, p)) {
            p->state = PP_SETUP_FAILED;
            p->error = xstrdup(pp_error_get());
        } else {
            read_back(app, p);
        }
        fill(p, &out, phase_of(p->state));
        out.intent = xstrdup(intent.id);
        if (!(p->recorded = pp_change_record(jfd, jpath, &out)))
            p->record_error = xstrdup(pp_error_get());
        pp_jrec_clear(&out);
    }
    pp_jrec_clear(&intent);
    close(jfd);
out:
    free(jpath);
    pp_app_forget_guests(app);
    pp_change_unlock();
    return p->state;
}

/* ---- undo ---- */

/* What undoing a recorded command runs: the same regeneration (update-grub, update-initramfs,
 * udevadm, kernel-install); driverctl's override taken off; a module stays loaded. NULL: none. */
static char *reverse_command(const char *cmd)
{
    char addr[64];

    if (strncmp(cmd, "not run: ", 9) == 0)
        cmd += 9;
    if (strncmp(cmd, "modprobe ", 9) == 0)
        return NULL;
    if (sscanf(cmd, "driverctl set-override %63s", addr) == 1)
        return xasprintf("driverctl unset-override %s", addr);
    return xstrdup(cmd);
}

/* Whether every file of R holds its bytes AFTER (1), BEFORE (0), or neither (-1, *WHICH). */
static int files_state(const pp_jrec *r, const char **which)
{
    int st = -2;
    for (size_t i = 0; i < r->nfiles; i++) {
        const pp_jfile *f = &r->files[i];
        size_t n;
        bool err;
        char *now = pp_setup_slurp(f->path, &n, &err);
        int here = same_bytes(now, n, f->after, f->after_len)    ? 1
                   : same_bytes(now, n, f->before, f->before_len) ? 0
                                                                  : -1;
        free(now);
        if (here < 0 || (st != -2 && here != st)) {
            *which = f->path;
            return -1;
        }
        st = here;
    }
    return st == -2 ? 1 : st;
}

static unsigned flag_number(const pp_jrec *r, const char *key)
{
    const char *p = r->flags ? strstr(r->flags, key) : NULL;
    return p ? (unsigned)strtoul(p + strlen(key), NULL, 10) : 0;
}

/* The undo as a plan: the files back, the attribute back, the commands reversed. */
static bool undo_plan(pp_app *app, const pp_jrec *r, pp_setup_plan *p)
{
    const char *step = r->flags ? r->flags : "";
    size_t i;

    memset(p, 0, sizeof(*p));
    p->fake = pp_setup_is_fake(app);
    if (pp_jrec_has_flag(r, "fake") && !p->fake) {
        pp_error_set(_("undo: that setup change was made under a fake root; give the same roots "
                       "to undo it"));
        return false;
    }
    p->step.kind = strncmp(step, "iommu", 5) == 0  ? PP_STEP_IOMMU
                   : strncmp(step, "vfio", 4) == 0 ? PP_STEP_VFIO
                   : strncmp(step, "vfs", 3) == 0  ? PP_STEP_VFS
                                                   : PP_STEP_BIND;
    if (r->devices && !pp_pci_addr_parse(r->devices, "journal devices", &p->step.dev))
        return false;
    p->edits = xcalloc(r->nfiles + 1, sizeof(*p->edits));
    for (i = 0; i < r->nfiles; i++, p->nedits++) {
        pp_setup_edit *e = &p->edits[i];
        const pp_jfile *f = &r->files[i];
        e->path = xstrdup(f->path);
        e->real = xstrdup(f->path);
        /* reversed: what setup wrote is what undo replaces */
        e->before = f->after ? memdup0(f->after, f->after_len) : NULL;
        e->before_len = f->after_len;
        e->after = f->before ? memdup0(f->before, f->before_len) : NULL;
        e->after_len = f->before_len;
    }
    if (p->step.kind == PP_STEP_VFS) {
        p->vfs_from = flag_number(r, "to=");
        p->step.nvfs = flag_number(r, "from=");
        if (p->vfs_from != p->step.nvfs)
            p->sysfs_attr = xasprintf("%s/bus/pci/devices/%s/sriov_numvfs",
                                      app->sysfs_root ? app->sysfs_root : "/sys", r->devices);
    }
    for (char *c = r->commands, *nl; c && *c; c = nl + 1) {
        char *line, *rev;
        nl = strchr(c, '\n');
        line = memdup0(c, nl ? (size_t)(nl - c) : strlen(c));
        rev = reverse_command(line);
        if (rev) {
            p->commands = xreallocarray(p->commands, p->ncommands + 1, sizeof(*p->commands));
            p->commands[p->ncommands++] = rev;
        }
        free(line);
        if (!nl)
            break;
    }
    return true;
}

static void describe_undo(const pp_setup_plan *p, pp_buf *b, bool dry)
{
    size_t i;
    for (i = 0; i < p->nedits; i++)
        pp_buf_printf(b,
                      p->edits[i].after ? (dry ? _("# would restore %s\n") : _("# restored %s\n"))
                                        : (dry ? _("# would remove %s\n") : _("# removed %s\n")),
                      p->edits[i].path);
    if (p->sysfs_attr)
        pp_buf_printf(b, dry ? _("# would set %s to %u\n") : _("# set %s to %u\n"), p->sysfs_attr,
                      p->step.nvfs);
    for (i = 0; i < p->ncommands; i++)
        pp_buf_printf(b, p->fake ? _("# not run (a fake root): %s\n")
                                 : dry ? _("# would run: %s\n") : _("# ran: %s\n"),
                      p->commands[i]);
    if (p->step.kind == PP_STEP_VFIO)
        pp_buf_add(b, _("# vfio-pci stays loaded until the next boot\n"));
}

/* An undo record: the plan's files (already reversed) and commands. */
static void undo_record(const pp_setup_plan *p, const pp_jrec *r, const char *phase,
                        const char *intent, pp_jrec *out)
{
    fill(p, out, phase);
    free(out->action);
    out->action = xstrdup("undo");
    out->undoes = xstrdup(r->id);
    free(out->flags);
    out->flags = xasprintf("setup,%s", r->flags ? r->flags : "");
    out->intent = intent ? xstrdup(intent) : NULL;
}

/* A setup change whose process died before its outcome: the files say whether it was made. */
static bool resolve(pp_app *app, const pp_jrec *r, bool *made)
{
    const char *which = NULL;
    int st = files_state(r, &which);
    pp_jrec out;
    char *jpath;
    int jfd;
    bool ok;

    if (st < 0) {
        pp_error_set(_("undo: the last setup change was cut short, and '%s' holds neither what "
                       "it held before nor what pcipass wrote; nothing was undone"),
                     which);
        return false;
    }
    *made = st == 1;
    if ((jfd = pp_change_journal_open(app, &jpath)) < 0)
        return false;
    memset(&out, 0, sizeof(out));
    out.action = xstrdup(r->action);
    out.devices = r->devices ? xstrdup(r->devices) : NULL;
    out.flags = xasprintf("%s,resolved", r->flags ? r->flags : "");
    out.undoes = r->undoes ? xstrdup(r->undoes) : NULL;
    out.phase = xstrdup(*made ? "done" : "failed");
    out.intent = xstrdup(r->id);
    ok = pp_change_record(jfd, jpath, &out);
    pp_jrec_clear(&out);
    close(jfd);
    free(jpath);
    return ok;
}

static bool undo_guards(pp_app *app, const pp_jrec *r, pp_setup_plan *p)
{
    const char *which = NULL;
    char *why;

    if (files_state(r, &which) != 1) {
        pp_error_set(_("undo: '%s' has changed since pcipass setup wrote it; nothing was undone "
                       "(put back what pcipass wrote, or edit it by hand)"),
                     which ? which : "?");
        return false;
    }
    if (p->sysfs_attr && (why = pp_setup_vfs_blockers(app, &p->step.dev))) {
        pp_error_set(_("undo: changing the VF count of %s destroys its VFs, and these are in "
                       "use: %s; nothing was undone"),
                     r->devices, why);
        free(why);
        return false;
    }
    return true;
}

bool pp_setup_undo(pp_app *app, const pp_journal *j, const pp_jchange *t, const char *path,
                   bool dry, char **what)
{
    const pp_jrec *r = &j->v[t->intent];
    pp_setup_plan p;
    pp_buf b = PP_BUF_INIT;
    pp_jrec intent, out;
    char *jpath = NULL;
    bool made, ok = false;
    int jfd;

    *what = NULL;
    if (t->damaged_after) {
        pp_error_set(_("undo: a damaged record follows the last change in '%s'; nothing was "
                       "undone"),
                     path);
        return false;
    }
    if (!dry && t->outcome < 0) {
        if (!resolve(app, r, &made))
            return false;
        if (!made || strcmp(r->action, "undo") == 0) {
            *what = xstrdup(made ? _("the last change, an undo of a setup step, was cut short; "
                                     "its files show it was made: now recorded as done\n")
                                 : _("the last setup change was cut short before it wrote its "
                                     "files: now recorded as not made, nothing undone\n"));
            return true;
        }
    }
    if (!undo_plan(app, r, &p) || !undo_guards(app, r, &p)) {
        pp_setup_plan_clear(&p);
        return false;
    }
    describe_undo(&p, &b, dry);
    if (dry) {
        *what = pp_buf_take(&b);
        pp_setup_plan_clear(&p);
        return true;
    }
    if ((jfd = pp_change_journal_open(app, &jpath)) < 0)
        goto out;
    undo_record(&p, r, "intent", NULL, &intent);
    if (pp_change_record(jfd, jpath, &intent)) {
        if (!(ok = make(app, &p)))
            p.state = PP_SETUP_FAILED;
        else
            read_back(app, &p);
        undo_record(&p, r, phase_of(p.state), intent.id, &out);
        if (!pp_change_record(jfd, jpath, &out))
            fprintf(stderr, _("%s: warning: the outcome is not in the journal: %s\n"),
                    pp_progname(), pp_error_get());
        pp_jrec_clear(&out);
        if (ok && p.state != PP_SETUP_DONE) {
            pp_error_set("%s", p.error ? p.error : "?");
            ok = false;
        }
    }
    pp_jrec_clear(&intent);
    close(jfd);
out:
    if (ok)
        *what = pp_buf_take(&b);
    pp_buf_free(&b);
    free(jpath);
    pp_setup_plan_clear(&p);
    return ok;
}
