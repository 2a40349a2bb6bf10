/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libvirt connection and its errors. */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "pcipass/evloop.h"
#include "virt-private.h"

/* libvirt prints every error to stderr unless a handler is set; pcipass reports them itself. */
static void quiet_errors(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

void pp_virt_set_error(const char *what)
{
    /* by its code: the message is translated, and "no error" is one of them */
    virErrorPtr e = virGetLastError();
    if (e && e->code != VIR_ERR_OK && e->message && *e->message)
        pp_error_set("%s: %s", what, e->message);
    else
        pp_error_set("%s", what);
}

static int timeout_s = -1;
static bool connect_watchdog;
static char watchdog_msg[512];

int pp_virt_timeout(void)
{
    if (timeout_s < 0) {
        const char *env = getenv("PCIPASS_LIBVIRT_TIMEOUT");
        char *end;
        long v = env && *env ? strtol(env, &end, 10) : 0;
        timeout_s = env && *env && !*end && v >= 1 && v <= 3600 ? (int)v : PP_VIRT_TIMEOUT;
    }
    return timeout_s;
}

void pp_virt_connect_watchdog(bool on)
{
    connect_watchdog = on;
}

static void on_alarm(int sig)
{
    size_t n = strlen(watchdog_msg);
    (void)sig;
    if (write(STDERR_FILENO, watchdog_msg, n) < 0)
        _exit(PP_EXIT_FAIL);
    _exit(PP_EXIT_FAIL);
}

int pp_virt_last_error_code(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->code : VIR_ERR_OK;
}

bool pp_virt_answer_lost(pp_virt *v)
{
    /* a refusal comes over a live connection; a request whose connection is gone may still
     * sit in the daemon's queue */
    return v && v->conn && virConnectIsAlive(v->conn) != 1;
}

_Static_assert((int)PP_EV_READABLE == (int)VIR_EVENT_HANDLE_READABLE &&
                   (int)PP_EV_WRITABLE == (int)VIR_EVENT_HANDLE_WRITABLE &&
                   (int)PP_EV_ERROR == (int)VIR_EVENT_HANDLE_ERROR &&
                   (int)PP_EV_HANGUP == (int)VIR_EVENT_HANDLE_HANGUP,
               "pcipass's event flags are libvirt's");

static int events = -1;

static void init_once(void)
{
    virSetErrorFunc(NULL, quiet_errors);
    /* before the first connection, so that it can deliver events (a guest's device release);
     * the loop runs all the time in a thread of its own: keepalive needs it to notice a daemon
     * that stopped answering while a call waits on it */
    events = pp_ev_start();
    if (events > 0)
        virEventRegisterImpl(pp_ev_add_handle, pp_ev_update_handle, pp_ev_remove_handle,
                             pp_ev_add_timeout, pp_ev_update_timeout, pp_ev_remove_timeout);
    pp_xml_init();
}

/* The CLI's clock on opening connections: armed while at least one open is under way (the hosts
 * of a fleet connect from several threads at a time). */
static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static int watchdog_opens;

static void watchdog_arm(const char *uri)
{
    struct sigaction sa;

    pthread_mutex_lock(&watchdog_lock);
    if (watchdog_opens++ == 0) {
        snprintf(watchdog_msg, sizeof(watchdog_msg),
                 _("%s: libvirt at '%s' did not answer within %d s (is its daemon stopped or "
                   "hung?); nothing was changed\n"),
                 pp_progname(), uri ? uri : _("the default URI"), pp_virt_timeout());
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        alarm((unsigned)pp_virt_timeout());
    }
    pthread_mutex_unlock(&watchdog_lock);
}

static void watchdog_disarm(void)
{
    pthread_mutex_lock(&watchdog_lock);
    if (--watchdog_opens == 0)
        alarm(0);
    pthread_mutex_unlock(&watchdog_lock);
}

/* libvirt's test driver ("TEST"; also behind a daemon, whose driver names the type) has no device
 * API at all; every other driver pcipass meets (QEMU) has. Unknown counts as able: libvirt then
 * says itself. */
static bool drives_no_live_devices(virConnectPtr c)
{
    const char *type = virConnectGetType(c);
    if (!type) {
        virResetLastError();
        return false;
    }
    return strcasecmp(type, "Test") == 0;
}

bool pp_virt_live_devices(const pp_virt *v)
{
    return !v || !v->no_live_devices;
}

pp_virt *pp_virt_open(const char *uri, bool readonly)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pp_virt *v;
    virConnectPtr c;
    char *what;

    /* once, also when the hosts of a fleet connect from several threads at a time */
    pthread_once(&once, init_once);
    /* a daemon that accepts the connection and never answers (stopped) would hold the open for
     * good: before keepalive can work there is only the clock */
    if (connect_watchdog)
        watchdog_arm(uri);
    c = readonly ? virConnectOpenReadOnly(uri) : virConnectOpen(uri);
    if (connect_watchdog)
        watchdog_disarm();
    /* every later call is bounded: libvirt closes a connection whose peer stops answering its
     * keepalive (remote drivers only; the others answer at once or have nothing to wait for) */
    if (c && events > 0) {
        int interval = pp_virt_timeout() / 5 > 0 ? pp_virt_timeout() / 5 : 1;
        virConnectSetKeepAlive(c, interval, 4);
        virResetLastError(); /* a local driver has no keepalive: not an error */
    }
    if (!c) {
        what = xasprintf(_("cannot connect to libvirt at '%s'"),
                         uri ? uri : getenv("LIBVIRT_DEFAULT_URI") ? getenv("LIBVIRT_DEFAULT_URI")
                                                                    : _("the default URI"));
        pp_virt_set_error(what);
        free(what);
        return NULL;
    }
    v = xcalloc(1, sizeof(*v));
    v->conn = c;
    v->events = events > 0;
    v->uri = virConnectGetURI(c);
    if (!v->uri)
        v->uri = xstrdup(uri ? uri : "");
    v->no_live_devices = drives_no_live_devices(c);
    return v;
}

void pp_virt_close(pp_virt *v)
{
    if (!v)
        return;
    virConnectClose(v->conn);
    free(v->uri);
    free(v);
}

const char *pp_virt_uri(const pp_virt *v)
{
    return v->uri;
}

unsigned long pp_virt_lib_version(pp_virt *v)
{
    unsigned long ver = 0;

    if (virConnectGetLibVersion(v->conn, &ver) != 0) {
        char *what = xasprintf(_("reading the version of libvirt at %s"), v->uri);
        pp_virt_set_error(what);
        free(what);
        return 0;
    }
    return ver;
}

void pp_virt_version_text(unsigned long ver, char *buf, size_t size)
{
    snprintf(buf, size, "%lu.%lu.%lu", ver / 1000000, ver / 1000 % 1000, ver % 1000);
}

void pp_virt_library_version(char *buf, size_t size)
{
    unsigned long ver = 0;
    if (virGetVersion(&ver, NULL, NULL) == 0)
        snprintf(buf, size, "libvirt %lu.%lu.%lu", ver / 1000000, ver / 1000 % 1000, ver % 1000);
    else
        snprintf(buf, size, "libvirt ?");
}
