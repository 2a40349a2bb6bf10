/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Options common to every command, then the CLI or the TUI. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/app.h"
#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/cli.h"
#include "pcipass/ui.h"
#include "pcipass/common.h"

static void usage(FILE *out)
{
    fprintf(out, _("Usage: %s [OPTIONS] [COMMAND [ARGS]]\n"), pp_progname());
    fputs(_("Assign host PCI functions to libvirt guests by VFIO pass-through.\n"
            "Without a command, the interactive console opens.\n\n"),
          out);
    fputs(_("Options:\n"
            "      --sysfs-root DIR  read the host's PCI functions from DIR (default /sys)\n"
            "      --proc-root DIR   read the root mount and default route from DIR (default\n"
            "                        /proc, none when --sysfs-root is given)\n"
            "      --dev-root DIR    look for vfio's device nodes under DIR (default /dev)\n"
            "      --boot-root DIR   read the kernel's config-RELEASE file from DIR (default\n"
            "                        /boot, none when --sysfs-root is given)\n"
            "      --conf-root DIR   read modprobe.d and driverctl.d files under DIR/etc,\n"
            "                        DIR/run, DIR/lib and DIR/usr/lib (default /, none when\n"
            "                        --sysfs-root is given)\n"
            "      --journal FILE    the undo journal (default: $PCIPASS_JOURNAL, else\n"
            "                        /var/lib/pcipass/journal as root, else\n"
            "                        $XDG_STATE_HOME/pcipass/journal)\n"
            "  -c, --connect URI     libvirt connection URI (default: $LIBVIRT_DEFAULT_URI,\n"
            "                        else libvirt's default); several -c: a fleet\n"
            "      --hosts FILE      a fleet: one URI per line (default, without -c:\n"
            "                        $XDG_CONFIG_HOME/pcipass/hosts when it exists)\n"
            "      --inventory sysfs|libvirt  where the PCI functions are read: this machine's\n"
            "                        sysfs, or libvirt's node devices (default: sysfs for a\n"
            "                        local URI, libvirt for one naming a host or transport)\n"
            "      --demo[=HOST]     use the bundled demo host: x86 (default) or s390\n"
            "      --no-color        no colours in the console (also: NO_COLOR set)\n"
            "  -h, --help            show this help and exit\n"
            "  -V, --version         show the version and exit\n\n"),
          out);
    fputs(_("Commands:\n"), out);
    pp_cli_print_commands(out);
    fprintf(out, _("\nRun '%s COMMAND --help' for the options of one command.\n"), pp_progname());
    fputs(_("Exit status: 0 success, 1 failure, 2 usage error.\n"), out);
}

/* A binary run from its build tree (config.status and the laid-out demo beside it) uses that
 * build's data rather than an older installed copy, or none. Looked up next to the executable
 * rather than compared with a configure-time path: no build path in the installed binary (the
 * package stays reproducible), and a moved build tree still finds its own data. */
