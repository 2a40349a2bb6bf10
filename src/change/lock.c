/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change service's host-wide lock (see change.h): one change at a time on a host. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/buf.h"
#include "pcipass/change.h"
#include "pcipass/common.h"
#include "pcipass/journal.h"

#include "change-private.h"

/* The user's home, from the password database first (cron, su and sudo agree on it, whatever
 * they leave in the environment), else $HOME for a user without one; NULL when neither is a
 * directory of this user. */
static const char *lock_home(void)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *env = getenv("HOME"), *cand[2] = { pw ? pw->pw_dir : NULL, env };
    struct stat st;

    for (int i = 0; i < 2; i++)
        if (cand[i] && *cand[i] == '/' && stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == geteuid())
            return cand[i];
    return NULL;
}

/* DIR made (0700) where missing and checked: a directory (no link) of this user that nobody else
 * may write, so nobody else can take or block the lock in it. */
static bool lock_dir_ok(const char *dir, bool follow)
{
    struct stat st;

    if (!follow && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        pp_error_set(_("lock: cannot create directory '%s': %s"), dir, strerror(errno));
        return false;
    }
    if ((follow ? stat(dir, &st) : lstat(dir, &st)) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        pp_error_set(_("lock: '%s' is not a directory of this user that only it may write; "
                       "refusing to use it"),
                     dir);
        return false;
    }
    return true;
}

/* root: one lock for the host; another user can only serialise with itself (and libvirt refuses
 * what it may not do anyway): one lock per host and user in the home's state directory, never
 * where the environment points (XDG_RUNTIME_DIR is unset under cron and su) nor in a directory
 * others may write. NULL with the error slot set. */
static char *lock_path(void)
{
    static const char *const parts[] = { "/.local", "/.local/state", "/.local/state/pcipass" };
    const char *home;
    char host[256] = "localhost", *dir;

    if (geteuid() == 0)
        return xstrdup("/run/pcipass.lock");
    if (!(home = lock_home())) {
        pp_error_set(_("lock: this user has no home directory of its own for the change lock; "
                       "nothing was sent"));
        return NULL;
    }
    if (!lock_dir_ok(home, true))
        return NULL;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        dir = xasprintf("%s%s", home, parts[i]);
        if (!lock_dir_ok(dir, false)) {
            free(dir);
            return NULL;
        }
        free(dir);
    }
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0] || strchr(host, '/'))
        strcpy(host, "localhost");
    host[sizeof(host) - 1] = '\0';
    /* the host in the name: a home shared between hosts gives each host its own lock */
    return xasprintf("%s/.local/state/pcipass/lock-%s", home, host);
}

void pp_change_tell(const pp_change *c, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!c->waiting)
        return;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    c->waiting(c->waiting_arg, msg);
    free(msg);
}

static char *lock_journal; /* the journal's path as given (NULL: its default) */
static bool fake_host;     /* a fake host whose guests are the process's own */

void pp_change_lock_fake_host(const char *journal)
{
    pp_change_lock_journal(journal);
    fake_host = true;
}

void pp_change_lock_journal(const char *journal)
{
    free(lock_journal);
    lock_journal = journal ? xstrdup(journal) : NULL;
}

/* The host's (or this user's) lock file, open; -1 with the error slot set. */
static int host_lock_file(char **path)
{
    struct stat st;
    int fd;

    if (!(*path = lock_path()))
        return -1;
    /* O_NONBLOCK: a FIFO put in its place is refused, not waited on */
    fd = open(*path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        pp_error_set(_("lock: cannot use '%s': %s"), *path,
                     fd < 0 ? strerror(errno) : _("not a regular file of this user"));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* FD locked, waited for as the change allows; false with the error slot set (FD closed). */
static bool lock_wait(const pp_change *c, int fd)
{
    char holder[32] = "?";
    int tries = 0;
    ssize_t r;

    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (tries == 0) {
            if ((r = pread(fd, holder, sizeof(holder) - 1, 0)) > 0)
                holder[r] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            if (!holder[0])
                strcpy(holder, "?"); /* it has the lock, but has not written its pid yet */
        }
        if (c->no_lock_wait || tries >= PP_LOCK_WAIT_SECONDS * 10) {
            if (strcmp(holder, "?") != 0)
                pp_error_set(_("another pcipass (process %s) is making a change on this host; "
                               "nothing was sent (try again when it is done)"),
                             holder);
            else
                pp_error_set(_("another pcipass is making a change on this host; nothing was "
                               "sent (try again when it is done)"));
            close(fd);
            return false;
        }
        if (tries == 0)
            pp_change_tell(c,
                           _("Waiting for another pcipass (process %s) to finish its change ..."),
                           holder); /* "?" when it has not written its pid yet */
        tries++;
        struct timespec d = { 0, 100 * 1000 * 1000 };
        nanosleep(&d, NULL);
    }
    /* who holds it, for the one who waits: a courtesy, so a failed write changes nothing */
    snprintf(holder, sizeof(holder), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0)
        (void)!pwrite(fd, holder, strlen(holder), 0);
    return true;
}

/* The host's lock, then the journal's: two processes that share a journal never write it at
 * once, whatever host each changes; a fake host of the process's own guests takes the journal's
 * alone. The host's fd in *HOST (-1: none), the journal's returned; -1 with the error slot set
 * and nothing held. */
static int lock_open(const pp_change *c, int *host)
{
    char *path = NULL, *journal;
    int fd;

    *host = -1;
    if (!fake_host) {
        *host = host_lock_file(&path);
        free(path);
        if (*host < 0 || !lock_wait(c, *host)) {
            *host = -1;
            return -1;
        }
    }
    if (!(journal = pp_journal_path(lock_journal)) || (fd = pp_journal_open_lock(journal)) < 0 ||
        !lock_wait(c, fd)) {
        free(journal);
        if (*host >= 0)
            close(*host);
        *host = -1;
        return -1;
    }
    free(journal);
    return fd;
}

/* Re-entrant within the process: undo holds it from reading the journal to its outcome, and the
 * change it makes takes it again. */
static int lock_fd = -1, host_lock_fd = -1;
static unsigned lock_depth;

bool pp_change_lock(const pp_change *c)
{
    if (lock_depth == 0 && (lock_fd = lock_open(c, &host_lock_fd)) < 0)
        return false;
    lock_depth++;
    return true;
}

void pp_change_unlock(void)
{
    if (lock_depth && --lock_depth == 0) {
        close(lock_fd); /* closing releases the flock */
        if (host_lock_fd >= 0)
            close(host_lock_fd);
        lock_fd = host_lock_fd = -1;
    }
}
