/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One poll() loop in a thread of its own, for libvirt's event callbacks (the virt module
 * registers these functions with libvirt: their types and flags are libvirt's). Why not libvirt's
 * default loop: the remote client turns its socket's watch off and back on and moves its
 * keepalive timer around every call, and the default loop wakes its thread for each change (three
 * wake-ups per call, 4096 node devices: about half of the client's CPU). This loop is woken only
 * when a change could not wait: a watch turned on is picked up within PP_EV_LAG_MS, a timer that
 * moves later is left to the loop's next turn. */
#ifndef PCIPASS_EVLOOP_H
#define PCIPASS_EVLOOP_H

#include <stdbool.h>

/* libvirt's VIR_EVENT_HANDLE_* values, checked where they are registered */
enum {
    PP_EV_READABLE = 1,
    PP_EV_WRITABLE = 2,
    PP_EV_ERROR = 4,
    PP_EV_HANGUP = 8,
};

/* how late a watch turned on may be polled; the loop keeps its sleeps this short for
 * PP_EV_LINGER_MS after a change, so that changes in a burst of calls need no wake-up */
#define PP_EV_LAG_MS 20
#define PP_EV_LINGER_MS 1000

typedef void (*pp_ev_handle_cb)(int watch, int fd, int events, void *opaque);
typedef void (*pp_ev_timer_cb)(int timer, void *opaque);
typedef void (*pp_ev_free_cb)(void *opaque);

/* Starts the loop's thread (once); false when it cannot. */
bool pp_ev_start(void);

/* A watch on FD (a watch > 0, or -1); FREE(OPAQUE) is called from the loop's thread once the
 * watch is removed, never from within the call that removes it. */
int pp_ev_add_handle(int fd, int events, pp_ev_handle_cb cb, void *opaque, pp_ev_free_cb ff);
void pp_ev_update_handle(int watch, int events);
int pp_ev_remove_handle(int watch);
/* A timer that fires every MS milliseconds (0: on every turn of the loop; -1: off). */
int pp_ev_add_timeout(int ms, pp_ev_timer_cb cb, void *opaque, pp_ev_free_cb ff);
void pp_ev_update_timeout(int timer, int ms);
int pp_ev_remove_timeout(int timer);

/* How often the loop has been woken by a change (for the unit check and the bench). */
unsigned long pp_ev_wakeups(void);

#endif
