/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The event loop: see evloop.h for why it is pcipass's own. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/evloop.h"

struct handle {
    int id, fd, events;
    pp_ev_handle_cb cb;
    void *opaque;
    pp_ev_free_cb ff;
    bool deleted;
};

struct timer {
    int id, ms;
    int64_t due;
    pp_ev_timer_cb cb;
    void *opaque;
    pp_ev_free_cb ff;
    bool deleted;
};

#define NEVER INT64_MAX

static struct {
    pthread_mutex_t lock;
    struct handle *h;
    size_t nh, ah;
    struct timer *t;
    size_t nt, at;
    int next_watch, next_timer;
    int wake[2];
    bool polling;       /* in poll(), until sleep_until */
    int64_t sleep_until;
    bool woken;         /* a byte waits in the pipe */
    int64_t last_change;
    unsigned long wakeups;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 }, .last_change = -PP_EV_LINGER_MS };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* with the lock: wakes the loop if it would sleep past DEADLINE */
static void wake_by(int64_t deadline)
{
    if (L.polling && L.sleep_until > deadline && !L.woken) {
        char c = 0;
        if (write(L.wake[1], &c, 1) == 1) {
            L.woken = true;
            L.wakeups++;
        }
    }
}

static struct handle *find_handle(int watch)
{
    for (size_t i = 0; i < L.nh; i++)
        if (L.h[i].id == watch && !L.h[i].deleted)
            return &L.h[i];
    return NULL;
}

static struct timer *find_timer(int timer)
{
    for (size_t i = 0; i < L.nt; i++)
        if (L.t[i].id == timer && !L.t[i].deleted)
            return &L.t[i];
    return NULL;
}

int pp_ev_add_handle(int fd, int events, pp_ev_handle_cb cb, void *opaque, pp_ev_free_cb ff)
{
    struct handle *h;
    int id;

    pthread_mutex_lock(&L.lock);
    if (L.nh == L.ah) {
        L.ah = L.ah ? L.ah * 2 : 8;
        L.h = xrealloc(L.h, L.ah * sizeof(*L.h));
    }
    h = &L.h[L.nh++];
    *h = (struct handle){ .id = ++L.next_watch, .fd = fd, .events = events, .cb = cb,
                          .opaque = opaque, .ff = ff };
    id = h->id;
    L.last_change = now_ms();
    wake_by(0);
    pthread_mutex_unlock(&L.lock);
    return id;
}

void pp_ev_update_handle(int watch, int events)
{
    struct handle *h;

    pthread_mutex_lock(&L.lock);
    h = find_handle(watch);
    if (h && h->events != events) {
        h->events = events;
        L.last_change = now_ms();
        /* a watch turned off needs no wake-up: should the loop still poll it and see it ready,
         * it leaves it be and polls without it */
        if (events)
            wake_by(L.last_change + PP_EV_LAG_MS);
    }
    pthread_mutex_unlock(&L.lock);
}

int pp_ev_remove_handle(int watch)
{
    struct handle *h;

    pthread_mutex_lock(&L.lock);
    h = find_handle(watch);
    if (h) {
        h->deleted = true;
        wake_by(0); /* its free callback is due */
    }
    pthread_mutex_unlock(&L.lock);
    return h ? 0 : -1;
}

int pp_ev_add_timeout(int ms, pp_ev_timer_cb cb, void *opaque, pp_ev_free_cb ff)
{
    struct timer *t;
    int id;

    pthread_mutex_lock(&L.lock);
    if (L.nt == L.at) {
        L.at = L.at ? L.at * 2 : 8;
        L.t = xrealloc(L.t, L.at * sizeof(*L.t));
    }
    t = &L.t[L.nt++];
    *t = (struct timer){ .id = ++L.next_timer, .ms = ms, .due = ms >= 0 ? now_ms() + ms : NEVER,
                         .cb = cb, .opaque = opaque, .ff = ff };
    id = t->id;
    wake_by(t->due);
    pthread_mutex_unlock(&L.lock);
    return id;
}

void pp_ev_update_timeout(int timer, int ms)
{
    struct timer *t;

    pthread_mutex_lock(&L.lock);
    t = find_timer(timer);
    if (t) {
        t->ms = ms;
        t->due = ms >= 0 ? now_ms() + ms : NEVER;
        /* later than the loop's wake-up (keepalive, moved on every message): no wake-up */
        wake_by(t->due);
    }
    pthread_mutex_unlock(&L.lock);
}

int pp_ev_remove_timeout(int timer)
{
    struct timer *t;

    pthread_mutex_lock(&L.lock);
    t = find_timer(timer);
    if (t) {
        t->deleted = true;
        wake_by(0);
    }
    pthread_mutex_unlock(&L.lock);
    return t ? 0 : -1;
}

unsigned long pp_ev_wakeups(void)
{
    unsigned long n;

    pthread_mutex_lock(&L.lock);
    n = L.wakeups;
    pthread_mutex_unlock(&L.lock);
    return n;
}

/* with the lock: drops what was removed, calling the free callbacks without it (they may call
 * back into the loop) */
