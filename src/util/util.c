/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"

static pp_cleanup_fn die_cleanup;
/* per thread: the fleet reads its hosts in parallel, each with its own failure, and the
 * console reads guests in a worker while its own thread draws */
static _Thread_local char last_error[2048];

const char *pp_progname(void)
{
    return PACKAGE;
}

/* Two buffers: the handler reads the one the index names while the next is written. */
static char interrupt_text[2][1024];
static volatile sig_atomic_t interrupt_cur = -1;
static char interrupt_words[64] = "pcipass: interrupted by signal ";

void pp_interrupt_note(const char *fmt, ...)
{
    int next = interrupt_cur == 0 ? 1 : 0;
    char *s, *esc;
    va_list ap;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    esc = pp_escape_ctl(s);
    snprintf(interrupt_text[next], sizeof(interrupt_text[next]), "%s", esc);
    free(esc);
    free(s);
    interrupt_cur = next;
}

void pp_interrupt_note_clear(void)
{
    interrupt_cur = -1;
}

static void interrupt_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGUSR1);
}

void pp_interrupt_defer(bool on)
{
    static _Thread_local sigset_t saved;
    sigset_t set;

    if (!on) {
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return;
    }
    interrupt_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, &saved);
}

int pp_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    sigset_t set, old;
    int rc;

    /* a thread of pcipass's own never takes these signals: held back in the thread that writes
     * the journal (pp_interrupt_defer), they would otherwise run the handler in another */
    interrupt_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    rc = pthread_create(t, attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void pp_interrupt_prepare(void)
{
    /* the number follows the words: a handler cannot format */
    snprintf(interrupt_words, sizeof(interrupt_words), _("%s: interrupted by signal "),
             pp_progname());
}

static void say_raw(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void pp_interrupt_say(int sig)
{
    char num[4] = { 0 };
    int cur = interrupt_cur;

    num[0] = (char)('0' + sig / 10 % 10);
    num[1] = (char)('0' + sig % 10);
    say_raw(interrupt_words);
    say_raw(sig < 10 ? num + 1 : num);
    if (cur >= 0) {
        say_raw("; ");
        say_raw(interrupt_text[cur]);
    }
    say_raw("\n");
}

double pp_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* TEXT, escaped, into the slot, cut at a character's start when it is too long (a libvirt
 * message can be), never in the middle of one. */
static void error_store(const char *text)
{
    char *e = pp_escape_ctl(text);
    size_t n = strlen(e);

    if (n >= sizeof(last_error)) {
        n = sizeof(last_error) - 1;
        while (n > 0 && ((unsigned char)e[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(last_error, e, n);
    last_error[n] = '\0';
    free(e);
}

void pp_error_set(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    error_store(s);
    free(s);
}

void pp_error_prefix(const char *fmt, ...)
{
    char *prefix, *joined;
    va_list ap;

    va_start(ap, fmt);
    prefix = xvasprintf(fmt, ap);
    va_end(ap);
    joined = last_error[0] ? xasprintf("%s: %s", prefix, last_error) : xstrdup(prefix);
    /* the slot's text is escaped already, and escaping it again changes nothing */
    error_store(joined);
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

bool pp_error_is_set(void)
{
    return last_error[0] != '\0';
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

/* One UTF-8 sequence at S (N bytes there): its length with *CP set; 0 when S ends inside a
 * sequence that more bytes could complete; -1 when the first byte starts no valid sequence
 * (overlong forms, surrogates and values past U+10FFFF are not valid). */
static int utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    uint32_t v, min;
    int len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, v = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, v = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return -1;
    for (i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return 0;
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        v = v << 6 | (s[i] & 0x3f);
        /* reject overlong and out-of-range forms as soon as their leading bits show it */
        if (i == 1 && ((len == 3 && c == 0xe0 && s[1] < 0xa0) ||
                       (len == 3 && c == 0xed && s[1] >= 0xa0) ||
                       (len == 4 && c == 0xf0 && s[1] < 0x90) ||
                       (len == 4 && c == 0xf4 && s[1] >= 0x90)))
            return -1;
    }
    if (v < min)
        return -1;
    *cp = v;
    return len;
}

static bool escaped_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

size_t pp_escape_step(const char *in, size_t n, unsigned flags, char out[PP_ESCAPE_MAX])
{
    const unsigned char *s = (const unsigned char *)in;
    uint32_t cp;
    int len;

    if ((flags & PP_ESC_BYTES) && s[0] >= 0x80) {
        /* an 8-bit charset: 0x80-0x9f are C1 controls there (0x9b is CSI on an 8-bit terminal) */
        if (s[0] <= 0x9f) {
            snprintf(out, PP_ESCAPE_MAX, "\\x%02x", s[0]);
            return 1;
        }
        out[0] = (char)s[0];
        out[1] = '\0';
        return 1;
    }
    len = utf8_next(s, n, &cp);

    if (len == 0) {
        if (!(flags & PP_ESC_FINAL))
            return 0;
        len = -1; /* the input ends here: the bytes are what they are */
    }
    if (len < 0) {
        /* JSON cannot hold the byte itself: the same text as elsewhere, its backslash escaped */
        snprintf(out, PP_ESCAPE_MAX, (flags & PP_ESC_JSON) ? "\\\\x%02x" : "\\x%02x", s[0]);
        return 1;
    }
    if (cp < 0x20 || cp == 0x7f) {
        if ((flags & PP_ESC_LAYOUT) && (cp == '\n' || cp == '\t')) {
            out[0] = (char)cp;
            out[1] = '\0';
        } else if (flags & PP_ESC_JSON) {
            snprintf(out, PP_ESCAPE_MAX, "\\u%04x", (unsigned)cp);
        } else {
            snprintf(out, PP_ESCAPE_MAX, "\\x%02x", (unsigned)cp);
        }
        return 1;
    }
    if (escaped_cp(cp)) {
        /* \u is JSON's own escape too: the same text means the same character there */
        snprintf(out, PP_ESCAPE_MAX, "\\u%04x", (unsigned)cp);
        return (size_t)len;
    }
    memcpy(out, in, (size_t)len);
    out[len] = '\0';
    return (size_t)len;
}

/* Whether the rule leaves byte C as it is. */
static bool plain_byte(unsigned char c, unsigned flags)
{
    return (c >= 0x20 && c < 0x7f) || ((flags & PP_ESC_LAYOUT) && (c == '\n' || c == '\t'));
}

/* How many bytes at S (N there) the rule leaves as they are before the first one that it may not:
 * printable ASCII, and with PP_ESC_LAYOUT newline and tab. Such a run is copied whole; the rest
 * goes a character at a time through pp_escape_step(). */
static size_t safe_run(const char *s, size_t n, unsigned flags)
{
    const uint64_t ones = UINT64_MAX / 255, highs = ones * 0x80;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    for (;;) {
        /* eight bytes at a time while none is below 0x20 or above 0x7e: "hasless" and "hasmore"
         * of Bit Twiddling Hacks, exact for whether such a byte is in the word */
        while (i + 8 <= n) {
            uint64_t x, low, high;
            memcpy(&x, p + i, 8);
            low = (x - ones * 0x20) & ~x & highs;
            high = ((x + ones) | x) & highs;
            if (low | high)
                break;
            i += 8;
        }
        /* the word with such a byte in it (a newline, often), or the tail: a byte at a time */
        for (size_t end = i + 8 < n ? i + 8 : n; i < end; i++)
            if (!plain_byte(p[i], flags))
                return i;
        if (i == n)
            return n;
    }
}

char *pp_escape(const char *s, unsigned flags)
{
    size_t n = strlen(s), cap = n + 1, used = 0;
    char *out = xmalloc(cap), one[PP_ESCAPE_MAX];

    while (n > 0) {
        size_t k = safe_run(s, n, flags), l;
        const char *from = s;
        if (k == 0) {
            k = pp_escape_step(s, n, flags | PP_ESC_FINAL, one);
            from = one;
            l = strlen(one);
        } else {
            l = k;
        }
        if (used + l + 1 > cap) {
            cap = (used + l + 1) * 2;
            out = xrealloc(out, cap);
        }
        memcpy(out + used, from, l);
        used += l;
        s += k;
        n -= k;
    }
    out[used] = '\0';
    return out;
}

char *pp_escape_ctl(const char *s)
{
    return pp_escape(s ? s : "", 0);
}

/* ---- the output guard: stdout and stderr escaped on their way out ---- */

typedef struct out_guard {
    int fd;
    unsigned flags;
    char pend[4]; /* the start of a character whose rest is in the next write */
    size_t npend;
    int err; /* the first write that failed (errno): the output is incomplete */
} out_guard;

/* the guards live as long as the process; held here too, so that leak checkers, which do not look
 * inside stdio's FILE list, see them */
static out_guard *guards[2];

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void guard_flush(out_guard *g, const char *p, size_t n)
{
    if (n && !write_all(g->fd, p, n) && !g->err)
        g->err = errno ? errno : EIO;
}

/* BUF escaped onto the guard's fd: runs of bytes that stay as they are in one piece (written
 * straight from BUF when they fill the buffer), the others a character at a time. */
static void guard_emit(out_guard *g, const char *buf, size_t size, bool final)
{
    char out[4096], one[PP_ESCAPE_MAX];
    size_t used = 0;

    while (size > 0) {
        size_t k = safe_run(buf, size, g->flags), l;
        const char *from = buf;
        if (k == 0) {
            k = pp_escape_step(buf, size, g->flags | (final ? PP_ESC_FINAL : 0), one);
            if (k == 0) {
                memcpy(g->pend, buf, size);
                g->npend = size;
                break;
            }
            from = one;
            l = strlen(one);
        } else {
            l = k;
        }
        if (used + l > sizeof(out)) {
            guard_flush(g, out, used);
            used = 0;
        }
        if (l >= sizeof(out)) {
            guard_flush(g, from, l);
        } else {
            memcpy(out + used, from, l);
            used += l;
        }
        buf += k;
        size -= k;
    }
    guard_flush(g, out, used);
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size)
{
    out_guard *g = cookie;

    if (g->npend) {
        /* a character cut by the buffer's end: joined with its rest (rare, so a copy) */
        char *join = xmalloc(g->npend + size);
        size_t n = g->npend;
        memcpy(join, g->pend, n);
        memcpy(join + n, buf, size);
        g->npend = 0;
        guard_emit(g, join, n + size, false);
        free(join);
    } else {
        guard_emit(g, buf, size, false);
    }
    if (g->err) {
        /* stdio marks the stream: ferror() and the final check see it */
        errno = g->err;
        return -1;
    }
    return (ssize_t)size;
}

static int guard_close(void *cookie)
{
    out_guard *g = cookie;
    if (g->npend)
        guard_emit(g, g->pend, g->npend, true);
    for (size_t i = 0; i < 2; i++)
        if (guards[i] == g)
            guards[i] = NULL;
    free(g);
    return 0;
}

/* At exit: what stdio holds, then a character the output ended inside of, as bad bytes. */
static void guard_atexit(void)
{
    fflush(stdout);
    fflush(stderr);
    for (size_t i = 0; i < 2; i++)
        if (guards[i] && guards[i]->npend) {
            guard_emit(guards[i], guards[i]->pend, guards[i]->npend, true);
            guards[i]->npend = 0;
        }
}

static FILE *guard_open(FILE *orig, int mode, size_t which)
{
    cookie_io_functions_t io = { NULL, guard_write, NULL, guard_close };
    out_guard *g = xcalloc(1, sizeof(*g));
    FILE *f;

    guards[which] = g;
    fflush(orig);
    g->fd = fileno(orig);
    g->flags = PP_ESC_LAYOUT;
    {
        /* an 8-bit locale's text (a Latin-1 catalog) is no UTF-8: there, only C0 and DEL */
        const char *cs = nl_langinfo(CODESET);
        if (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "ANSI_X3.4-1968") != 0)
            g->flags |= PP_ESC_BYTES;
    }
    f = fopencookie(g, "w", io);
    if (!f) {
        free(g);
        guards[which] = NULL;
        return orig;
    }
    setvbuf(f, NULL, mode, BUFSIZ);
    return f;
}

/* Why: the destructors of libvirt and the sixty libraries it brings fault in about 0.8 MiB of
 * their code at exit, the run's peak RSS, and release nothing that the kernel does not. */
void pp_exit_quick(int rc)
{
#if defined(__SANITIZE_ADDRESS__)
    exit(rc);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    exit(rc);
#endif
#endif
    guard_atexit();
    _exit(rc);
}

bool pp_output_finish(void)
{
    int e = 0;

    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        e = errno ? errno : EIO;
    if (guards[0] && guards[0]->err)
        e = guards[0]->err;
    /* the last close reports what a file system kept back until then (NFS, a full disk) */
    if (close(STDOUT_FILENO) != 0 && !e && errno != EBADF)
        e = errno;
    if (e) {
        errno = e;
        return false;
    }
    return true;
}

void pp_output_guard(bool out, bool err)
{
    static bool registered;

    if (!registered)
        registered = atexit(guard_atexit) == 0;
    /* glibc's stdout and stderr are assignable; every fprintf(stdout) then goes through here */
    if (out)
        stdout = guard_open(stdout, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, 0);
    if (err)
        stderr = guard_open(stderr, _IONBF, 1);
}

const char *pp_cgettext(const char *ctx_s)
{
    const char *t = _(ctx_s), *sep = strchr(ctx_s, '\004');

    return t == ctx_s && sep ? sep + 1 : t;
}