static char *build_tree_datadir(void)
{
    char exe[4096], *slash, *dir;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct stat st;

    if (n <= 0 || (size_t)n >= sizeof exe - 1)
        return NULL;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    dir = xasprintf("%s/config.status", exe);
    if (stat(dir, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(dir);
        return NULL;
    }
    free(dir);
    dir = xasprintf("%s/data/demo/.stamp", exe);
    if (stat(dir, &st) != 0) {
        free(dir);
        return NULL;
    }
    free(dir);
    return xasprintf("%s/data", exe);
}

/* PCIPASS_DATADIR, else the build tree the binary runs from, else the installed pkgdatadir */
static char *demo_datadir(void)
{
    const char *env = getenv("PCIPASS_DATADIR");
    char *build;

    if (env && *env)
        return xstrdup(env);
    build = build_tree_datadir();
    return build ? build : xstrdup(PKGDATADIR);
}

static int choose_demo(pp_app *app, const char *which)
{
    char *dir;
    struct stat st;
    int rc = PP_EXIT_OK;

    if (!which || !*which)
        which = "x86";
    if (strcmp(which, "x86") && strcmp(which, "s390")) {
        fprintf(stderr, _("%s: --demo: unknown demo host '%s'; valid: x86, s390\n"), pp_progname(),
                which);
        return PP_EXIT_USAGE;
    }
    dir = demo_datadir();
    app->demo_root = xasprintf("%s/demo/%s", dir, strcmp(which, "x86") ? "s390-lpar" : "x86-server");
    /* KVM on IBM Z runs s390x guests only: the LPAR has its own */
    app->demo_uri = xasprintf("test://%s/demo/%s", dir, strcmp(which, "x86") ? "s390-guests.xml"
                                                                              : "guests.xml");
    app->demo_proc = xasprintf("%s-proc", app->demo_root);
    app->demo_dev = xasprintf("%s-dev", app->demo_root);
    if (stat(app->demo_root, &st) != 0) {
        fprintf(stderr, _("%s: the demo host is not installed in '%s/demo' (set PCIPASS_DATADIR to "
                          "the build's data directory, or run 'make install')\n"),
                pp_progname(), dir);
        rc = PP_EXIT_FAIL;
    }
    free(dir);
    return rc;
}

/* N bytes of LINE (a NUL among them) escaped for one line of text. */
static char *escape_line(const char *line, size_t n)
{
    pp_buf b = PP_BUF_INIT;
    char one[PP_ESCAPE_MAX];

    while (n > 0) {
        size_t k = pp_escape_step(line, n, PP_ESC_FINAL, one);
        pp_buf_add(&b, one);
        line += k;
        n -= k;
    }
    return pp_buf_take(&b);
}

/* The hosts file: one URI per line; blank lines and lines starting with # are skipped. A line
 * that holds a NUL byte is named and skipped: the rest of the file is still read. */
static bool read_hosts(const char *path, bool must_exist, char ***uris, size_t *n)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    bool ok = true;

    if (!f) {
        if (!must_exist)
            return true;
        fprintf(stderr, _("%s: --hosts: cannot read '%s': %s\n"), pp_progname(), path,
                strerror(errno));
        return false;
    }
    while (ok && (len = getline(&line, &cap, f)) > 0) {
        char *p = line, *e, *esc;
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            esc = escape_line(line, (size_t)len - (line[len - 1] == '\n'));
            fprintf(stderr, _("%s: warning: %s:%u: '%s' holds a NUL byte; line skipped\n"),
                    pp_progname(), path, lineno, esc);
            free(esc);
            continue;
        }
        p += strspn(p, " \t");
        e = p + strlen(p);
        while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*p || *p == '#')
            continue;
        if (strpbrk(p, " \t") || !strstr(p, ":")) {
            esc = pp_escape_ctl(p);
            fprintf(stderr, _("%s: %s:%u: '%s' is not a libvirt URI (one URI per line)\n"),
                    pp_progname(), path, lineno, esc);
            free(esc);
            ok = false;
            continue;
        }
        *uris = xreallocarray(*uris, *n + 1, sizeof(**uris));
        (*uris)[(*n)++] = xstrdup(p);
    }
    free(line);
    fclose(f);
    return ok;
}

/* Each URI once (several -c and the hosts file may name one twice): a host listed twice would
 * show each guest and function twice. Said once per URI. */
static void dedup_uris(char **uris, size_t *n)
{
    bool *dup = xcalloc(*n ? *n : 1, sizeof(*dup)), said;
    size_t i, k, out = 0;

    for (i = 0; i < *n; i++) {
        for (k = 0; k < i && !dup[i]; k++)
            dup[i] = !dup[k] && strcmp(uris[k], uris[i]) == 0;
        for (k = 0, said = false; dup[i] && k < i && !said; k++)
            said = dup[k] && strcmp(uris[k], uris[i]) == 0;
        if (dup[i] && !said) {
            char *esc = pp_escape_ctl(uris[i]);
            fprintf(stderr, _("%s: warning: host '%s' is named more than once; it is read once\n"),
                    pp_progname(), esc);
            free(esc);
        }
    }
    for (i = 0; i < *n; i++) {
        if (dup[i])
            free(uris[i]);
        else
            uris[out++] = uris[i];
    }
    *n = out;
    free(dup);
}

/* The options every member of a fleet shares; each has its own URI. */
static void make_fleet(pp_app *app, char **uris, size_t n)
{
    size_t i;

    app->members = xcalloc(n, sizeof(*app->members));
    app->nmembers = n;
    for (i = 0; i < n; i++) {
        pp_app *m = &app->members[i];
        m->sysfs_root = app->sysfs_root;
        m->proc_root = app->proc_root;
        m->dev_root = app->dev_root;
        m->boot_root = app->boot_root;
        m->conf_root = app->conf_root;
        m->journal = app->journal;
        m->inventory = app->inventory;
        m->no_color = app->no_color;
        m->uri = uris[i];
    }
}

