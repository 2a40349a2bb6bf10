/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting on libvirt without going deaf: the call runs in a thread of its own while the console's
 * thread keeps reading keys and says on the status line what it waits for, and for how long. */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "ui-private.h"

typedef struct ui_job {
    void (*fn)(void *);
    void (*abandon)(void *);
    void *arg;
    pthread_mutex_t lock;
    bool done, abandoned;
} ui_job;

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
        pthread_mutex_destroy(&j->lock);
        free(j);
    }
    return NULL;
}

enum ui_wait_result ui_wait(const char *what, void (*fn)(void *), void (*abandon)(void *),
                            void *arg)
{
    ui_job *j = xcalloc(1, sizeof(*j));
    pthread_attr_t attr;
    pthread_t t;
    double start = pp_monotonic();
    enum ui_wait_result r = UI_WAIT_DONE;

    j->fn = fn;
    j->abandon = abandon;
    j->arg = arg;
    pthread_mutex_init(&j->lock, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, run, j) != 0) {
        /* no thread: the call in this one, as before */
        pthread_attr_destroy(&attr);
        pthread_mutex_destroy(&j->lock);
        free(j);
        fn(arg);
        return UI_WAIT_DONE;
    }
    pthread_attr_destroy(&attr);
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
                  what, pp_monotonic() - start);
        key = ui_getkey(); /* a short wait; a signal ends the process in there */
        if (key == UI_KEY_ESC || key == 'q' || key == 'Q') {
            pthread_mutex_lock(&j->lock);
            done = j->done;
            if (!done)
                j->abandoned = true;
            pthread_mutex_unlock(&j->lock);
            if (done)
                break;
            if (key != UI_KEY_ESC) {
                /* the thread may sit in libvirt for good: leave without waiting for it */
                ui_display_restore();
                fprintf(stderr, _("%s: left while libvirt had not answered (%s)\n"), pp_progname(),
                        what);
                fflush(stderr);
                _exit(PP_EXIT_FAIL);
            }
            r = UI_WAIT_CANCELLED;
            return r;
        }
    }
    pthread_mutex_destroy(&j->lock);
    free(j);
    return r;
}
