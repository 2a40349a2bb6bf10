/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What pcipass needs of zlib, in one place: the CRC-32 of the journal's frames and line reading of
 * files that may be gzip'd (/proc/config.gz) or plain (/boot/config-RELEASE). */
#ifndef PCIPASS_ZIO_H
#define PCIPASS_ZIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t pp_crc32(const void *p, size_t n);

typedef struct pp_gzfile pp_gzfile;
/* PATH, gzip'd or not; NULL when it cannot be opened. */
pp_gzfile *pp_gz_open(const char *path);
/* The next line (with its newline, cut at SIZE - 1 bytes); false at the end. */
bool pp_gz_gets(pp_gzfile *f, char *buf, int size);
void pp_gz_close(pp_gzfile *f);

#endif
