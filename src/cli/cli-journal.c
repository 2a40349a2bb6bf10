/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal around changes, pcipass undo and pcipass history. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/cli.h"
#include "pcipass/common.h"
#include "pcipass/table.h"
#include "pcipass/guard.h"
#include "pcipass/journal.h"

enum { OPT_JSON = 256, OPT_FORCE, OPT_DRY };

/* A change that went through but missed the journal is no failure of the change: a warning. */
static void warn_unrecorded(bool recorded)
{
    if (!recorded)
        fprintf(stderr, _("%s: warning: the change is made, but not recorded for undo: %s\n"),
                pp_progname(), pp_error_get());
}

void pp_cli_journal_record(pp_app *app, int fd, char *path, const pp_guest *g, const char *action,
                           const char *devices, unsigned affect, bool force, const char *xml)
{
    warn_unrecorded(pp_app_journal_record(app, fd, path, g, action, devices, affect, force, xml));
}

static unsigned rec_affect(const pp_jrec *r)
{
    return (pp_jrec_has_flag(r, "live") ? PP_AFFECT_LIVE : 0) |
           (pp_jrec_has_flag(r, "config") ? PP_AFFECT_CONFIG : 0);
}

static const pp_guest *rec_guest(pp_app *app, const pp_jrec *r)
{
    size_t i;
    for (i = 0; i < app->guests.n; i++)
        if (r->uuid && strcmp(app->guests.v[i].uuid, r->uuid) == 0)
            return &app->guests.v[i];
    pp_error_set(_("undo: guest '%s' (uuid %s) is no longer defined at %s"),
                 r->guest ? r->guest : "?", r->uuid ? r->uuid : "?", pp_virt_uri(app->virt));
    return NULL;
}

/* The devices field split into addresses; false when it is damaged. */
static bool rec_devices(const pp_jrec *r, pp_pci_addr **out, size_t *n)
{
    char *copy = xstrdup(r->devices), *tok, *save = NULL;
    bool ok = true;

    *out = NULL;
    *n = 0;
    for (tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        *out = xreallocarray(*out, *n + 1, sizeof(**out));
        ok = pp_pci_addr_parse(tok, "journal devices", &(*out)[(*n)++]);
    }
    free(copy);
    return ok && *n > 0;
}

/* Detaches every function of an attach record; puts back what it took if one fails. */
static bool undo_attach(pp_app *app, const pp_guest *g, const pp_pci_addr *devs, size_t n,
                        unsigned affect)
{
    char **removed = xcalloc(n, sizeof(*removed));
    size_t i, done;
    bool ok = true;

    for (done = 0; done < n && ok; done++)
        ok = pp_virt_detach(app->virt, g, &devs[done], affect, &removed[done]);
    if (!ok) {
        char *failed = xstrdup(pp_error_get());
        done--;
        for (i = 0; i < done; i++)
            if (!pp_virt_attach_xml(app->virt, g, removed[i], affect))
                fprintf(stderr, _("%s: putting back %s failed too: %s\n"), pp_progname(),
                        removed[i], pp_error_get());
        pp_error_set("%s", failed);
        free(failed);
    }
    for (i = 0; i < n; i++)
        free(removed[i]);
    free(removed);
    return ok;
}

static bool guards_pass(pp_app *app, const pp_guest *g, const pp_pci_addr *a, bool prepare,
                        bool force)
{
    pp_guard_in in = { pp_app_host(app), &app->owners, g };
    pp_findings f = { 0 };
    bool go;

    if (!in.host)
        return false;
    if (prepare)
        pp_guard_prepare(&in, a, false, &f);
    else
        pp_guard_attach(&in, a, 1, &f);
    go = pp_cli_findings(&f, force);
    pp_findings_clear(&f);
    if (!go)
        pp_error_set(_("undo: refused, see above"));
    return go;
}

