/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcipass undo and pcipass history. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/change.h"
#include "cli-private.h"
#include "pcipass/common.h"
#include "pcipass/table.h"
#include "pcipass/guard.h"
#include "pcipass/journal.h"
#include "pcipass/setup.h"


/* "attach of 0000:01:00.0 for guest 'web' (2026-11-25T03:00:00Z)", whole, for the undo lines */
static void say_change(const char *fmt_guest, const char *fmt_host, const pp_jrec *r)
{
    if (r->guest)
        printf(fmt_guest, r->action, r->devices, r->guest, r->time ? r->time : "?");
    else
        printf(fmt_host, r->action, r->devices, r->time ? r->time : "?");
}

int pp_cmd_undo(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("undo");
    char *path;
    bool force = false, dry = false, no_wait = false, uri_from_journal = false, resolved_only;
    double wait = PP_UNPLUG_WAIT_SECONDS;
    const pp_jchange *t;
    const pp_jrec *r;
    pp_change c = { 0 };
    pp_journal j;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1) {
        if (ch == PP_OPT_FORCE)
            force = true;
        else if (ch == PP_OPT_DRY_RUN)
            dry = true;
        else if (ch == PP_OPT_NO_WAIT)
            no_wait = true;
        else if (ch == PP_OPT_WAIT && !pp_cli_parse_wait(optarg, &wait))
            return pp_cli_fail();
    }
    if (rc != -1)
        return rc;
    if (argc > optind)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);
    if (!(path = pp_journal_path(app->journal)))
        return pp_cli_fail();
    /* from reading the journal to the outcome: no other pcipass adds a change in between */
    c.no_lock_wait = no_wait;
    c.waiting = pp_cli_say_waiting;
    if (!dry && !pp_change_lock(&c)) {
        free(path);
        return pp_cli_fail();
    }
    if (!pp_journal_read_light(path, &j)) {
        if (!dry)
            pp_change_unlock();
        free(path);
        return pp_cli_fail();
    }
    rc = PP_EXIT_FAIL;
    /* the change is undone where it was made */
    t = pp_journal_undo_target(&j);
    r = t ? &j.v[t->intent] : NULL;
    if (r && pp_jrec_is_setup(r)) {
        /* a setup step: files and the kernel, no libvirt */
        char *what = NULL;
        if (!pp_setup_undo(app, &j, t, path, dry, &what))
            goto fail;
        printf("%s", what);
        printf(dry ? _("# dry run: would undo the setup %s (%s)\n") : _("# undone: setup %s (%s)\n"),
               r->flags ? r->flags : "?", r->time ? r->time : "?");
        free(what);
        rc = PP_EXIT_OK;
        goto out;
    }
    if (!app->uri && r && r->uri) {
        app->uri = r->uri;
        uri_from_journal = true;
    }
    if (!pp_change_plan_undo(app, &j, path, dry, &c, &resolved_only)) {
        if (resolved_only) {
            printf("# %s\n", pp_error_get());
            rc = PP_EXIT_OK;
            goto out;
        }
        goto fail;
    }
    c.force = force;
    c.wait = wait;
    c.no_lock_wait = no_wait;
    if (dry) {
        if (!pp_change_check(app, &c))
            goto fail;
        if (!pp_cli_findings(&c.findings, force))
            goto out;
        say_change(_("# dry run: would undo the %s of %s for guest '%s' (%s)\n"),
                   _("# dry run: would undo the %s of %s (%s)\n"), r);
        rc = PP_EXIT_OK;
        goto out;
    }
    switch (pp_cli_apply(app, &c)) {
    case PP_CHANGE_DONE:
        say_change(_("# undone: %s of %s for guest '%s' (%s)\n"), _("# undone: %s of %s (%s)\n"),
                   r);
        rc = PP_EXIT_OK;
        break;
    case PP_CHANGE_REQUESTED:
        say_change(_("# undo of the %s of %s for guest '%s' (%s) requested, not done\n"),
                   _("# undo of the %s of %s (%s) requested, not done\n"), r);
        break;
    default:
        break;
    }
    goto out;
fail:
    rc = pp_cli_fail();
out:
    if (!dry)
        pp_change_unlock();
    if (uri_from_journal)
        app->uri = NULL; /* it points into the journal, freed now */
    pp_change_clear(&c);
    free(c.hds);
    pp_journal_clear(&j);
    free(path);
    return rc;
}

