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
    if (!pp_journal_read(path, &j)) {
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
    if (!pp_change_plan_undo(app, &j, path, &c, &resolved_only)) {
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

int pp_cmd_history(pp_app *app, int argc, char **argv)
{
    const pp_cli_cmd *cmd = pp_cli_find("history");
    char *path;
    bool json = false;
    pp_journal j;
    size_t i;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, &ch)) == -1 && ch != -1)
        json = true;
    if (rc != -1)
        return rc;
    if (argc > optind)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);
    if (!(path = pp_journal_path(app->journal)))
        return pp_cli_fail();
    if (!pp_journal_read(path, &j)) {
        free(path);
        return pp_cli_fail();
    }
    if (j.torn)
        fprintf(stderr,
                P_("%s: warning: %zu damaged record in '%s' skipped (a write cut short)\n",
                   "%s: warning: %zu damaged records in '%s' skipped (writes cut short)\n",
                   j.torn),
                pp_progname(), j.torn, path);
    if (json) {
        json_object *a = json_object_new_array();
        for (i = 0; i < j.nchanges; i++) {
            const pp_jchange *c = &j.changes[i];
            const pp_jrec *r = &j.v[c->intent];
            const pp_jrec *o = c->outcome >= 0 ? &j.v[c->outcome] : r;
            json_object *e = json_object_new_object();
            json_object_object_add(e, "id", pp_json_str_or_null(r->id));
            json_object_object_add(e, "time", pp_json_str_or_null(r->time));
            json_object_object_add(e, "uri", pp_json_str_or_null(r->uri));
            json_object_object_add(e, "guest", pp_json_str_or_null(r->guest));
            json_object_object_add(e, "uuid", pp_json_str_or_null(r->uuid));
            json_object_object_add(e, "action", pp_json_str_or_null(r->action));
            json_object_object_add(e, "devices", pp_json_str_or_null(r->devices));
            json_object_object_add(e, "flags", pp_json_str_or_null(r->flags));
            json_object_object_add(e, "state", json_object_new_string(pp_jchange_state(&j, c)));
            json_object_object_add(e, "undoes", pp_json_str_or_null(r->undoes));
            json_object_object_add(e, "undone", json_object_new_boolean(c->undone));
            json_object_object_add(e, "xml", pp_json_str_or_null(o->xml));
            json_object_array_add(a, e);
        }
        pp_json_print(a);
    } else if (j.nchanges == 0) {
        printf(_("# the journal '%s' is empty\n"), path);
    } else {
        pp_table *t = pp_table_new(7);
        pp_table_row(t, _("TIME"), _("ACTION"), _("STATE"), _("GUEST"), _("DEVICES"), _("FLAGS"),
                     _("UNDONE"));
        for (i = 0; i < j.nchanges; i++) {
            const pp_jchange *c = &j.changes[i];
            const pp_jrec *r = &j.v[c->intent];
            pp_table_row(t, r->time ? r->time : "?", r->action ? r->action : "?",
                         pp_jchange_state(&j, c), r->guest, r->devices,
                         r->flags && *r->flags ? r->flags : NULL, c->undone ? _("yes") : _("no"));
        }
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    pp_journal_clear(&j);
    free(path);
    return PP_EXIT_OK;
}
