/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state both faces share: the inventory, the connection, the guests and who owns what. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/app.h"
#include "pcipass/common.h"
#include "pcipass/journal.h"

const char *pp_app_proc_root(const pp_app *app)
{
    if (app->proc_root)
        return app->proc_root;
    return app->sysfs_root ? NULL : "/proc";
}

const char *pp_app_boot_root(const pp_app *app)
{
    if (app->boot_root)
        return app->boot_root;
    return app->sysfs_root ? NULL : "/boot";
}

const char *pp_app_conf_root(const pp_app *app)
{
    if (app->conf_root)
        return app->conf_root;
    return app->sysfs_root ? NULL : "";
}

pp_host *pp_app_host(pp_app *app)
{
    if (!app->host) {
        app->host = pp_host_load(app->sysfs_root);
        if (app->host) {
            pp_host_find_critical(app->host, pp_app_proc_root(app));
            pp_host_find_bindings(app->host, pp_app_proc_root(app), pp_app_conf_root(app));
        }
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
    pp_host_find_bindings(h, pp_app_proc_root(app), pp_app_conf_root(app));
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

void pp_app_print_guest_warnings(pp_app *app)
{
    size_t i;
    if (!app->have_guests)
        return;
    for (i = 0; i < app->owners.nunknown; i++) {
        char *name = pp_escape_ctl(app->owners.unknown[i]->name);
        fprintf(stderr,
                _("%s: warning: guest '%s': its definition is not well-formed XML (%s); listed "
                  "with what could be read, what it holds is not known for sure\n"),
                pp_progname(), name, pp_guest_damaged(app->owners.unknown[i]));
        free(name);
    }
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

bool pp_app_binding(const pp_app *app, const pp_function *f, pp_binding *out)
{
    const pp_owner *first;
    size_t i, n = app->have_guests ? pp_owners_of(&app->owners, &f->addr, &first) : 0;

    if (!f->driver || !f->binding)
        return false;
    /* libvirt binds vfio-pci itself for a managed hostdev when the guest starts */
    for (i = 0; i < n && strcmp(f->driver, "vfio-pci") == 0; i++)
        if (first[i].live && first[i].guest->active && first[i].dev &&
            first[i].dev->managed == PP_MANAGED_YES) {
            out->source = PP_BIND_LIBVIRT;
            out->detail = first[i].guest->name;
            return true;
        }
    *out = *f->binding;
    return true;
}

char *pp_binding_sentence(const pp_function *f, const pp_binding *b)
{
    switch (b->source) {
    case PP_BIND_LIBVIRT:
        return xasprintf(_("%s is on %s because libvirt bound it for the running guest '%s' "
                           "(managed='yes')."),
                         f->name, f->driver, b->detail);
    case PP_BIND_DRIVERCTL:
        return xasprintf(_("%s is on %s because of the driverctl override %s."), f->name,
                         f->driver, b->detail);
    case PP_BIND_DRIVER_OVERRIDE:
        return xasprintf(_("%s is on %s because its driver_override attribute names %s (set by "
                           "hand or a script; gone after a reboot)."),
                         f->name, f->driver, b->detail);
    case PP_BIND_MODPROBE:
        return xasprintf(_("%s is on %s because of the modprobe.d rule %s."), f->name, f->driver,
                         b->detail);
    case PP_BIND_CMDLINE:
        return xasprintf(_("%s is on %s because of %s on the kernel command line."), f->name,
                         f->driver, b->detail);
    case PP_BIND_UNKNOWN:
        return xasprintf(_("%s is on %s, and why is unknown: that driver takes no device by "
                           "itself, and no override or ids= rule that pcipass can read names it "
                           "(bound by hand with new_id or bind?)."),
                         f->name, f->driver);
    case PP_BIND_KERNEL:
        break;
    }
    return xasprintf(_("%s is on %s by the kernel's own match of its ids."), f->name, f->driver);
}

const pp_guest *pp_app_find_guest(pp_app *app, const char *name)
{
    const pp_guest *g = pp_guests_find(&app->guests, name);
    pp_buf b = PP_BUF_INIT;
    char *names;
    size_t i;

    if (g)
        return g;
    for (i = 0; i < app->guests.n; i++)
        pp_buf_item(&b, ", ", app->guests.v[i].name);
    names = pp_buf_take(&b);
    pp_error_set(_("guest: no guest named '%s' at %s (guests: %s)"), name,
                 pp_virt_uri(app->virt), app->guests.n ? names : _("none"));
    free(names);
    return NULL;
}

void pp_app_take_guests(pp_app *app, pp_virt *v, bool rw, pp_guests *g)
{
    pp_app_forget_guests(app);
    if (app->virt != v)
        pp_virt_close(app->virt);
    app->virt = v;
    app->virt_rw = rw;
    app->guests = *g;
    memset(g, 0, sizeof(*g));
    pp_owners_build(&app->guests, &app->owners);
    app->have_guests = true;
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
