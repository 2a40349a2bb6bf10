/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state both faces share: the inventory, the connection, the guests and who owns what. */
#include <config.h>

#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/app.h"
#include "pcipass/common.h"

bool pp_uri_is_remote(const char *uri)
{
    const char *colon, *auth;
    size_t schemelen;

    if (!uri)
        uri = getenv("LIBVIRT_DEFAULT_URI");
    if (!uri || !*uri)
        return false;
    if (!(colon = strchr(uri, ':')))
        return false;
    schemelen = (size_t)(colon - uri);
    /* a transport: qemu+ssh, qemu+tcp, qemu+tls, qemu+unix (a socket names a daemon of its own) */
    if (memchr(uri, '+', schemelen))
        return true;
    if (strncmp(colon, "://", 3) != 0)
        return false;
    auth = colon + 3;
    return *auth && *auth != '/' && *auth != '?';
}

bool pp_app_uses_nodedev(const pp_app *app)
{
    if (app->inventory)
        return strcmp(app->inventory, "libvirt") == 0;
    return pp_uri_is_remote(app->uri);
}

/* The roots of this machine belong to no remote host: with node devices there are none. */
const char *pp_app_proc_root(const pp_app *app)
{
    if (app->proc_root)
        return app->proc_root;
    return app->sysfs_root || pp_app_uses_nodedev(app) ? NULL : "/proc";
}

const char *pp_app_boot_root(const pp_app *app)
{
    if (app->boot_root)
        return app->boot_root;
    return app->sysfs_root || pp_app_uses_nodedev(app) ? NULL : "/boot";
}

const char *pp_app_conf_root(const pp_app *app)
{
    if (app->conf_root)
        return app->conf_root;
    return app->sysfs_root || pp_app_uses_nodedev(app) ? NULL : "";
}

/* LISTING: for pp_app_read(), whose callers list (pp_host_load_listing); NAMES_LATER only then */
static pp_host *load_host(pp_app *app, bool listing, bool names_later)
{
    pp_host *h;
    pp_virt *v;

    if (pp_app_uses_nodedev(app)) {
        /* any connection will do: node devices are read, never changed here */
        if (!(v = app->virt ? app->virt : pp_app_virt(app, true)))
            return NULL;
        return pp_host_load_nodedev(v);
    }
    h = listing ? pp_host_load_listing(app->sysfs_root, names_later)
                : pp_host_load(app->sysfs_root);
    if (h) {
        pp_host_find_critical(h, pp_app_proc_root(app));
        pp_host_find_bindings(h, pp_app_proc_root(app), pp_app_conf_root(app));
    }
    return h;
}

pp_host *pp_app_host(pp_app *app)
{
    if (!app->host)
        app->host = load_host(app, false, false);
    return app->host;
}

bool pp_app_reload_host(pp_app *app)
{
    pp_host *h = load_host(app, false, false);

    /* the old inventory stays when the new one cannot be read */
    if (!h)
        return false;
    pp_host_free(app->host);
    app->host = h;
    return true;
}

typedef struct guests_job {
    pp_app *app;
    bool readonly, ok;
    char *error;
} guests_job;

static void *read_guests(void *arg)
{
    guests_job *j = arg;
    j->ok = pp_app_guests(j->app, j->readonly);
    if (!j->ok)
        j->error = xstrdup(pp_error_get());
    return NULL;
}

bool pp_app_read(pp_app *app, bool readonly, char **guests_error)
{
    guests_job j = { app, readonly, false, NULL };
    pthread_t th;
    bool threaded, ok;

    *guests_error = NULL;
    /* node devices need the connection first; the guests then share it */
    if (pp_app_uses_nodedev(app) && !pp_app_virt(app, readonly))
        return false;
    /* the guests come over libvirt's socket while the sysfs scan waits on the kernel: together
     * they take about as long as the longer one */
    threaded = pp_thread_create(&th, NULL, read_guests, &j) == 0;
    if (!app->host)
        app->host = load_host(app, true, threaded);
    ok = app->host != NULL;
    if (threaded)
        pthread_join(th, NULL);
    else
        read_guests(&j);
    /* the names once the guests are read: libpci's pci.ids and libvirt's peak are not held at
     * once */
    if (ok && app->host->names_later)
        pp_host_fill_names(app->host);
    if (ok)
        *guests_error = j.error;
    else
        free(j.error); /* the inventory's failure is what is said */
    return ok;
}

