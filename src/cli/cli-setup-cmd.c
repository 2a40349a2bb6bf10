/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass setup: the changes check asks for, previewed as diffs, journaled, undone by undo. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/setup.h"

static const char *state_word(pp_setup_state s, bool dry)
{
    switch (s) {
    case PP_SETUP_NOTHING:
        return _("nothing to do");
    case PP_SETUP_MANUAL:
        return _("no change: to be done by hand");
    case PP_SETUP_REFUSED:
        return _("refused");
    case PP_SETUP_FAILED:
        return _("failed");
    case PP_SETUP_REQUESTED:
        return _("requested, not done");
    case PP_SETUP_DONE:
        break;
    }
    return dry ? _("dry run: nothing was changed") : _("done");
}

static const char *state_name(pp_setup_state s, bool dry)
{
    static const char *const names[] = { "nothing", "manual", "refused", "failed", "done",
                                         "requested" };
    return s == PP_SETUP_DONE && dry ? "dry-run" : names[s];
}

static const char *command_line(const pp_setup_plan *p, bool dry)
{
    return p->fake ? _("# not run (a fake root): %s\n") : dry ? _("# would run: %s\n")
                                                            : _("# ran: %s\n");
}

static void print_text(const pp_setup_plan *p, bool dry)
{
    size_t i;
    char *t;

    t = pp_escape(p->what, PP_ESC_LAYOUT);
    printf(_("# setup %s: %s\n"), pp_step_name(p->step.kind), t);
    free(t);
    for (i = 0; i < p->nedits; i++) {
        char *d = pp_setup_diff(&p->edits[i]);
        t = pp_escape(d, PP_ESC_LAYOUT);
        fputs(t, stdout);
        free(t);
        free(d);
    }
    if (p->state == PP_SETUP_DONE || p->state == PP_SETUP_REQUESTED)
        for (i = 0; i < p->ncommands; i++)
            printf(command_line(p, dry), p->commands[i]);
    if (p->state == PP_SETUP_DONE && p->reboot)
        printf(dry ? _("# %s; it would take effect at the next boot\n")
                   : _("# %s; configured, takes effect at the next boot\n"),
               state_word(p->state, dry));
    else
        printf("# %s\n", state_word(p->state, dry));
    if (p->note && (p->state == PP_SETUP_DONE || p->state == PP_SETUP_MANUAL))
        printf("# %s\n", p->note);
    if (p->error && p->state != PP_SETUP_DONE)
        fprintf(stderr, _("%s: setup %s: %s\n"), pp_progname(), pp_step_name(p->step.kind),
                p->error);
    if (p->record_error)
        fprintf(stderr, _("%s: warning: the outcome is not in the journal: %s\n"), pp_progname(),
                p->record_error);
}

static json_object *plan_json(const pp_setup_plan *p, bool dry)
{
    json_object *o = json_object_new_object(), *files = json_object_new_array(),
                *cmds = json_object_new_array();
    size_t i;

    json_object_object_add(o, "step", json_object_new_string(pp_step_name(p->step.kind)));
    json_object_object_add(o, "state", json_object_new_string(state_name(p->state, dry)));
    json_object_object_add(o, "message", json_object_new_string(p->what));
    json_object_object_add(o, "note", pp_json_str_or_null(p->note));
    json_object_object_add(o, "error",
                           pp_json_str_or_null(p->state == PP_SETUP_DONE ? NULL : p->error));
    json_object_object_add(o, "reboot", json_object_new_boolean(p->reboot));
    for (i = 0; i < p->nedits; i++) {
        json_object *f = json_object_new_object();
        char *d = pp_setup_diff(&p->edits[i]);
        json_object_object_add(f, "path", json_object_new_string(p->edits[i].path));
        json_object_object_add(f, "diff", json_object_new_string(d));
        json_object_array_add(files, f);
        free(d);
    }
    json_object_object_add(o, "files", files);
    for (i = 0; i < p->ncommands; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "command", json_object_new_string(p->commands[i]));
        /* run: it ran and the step went on (a failed step puts its files back) */
        json_object_object_add(c, "run", json_object_new_boolean(
                                             !p->fake && !dry && (p->state == PP_SETUP_DONE ||
                                                                  p->state == PP_SETUP_REQUESTED)));
        json_object_array_add(cmds, c);
    }
    json_object_object_add(o, "commands", cmds);
    return o;
}

