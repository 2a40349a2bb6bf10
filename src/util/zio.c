/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only user of zlib (see zio.h). */
#include <config.h>

#include <zlib.h>

#include "pcipass/zio.h"

uint32_t pp_crc32(const void *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const Bytef *b = p;

    /* uInt may be narrower than size_t: feed it in pieces */
    while (n > 0) {
        uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
        c = crc32(c, b, k);
        b += k;
        n -= k;
    }
    return (uint32_t)c;
}

/* zlib's handle is the opaque pointer itself: nothing else to keep */
pp_gzfile *pp_gz_open(const char *path)
{
    return (pp_gzfile *)gzopen(path, "rb");
}

bool pp_gz_gets(pp_gzfile *f, char *buf, int size)
{
    return gzgets((gzFile)f, buf, size) != NULL;
}

void pp_gz_close(pp_gzfile *f)
{
    if (f)
        gzclose((gzFile)f);
}