const char *pp_app_host_label(const pp_app *app)
{
    if (app->uri)
        return app->uri;
    if (getenv("LIBVIRT_DEFAULT_URI") && *getenv("LIBVIRT_DEFAULT_URI"))
        return getenv("LIBVIRT_DEFAULT_URI");
    return "default";
}

/* One host's read, in a thread of its own. The thread and the waiting face share the job: when
 * the face stops waiting, the member is abandoned to the thread (never touched or freed again). */
typedef struct fleet_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t done;
} fleet_wait;

typedef struct member_job {
    pp_app *m;
    fleet_wait *w;
} member_job;

static void read_member(pp_app *m)
{
    char *gerr = NULL;

    if (!pp_app_read(m, true, &gerr)) {
        m->unreachable = pp_escape_ctl(pp_error_get());
    } else if (gerr) {
        /* a host whose inventory was read but not its guests: its owners unknown, said so */
        m->unreachable = pp_escape_ctl(gerr);
    }
    free(gerr);
}

static void *member_thread(void *arg)
{
    member_job *j = arg;

    read_member(j->m);
    pthread_mutex_lock(&j->w->lock);
    j->m->reading = false;
    j->w->done++;
    pthread_cond_signal(&j->w->cond);
    pthread_mutex_unlock(&j->w->lock);
    return NULL;
}

bool pp_fleet_usable(const pp_app *m)
{
    return m->host && !m->unreachable && !m->abandoned;
}

void pp_fleet_read(pp_app *app, bool readonly)
{
    fleet_wait *w = xcalloc(1, sizeof(*w));
    member_job *jobs = xcalloc(app->nmembers, sizeof(*jobs));
    const char *env = getenv("PCIPASS_FLEET_TIMEOUT");
    uint64_t v;
    /* 1 to 3600 s; anything else (a huge value would overflow the deadline) is the default */
    long limit = pp_parse_u64(env, 10, 3600, &v) == 0 && v >= 1 ? (long)v : 60;
    size_t i, started = 0;
    bool left = false;
    struct timespec until;
    pthread_t th;

    (void)readonly;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        if (m->host || m->unreachable || m->abandoned)
            continue; /* read already, or left to a thread that did not finish */
        jobs[i] = (member_job){ m, w };
        m->reading = true;
        if (pp_thread_create(&th, NULL, member_thread, &jobs[i]) == 0) {
            pthread_detach(th);
            started++;
        } else {
            m->reading = false;
            read_member(m);
        }
    }
    /* a host that does not answer (a TCP connect to a dead machine waits for minutes) holds up
     * no other: after LIMIT seconds it is reported and left to its thread */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += limit;
    pthread_mutex_lock(&w->lock);
    while (w->done < started && pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
        ;
    for (i = 0; i < app->nmembers; i++) {
        pp_app *m = &app->members[i];
        if (m->reading) {
            m->abandoned = true;
            m->late = xasprintf(_("no answer within %ld s"), limit);
            m->set_aside = w;
            left = true;
        }
    }
    pthread_mutex_unlock(&w->lock);
    /* what a thread still running uses stays with it until the process ends */
    if (!left) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        free(jobs);
    }
}