int pp_cmd_undo(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, OPT_FORCE },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("undo");
    char *path = pp_journal_path(app->journal), *jpath = NULL;
    bool force = false, dry = false, ok = false, uri_from_journal = false;
    const pp_guest *g = NULL;
    const pp_jrec *t;
    pp_journal j;
    pp_pci_addr *devs = NULL;
    size_t n = 0;
    unsigned affect;
    int ch, rc, jfd = -1;

    while ((rc = pp_cli_getopt(cmd, argc, argv, "h", opts, &ch)) == -1 && ch != -1) {
        if (ch == OPT_FORCE)
            force = true;
        else if (ch == OPT_DRY)
            dry = true;
    }
    if (rc != -1 || (argc > optind && (rc = pp_cli_usage_error(cmd, _("unexpected argument '%s'"),
                                                               argv[optind])))) {
        free(path);
        return rc;
    }
    if (!pp_journal_read(path, &j)) {
        free(path);
        return pp_cli_fail();
    }
    rc = PP_EXIT_FAIL;
    if (!(t = pp_journal_undo_target(&j))) {
        pp_error_set(_("undo: the journal '%s' holds no change to undo"), path);
        goto fail;
    }
    if (!t->action || !t->devices || !rec_devices(t, &devs, &n)) {
        pp_error_set(_("undo: the last record of '%s' is incomplete; nothing was changed"), path);
        goto fail;
    }
    /* the change is undone where it was made */
    if (!app->uri && t->uri) {
        app->uri = t->uri;
        uri_from_journal = true;
    }
    if (!pp_app_guests(app, dry))
        goto fail;
    if (t->uri && strcmp(t->uri, pp_virt_uri(app->virt)) != 0) {
        pp_error_set(_("undo: the last change was made at %s, not %s; run 'pcipass -c %s undo'"),
                     t->uri, pp_virt_uri(app->virt), t->uri);
        goto fail;
    }
    affect = rec_affect(t);
    if (t->guest && !(g = rec_guest(app, t)))
        goto fail;
    if (strcmp(t->action, "detach") == 0 && !guards_pass(app, g, devs, false, force))
        goto fail;
    if (strcmp(t->action, "release") == 0 && !guards_pass(app, NULL, devs, true, force))
        goto fail;
    if (dry) {
        if (t->guest)
            printf(_("# dry run: would undo the %s of %s for guest '%s' (%s)\n"), t->action,
                   t->devices, t->guest, t->time ? t->time : "?");
        else
            printf(_("# dry run: would undo the %s of %s (%s)\n"), t->action, t->devices,
                   t->time ? t->time : "?");
        rc = PP_EXIT_OK;
        goto out;
    }
    if ((jfd = pp_app_journal_open(app, &jpath)) < 0)
        goto fail;
    if (strcmp(t->action, "attach") == 0 && g)
        ok = undo_attach(app, g, devs, n, affect);
    else if (strcmp(t->action, "detach") == 0 && g)
        ok = t->xml && *t->xml && pp_virt_attach_xml(app->virt, g, t->xml, affect);
    else if (strcmp(t->action, "prepare") == 0)
        ok = pp_virt_prepare(app->virt, &devs[0], true);
    else if (strcmp(t->action, "release") == 0)
        ok = pp_virt_prepare(app->virt, &devs[0], false);
    else
        pp_error_set(_("undo: cannot undo a record of action '%s'"), t->action);
    if (!ok) {
        pp_app_journal_close(jfd, jpath);
        goto fail;
    }
    if (t->guest)
        printf(_("# undone: %s of %s for guest '%s' (%s)\n"), t->action, t->devices, t->guest,
               t->time ? t->time : "?");
    else
        printf(_("# undone: %s of %s (%s)\n"), t->action, t->devices, t->time ? t->time : "?");
    {
        pp_jrec r = { 0 };
        r.guest = t->guest ? xstrdup(t->guest) : NULL;
        r.uuid = t->uuid ? xstrdup(t->uuid) : NULL;
        r.action = xstrdup("undo");
        r.devices = xstrdup(t->devices);
        /* the reverted action among the flags, so that history reads "undo ... attach" */
        r.flags = xasprintf("%s%s%s", t->action, t->flags && *t->flags ? "," : "",
                            t->flags ? t->flags : "");
        r.undoes = xstrdup(t->id);
        r.xml = t->xml ? xstrdup(t->xml) : NULL;
        warn_unrecorded(pp_app_journal_append(app, jfd, jpath, &r));
    }
    pp_app_forget_guests(app);
    rc = PP_EXIT_OK;
    goto out;
fail:
    rc = pp_cli_fail();
out:
    if (uri_from_journal)
        app->uri = NULL; /* it points into the journal, freed now */
    free(devs);
    pp_journal_clear(&j);
    free(path);
    return rc;
}

int pp_cmd_history(pp_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const pp_cli_cmd *cmd = pp_cli_find("history");
    char *path;
    bool json = false;
    pp_journal j;
    size_t i, k;
    int ch, rc;

    while ((rc = pp_cli_getopt(cmd, argc, argv, "h", opts, &ch)) == -1 && ch != -1)
        json = true;
    if (rc != -1)
        return rc;
    if (argc > optind)
        return pp_cli_usage_error(cmd, _("unexpected argument '%s'"), argv[optind]);
    path = pp_journal_path(app->journal);
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
        for (i = 0; i < j.n; i++) {
            const pp_jrec *r = &j.v[i];
            json_object *o = json_object_new_object();
            bool undone = false;
            for (k = i + 1; k < j.n; k++)
                undone = undone || (j.v[k].undoes && r->id && strcmp(j.v[k].undoes, r->id) == 0);
            json_object_object_add(o, "id", pp_json_str_or_null(r->id));
            json_object_object_add(o, "time", pp_json_str_or_null(r->time));
            json_object_object_add(o, "uri", pp_json_str_or_null(r->uri));
            json_object_object_add(o, "guest", pp_json_str_or_null(r->guest));
            json_object_object_add(o, "uuid", pp_json_str_or_null(r->uuid));
            json_object_object_add(o, "action", pp_json_str_or_null(r->action));
            json_object_object_add(o, "devices", pp_json_str_or_null(r->devices));
            json_object_object_add(o, "flags", pp_json_str_or_null(r->flags));
            json_object_object_add(o, "undoes", pp_json_str_or_null(r->undoes));
            json_object_object_add(o, "undone", json_object_new_boolean(undone));
            json_object_object_add(o, "xml", pp_json_str_or_null(r->xml));
            json_object_array_add(a, o);
        }
        pp_json_print(a);
    } else if (j.n == 0) {
        printf(_("# the journal '%s' is empty\n"), path);
    } else {
        pp_table *t = pp_table_new(6);
        pp_table_row(t, _("TIME"), _("ACTION"), _("GUEST"), _("DEVICES"), _("FLAGS"), _("UNDONE"));
        for (i = 0; i < j.n; i++) {
            const pp_jrec *r = &j.v[i];
            bool undone = false;
            for (k = i + 1; k < j.n; k++)
                undone = undone || (j.v[k].undoes && r->id && strcmp(j.v[k].undoes, r->id) == 0);
            pp_table_row(t, r->time ? r->time : "?", r->action ? r->action : "?", r->guest,
                         r->devices, r->flags && *r->flags ? r->flags : NULL,
                         undone ? _("yes") : _("no"));
        }
        pp_table_print(t, stdout);
        pp_table_free(t);
    }
    pp_journal_clear(&j);
    free(path);
    return PP_EXIT_OK;
}
