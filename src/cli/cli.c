/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table and what every command shares: option parsing, usage errors, JSON output. */
#include <config.h>

#include <stdarg.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/change.h"
#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"
#include "pcipass/buf.h"
#include "pcipass/table.h"

/* ---- the command table: each command's options in one table (cli.h) ---- */

#define OPT_END { 0, NULL, NULL, NULL, PP_COMP_NONE, NULL }
#define NO_WAIT_OPT                                                                                \
    { PP_OPT_NO_WAIT, "no-wait", NULL,                                                             \
      N_("fail at once while another pcipass makes a change on this host"), PP_COMP_NONE, NULL }
/* the assignment's fields: xml and attach alike */
#define ASSIGN_OPTS                                                                                \
    { PP_OPT_MANAGED, "managed", "yes|no", N_("libvirt binds vfio-pci itself (default yes)"),      \
      PP_COMP_CHOICES, "yes no" },                                                                 \
        { PP_OPT_ZPCI_UID, "zpci-uid", N_("N"), N_("s390x guests: zPCI uid, 0x0001-0xffff"),        \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_ZPCI_FID, "zpci-fid", N_("N"), N_("s390x guests: zPCI fid, 0x00000000-0xffffffff"), \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_GUEST_ADDRESS, "guest-address", N_("ADDR"),                                       \
          N_("the guest-side PCI address, DDDD:BB:SS.F"), PP_COMP_NONE, NULL },                    \
        { PP_OPT_INTERFACE, "interface", NULL,                                                     \
          N_("<interface type='hostdev'> (SR-IOV network VFs)"), PP_COMP_NONE, NULL },             \
        { PP_OPT_MAC, "mac", N_("MAC"), N_("the interface's MAC address (with --interface)"),      \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_VLAN, "vlan", N_("TAG"), N_("the interface's VLAN tag, 1-4094 (with --interface)"), \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_TRUST, "trust", "on|off",                                                         \
          N_("trustGuestRxFilters: the guest may change the VF's MAC\nand receive filters (with "  \
             "--interface)"),                                                                      \
          PP_COMP_CHOICES, "on off" },                                                             \
        { PP_OPT_ROM_BAR, "rom-bar", "on|off",                                                     \
          N_("show the function's option ROM to the guest or not"), PP_COMP_CHOICES, "on off" },   \
        { PP_OPT_ROM_FILE, "rom-file", N_("PATH"),                                                 \
          N_("an option ROM image for the guest instead (a readable\nfile, under the "              \
             "configuration root)"),                                                               \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_BOOT_ORDER, "boot-order", N_("N"),                                                \
          N_("boot from this function, 1-65535 (not with the\nguest's <os><boot>)"), PP_COMP_NONE, \
          NULL },                                                                                  \
        { PP_OPT_DRIVER_MODEL, "driver-model", N_("NAME"),                                         \
          N_("a VFIO variant driver, <driver model=.../> (libvirt\n10.0 and later)"),              \
          PP_COMP_NONE, NULL },                                                                    \
        { PP_OPT_IOMMUFD, "iommufd", NULL,                                                         \
          N_("assign through iommufd, <driver iommufd='yes'/> (libvirt\n12.1 and later)"),         \
          PP_COMP_NONE, NULL }

static const pp_cli_opt list_opts[] = {
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per function"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt find_opts[] = {
    { PP_OPT_CLASS, "class", N_("HEX"),
      N_("class: base (02), with subclass (0200) or full (020000)"), PP_COMP_NONE, NULL },
    { PP_OPT_VENDOR, "vendor", N_("HEX"), N_("vendor id, 0000-ffff"), PP_COMP_NONE, NULL },
    { PP_OPT_DEVICE, "device", N_("HEX"), N_("device id, 0000-ffff"), PP_COMP_NONE, NULL },
    { PP_OPT_FREE, "free", NULL,
      N_("only functions attach's guards let pass, nothing overridden:\n"
         "no guest holds it or its SR-IOV PF or VFs, a viable IOMMU group,\n"
         "not host-critical, a reset method, no bridge; on a host read\n"
         "through libvirt, listed with what could not be checked there"),
      PP_COMP_NONE, NULL },
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per function"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt guests_opts[] = {
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per guest"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt owners_opts[] = {
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per held function"), PP_COMP_NONE,
      NULL },
    OPT_END,
};

