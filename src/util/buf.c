/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"

static void grow(pp_buf *b, size_t more)
{
    size_t want = b->len + more + 1;

    if (want <= b->cap)
        return;
    b->cap = b->cap ? b->cap : 64;
    while (b->cap < want)
        b->cap *= 2;
    b->s = xrealloc(b->s, b->cap);
}

void pp_buf_add(pp_buf *b, const char *s)
{
    size_t n = strlen(s);

    grow(b, n);
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void pp_buf_printf(pp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        pp_die("vsnprintf: bad format");
    grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pp_buf_item(pp_buf *b, const char *sep, const char *s)
{
    if (b->len)
        pp_buf_add(b, sep);
    pp_buf_add(b, s);
}

char *pp_buf_take(pp_buf *b)
{
    char *s = b->s ? b->s : xstrdup("");

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

char *pp_buf_take_or_null(pp_buf *b)
{
    char *s = b->s;

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void pp_buf_free(pp_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
