/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one reader of whole files: every byte or a failure, never a silent short read. */
#ifndef PCIPASS_FILE_H
#define PCIPASS_FILE_H

#include <stddef.h>

/* Everything left in FD, NUL-terminated (*LEN, may be NULL, without the NUL). NULL on a read
 * error, with errno set and the error slot saying "WHAT: ...". FD stays open. */
char *pp_read_fd(int fd, const char *what, size_t *len);
/* The whole file PATH; NULL with errno and the error slot set when it cannot be opened or read. */
char *pp_read_file(const char *path, size_t *len);

#endif