/* Whether DIR is this machine's own /sys (an explicit --sysfs-root /sys is the real host). */
static bool is_real_sysfs(const char *dir)
{
    struct stat a, b;

    return stat(dir, &a) == 0 && stat("/sys", &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int main(int argc, char **argv)
{
    enum { OPT_SYSFS = 256, OPT_DEMO, OPT_NO_COLOR, OPT_PROC, OPT_DEV, OPT_JOURNAL, OPT_BOOT,
           OPT_CONF, OPT_HOSTS, OPT_INVENTORY };
    static const struct option opts[] = {
        { "sysfs-root", required_argument, NULL, OPT_SYSFS },
        { "proc-root", required_argument, NULL, OPT_PROC },
        { "dev-root", required_argument, NULL, OPT_DEV },
        { "boot-root", required_argument, NULL, OPT_BOOT },
        { "conf-root", required_argument, NULL, OPT_CONF },
        { "journal", required_argument, NULL, OPT_JOURNAL },
        { "connect", required_argument, NULL, 'c' },
        { "hosts", required_argument, NULL, OPT_HOSTS },
        { "inventory", required_argument, NULL, OPT_INVENTORY },
        { "demo", optional_argument, NULL, OPT_DEMO },
        { "no-color", no_argument, NULL, OPT_NO_COLOR },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    pp_app app = { 0 };
    bool demo = false, quick = false;
    const char *demo_which = NULL, *hosts = NULL;
    char **uris = NULL;
    size_t nuris = 0, i;
    int c, rc;

#ifdef M_ARENA_MAX
    /* one malloc arena for all threads: each reader thread (guests, fleet members, libvirt's
     * event loop) would keep an arena of its own, a peak of megabytes that buys no speed here */
    mallopt(M_ARENA_MAX, 1);
#endif
    setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
    {
        /* PCIPASS_LOCALEDIR: catalogs other than the installed ones (the tests use the build's) */
        const char *localedir = getenv("PCIPASS_LOCALEDIR");
        bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    }
    textdomain(PACKAGE);
#endif

    pp_output_guard(false, true);
    /* '+': stop at the command; its own options are parsed by the command. */
    while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
        if ((c == OPT_SYSFS || c == OPT_PROC || c == OPT_DEV || c == OPT_BOOT || c == OPT_CONF ||
             c == OPT_JOURNAL || c == 'c') &&
            !*optarg) {
            /* '' would make every path relative to the working directory, or the root */
            const char *name = "?";
            for (size_t k = 0; opts[k].name; k++)
                if (opts[k].val == c)
                    name = opts[k].name;
            if (c == 'c')
                fprintf(stderr, _("%s: --connect: empty; give a libvirt URI, or leave the option "
                                  "out\n"),
                        pp_progname());
            else
                fprintf(stderr, _("%s: --%s: empty; give a path, or leave the option out\n"),
                        pp_progname(), name);
            fprintf(stderr, _("Try '%s --help' for more information.\n"), pp_progname());
            return PP_EXIT_USAGE;
        }
        switch (c) {
        case OPT_SYSFS:
            app.sysfs_root = optarg;
            break;
        case OPT_PROC:
            app.proc_root = optarg;
            break;
        case OPT_DEV:
            app.dev_root = optarg;
            break;
        case OPT_BOOT:
            app.boot_root = optarg;
            break;
        case OPT_CONF:
            app.conf_root = optarg;
            break;
        case OPT_JOURNAL:
            if (*optarg != '/') {
                /* the journal would be wherever the operator happens to stand */
                fprintf(stderr, _("%s: --journal: '%s' is a relative path; give an absolute one\n"),
                        pp_progname(), optarg);
                rc = PP_EXIT_USAGE;
                goto out;
            }
            app.journal = optarg;
            break;
        case 'c':
            uris = xreallocarray(uris, nuris + 1, sizeof(*uris));
            uris[nuris++] = xstrdup(optarg);
            break;
        case OPT_HOSTS:
            hosts = optarg;
            break;
        case OPT_INVENTORY:
            if (strcmp(optarg, "sysfs") && strcmp(optarg, "libvirt")) {
                fprintf(stderr, _("%s: --inventory: unknown source '%s'; valid: sysfs, libvirt\n"),
                        pp_progname(), optarg);
                rc = PP_EXIT_USAGE;
                goto out;
            }
            app.inventory = optarg;
            break;
        case OPT_DEMO:
            demo = true;
            demo_which = optarg;
            break;
        case OPT_NO_COLOR:
            app.no_color = true;
            break;
        case 'h':
            usage(stdout);
            rc = PP_EXIT_OK;
            goto out;
        case 'V':
            pp_print_version(stdout);
            rc = PP_EXIT_OK;
            goto out;
        default:
            fprintf(stderr, _("Try '%s --help' for more information.\n"), pp_progname());
            rc = PP_EXIT_USAGE;
            goto out;
        }
    }
    if (hosts && !read_hosts(hosts, true, &uris, &nuris)) {
        rc = PP_EXIT_USAGE;
        goto out;
    }
    if (!hosts && !nuris && !demo && !(getenv("LIBVIRT_DEFAULT_URI") && *getenv("LIBVIRT_DEFAULT_URI"))) {
        const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        char *path = cfg && *cfg ? xasprintf("%s/pcipass/hosts", cfg)
                     : home && *home ? xasprintf("%s/.config/pcipass/hosts", home) : NULL;
        bool ok = !path || read_hosts(path, false, &uris, &nuris);
        free(path);
        if (!ok) {
            rc = PP_EXIT_USAGE;
            goto out;
        }
    }
    if (hosts && !nuris) {
        fprintf(stderr, _("%s: --hosts: '%s' names no host\n"), pp_progname(), hosts);
        rc = PP_EXIT_USAGE;
        goto out;
    }
    dedup_uris(uris, &nuris);
    /* a remote host's functions are not under this machine's sysfs: only when said so */
    for (i = 0; i < nuris; i++)
        if (app.sysfs_root && pp_uri_is_remote(uris[i]) && !app.inventory) {
            char *esc = pp_escape_ctl(uris[i]);
            fprintf(stderr, _("%s: --sysfs-root: '%s' is another host, whose PCI functions are "
                              "read through libvirt; add --inventory sysfs to read DIR for it "
                              "anyway\n"),
                    pp_progname(), esc);
            free(esc);
            rc = PP_EXIT_USAGE;
            goto out;
        }
    if (nuris == 1)
        app.uri = uris[0];
    else if (nuris > 1)
        make_fleet(&app, uris, nuris);
    if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
        app.no_color = true;
    if (demo) {
        rc = choose_demo(&app, demo_which);
        if (rc != PP_EXIT_OK)
            goto out;
        /* Explicit options still win over the demo's choices. */
        if (!app.sysfs_root) {
            struct stat st;
            app.sysfs_root = app.demo_root;
            if (!app.proc_root && stat(app.demo_proc, &st) == 0)
                app.proc_root = app.demo_proc;
            /* the demo host has its own /dev/vfio, so its checklist passes */
            if (!app.dev_root && stat(app.demo_dev, &st) == 0)
                app.dev_root = app.demo_dev;
        }
        if (!app.uri)
            app.uri = app.demo_uri;
    }

    /* a fake host whose guests are the process's own (libvirt's test driver without a daemon)
     * shares nothing but the journal: its changes serialise there, never with the real host's */
    if (app.sysfs_root && !is_real_sysfs(app.sysfs_root) && app.nmembers <= 1 && app.uri &&
        strncmp(app.uri, "test:///", 8) == 0)
        pp_change_lock_fake_host(app.journal);
    else
        pp_change_lock_journal(app.journal);

    if (optind < argc) {
        pp_output_guard(true, false);
        /* one host: a clock on its open. A fleet has a limit per host instead
         * (PCIPASS_FLEET_TIMEOUT), which sets a stuck host aside and lists the others; a
         * process-wide alarm would end them all */
        pp_virt_connect_watchdog(app.nmembers <= 1);
        rc = pp_cli_main(&app, argc - optind, argv + optind);
        if (!pp_output_finish()) {
            /* cut output is no success: a script must not take it for the whole answer */
            fprintf(stderr, _("%s: cannot write the output: %s\n"), pp_progname(), strerror(errno));
            rc = PP_EXIT_FAIL;
        }
        quick = true;
    } else
        rc = pp_tui_main(&app);

out:
    pp_app_free(&app);
    for (i = 0; i < nuris; i++)
        free(uris[i]);
    free(uris);
    /* a command's output is out: nothing is left for the libraries' destructors to do */
    if (quick)
        pp_exit_quick(rc);
    return rc;
}