static int usage_error(const pp_cli_cmd *cmd, const char *msg)
{
    return pp_cli_usage_error(cmd, "%s", msg);
}

/* The steps named on the command line; -1 when they parse, else the exit status. */
static int parse_steps(pp_app *app, const pp_cli_cmd *cmd, int argc, char **argv, bool pt,
                       pp_step **steps, size_t *n)
{
    int i;

    *steps = xcalloc((size_t)argc + 1, sizeof(**steps));
    *n = 0;
    for (i = 0; i < argc; i++) {
        pp_step *s = &(*steps)[(*n)++];
        uint64_t v;
        s->iommu_pt = pt;
        if (strcmp(argv[i], "iommu") == 0) {
            s->kind = PP_STEP_IOMMU;
        } else if (strcmp(argv[i], "vfio") == 0) {
            s->kind = PP_STEP_VFIO;
        } else if (strcmp(argv[i], "vfs") == 0 || strcmp(argv[i], "bind") == 0) {
            bool vfs = argv[i][0] == 'v';
            s->kind = vfs ? PP_STEP_VFS : PP_STEP_BIND;
            if (i + 1 + vfs >= argc)
                return usage_error(cmd, vfs ? _("vfs needs PF and N") : _("bind needs DEVICE"));
            if (!pp_pci_addr_parse(argv[++i], vfs ? "PF" : "device", &s->dev))
                return usage_error(cmd, pp_error_get());
            if (vfs && !pp_parse_number(argv[++i], "N", 0, 0xffff, 0, &v))
                return usage_error(cmd, pp_error_get());
            s->nvfs = vfs ? (unsigned)v : 0;
        } else {
            char *m = xasprintf(_("unknown step '%s' (steps: iommu, vfio, vfs PF N, bind DEVICE)"),
                                argv[i]);
            int rc = usage_error(cmd, m);
            free(m);
            return rc;
        }
        if (!pp_setup_validate(app, s))
            return usage_error(cmd, pp_error_get());
    }
    return -1;
}

int pp_cmd_setup(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("setup");
    bool json = false, dry = false, pt = false;
    pp_change lockopts = { 0 };
    json_object *a = NULL;
    pp_step *steps = NULL;
    size_t i, n;
    int ch, rc;

    lockopts.waiting = pp_cli_say_waiting;
    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1) {
        json |= ch == PP_OPT_JSON;
        dry |= ch == PP_OPT_DRY_RUN;
        pt |= ch == PP_OPT_IOMMU_PT;
        lockopts.no_lock_wait |= ch == PP_OPT_NO_WAIT;
    }
    if (rc != -1)
        return rc;
    if ((rc = parse_steps(app, cmd, argc - optind, argv + optind, pt, &steps, &n)) != -1) {
        free(steps);
        return rc;
    }
    if (n == 0) {
        free(steps);
        n = pp_setup_auto(app, &steps);
        for (i = 0; i < n; i++)
            steps[i].iommu_pt = pt;
        if (n == 0 && !json)
            printf(_("# nothing to set up: no check that setup can fix fails or warns\n"));
    }
    a = json ? json_object_new_array() : NULL;
    rc = PP_EXIT_OK;
    for (i = 0; i < n; i++) {
        pp_setup_plan p;
        if (dry)
            pp_setup_plan_step(app, &steps[i], &p);
        else
            pp_setup_apply(app, &steps[i], &lockopts, NULL, &p);
        if (p.state != PP_SETUP_DONE && p.state != PP_SETUP_NOTHING)
            rc = PP_EXIT_FAIL;
        if (json) {
            json_object_array_add(a, plan_json(&p, dry));
            if (p.error && p.state != PP_SETUP_DONE)
                fprintf(stderr, _("%s: setup %s: %s\n"), pp_progname(),
                        pp_step_name(p.step.kind), p.error);
        } else {
            print_text(&p, dry);
        }
        pp_setup_plan_clear(&p);
    }
    if (a)
        pp_json_print(a);
    free(steps);
    return rc;
}