static const pp_cli_opt xml_opts[] = {
    { PP_OPT_GUEST, "guest", N_("NAME"), N_("check the assignment against this guest"),
      PP_COMP_GUEST, NULL },
    ASSIGN_OPTS,
    OPT_END,
};

static const pp_cli_opt attach_opts[] = {
    ASSIGN_OPTS,
    { PP_OPT_LIVE, "live", NULL, N_("the running guest only"), PP_COMP_NONE, NULL },
    { PP_OPT_CONFIG, "config", NULL,
      N_("the persistent configuration only\n"
         "(default: both for a running guest, the persistent one when shut off)"),
      PP_COMP_NONE, NULL },
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("check and print the XML, change nothing"), PP_COMP_NONE,
      NULL },
    { PP_OPT_FORCE, "force", NULL,
      N_("override the guards that allow it (function held by another\n"
         "guest, IOMMU group partners on host drivers, host-critical\n"
         "function, function not on this host)"),
      PP_COMP_NONE, NULL },
    { PP_OPT_WHOLE_GROUP, "whole-group", NULL,
      N_("also the free endpoint functions of DEVICE's IOMMU group,\nall or nothing"),
      PP_COMP_NONE, NULL },
    { PP_OPT_ALL_FUNCTIONS, "all-functions", NULL,
      N_("DEVICE is function 0: all functions of the device, in one\n"
         "guest slot (multifunction), all or nothing"),
      PP_COMP_NONE, NULL },
    { PP_OPT_NO_WAIT, "no-wait", NULL,
      N_("fail at once while another pcipass makes a change on this host\n"
         "(default: wait for it, up to 30 s)"),
      PP_COMP_NONE, NULL },
    { PP_OPT_JSON, "json", NULL, N_("the result as JSON"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt detach_opts[] = {
    { PP_OPT_LIVE, "live", NULL, N_("the running guest only"), PP_COMP_NONE, NULL },
    { PP_OPT_CONFIG, "config", NULL, N_("the persistent configuration only"), PP_COMP_NONE, NULL },
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("print what would be detached, change nothing"),
      PP_COMP_NONE, NULL },
    { PP_OPT_WAIT, "wait", N_("SECONDS"),
      N_("how long to wait for a running guest to release the function\n"
         "(default 5; 0: do not wait). Not released by then: exit 1,\n"
         "\"unplug requested\", journaled as requested, not as done"),
      PP_COMP_NONE, NULL },
    NO_WAIT_OPT,
    { PP_OPT_JSON, "json", NULL, N_("the result as JSON"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt check_opts[] = {
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per check"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt prepare_opts[] = {
    { PP_OPT_DRIVER, "driver", N_("NAME"),
      N_("a VFIO variant driver instead (mlx5_vfio_pci; libvirt 10.0\nand later)"), PP_COMP_NONE,
      NULL },
    { PP_OPT_FORCE, "force", NULL, N_("bind even a host-critical function"), PP_COMP_NONE, NULL },
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("check, change nothing"), PP_COMP_NONE, NULL },
    NO_WAIT_OPT,
    OPT_END,
};

static const pp_cli_opt release_opts[] = {
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("check, change nothing"), PP_COMP_NONE, NULL },
    NO_WAIT_OPT,
    OPT_END,
};

static const pp_cli_opt undo_opts[] = {
    { PP_OPT_FORCE, "force", NULL, N_("override the guards when re-attaching a detached function"),
      PP_COMP_NONE, NULL },
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("say what would be reverted, change nothing"),
      PP_COMP_NONE, NULL },
    { PP_OPT_WAIT, "wait", N_("SECONDS"),
      N_("how long to wait for a running guest to release a function\n(default 5)"), PP_COMP_NONE,
      NULL },
    NO_WAIT_OPT,
    OPT_END,
};

static const pp_cli_opt setup_opts[] = {
    { PP_OPT_DRY_RUN, "dry-run", NULL, N_("show the diff of each file and each command, change nothing"),
      PP_COMP_NONE, NULL },
    { PP_OPT_IOMMU_PT, "iommu-pt", NULL, N_("iommu: add iommu=pt too"), PP_COMP_NONE, NULL },
    NO_WAIT_OPT,
    { PP_OPT_JSON, "json", NULL, N_("one JSON array, one object per step"), PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt history_opts[] = {
    { PP_OPT_JSON, "json", NULL,
      N_("one JSON array, one object per change, with its state (done,\n"
         "requested, failed, unknown)"),
      PP_COMP_NONE, NULL },
    OPT_END,
};

static const pp_cli_opt audit_opts[] = {
    { PP_OPT_JSON, "json", NULL,
      N_("one JSON object: guests, assignments, findings (kind, severity,\n"
         "guest, address, message, advice) and, with --record, recorded"),
      PP_COMP_NONE, NULL },
    { PP_OPT_RECORD, "record", NULL,
      N_("store the current identity of each assignment that has none in\n"
         "its guest's definition, print what was stored, then audit"),
      PP_COMP_NONE, NULL },
    OPT_END,
};

#define NO_OPERANDS { PP_COMP_NONE, PP_COMP_NONE }, false
static const pp_cli_cmd commands[] = {
    { "list", "", NO_OPERANDS, N_("list the host's PCI functions and who holds them"), list_opts,
      NULL, PP_CMD_FLEET | PP_CMD_OPTS_FIRST, pp_cmd_list },
    { "find", "", NO_OPERANDS, N_("find functions by class and ids across every host"), find_opts,
      NULL, PP_CMD_FLEET | PP_CMD_OPTS_FIRST, pp_cmd_find },
    { "guests", "", NO_OPERANDS, N_("list every guest, running or not, and what it holds"),
      guests_opts, NULL, PP_CMD_FLEET | PP_CMD_OPTS_FIRST, pp_cmd_guests },
    { "owners", "", NO_OPERANDS, N_("show which guests hold which host functions, conflicts included"),
      owners_opts, NULL, PP_CMD_FLEET | PP_CMD_OPTS_FIRST, pp_cmd_owners },
    { "xml", NC_("operands", "DEVICE"), { PP_COMP_DEVICE, PP_COMP_NONE }, false,
      N_("print the <hostdev> XML an attach would send"), xml_opts,
      N_("Numbers are hex with 0x, or decimal. DEVICE is DDDD:BB:SS.F or BB:SS.F.\n"), 0,
      pp_cmd_xml },
    { "attach", NC_("operands", "GUEST DEVICE"), { PP_COMP_GUEST, PP_COMP_DEVICE }, false,
      N_("assign a host function to a guest"), attach_opts,
      N_("--interface without --mac: a MAC 52:54:00:xx:xx:xx that stays the same for this guest\n"
         "and function.\n"),
      0, pp_cmd_attach },
    { "detach", NC_("operands", "GUEST DEVICE"), { PP_COMP_GUEST, PP_COMP_DEVICE }, false,
      N_("take a host function away from a guest"), detach_opts, NULL, 0, pp_cmd_detach },
    { "check", NC_("operands", "[DEVICE...]"), { PP_COMP_DEVICE, PP_COMP_NONE }, true,
      N_("check the host's pass-through setup, and the readiness of DEVICEs"), check_opts,
      N_("Exit status 0 when no check fails or is pending, 1 otherwise. Pending: configured\n"
         "(pcipass setup), takes effect at the next boot.\n"),
      0, pp_cmd_check },
    { "prepare", NC_("operands", "DEVICE"), { PP_COMP_DEVICE, PP_COMP_NONE }, false,
      N_("bind a host function to vfio-pci until the next reboot (for managed='no')"),
      prepare_opts, NULL, 0, pp_cmd_prepare },
    { "release", NC_("operands", "DEVICE"), { PP_COMP_DEVICE, PP_COMP_NONE }, false,
      N_("give a host function back to its host driver"), release_opts, NULL, 0, pp_cmd_release },
    { "setup", NC_("operands", "[STEP...]"), { PP_COMP_NONE, PP_COMP_NONE }, true,
      N_("make the changes check asks for: kernel command line, vfio-pci, SR-IOV VFs, binding"),
      setup_opts,
      N_("STEP is one of\n"
         "  iommu        the IOMMU on the kernel command line (GRUB drop-in\n"
         "               /etc/default/grub.d/pcipass.cfg and update-grub, or systemd-boot's\n"
         "               /etc/kernel/cmdline); takes effect at the next boot\n"
         "  vfio         vfio-pci at every boot (/etc/modules-load.d/pcipass.conf) and now\n"
         "  vfs PF N     N SR-IOV VFs on PF now and at every boot (a udev rule); refused\n"
         "               while a guest holds one of its VFs or one is on vfio-pci\n"
         "  bind DEVICE  DEVICE on vfio-pci from boot: driverctl where installed, else\n"
         "               options vfio-pci ids= in /etc/modprobe.d/pcipass.conf\n"
         "Without STEP: each step a failing or warning check has as its fix, in order.\n"
         "Every change is journaled with the bytes of each file; 'pcipass undo' restores them.\n"
         "With a root option (--conf-root, --sysfs-root, ...) files are written under it and no\n"
         "host command runs; setup says which it would run.\n"),
      0, pp_cmd_setup },
    { "undo", "", NO_OPERANDS, N_("revert the last change recorded in the journal"), undo_opts,
      N_("A change whose pcipass was killed before it finished is resolved first: libvirt is\n"
         "asked what is there, and the answer recorded. A damaged record at the end of the\n"
         "journal stops undo.\n"),
      0, pp_cmd_undo },
    { "history", "", NO_OPERANDS, N_("show the journal of changes"), history_opts, NULL, 0,
      pp_cmd_history },
    { "audit", NC_("operands", "[GUEST...]"), { PP_COMP_GUEST, PP_COMP_NONE }, true,
      N_("check that the assignments of every guest (or of GUESTs) are still right on this host"),
      audit_opts,
      N_("Every PCI hostdev and hostdev interface of running and shut-off guests, live and\n"
         "persistent definitions: the address missing or holding another device than was\n"
         "assigned, held by another guest too, IOMMU group not viable, host-critical,\n"
         "SR-IOV PF and VFs split, managed='no' off vfio-pci, no reset method, zPCI ids.\n"
         "Exit status 0 when there are no findings, 1 when there are.\n"),
      0, pp_cmd_audit },
};

const pp_cli_cmd *pp_cli_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void pp_cli_print_commands(FILE *out)
{
    size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
}

/* "--wait SECONDS", its value's name translated when TR. */
static char *opt_left(const pp_cli_opt *o, bool tr)
{
    return o->arg ? xasprintf("--%s %s", o->name, tr ? _(o->arg) : o->arg)
                  : xasprintf("--%s", o->name);
}

char *pp_cli_synopsis(const pp_cli_cmd *cmd)
{
    pp_buf b = PP_BUF_INIT;

    for (const pp_cli_opt *o = cmd->opts; o->name; o++) {
        char *left = opt_left(o, false), *item = xasprintf("[%s]", left);
        pp_buf_item(&b, " ", item);
        free(item);
        free(left);
    }
    return pp_buf_take(&b);
}

/* The usage line: the operands, then each option, wrapped under the command at 79 columns. */
static char *usage_args(const pp_cli_cmd *cmd, size_t indent)
{
    pp_buf b = PP_BUF_INIT;
    const char *args = *cmd->args ? pp_cgettext(cmd->args) : "";
    size_t col = indent + pp_display_width(args);

    pp_buf_add(&b, args);
    for (const pp_cli_opt *o = cmd->opts; o->name; o++) {
        char *left = opt_left(o, true), *item = xasprintf("[%s]", left);
        size_t w = pp_display_width(item);
        if (col > indent && col + 1 + w > 79) {
            pp_buf_printf(&b, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            pp_buf_add(&b, " ");
            col++;
        }
        pp_buf_add(&b, item);
        col += w;
        free(item);
        free(left);
    }
    return pp_buf_take(&b);
}

/* One option of --help: its name and value in a column of WIDTH, its help beside, each further
 * line of the help under the first. */
static void opt_help(FILE *out, const pp_cli_opt *o, size_t width)
{
    char *left = opt_left(o, true), *help = xstrdup(_(o->help)), *line, *save = NULL;
    bool first = true;

    fprintf(out, "      %s%*s", left, (int)(width - pp_display_width(left)), "");
    for (line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!first)
            fprintf(out, "%*s", (int)(6 + width), "");
        fprintf(out, "%s\n", line);
        first = false;
    }
    free(help);
    free(left);
}

static void cmd_help(const pp_cli_cmd *cmd, FILE *out)
{
    size_t width = 0, indent;
    char *head, *args;

    for (const pp_cli_opt *o = cmd->opts; o->name; o++) {
        char *left = opt_left(o, true);
        size_t w = pp_display_width(left) + 3;
        width = w > width ? w : width;
        free(left);
    }
    head = xasprintf(_("Usage: %s [OPTIONS] %s %s\n"), pp_progname(), cmd->name, "");
    indent = pp_display_width(head) - 1;
    free(head);
    args = usage_args(cmd, indent);
    fprintf(out, _("Usage: %s [OPTIONS] %s %s\n"), pp_progname(), cmd->name, args);
    free(args);
    fprintf(out, "%s.\n\n", _(cmd->summary));
    fputs(_("Options:\n"), out);
    for (const pp_cli_opt *o = cmd->opts; o->name; o++)
        opt_help(out, o, width);
    fputs(_("  -h, --help   show this help and exit\n"), out);
    if (cmd->notes)
        fprintf(out, "\n%s", _(cmd->notes));
}

/* For the bash completion: what completes CMD's options and operands, one line each --
 * "option --NAME [guest|device|value|words WORD...]", "operand KIND", "operands KIND" (repeats). */
static int print_completion(int argc, char **argv)
{
    static const char *const kinds[] = { "value", "guest", "device", "words" };
    const pp_cli_cmd *cmd = argc == 2 ? pp_cli_find(argv[1]) : NULL;

    if (!cmd)
        return PP_EXIT_USAGE;
    for (const pp_cli_opt *o = cmd->opts; o->name; o++) {
        printf("option --%s", o->name);
        if (o->arg)
            printf(" %s%s%s", kinds[o->comp], o->choices ? " " : "", o->choices ? o->choices : "");
        putchar('\n');
    }
    for (size_t i = 0; i < 2 && cmd->operands[i] != PP_COMP_NONE; i++)
        printf("%s %s\n", cmd->more && (i == 1 || cmd->operands[1] == PP_COMP_NONE) ? "operands"
                                                                                   : "operand",
               kinds[cmd->operands[i]]);
    return PP_EXIT_OK;
}

int pp_cli_usage_error(const pp_cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", pp_progname(), cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, _("\nTry '%s %s --help' for more information.\n"), pp_progname(), cmd->name);
    return PP_EXIT_USAGE;
}

int pp_cli_fail(void)
{
    fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
    return PP_EXIT_FAIL;
}

/* getopt's array for CMD, from its option table, and --help. */
static struct option *longopts_of(const pp_cli_cmd *cmd)
{
    size_t n = 0, i;
    struct option *v;

    while (cmd->opts[n].name)
        n++;
    v = xcalloc(n + 2, sizeof(*v));
    for (i = 0; i < n; i++)
        v[i] = (struct option){ cmd->opts[i].name,
                                cmd->opts[i].arg ? required_argument : no_argument, NULL,
                                cmd->opts[i].id };
    v[n] = (struct option){ "help", no_argument, NULL, 'h' };
    return v;
}

int pp_cli_getopt(const pp_cli_cmd *cmd, int argc, char **argv, int *opt)
{
    static const pp_cli_cmd *made;
    static struct option *longopts;
    int c;

    if (made != cmd) {
        free(longopts);
        longopts = longopts_of(cmd);
        made = cmd;
    }
    c = getopt_long(argc, argv, cmd->flags & PP_CMD_OPTS_FIRST ? "+h" : "h", longopts, NULL);

    *opt = c;
    if (c == 'h') {
        cmd_help(cmd, stdout);
        return PP_EXIT_OK;
    }
    if (c == '?' || c == ':') {
        fprintf(stderr, _("Try '%s %s --help' for more information.\n"), pp_progname(), cmd->name);
        return PP_EXIT_USAGE;
    }
    return -1;
}

static void on_signal(int sig)
{
    sigset_t set;

    pp_interrupt_say(sig);
    /* dies of the signal itself, so that a calling shell's loop stops at Ctrl-C too */
    signal(sig, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* Ctrl-C, a kill or a lost terminal during a libvirt call: one line that says what state a change
 * under way is in (pp_interrupt_note), then death by the signal as before. A signal the caller
 * ignores (nohup, a background job) stays ignored. */
static void catch_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa, old;

    pp_interrupt_prepare();
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* a second signal while the line is written would write it twice */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&sa.sa_mask, sigs[i]);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
}

int pp_cli_main(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find(argv[0]);
    int rc;

    if (strcmp(argv[0], "__complete") == 0)
        return print_completion(argc, argv);
    if (!cmd) {
        fprintf(stderr, _("%s: unknown command '%s'\nTry '%s --help' for the list of commands.\n"),
                pp_progname(), argv[0], pp_progname());
        return PP_EXIT_USAGE;
    }
    /* 0, not 1: glibc then starts afresh, permuting options after operands again */
    optind = 0;
    catch_signals();
    if (app->nmembers > 1 && !(cmd->flags & PP_CMD_FLEET))
        return pp_cli_fleet_dispatch(app, cmd, argc, argv);
    rc = cmd->run(app, argc, argv);
    /* after the command's own output: a guest read with recovery is never passed over in silence */
    pp_app_print_guest_warnings(app);
    return rc;
}

char *pp_json_text(json_object *o)
{
    /* json-c copies bytes that are no UTF-8 as they are, which is no JSON: they become the text
     * \xNN (README); DEL, C1 and bidi controls become \u escapes, the same characters */
    return pp_escape(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE),
                     PP_ESC_JSON | PP_ESC_LAYOUT);
}

void pp_json_print(json_object *o)
{
    char *t = pp_json_text(o);
    puts(t);
    free(t);
    json_object_put(o);
}

/* "0x%0*llx" by hand, for the same reason as pp_pci_addr_format(); at most 16 digits */
json_object *pp_json_hex(unsigned long long v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char buf[24], *p = buf + sizeof(buf);
    int n = 0;

    *--p = '\0';
    while ((n < digits && n < 16) || v) {
        *--p = hex[v & 0xf];
        v >>= 4;
        n++;
    }
    *--p = 'x';
    *--p = '0';
    return json_object_new_string(p);
}

json_object *pp_json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* Prints the findings; true when the change may go on (none, or only forceable ones with force). */
void pp_cli_say_waiting(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "%s: %s\n", pp_progname(), msg);
}

pp_change_state pp_cli_apply(pp_app *app, pp_change *c)
{
    pp_change_state st;

    c->waiting = pp_cli_say_waiting;
    st = pp_change_apply(app, c);
    if (st == PP_CHANGE_REFUSED && c->findings.n &&
        pp_findings_blocking(&c->findings, c->force, c->accepted)) {
        pp_cli_findings(&c->findings, c->force);
    } else if (st == PP_CHANGE_REFUSED || st == PP_CHANGE_FAILED || st == PP_CHANGE_UNKNOWN) {
        fprintf(stderr, "%s: %s\n", pp_progname(), pp_error_get());
    } else if (st == PP_CHANGE_REQUESTED && c->pending) {
        char *guest = pp_escape_ctl(c->guest);
        fprintf(stderr, _("%s: unplug requested; guest '%s' has not released %s (it may still do "
                          "so; 'pcipass owners' shows what libvirt holds)\n"),
                pp_progname(), guest, c->pending);
        free(guest);
    } else if (st == PP_CHANGE_REQUESTED) {
        /* made, but libvirt does not show it as asked: said as it is */
        fprintf(stderr, "%s: %s\n", pp_progname(), c->error ? c->error : "?");
    }
    if (st == PP_CHANGE_DONE || st == PP_CHANGE_REQUESTED) {
        /* overridden ones, said once more where the change went through */
        if (c->findings.n)
            pp_cli_findings(&c->findings, true);
        if (c->moved) {
            /* where libvirt put it, not where it was asked to: the read-back is the truth */
            char *t = xstrdup(c->moved), *line, *save = NULL;
            for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                fprintf(stderr, _("%s: warning: %s\n"), pp_progname(), line);
            free(t);
        }
        if (!c->recorded)
            fprintf(stderr, _("%s: warning: the change is made, but its outcome is not recorded "
                              "for undo: %s\n"),
                    pp_progname(), c->record_error ? c->record_error : "?");
        if (c->identity) {
            /* what the audit will compare against, as stored in the guest's definition */
            char *guest = pp_escape_ctl(c->guest), *t, *line, *save = NULL;
            t = xstrdup(c->identity);
            for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                fprintf(stderr, _("%s: identity recorded in guest '%s': %s\n"), pp_progname(),
                        guest, line);
            free(t);
            free(guest);
        }
        /* the assignment stands; the audit will call it unrecorded */
        if (c->identity_error && c->kind == PP_CHANGE_DETACH)
            fprintf(stderr, _("%s: warning: the change is made, but removing the function's "
                              "identity from the guest's definition failed: %s\n"),
                    pp_progname(), c->identity_error);
        else if (c->identity_error)
            fprintf(stderr, _("%s: warning: the change is made, but the function's identity is "
                              "not recorded in the guest's definition: %s\n"),
                    pp_progname(), c->identity_error);
    }
    return st;
}

bool pp_cli_parse_wait(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= 0 && v <= 3600)) {
        pp_error_set(_("wait: '%s' is not a number of seconds from 0 to 3600"), s);
        return false;
    }
    *out = v;
    return true;
}

bool pp_cli_findings(const pp_findings *f, bool force)
{
    size_t i;
    bool go = pp_findings_blocking(f, force, NULL) == 0;

    for (i = 0; i < f->n; i++) {
        if (f->v[i].warning)
            fprintf(stderr, _("%s: warning: %s\n"), pp_progname(), f->v[i].msg);
        else if (go)
            fprintf(stderr, _("%s: warning: %s (overridden by --force)\n"), pp_progname(),
                    f->v[i].msg);
        else if (f->v[i].forceable && !force)
            fprintf(stderr, _("%s: refused: %s (--force overrides)\n"), pp_progname(),
                    f->v[i].msg);
        else
            fprintf(stderr, _("%s: refused: %s\n"), pp_progname(), f->v[i].msg);
    }
    return go;
}
