/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting on libvirt without going deaf: the call runs in a thread of its own while the console's
 * thread keeps reading keys and says on the status line what it waits for, and for how long. */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "ui-private.h"

/* Calls given up and still running: libvirt may sit in one of them when the console ends. */
static atomic_int abandoned_running;

/* How soon a finished call is noticed in the first second of a wait. */
enum { WAIT_POLL_MS = 5 };

struct ui_job {
    void (*fn)(void *);
    void (*abandon)(void *);
    void *arg;
    double start; /* pp_monotonic() */
    pthread_mutex_t lock;
    bool done, abandoned;
};

static void job_free(ui_job *j)
{
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* Marks J given up unless it is done already (then its results are the caller's): whether it
 * was done. */
static bool give_up(ui_job *j)
{
    bool done;

    pthread_mutex_lock(&j->lock);
    done = j->done;
    if (!done) {
        j->abandoned = true;
        atomic_fetch_add(&abandoned_running, 1);
    }
    pthread_mutex_unlock(&j->lock);
    return done;
}

static void *run(void *p)
{
    ui_job *j = p;
    bool abandoned;
    sigset_t set;

    /* the signals that end the console go to its own thread, which knows the terminal's state */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    j->fn(j->arg);
    pthread_mutex_lock(&j->lock);
    j->done = true;
    abandoned = j->abandoned;
    pthread_mutex_unlock(&j->lock);
    /* the console stopped waiting: nobody else will look at the results */
    if (abandoned) {
        if (j->abandon)
            j->abandon(j->arg);
        job_free(j);
        atomic_fetch_sub(&abandoned_running, 1);
    }
    return NULL;
}

ui_job *ui_job_start(void (*fn)(void *), void (*abandon)(void *), void *arg)
{
    ui_job *j = xcalloc(1, sizeof(*j));
    pthread_attr_t attr;
    pthread_t t;

    j->fn = fn;
    j->abandon = abandon;
    j->arg = arg;
    j->start = pp_monotonic();
    pthread_mutex_init(&j->lock, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, run, j) != 0) {
        /* no thread: the call in this one, as before */
        fn(arg);
        j->done = true;
    }
    pthread_attr_destroy(&attr);
    return j;
}

void ui_job_abandon(ui_job *j)
{
    if (give_up(j)) {
        if (j->abandon)
            j->abandon(j->arg);
        job_free(j);
    }
}

enum ui_wait_result ui_job_wait(ui_job *j, const char *what)
{
    for (;;) {
        int key;
        bool done;

        pthread_mutex_lock(&j->lock);
        done = j->done;
        pthread_mutex_unlock(&j->lock);
        if (done)
            break;
        /* TRANSLATORS: %s says what the console waits for, e.g. "reading guests from URI" */
        ui_status(UI_NORMAL, _("Waiting for libvirt: %s (%.0f s). Esc: stop waiting, q: quit"),
                  what, pp_monotonic() - j->start);
        /* a short wait; a signal ends the process in there. Shorter in the first second: the
         * usual call is over within it, and the screen should follow at once, not at the next
         * key timeout */
        key = pp_monotonic() - j->start < 1.0 ? ui_getkey_within(WAIT_POLL_MS) : ui_getkey();
        if (key == UI_KEY_ESC || key == 'q' || key == 'Q') {
            if (give_up(j))
                break;
            if (key != UI_KEY_ESC) {
                /* the thread may sit in libvirt for good: leave without waiting for it */
                ui_display_restore();
                fprintf(stderr, _("%s: left while libvirt had not answered (%s)\n"), pp_progname(),
                        what);
                fflush(stderr);
                _exit(PP_EXIT_FAIL);
            }
            return UI_WAIT_CANCELLED;
        }
    }
    job_free(j);
    return UI_WAIT_DONE;
}

enum ui_wait_result ui_wait(const char *what, void (*fn)(void *), void (*abandon)(void *),
                            void *arg)
{
    return ui_job_wait(ui_job_start(fn, abandon, arg), what);
}

void ui_exit_if_abandoned(int rc)
{
    if (atomic_load(&abandoned_running) == 0)
        return;
    /* exit() would run libxml2's and gnutls's destructors under a thread that may be using them */
    fflush(stdout);
    fflush(stderr);
    _exit(rc);
}
