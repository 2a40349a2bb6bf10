/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Options common to every command, then the CLI or the TUI. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/app.h"
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
            "                        else libvirt's default)\n"
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
    app->demo_uri = xasprintf("test://%s/demo/guests.xml", dir);
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

int main(int argc, char **argv)
{
    enum { OPT_SYSFS = 256, OPT_DEMO, OPT_NO_COLOR, OPT_PROC, OPT_DEV, OPT_JOURNAL, OPT_BOOT, OPT_CONF };
    static const struct option opts[] = {
        { "sysfs-root", required_argument, NULL, OPT_SYSFS },
        { "proc-root", required_argument, NULL, OPT_PROC },
        { "dev-root", required_argument, NULL, OPT_DEV },
        { "boot-root", required_argument, NULL, OPT_BOOT },
        { "conf-root", required_argument, NULL, OPT_CONF },
        { "journal", required_argument, NULL, OPT_JOURNAL },
        { "connect", required_argument, NULL, 'c' },
        { "demo", optional_argument, NULL, OPT_DEMO },
        { "no-color", no_argument, NULL, OPT_NO_COLOR },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    pp_app app = { 0 };
    bool demo = false;
    const char *demo_which = NULL;
    int c, rc;

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
        if (c >= OPT_SYSFS && c != OPT_DEMO && c != OPT_NO_COLOR && optarg && !*optarg) {
            /* '' would make every path relative to the working directory, or the root */
            const char *name = "?";
            for (size_t i = 0; opts[i].name; i++)
                if (opts[i].val == c)
                    name = opts[i].name;
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
            app.journal = optarg;
            break;
        case 'c':
            app.uri = optarg;
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
            return PP_EXIT_OK;
        case 'V':
            pp_print_version(stdout);
            return PP_EXIT_OK;
        default:
            fprintf(stderr, _("Try '%s --help' for more information.\n"), pp_progname());
            return PP_EXIT_USAGE;
        }
    }
    if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
        app.no_color = true;
    if (demo) {
        rc = choose_demo(&app, demo_which);
        if (rc != PP_EXIT_OK) {
            pp_app_free(&app);
            return rc;
        }
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

    if (optind < argc) {
        pp_output_guard(true, false);
        pp_virt_connect_watchdog(true);
        rc = pp_cli_main(&app, argc - optind, argv + optind);
    } else
        rc = pp_tui_main(&app);

    pp_app_free(&app);
    return rc;
}
