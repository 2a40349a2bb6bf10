/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state both faces share: the inventory, the connection, the guests and who owns what. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pcipass/app.h"
#include "pcipass/common.h"
#include "pcipass/journal.h"

const char *pp_app_proc_root(const pp_app *app)
{
    if (app->proc_root)
        return app->proc_root;
    return app->sysfs_root ? NULL : "/proc";
}

pp_host *pp_app_host(pp_app *app)
{
    if (!app->host) {
        app->host = pp_host_load(app->sysfs_root);
        if (app->host)
            pp_host_find_critical(app->host, pp_app_proc_root(app));
    }
    return app->host;
}

bool pp_app_reload_host(pp_app *app)
{
    pp_host *h = pp_host_load(app->sysfs_root);

    /* the old inventory stays when the new one cannot be read */
    if (!h)
        return false;
    pp_host_find_critical(h, pp_app_proc_root(app));
    pp_host_free(app->host);
    app->host = h;
    return true;
}

void pp_app_print_host_warnings(pp_app *app)
{
    size_t i;
    if (!app->host)
        return;
    for (i = 0; i < app->host->nwarnings; i++)
        fprintf(stderr, _("%s: warning: %s\n"), pp_progname(), app->host->warnings[i]);
}

pp_virt *pp_app_virt(pp_app *app, bool readonly)
{
    if (app->virt && !readonly && !app->virt_rw) {
        pp_app_forget_guests(app);
        pp_virt_close(app->virt);
        app->virt = NULL;
    }
    if (!app->virt) {
        app->virt = pp_virt_open(app->uri, readonly);
        app->virt_rw = !readonly;
    }
    return app->virt;
}

bool pp_app_guests(pp_app *app, bool readonly)
{
    pp_virt *v;

    if (app->have_guests && (readonly || app->virt_rw))
        return true;
    if (!(v = pp_app_virt(app, readonly)))
        return false;
    if (!pp_virt_guests(v, &app->guests))
        return false;
    pp_owners_build(&app->guests, &app->owners);
    app->have_guests = true;
    app->guests_gen++;
    return true;
}

void pp_app_forget_guests(pp_app *app)
{
    pp_owners_clear(&app->owners);
    pp_guests_clear(&app->guests);
    app->have_guests = false;
    app->guests_gen++; /* views holding rows of the old read rebuild them */
}

void pp_app_free(pp_app *app)
{
    pp_app_forget_guests(app);
    pp_virt_close(app->virt);
    pp_host_free(app->host);
    free(app->demo_root);
    free(app->demo_uri);
    free(app->demo_proc);
    free(app->demo_dev);
}

int pp_app_journal_open(pp_app *app, char **path)
{
    int fd;
    *path = pp_journal_path(app->journal);
    if (!*path)
        return -1;
    fd = pp_journal_open(*path);
    if (fd < 0) {
        free(*path);
        *path = NULL;
    }
    return fd;
}
