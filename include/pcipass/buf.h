/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growing string for building text in pieces (lists of names, lines of XML): amortised appends
 * instead of a new allocation and copy of everything so far for each piece. */
#ifndef PCIPASS_BUF_H
#define PCIPASS_BUF_H

#include <stddef.h>

#include "pcipass/common.h"

typedef struct pp_buf {
    char *s; /* NUL-terminated once anything was added; NULL before */
    size_t len, cap;
} pp_buf;

#define PP_BUF_INIT { NULL, 0, 0 }

void pp_buf_add(pp_buf *b, const char *s);
void pp_buf_printf(pp_buf *b, const char *fmt, ...) PP_PRINTF(2, 3);
/* Adds SEP first unless B is still empty: the items of a list. */
void pp_buf_item(pp_buf *b, const char *sep, const char *s);
/* The text (an empty string when nothing was added), B emptied. Caller frees. */
char *pp_buf_take(pp_buf *b);
/* The text, or NULL when nothing was added; B emptied. Caller frees. */
char *pp_buf_take_or_null(pp_buf *b);
void pp_buf_free(pp_buf *b);

#endif
