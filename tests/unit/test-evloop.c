/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_ev: the event loop libvirt's callbacks run in. Watches over pipes, timers, removal from
 * within a callback, and that a burst of on/off changes (what the remote client does around every
 * call) wakes the loop a few times, not once per change. */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/evloop.h"
#include "tap.h"

static atomic_int reads, last_events, fires, freed, hangups;
static atomic_bool freed_in_loop;
static pthread_t main_thread;
static int self_watch = -1;

static void on_read(int watch, int fd, int events, void *opaque)
{
    char c;
    (void)watch;
    (void)opaque;
    if ((events & PP_EV_READABLE) && read(fd, &c, 1) == 1)
        reads++;
    last_events = events;
}

static void on_hangup(int watch, int fd, int events, void *opaque)
{
    (void)fd;
    (void)opaque;
    if (events & PP_EV_HANGUP) {
        hangups++;
        pp_ev_remove_handle(watch); /* from within its own callback */
        self_watch = -1;
    }
}

static void on_timer(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
    fires++;
}

static void on_free(void *opaque)
{
    (void)opaque;
    freed_in_loop = !pthread_equal(pthread_self(), main_thread);
    freed++;
}

/* waits up to two seconds for *V to reach N */
static bool wait_for(atomic_int *v, int n)
{
    struct timespec d = { 0, 5 * 1000 * 1000 };
    for (int i = 0; i < 400 && *v < n; i++)
        nanosleep(&d, NULL);
    return *v >= n;
}

static void pause_ms(long ms)
{
    struct timespec d = { ms / 1000, ms % 1000 * 1000 * 1000 };
    nanosleep(&d, NULL);
}

int main(void)
{
    int p[2], q[2], w, t, n;
    unsigned long before;

    main_thread = pthread_self();
    ok(pp_ev_start() && pp_ev_start(), "the loop starts, once");
    if (pipe(p) != 0 || pipe(q) != 0)
        return 1;

    w = pp_ev_add_handle(p[0], PP_EV_READABLE, on_read, NULL, on_free);
    ok(w > 0, "a watch has an id above 0");
    ok(write(p[1], "a", 1) == 1 && wait_for(&reads, 1), "a readable pipe: its callback runs");
    ok(last_events == PP_EV_READABLE, "with the readable flag alone");

    pp_ev_update_handle(w, 0);
    ok(write(p[1], "b", 1) == 1, "a byte written while the watch is off");
    pause_ms(100);
    ok(reads == 1, "a watch turned off: no callback");
    pp_ev_update_handle(w, PP_EV_READABLE);
    ok(wait_for(&reads, 2), "turned back on: the byte that waited is seen");

    /* the remote client's pattern around each call: off, on; a thousand times */
    pause_ms(PP_EV_LINGER_MS + 200); /* the loop is in a long sleep again */
    before = pp_ev_wakeups();
    for (n = 0; n < 1000; n++) {
        pp_ev_update_handle(w, 0);
        pp_ev_update_handle(w, PP_EV_READABLE);
    }
    ok(pp_ev_wakeups() - before <= 3, "1000 changes woke the loop %lu times (at most 3)",
       pp_ev_wakeups() - before);
    ok(write(p[1], "c", 1) == 1 && wait_for(&reads, 3), "and the watch works after them");

    t = pp_ev_add_timeout(10, on_timer, NULL, on_free);
    ok(t > 0, "a timer has an id above 0");
    ok(wait_for(&fires, 3), "a 10 ms timer fires again and again");
    pp_ev_update_timeout(t, -1);
    pause_ms(50);
    n = fires;
    pause_ms(100);
    ok(fires == n, "turned off: it fires no more");
    pp_ev_update_timeout(t, 0);
    ok(wait_for(&fires, n + 5), "0 ms: it fires on every turn");
    pp_ev_update_timeout(t, -1);
    ok(pp_ev_remove_timeout(t) == 0 && wait_for(&freed, 1), "a timer removed: its free runs");
    ok(freed_in_loop, "in the loop's thread");
    ok(pp_ev_remove_timeout(t) == -1, "a timer removed twice: -1");

    ok(pp_ev_remove_handle(w) == 0 && wait_for(&freed, 2), "a watch removed: its free runs");
    ok(pp_ev_remove_handle(w) == -1, "a watch removed twice: -1");
    ok(write(p[1], "d", 1) == 1, "a byte after the removal");
    pause_ms(100);
    ok(reads == 3, "a removed watch: no callback");

    self_watch = pp_ev_add_handle(q[0], PP_EV_READABLE, on_hangup, NULL, on_free);
    close(q[1]);
    ok(wait_for(&hangups, 1), "the writer gone: the hang-up is seen");
    ok(wait_for(&freed, 3) && self_watch == -1, "removed from within its own callback: freed");
    pause_ms(100);
    ok(hangups == 1, "and not seen again");

    close(p[0]);
    close(p[1]);
    close(q[0]);
    return tap_done();
}