typedef struct hist_ctx {
    pp_table *t; /* text: the table, measured, then printed */
    size_t n;    /* JSON: the elements printed */
} hist_ctx;

static void hist_header(pp_table *t)
{
    pp_table_row(t, _("TIME"), _("ACTION"), _("STATE"), _("GUEST"), _("DEVICES"), _("FLAGS"),
                 _("UNDONE"));
}

static void hist_row(void *arg, const pp_jview *v)
{
    hist_ctx *x = arg;
    const pp_jrec *r = v->intent;

    if (v->round == 1 && x->n++ == 0) {
        pp_table_emit(x->t, stdout);
        hist_header(x->t);
    }
    pp_table_row(x->t, r->time ? r->time : "?", r->action ? r->action : "?", v->state, r->guest,
                 r->devices, r->flags && *r->flags ? r->flags : NULL, v->undone ? _("yes") : _("no"));
}

/* One element of the array, printed as it comes, indented as inside the array. */
static void hist_json(void *arg, const pp_jview *v)
{
    hist_ctx *x = arg;
    const pp_jrec *r = v->intent;
    json_object *e = json_object_new_object();
    char *t, *line, *save = NULL;

    json_object_object_add(e, "id", pp_json_str_or_null(r->id));
    json_object_object_add(e, "time", pp_json_str_or_null(r->time));
    json_object_object_add(e, "uri", pp_json_str_or_null(r->uri));
    json_object_object_add(e, "guest", pp_json_str_or_null(r->guest));
    json_object_object_add(e, "uuid", pp_json_str_or_null(r->uuid));
    json_object_object_add(e, "action", pp_json_str_or_null(r->action));
    json_object_object_add(e, "devices", pp_json_str_or_null(r->devices));
    json_object_object_add(e, "flags", pp_json_str_or_null(r->flags));
    json_object_object_add(e, "state", json_object_new_string(v->state));
    json_object_object_add(e, "undoes", pp_json_str_or_null(r->undoes));
    json_object_object_add(e, "undone", json_object_new_boolean(v->undone));
    json_object_object_add(e, "xml", pp_json_str_or_null(v->outcome->xml));
    t = pp_json_text(e);
    json_object_put(e);
    fputs(x->n++ ? ",\n" : "\n", stdout);
    for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        printf("  %s%s", line, save && *save ? "\n" : "");
    free(t);
}

static void damage_warnings(const pp_journal_summary *sum, const char *path)
{
    if (sum->torn)
        fprintf(stderr,
                P_("%s: warning: %zu damaged record in '%s' skipped (changed after it was "
                   "written; undo stops before it)\n",
                   "%s: warning: %zu damaged records in '%s' skipped (changed after they were "
                   "written; undo stops before them)\n",
                   sum->torn),
                pp_progname(), sum->torn, path);
    if (sum->cut)
        fprintf(stderr,
                P_("%s: warning: %zu record in '%s' skipped: a write cut short (it was never "
                   "acted on)\n",
                   "%s: warning: %zu records in '%s' skipped: writes cut short (they were never "
                   "acted on)\n",
                   sum->cut),
                pp_progname(), sum->cut, path);
}

int pp_cmd_history(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("history");
    char *path;
    bool json = false, ok;
    pp_journal_summary sum;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1)
        json = true;
    if (rc != -1)
        return rc;
    if (argc > optind)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);
    if (!(path = pp_journal_path(app->journal)))
        return pp_cli_fail();
    /* streamed: a journal of any size is shown in the same little memory */
    if (json) {
        hist_ctx x = { NULL, 0 };
        fputs("[", stdout);
        ok = pp_journal_each(path, hist_json, &x, 1, &sum);
        fputs("\n]\n", stdout);
    } else {
        /* round 0 measures the columns, round 1 prints */
        hist_ctx x = { pp_table_new(7), 0 };
        pp_table_measure(x.t);
        hist_header(x.t);
        ok = pp_journal_each(path, hist_row, &x, 2, &sum);
        if (ok && !sum.nchanges)
            printf(_("# the journal '%s' is empty\n"), path);
        pp_table_free(x.t);
    }
    if (!ok) {
        free(path);
        return pp_cli_fail();
    }
    damage_warnings(&sum, path);
    free(path);
    return PP_EXIT_OK;
}
