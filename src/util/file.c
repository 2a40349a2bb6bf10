/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/file.h"

char *pp_read_fd(int fd, const char *what, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    ssize_t r;
    int err;

    for (;;) {
        if (cap - n < 4096)
            buf = xrealloc(buf, cap = cap ? cap * 2 : 8192);
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = errno;
            pp_error_set(_("%s: cannot read: %s"), what, strerror(err));
            free(buf);
            errno = err;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int pp_open_regular(int dirfd, const char *path)
{
    /* O_NONBLOCK: opening a FIFO waits for a writer; the check after it refuses it */
    int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EFTYPE_PP;
        return -1;
    }
    return fd;
}

FILE *pp_fopen_regular(const char *path)
{
    int fd = pp_open_regular(AT_FDCWD, path), err;
    FILE *f;

    if (fd < 0)
        return NULL;
    if (!(f = fdopen(fd, "r"))) {
        err = errno;
        close(fd);
        errno = err;
    }
    return f;
}

const char *pp_open_error(int err)
{
    return err == EFTYPE_PP ? _("not a regular file") : strerror(err);
}

char *pp_read_file(const char *path, size_t *len)
{
    int fd = pp_open_regular(AT_FDCWD, path), err;
    char *buf;

    if (fd < 0) {
        err = errno;
        pp_error_set(_("cannot open '%s': %s"), path, pp_open_error(err));
        errno = err;
        return NULL;
    }
    buf = pp_read_fd(fd, path, len);
    err = errno;
    close(fd);
    errno = err;
    return buf;
}