static void sweep(void)
{
    size_t i = 0;

    while (i < L.nh) {
        if (!L.h[i].deleted) {
            i++;
            continue;
        }
        struct handle h = L.h[i];
        L.h[i] = L.h[--L.nh];
        if (h.ff) {
            pthread_mutex_unlock(&L.lock);
            h.ff(h.opaque);
            pthread_mutex_lock(&L.lock);
        }
    }
    i = 0;
    while (i < L.nt) {
        if (!L.t[i].deleted) {
            i++;
            continue;
        }
        struct timer t = L.t[i];
        L.t[i] = L.t[--L.nt];
        if (t.ff) {
            pthread_mutex_unlock(&L.lock);
            t.ff(t.opaque);
            pthread_mutex_lock(&L.lock);
        }
    }
}

static int to_poll(int ev)
{
    return (ev & PP_EV_READABLE ? POLLIN : 0) | (ev & PP_EV_WRITABLE ? POLLOUT : 0);
}

static int from_poll(int rev)
{
    return (rev & POLLIN ? PP_EV_READABLE : 0) | (rev & POLLOUT ? PP_EV_WRITABLE : 0) |
           (rev & (POLLERR | POLLNVAL) ? PP_EV_ERROR : 0) | (rev & POLLHUP ? PP_EV_HANGUP : 0);
}

/* One turn: poll what is on, then fire the timers that are due and the watches that are ready. */
static void turn(struct pollfd **fds, int **ids, size_t *cap)
{
    size_t n = 1, i;
    int64_t until = NEVER, now;
    int ms, *due = NULL;
    size_t ndue = 0;

    pthread_mutex_lock(&L.lock);
    sweep();
    if (*cap < L.nh + 1) {
        *cap = L.nh + 1;
        *fds = xrealloc(*fds, *cap * sizeof(**fds));
        *ids = xrealloc(*ids, *cap * sizeof(**ids));
    }
    (*fds)[0] = (struct pollfd){ .fd = L.wake[0], .events = POLLIN };
    for (i = 0; i < L.nh; i++)
        if (L.h[i].events) {
            (*fds)[n] = (struct pollfd){ .fd = L.h[i].fd, .events = (short)to_poll(L.h[i].events) };
            (*ids)[n++] = L.h[i].id;
        }
    for (i = 0; i < L.nt; i++)
        if (L.t[i].due < until)
            until = L.t[i].due;
    now = now_ms();
    if (now - L.last_change < PP_EV_LINGER_MS && now + PP_EV_LAG_MS < until)
        until = now + PP_EV_LAG_MS;
    L.polling = true;
    L.sleep_until = until;
    pthread_mutex_unlock(&L.lock);

    ms = until == NEVER ? -1 : until <= now ? 0 : until - now > INT32_MAX ? INT32_MAX
                                                                          : (int)(until - now);
    if (poll(*fds, n, ms) < 0 && errno != EINTR)
        n = 0; /* nothing is ready; the timers still are */

    pthread_mutex_lock(&L.lock);
    L.polling = false;
    if (n && ((*fds)[0].revents & POLLIN)) {
        char buf[64];
        while (read(L.wake[0], buf, sizeof(buf)) > 0)
            ;
        L.woken = false;
    }
    now = now_ms();
    for (i = 0; i < L.nt; i++)
        if (!L.t[i].deleted && L.t[i].due <= now) {
            due = xrealloc(due, (ndue + 1) * sizeof(*due));
            due[ndue++] = L.t[i].id;
        }
    for (i = 0; i < ndue; i++) {
        /* looked up again: an earlier callback may have moved or removed it */
        struct timer *t = find_timer(due[i]);
        if (!t || t->due > now)
            continue;
        t->due = t->ms >= 0 ? now + t->ms : NEVER;
        pp_ev_timer_cb cb = t->cb;
        void *opaque = t->opaque;
        pthread_mutex_unlock(&L.lock);
        cb(due[i], opaque);
        pthread_mutex_lock(&L.lock);
    }
    free(due);
    for (i = 1; i < n; i++) {
        struct handle *h;
        int ev;
        if (!(*fds)[i].revents)
            continue;
        h = find_handle((*ids)[i]);
        /* a watch turned off since the poll is left be */
        ev = h ? from_poll((*fds)[i].revents) & (h->events | PP_EV_ERROR | PP_EV_HANGUP) : 0;
        if (!h || !h->events || !ev)
            continue;
        pp_ev_handle_cb cb = h->cb;
        void *opaque = h->opaque;
        int fd = h->fd;
        pthread_mutex_unlock(&L.lock);
        cb((*ids)[i], fd, ev, opaque);
        pthread_mutex_lock(&L.lock);
    }
    pthread_mutex_unlock(&L.lock);
}

static void *run(void *arg)
{
    struct pollfd *fds = NULL;
    int *ids = NULL;
    size_t cap = 0;
    sigset_t set;

    (void)arg;
    /* signals are for the threads that know what to do with them (the console restores the
     * terminal); SIGALRM too (the CLI's clock on the open) */
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (;;)
        turn(&fds, &ids, &cap);
    return NULL;
}

static bool started;

static void start_once(void)
{
    pthread_t t;
    pthread_attr_t attr;

    if (pipe2(L.wake, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    started = pp_thread_create(&t, &attr, run, NULL) == 0;
    pthread_attr_destroy(&attr);
}

bool pp_ev_start(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, start_once);
    return started;
}
