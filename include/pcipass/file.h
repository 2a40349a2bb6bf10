/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one reader of whole files: every byte or a failure, never a silent short read. */
#ifndef PCIPASS_FILE_H
#define PCIPASS_FILE_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

/* Everything left in FD, NUL-terminated (*LEN, may be NULL, without the NUL). NULL on a read
 * error, with errno set and the error slot saying "WHAT: ...". FD stays open. */
char *pp_read_fd(int fd, const char *what, size_t *len);
/* The whole file PATH; NULL with errno and the error slot set when it cannot be opened or read. */
char *pp_read_file(const char *path, size_t *len);

/* PATH (relative to DIRFD, or AT_FDCWD) opened for reading without blocking, refused unless it is
 * a regular file: a FIFO or a device put where a file from sysfs, /proc or a configuration is
 * expected never hangs a command. -1 with errno set (EFTYPE_PP: not a regular file). */
#define EFTYPE_PP EINVAL
int pp_open_regular(int dirfd, const char *path);
/* The same as a stdio stream (close-on-exec); NULL with errno set. */
FILE *pp_fopen_regular(const char *path);
/* strerror(ERR), with "not a regular file" for what pp_open_regular refused. */
const char *pp_open_error(int err);

#endif
