/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change service's host-wide lock (see change.h): one change at a time on a host. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
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

/* root: one lock for the host; another user can only serialise with itself (and libvirt refuses
 * what it may not do anyway) */
static char *lock_path(void)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");

    if (geteuid() == 0)
        return xstrdup("/run/pcipass.lock");
    if (rt && *rt == '/')
        return xasprintf("%s/pcipass.lock", rt);
    return xasprintf("/tmp/pcipass-%ld.lock", (long)geteuid());
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

static char *fake_host_journal; /* set: the lock of a fake host, beside this journal */
static bool fake_host;

void pp_change_lock_fake_host(const char *journal)
{
    free(fake_host_journal);
    fake_host_journal = journal ? xstrdup(journal) : NULL;
    fake_host = true;
}

/* The lock file, open: the host's, or a fake host's beside its journal; -1 with the error slot
 * set. */
static int lock_file(char **path)
{
    struct stat st;
    char *journal;
    int fd;

    if (fake_host) {
        if (!(journal = pp_journal_path(fake_host_journal)))
            return -1;
        *path = xasprintf("%s.lock", journal);
        fd = pp_journal_open_lock(journal);
        free(journal);
        return fd;
    }
    *path = lock_path();
    fd = open(*path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        pp_error_set(_("lock: cannot use '%s': %s"), *path,
                     fd < 0 ? strerror(errno) : _("not a regular file of this user"));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* -1 with the error slot set when another pcipass keeps it (past the bound, or at once with
 * no_lock_wait) or it cannot be opened. */
static int lock_open(const pp_change *c)
{
    char *path = NULL, holder[32] = "?";
    int fd = lock_file(&path), tries = 0;
    ssize_t r;

    if (fd < 0) {
        free(path);
        return -1;
    }
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
            free(path);
            return -1;
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
    free(path);
    return fd;
}

/* Re-entrant within the process: undo holds it from reading the journal to its outcome, and the
 * change it makes takes it again. */
static int lock_fd = -1;
static unsigned lock_depth;

bool pp_change_lock(const pp_change *c)
{
    if (lock_depth == 0 && (lock_fd = lock_open(c)) < 0)
        return false;
    lock_depth++;
    return true;
}

void pp_change_unlock(void)
{
    if (lock_depth && --lock_depth == 0) {
        close(lock_fd); /* closing releases the flock */
        lock_fd = -1;
    }
}
