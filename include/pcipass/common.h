/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by every module: gettext macros, allocation that cannot fail, the last-error slot. */
#ifndef PCIPASS_COMMON_H
#define PCIPASS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
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
/* A message in a context (gettext's msgctxt), marked for later as N_ marks: one English word with
 * two meanings (DEVICE the operand, an address; DEVICE the column, a name) gets two
 * translations. pp_cgettext() translates it, and gives the message alone when untranslated. */
#define NC_(ctx, s) (ctx "\004" s)
const char *pp_cgettext(const char *ctx_s);

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
/* The one rule for text from outside (guest names, descriptions, libvirt's errors, sysfs, pci.ids,
 * the journal) on its way to a terminal, the way virsh shows such names: C0 controls and DEL as
 * \xNN, C1 controls and the bidi controls U+202A-U+202E and U+2066-U+2069 as \uNNNN, each byte
 * that is not part of valid UTF-8 as \xNN; everything else unchanged (a backslash too). */
enum {
    PP_ESC_LAYOUT = 1, /* newline and tab stay: the program's own layout (the output guard) */
    PP_ESC_JSON = 2,   /* inside JSON text: controls as \u00NN, a bad byte as the text \xNN */
    PP_ESC_FINAL = 4,  /* no more input follows: an unfinished sequence is bad bytes */
    PP_ESC_BYTES = 8,  /* an 8-bit locale's text, not UTF-8: C0, DEL and 0x80-0x9f (C1) */
};
#define PP_ESCAPE_MAX 12
/* The escaped form of the character at IN (N bytes there) into OUT (NUL-terminated); returns the
 * bytes of IN used, 0 when IN ends inside a character and PP_ESC_FINAL is not given. */
size_t pp_escape_step(const char *in, size_t n, unsigned flags, char out[PP_ESCAPE_MAX]);
/* S escaped by that rule, FLAGS as above. Caller frees. */
char *pp_escape(const char *s, unsigned flags);
/* S escaped for one line of text: newlines and tabs too. Caller frees. */
char *pp_escape_ctl(const char *s);
/* Escapes, by the same rule but keeping newline and tab, everything written to stdout (OUT)
 * and stderr (ERR) from now on: the last line of defence for text printed with plain printf.
 * Values that could hold a newline (names) are escaped where they are formatted (tables, the
 * error slot, messages). Not for a stream ncurses draws on. */
void pp_output_guard(bool out, bool err);
/* Flushes and closes stdout: false with errno set when any of what was written did not get
 * out (a full disk, /dev/full, a closed pipe with SIGPIPE ignored). Once, at the end. */
bool pp_output_finish(void);
/* Ends the process with status RC once the output is out, without the libraries' destructors
 * (a plain exit() in a sanitizer build, whose leak check runs at exit). */
PP_NORETURN void pp_exit_quick(int rc);

/* One error slot, in the spirit of virGetLastError(): a failing call sets it, the face prints
 * it. */
void pp_error_set(const char *fmt, ...) PP_PRINTF(1, 2);
/* Prefixes the current error with context: "what pcipass was doing: what went wrong". */
void pp_error_prefix(const char *fmt, ...) PP_PRINTF(1, 2);
const char *pp_error_get(void);
void pp_error_clear(void);
/* Whether the slot holds an error (pp_error_get() never returns ""). */
bool pp_error_is_set(void);
/* As libvirt's virErrorPreserveLast/virErrorRestore: *SAVED keeps the current error (NULL when
 * none) while clean-up calls that may fail too run; restore puts it back and frees it. */
void pp_error_preserve_last(char **saved);
void pp_error_restore(char **saved);

/* Called before the process dies so that a face (the TUI) can restore the terminal first. */
typedef void (*pp_cleanup_fn)(void);
void pp_set_die_cleanup(pp_cleanup_fn fn);
void pp_die(const char *fmt, ...) PP_PRINTF(1, 2) PP_NORETURN;

const char *pp_progname(void);

/* What a signal that ends the process (Ctrl-C) interrupts: the change service says, as it goes,
 * what state its change is in (NULL: nothing to say); escaped here. One thread sets it. */
void pp_interrupt_note(const char *fmt, ...) PP_PRINTF(1, 2);
void pp_interrupt_note_clear(void);
/* Holds back (ON) and then lets through the signals that end the process, for the calling thread:
 * a journal record and the note that names it become one step. */
void pp_interrupt_defer(bool on);
/* pthread_create with the signals above blocked in the new thread: the main thread answers them. */
int pp_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
/* The words of that line, translated before any signal can come. */
void pp_interrupt_prepare(void);
/* Async-signal-safe: "pcipass: interrupted by signal SIG[; NOTE]" and a newline on stderr. */
void pp_interrupt_say(int sig);

/* Seconds on the monotonic clock: for waits that a change of the wall clock must not stretch. */
double pp_monotonic(void);

#endif
