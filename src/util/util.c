/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"

static pp_cleanup_fn die_cleanup;
/* per thread: the fleet reads its hosts in parallel, each with its own failure */
static _Thread_local char last_error[2048];

const char *pp_progname(void)
{
    return PACKAGE;
}

void pp_set_die_cleanup(pp_cleanup_fn fn)
{
    die_cleanup = fn;
}

void pp_die(const char *fmt, ...)
{
    va_list ap;

    /* The terminal first: a message printed into curses mode is lost to the operator. */
    if (die_cleanup)
        die_cleanup();
    fprintf(stderr, "%s: ", pp_progname());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(PP_EXIT_FAIL);
}

static void oom(void)
{
    pp_die("%s", _("out of memory"));
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        oom();
    return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        oom();
    return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void pp_error_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
}

void pp_error_prefix(const char *fmt, ...)
{
    char *prefix, *joined;
    va_list ap;

    va_start(ap, fmt);
    prefix = xvasprintf(fmt, ap);
    va_end(ap);
    joined = last_error[0] ? xasprintf("%s: %s", prefix, last_error) : xstrdup(prefix);
    /* Long libvirt messages are cut at the slot's size rather than failing. */
    strncpy(last_error, joined, sizeof(last_error) - 1);
    last_error[sizeof(last_error) - 1] = '\0';
    free(prefix);
    free(joined);
}

const char *pp_error_get(void)
{
    return last_error[0] ? last_error : _("unknown error");
}

void pp_error_clear(void)
{
    last_error[0] = '\0';
}

void pp_error_preserve_last(char **saved)
{
    *saved = last_error[0] ? xstrdup(last_error) : NULL;
}

void pp_error_restore(char **saved)
{
    if (!*saved)
        return;
    snprintf(last_error, sizeof(last_error), "%s", *saved);
    free(*saved);
    *saved = NULL;
}

char *pp_escape_ctl(const char *s)
{
    char *out = xmalloc(strlen(s) * 4 + 1), *p = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            p += sprintf(p, "\\x%02x", c);
        else
            *p++ = (char)c;
    }
    *p = '\0';
    return out;
}
