/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table and what every command shares: option parsing, usage errors, JSON output. */
#include <config.h>

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/change.h"
#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/guard.h"

static const pp_cli_cmd commands[] = {
    { "list", N_("[--json]"), N_("list the host's PCI functions and who holds them"),
      N_("      --json   one JSON array, one object per function\n"), pp_cmd_list },
    { "find", N_("[--class HEX] [--vendor HEX] [--device HEX] [--free] [--json]"),
      N_("find functions by class and ids across every host"),
      N_("      --class HEX    class: base (02), with subclass (0200) or full (020000)\n"
         "      --vendor HEX   vendor id, 0000-ffff\n"
         "      --device HEX   device id, 0000-ffff\n"
         "      --free         only functions no guest holds in any configuration, in a\n"
         "                     viable IOMMU group, not host-critical and no bridge (what is\n"
         "                     unknown on a host, as on one read through libvirt, is never free)\n"
         "      --json         one JSON array, one object per function\n"),
      pp_cmd_find },
    { "guests", N_("[--json]"), N_("list every guest, running or not, and what it holds"),
      N_("      --json   one JSON array, one object per guest\n"), pp_cmd_guests },
    { "owners", N_("[--json]"), N_("show which guests hold which host functions, conflicts included"),
      N_("      --json   one JSON array, one object per held function\n"), pp_cmd_owners },
    { "xml", N_("DEVICE [--guest NAME] [ASSIGNMENT OPTIONS]"),
      N_("print the <hostdev> XML an attach would send"),
      N_("      --guest NAME             check the assignment against this guest\n"
         "      --managed yes|no         libvirt binds vfio-pci itself (default yes)\n"
         "      --zpci-uid N             s390x guests: zPCI uid, 0x0001-0xffff\n"
         "      --zpci-fid N             s390x guests: zPCI fid, 0x00000000-0xffffffff\n"
         "      --guest-address ADDR     the guest-side PCI address, DDDD:BB:SS.F\n"
         "      --interface              <interface type='hostdev'> (SR-IOV network VFs)\n"
         "      --mac MAC                the interface's MAC address (with --interface)\n"
         "      --vlan TAG               the interface's VLAN tag, 1-4094 (with --interface)\n"
         "      --trust on|off           trustGuestRxFilters: the guest may change the VF's MAC\n"
         "                               and receive filters (with --interface)\n"
         "      --rom-bar on|off         show the function's option ROM to the guest or not\n"
         "      --rom-file PATH          an option ROM image for the guest instead (a readable\n"
         "                               file, under --conf-root with a fake root)\n"
         "      --boot-order N           boot from this function, 1-65535 (not with the\n"
         "                               guest's <os><boot>)\n"
         "      --driver-model NAME      a VFIO variant driver, <driver model=.../> (libvirt\n"
         "                               10.0 and later)\n"
         "      --iommufd                assign through iommufd, <driver iommufd='yes'/> (libvirt\n"
         "                               12.1 and later)\n"
         "Numbers are hex with 0x, or decimal. DEVICE is DDDD:BB:SS.F or BB:SS.F.\n"),
      pp_cmd_xml },
    { "attach",
      N_("GUEST DEVICE [ASSIGNMENT OPTIONS] [--live] [--config] [--dry-run] [--force] [--no-wait]"),
      N_("assign a host function to a guest"),
      N_("      --live       the running guest only\n"
         "      --config     the persistent configuration only\n"
         "                   (default: both for a running guest, the persistent one when shut off)\n"
         "      --dry-run    check and print the XML, change nothing\n"
         "      --force      override the guards that allow it (function held by another\n"
         "                   guest, IOMMU group partners on host drivers, host-critical\n"
         "                   function, function not on this host)\n"
         "      --whole-group    also the free endpoint functions of DEVICE's IOMMU group,\n"
         "                       all or nothing\n"
         "      --all-functions  DEVICE is function 0: all functions of the device, in one\n"
         "                       guest slot (multifunction), all or nothing\n"
         "      --no-wait    fail at once while another pcipass makes a change on this host\n"
         "                   (default: wait for it, up to 30 s)\n"
         "      --json       the result as JSON\n"
         "  and the assignment options of 'xml' (--managed, --zpci-uid, --zpci-fid,\n"
         "  --guest-address, --interface, --mac, --vlan, --trust, --rom-bar, --rom-file,\n"
         "  --boot-order, --driver-model, --iommufd). --interface without --mac: a MAC\n"
         "  52:54:00:xx:xx:xx that stays the same for this guest and function.\n"),
      pp_cmd_attach },
    { "detach", N_("GUEST DEVICE [--live] [--config] [--dry-run] [--wait SECONDS] [--no-wait]"),
      N_("take a host function away from a guest"),
      N_("      --live       the running guest only\n"
         "      --config     the persistent configuration only\n"
         "      --dry-run    print what would be detached, change nothing\n"
         "      --wait SECONDS  how long to wait for a running guest to release the function\n"
         "                   (default 5; 0: do not wait). Not released by then: exit 1,\n"
         "                   \"unplug requested\", journaled as requested, not as done\n"
         "      --no-wait    fail at once while another pcipass makes a change on this host\n"
         "      --json       the result as JSON\n"),
      pp_cmd_detach },
    { "check", N_("[--json] [DEVICE...]"),
      N_("check the host's pass-through setup, and the readiness of DEVICEs"),
      N_("      --json   one JSON array, one object per check\n"
         "Exit status 0 when no check fails, 1 otherwise.\n"),
      pp_cmd_check },
    { "prepare", N_("DEVICE [--driver NAME] [--force] [--dry-run] [--no-wait]"),
      N_("bind a host function to vfio-pci until the next reboot (for managed='no')"),
      N_("      --driver NAME  a VFIO variant driver instead (mlx5_vfio_pci; libvirt 10.0\n"
         "                   and later)\n"
         "      --force      bind even a host-critical function\n"
         "      --dry-run    check, change nothing\n"
         "      --no-wait    fail at once while another pcipass makes a change on this host\n"),
      pp_cmd_prepare },
    { "release", N_("DEVICE [--dry-run] [--no-wait]"),
      N_("give a host function back to its host driver"),
      N_("      --dry-run    check, change nothing\n"
         "      --no-wait    fail at once while another pcipass makes a change on this host\n"),
      pp_cmd_release },
    { "undo", N_("[--force] [--dry-run] [--wait SECONDS] [--no-wait]"),
      N_("revert the last change recorded in the journal"),
      N_("      --force      override the guards when re-attaching a detached function\n"
         "      --dry-run    say what would be reverted, change nothing\n"
         "      --wait SECONDS  how long to wait for a running guest to release a function\n"
         "                   (default 5)\n"
         "      --no-wait    fail at once while another pcipass makes a change on this host\n"
         "A change whose pcipass was killed before it finished is resolved first: libvirt is\n"
         "asked what is there, and the answer recorded. A damaged record at the end of the\n"
         "journal stops undo.\n"),
      pp_cmd_undo },
    { "history", N_("[--json]"), N_("show the journal of changes"),
      N_("      --json   one JSON array, one object per change, with its state (done,\n"
         "               requested, failed, unknown)\n"),
      pp_cmd_history },
    { "audit", N_("[GUEST...] [--json] [--record]"),
      N_("check that the assignments of every guest (or of GUESTs) are still right on this host"),
      N_("      --json     one JSON object: guests, assignments, findings (kind, severity,\n"
         "                 guest, address, message, advice) and, with --record, recorded\n"
         "      --record   store the current identity of each assignment that has none in\n"
         "                 its guest's definition, print what was stored, then audit\n"
         "Every PCI hostdev and hostdev interface of running and shut-off guests, live and\n"
         "persistent definitions: the address missing or holding another device than was\n"
         "assigned, held by another guest too, IOMMU group not viable, host-critical,\n"
         "SR-IOV PF and VFs split, managed='no' off vfio-pci, no reset method, zPCI ids.\n"
         "Exit status 0 when there are no findings, 1 when there are.\n"),
      pp_cmd_audit },
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

static void cmd_help(const pp_cli_cmd *cmd, FILE *out)
{
    fprintf(out, _("Usage: %s [OPTIONS] %s %s\n"), pp_progname(), cmd->name, _(cmd->args));
    fprintf(out, "%s.\n\n", _(cmd->summary));
    fputs(_("Options:\n"), out);
    fputs(_(cmd->options), out);
    fputs(_("  -h, --help   show this help and exit\n"), out);
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

int pp_cli_getopt(const pp_cli_cmd *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts, int *opt)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);

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

int pp_cli_main(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find(argv[0]);
    int rc;

    if (!cmd) {
        fprintf(stderr, _("%s: unknown command '%s'\nTry '%s --help' for the list of commands.\n"),
                pp_progname(), argv[0], pp_progname());
        return PP_EXIT_USAGE;
    }
    /* 0, not 1: glibc then starts afresh, permuting options after operands again */
    optind = 0;
    if (app->nmembers > 1 && strcmp(cmd->name, "list") && strcmp(cmd->name, "guests") &&
        strcmp(cmd->name, "owners") && strcmp(cmd->name, "find"))
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

json_object *pp_json_hex(unsigned long long v, int digits)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "0x%0*llx", digits, v);
    return json_object_new_string(buf);
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
        pp_change_blocking(&c->findings, c->force, c->accepted)) {
        pp_cli_findings(&c->findings, c->force);
    } else if (st == PP_CHANGE_REFUSED || st == PP_CHANGE_FAILED) {
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
        if (c->identity_error)
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
    bool go = pp_findings_blocking(f, force) == 0;

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
