/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by every module: gettext macros, allocation that cannot fail, the last-error slot. */
#ifndef PCIPASS_COMMON_H
#define PCIPASS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(s, p, n) ngettext(s, p, n)
#else
#define _(s) (s)
#define P_(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

#if defined(__GNUC__)
#define PP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PP_NORETURN __attribute__((noreturn))
#else
#define PP_PRINTF(f, a)
#define PP_NORETURN
#endif

/* Exit statuses, stable for scripts. */
enum { PP_EXIT_OK = 0, PP_EXIT_FAIL = 1, PP_EXIT_USAGE = 2 };

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PP_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PP_PRINTF(1, 0);
/* S with control characters (C0, DEL) written as \xNN, so that text from outside (a guest's name)
 * cannot move the cursor or recolour a terminal. Caller frees. */
char *pp_escape_ctl(const char *s);

/* One error slot, in the spirit of virGetLastError(): a failing call sets it, the face prints it. */
void pp_error_set(const char *fmt, ...) PP_PRINTF(1, 2);
/* Prefixes the current error with context: "what pcipass was doing: what went wrong". */
void pp_error_prefix(const char *fmt, ...) PP_PRINTF(1, 2);
const char *pp_error_get(void);
void pp_error_clear(void);
/* As libvirt's virErrorPreserveLast/virErrorRestore: *SAVED keeps the current error (NULL when
 * none) while clean-up calls that may fail too run; restore puts it back and frees it. */
void pp_error_preserve_last(char **saved);
void pp_error_restore(char **saved);

/* Called before the process dies so that a face (the TUI) can restore the terminal first. */
typedef void (*pp_cleanup_fn)(void);
void pp_set_die_cleanup(pp_cleanup_fn fn);
void pp_die(const char *fmt, ...) PP_PRINTF(1, 2) PP_NORETURN;

const char *pp_progname(void);

#endif