bool pp_fleet_reclaim(pp_app *m)
{
    fleet_wait *w = m->set_aside;
    bool ended;

    if (!m->abandoned || !w)
        return !m->abandoned;
    pthread_mutex_lock(&w->lock);
    ended = !m->reading; /* the thread's last word on the member, under the lock */
    pthread_mutex_unlock(&w->lock);
    if (!ended)
        return false;
    /* the shared state stays: other members of that read may still be set aside */
    m->abandoned = false;
    m->set_aside = NULL;
    free(m->late);
    m->late = NULL;
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

bool pp_app_check_rom_file(pp_app *app, const char *path, char out[PP_ROM_FILE_MAX])
{
    /* the QEMU of a system URI runs as its own user (libvirt-qemu), which must read it too */
    bool other = app->uri ? strstr(app->uri, "/system") != NULL : geteuid() == 0;
    const char *root = pp_app_conf_root(app);

    if (!root) {
        /* a fake sysfs root: the host's files are not looked at outside the roots */
        pp_error_set(_("rom-file: with --sysfs-root, give --conf-root too: the file is looked "
                       "up under it"));
        return false;
    }
    return pp_hostdev_check_rom_file(root, path, other, out);
}

size_t pp_app_vfio_variants(const pp_app *app, const pp_function *f, char ***out)
{
    *out = NULL;
    /* node devices carry no subsystem ids, and the remote kernel's files are not here */
    if (!app->host || app->host->partial)
        return 0;
    return pp_host_vfio_variants(pp_app_proc_root(app), pp_app_conf_root(app), f, out);
}

bool pp_app_prepare_driver(pp_app *app, const pp_function *f, char out[PP_DRIVER_MODEL_MAX])
{
    char **v;
    size_t i, n;
    bool found = false;

    if (!f || f->vendor_id != 0x1014 || f->device_id != 0x04ed) /* IBM ISM */
        return false;
    n = pp_app_vfio_variants(app, f, &v);
    for (i = 0; i < n; i++) {
        if (!found && strcmp(v[i], "ism_vfio_pci") == 0) {
            snprintf(out, PP_DRIVER_MODEL_MAX, "%s", v[i]);
            found = true;
        }
        free(v[i]);
    }
    free(v);
    return found;
}

/* VER of libvirt has what WHAT needs (NEED); else the error slot says so. */
static bool libvirt_has(unsigned long ver, unsigned long need, const char *what)
{
    char have[32], want[32];

    if (ver >= need)
        return true;
    pp_virt_version_text(need, want, sizeof(want));
    pp_virt_version_text(ver, have, sizeof(have));
    pp_error_set(_("%s needs libvirt %s or later; libvirt here is %s: nothing was sent"), what,
                 want, have);
    return false;
}

bool pp_app_libvirt_takes(pp_app *app, const pp_hostdev *hds, size_t n, const char *driver)
{
    pp_virt *v = app->virt ? app->virt : pp_app_virt(app, true);
    unsigned long ver;
    size_t i;
    bool model = false, iommufd = false, ok;
    char *what;

    for (i = 0; i < n; i++) {
        model = model || hds[i].driver_model[0];
        iommufd = iommufd || hds[i].iommufd;
    }
    if (!model && !iommufd && !driver)
        return true;
    if (!v || !(ver = pp_virt_lib_version(v)))
        return false;
    if ((model && !libvirt_has(ver, PP_LIBVIRT_DRIVER_MODEL,
                               _("driver-model (<driver model=.../>)"))) ||
        (iommufd && !libvirt_has(ver, PP_LIBVIRT_IOMMUFD, _("iommufd (<driver iommufd='yes'/>)"))))
        return false;
    if (!driver)
        return true;
    what = xasprintf(_("binding to the VFIO variant driver %s (prepare --driver)"), driver);
    ok = libvirt_has(ver, PP_LIBVIRT_DRIVER_MODEL, what);
    free(what);
    return ok;
}

bool pp_app_binding(const pp_app *app, const pp_function *f, pp_binding *out)
{
    const pp_owner *first;
    size_t i, n = app->have_guests ? pp_owners_of(&app->owners, &f->addr, &first) : 0;

    if (!f->driver || !f->binding)
        return false;
    /* libvirt binds a VFIO driver itself for a managed hostdev when the guest starts (vfio-pci,
     * or from libvirt 10.0 the variant driver modules.alias names) */
    for (i = 0; i < n && pp_function_on_vfio(f); i++)
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
    size_t i;

    for (i = 0; i < app->nmembers; i++)
        if (!app->members[i].abandoned) /* a thread may still be reading it */
            pp_app_free(&app->members[i]);
    /* with an abandoned member, the array stays for its thread until the process ends */
    for (i = 0; i < app->nmembers && !app->members[i].abandoned; i++)
        ;
    if (i == app->nmembers)
        free(app->members);
    free(app->late);
    free(app->unreachable);
    pp_app_forget_guests(app);
    pp_virt_close(app->virt);
    pp_host_free(app->host);
    free(app->demo_root);
    free(app->demo_uri);
    free(app->demo_proc);
    free(app->demo_dev);
}
