/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only file that talks to ncurses: screen set-up and restore, signals, keys, text, colours. */
#include <config.h>

#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <term.h>
#include <termios.h>

#include "pcipass/common.h"
#include "pcipass/table.h"
#include "ui-private.h"

/* How long a key is waited for before the caller gets UI_KEY_NONE (and may redraw a clock). */
enum { KEY_WAIT_MS = 200 };

static bool active;
static bool use_color;
static volatile sig_atomic_t pending_signal;
/* true only while the key loop waits in getch(): a signal then ends the process from there;
 * anywhere else (a libvirt call that does not return) the handler gives the terminal back itself */
static volatile sig_atomic_t in_key_wait;
static char status_text[512];
static enum ui_role status_role = UI_NORMAL;
static attr_t role_attr[UI_NROLES];
/* what puts the terminal back, prepared before the screen changes, for the signal handler:
 * write() and tcsetattr() are async-signal-safe, curses is not */
static char restore_seq[256];
static size_t restore_len;
static struct termios saved_tio;
static bool have_tio;
static int eof_count;

static void put_str(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void restore_raw(void)
{
    if (restore_len)
        put_str(STDOUT_FILENO, restore_seq);
    if (have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void on_signal(int sig)
{
    static volatile sig_atomic_t once;

    if (in_key_wait && !pending_signal) {
        /* the key loop ends the process cleanly within its timeout */
        pending_signal = sig;
        return;
    }
    if (once++)
        _exit(128 + sig);
    if (active)
        restore_raw();
    /* with what the change service says its change is in, if one was under way */
    pp_interrupt_say(sig);
    _exit(128 + sig);
}

/* A crash is past saving: give the terminal back (best effort), then die of the same signal. */
static void on_fatal(int sig)
{
    if (active)
        restore_raw();
    signal(sig, SIG_DFL);
    raise(sig);
}

bool ui_display_active(void)
{
    return active;
}

void ui_display_restore(void)
{
    if (!active)
        return;
    active = false;
    curs_set(1);
    endwin();
    fflush(stdout);
}

static void add_restore(const char *capname)
{
    const char *cap = tigetstr((char *)capname);
    size_t n;

    if (!cap || cap == (const char *)-1)
        return;
    n = strlen(cap);
    if (restore_len + n + 1 > sizeof(restore_seq))
        return;
    memcpy(restore_seq + restore_len, cap, n + 1);
    restore_len += n;
}

/* A number from the environment that ncurses takes as the screen's size. */
static bool absurd_size(const char *name, char *why, size_t size)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return false;
    n = strtol(v, &end, 10);
    if (*end || n < 1 || n > UI_MAX_SIZE) {
        snprintf(why, size,
                 _("%s=%s is not a screen size (1 to %d); unset it (unset %s) or set the "
                   "terminal's real size"),
                 name, v, UI_MAX_SIZE, name);
        return true;
    }
    return false;
}

bool ui_display_usable(char *why, size_t size)
{
    const char *term = getenv("TERM");
    int err = 0;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(why, size,
                 _("the console needs a terminal for its input and output; run it in one, or "
                   "use a command (pcipass list, pcipass --help)"));
        return false;
    }
    if (!term || !*term) {
        snprintf(why, size,
                 _("TERM is not set, so the terminal's type is unknown; set it (e.g. "
                   "TERM=xterm-256color), or use a command (pcipass list)"));
        return false;
    }
    if (absurd_size("LINES", why, size) || absurd_size("COLUMNS", why, size))
        return false;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(why, size,
                 _("TERM=%s is not a terminal type this system knows (no terminfo entry); set "
                   "TERM to your terminal's type (e.g. TERM=xterm-256color)"),
                 term);
        return false;
    }
    if (!tigetstr("cup") || tigetstr("cup") == (char *)-1 || strcmp(term, "dumb") == 0) {
        snprintf(why, size,
                 _("TERM=%s cannot move the cursor, which the console needs; set TERM to your "
                   "terminal's type (e.g. TERM=xterm-256color), or use a command (pcipass list)"),
                 term);
        del_curterm(cur_term);
        return false;
    }
    /* the sequences that undo what initscr() and the console do, for the signal handler */
    restore_len = 0;
    restore_seq[0] = '\0';
    add_restore("sgr0");
    add_restore("cnorm");
    add_restore("rmkx");
    add_restore("rmcup");
    have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
    del_curterm(cur_term);
    return true;
}

static void setup_roles(void)
{
    if (use_color && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_WHITE, COLOR_BLUE);  /* bars */
        init_pair(2, COLOR_RED, -1);            /* conflict, error */
        init_pair(3, COLOR_GREEN, -1);          /* ok */
        init_pair(4, COLOR_CYAN, -1);           /* headings */
        init_pair(5, COLOR_YELLOW, -1);         /* field values */
        role_attr[UI_TITLE] = COLOR_PAIR(1) | A_BOLD;
        role_attr[UI_CONFLICT] = COLOR_PAIR(2) | A_BOLD;
        role_attr[UI_ERROR] = COLOR_PAIR(2) | A_BOLD;
        role_attr[UI_OK] = COLOR_PAIR(3) | A_BOLD;
        role_attr[UI_HEADING] = COLOR_PAIR(4) | A_BOLD;
        role_attr[UI_FIELD] = COLOR_PAIR(5);
    } else {
        /* monochrome stays readable: attributes only */
        role_attr[UI_TITLE] = A_REVERSE;
        role_attr[UI_CONFLICT] = A_BOLD | A_UNDERLINE;
        role_attr[UI_ERROR] = A_BOLD;
        role_attr[UI_OK] = A_BOLD;
        role_attr[UI_HEADING] = A_UNDERLINE;
        role_attr[UI_FIELD] = A_BOLD;
    }
    role_attr[UI_NORMAL] = A_NORMAL;
    role_attr[UI_SELECTED] = A_REVERSE;
    role_attr[UI_DIM] = A_DIM;
    role_attr[UI_FIELD_FOCUS] = A_REVERSE | A_BOLD;
}

void ui_display_init(bool color)
{
    struct sigaction sa;

    use_color = color;
    pp_interrupt_prepare();
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    {
        /* an operator's nohup stays: the console then ends when its terminal goes */
        struct sigaction old;
        if (sigaction(SIGHUP, NULL, &old) != 0 || old.sa_handler != SIG_IGN)
            sigaction(SIGHUP, &sa, NULL);
    }
    signal(SIGSEGV, on_fatal);
    signal(SIGBUS, on_fatal);
    signal(SIGABRT, on_fatal);
    /* libvirt's remote driver writes to sockets; a dead daemon must not kill us silently */
    signal(SIGPIPE, SIG_IGN);

    if (!initscr())
        pp_die("%s", _("cannot initialise the terminal"));
    active = true;
    pp_set_die_cleanup(ui_display_restore);
    atexit(ui_display_restore);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    timeout(KEY_WAIT_MS);
    curs_set(0);
    setup_roles();
}

int ui_cols(void)
{
    return COLS;
}

int ui_lines(void)
{
    return LINES;
}

bool ui_too_small(void)
{
    return COLS < UI_MIN_COLS || LINES < UI_MIN_LINES;
}

/* getch() returned ERR: a timeout, or a terminal that is gone (end of input: ERR at once while
 * the descriptor polls readable, or hung up). */
static bool terminal_gone(void)
{
    struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

    if (poll(&p, 1, 0) < 0)
        return false;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
        return true;
    /* readable and still no key, three times running: read() gives 0, end of file */
    eof_count = (p.revents & POLLIN) ? eof_count + 1 : 0;
    return eof_count >= 3;
}

int ui_getkey_within(int ms)
{
    int ch;

    timeout(ms);
    ch = ui_getkey();
    timeout(KEY_WAIT_MS);
    return ch;
}

int ui_getkey(void)
{
    int ch;

    if (pending_signal) {
        int sig = pending_signal;
        ui_display_restore();
        fflush(stderr);
        pp_interrupt_say(sig);
        exit(128 + sig);
    }
    in_key_wait = 1;
    ch = getch();
    in_key_wait = 0;
    if (ch != ERR)
        eof_count = 0;
    switch (ch) {
    case ERR:
        if (pending_signal)
            return ui_getkey();
        if (terminal_gone()) {
            ui_display_restore();
            fprintf(stderr, _("%s: the terminal is gone (end of input); the console ends\n"),
                    pp_progname());
            exit(PP_EXIT_FAIL);
        }
        return UI_KEY_NONE;
    case KEY_UP:
        return UI_KEY_UP;
    case KEY_DOWN:
        return UI_KEY_DOWN;
    case KEY_LEFT:
        return UI_KEY_LEFT;
    case KEY_RIGHT:
        return UI_KEY_RIGHT;
    case KEY_PPAGE:
        return UI_KEY_PGUP;
    case KEY_NPAGE:
        return UI_KEY_PGDN;
    case KEY_HOME:
        return UI_KEY_HOME;
    case KEY_END:
        return UI_KEY_END;
    case KEY_ENTER:
    case '\r':
    case '\n':
        return UI_KEY_ENTER;
    case 27:
        return UI_KEY_ESC;
    case '\t':
        return UI_KEY_TAB;
    case KEY_BTAB:
        return UI_KEY_BTAB;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        return UI_KEY_BACKSPACE;
    case KEY_DC:
        return UI_KEY_DELETE;
    case KEY_F(1):
        return UI_KEY_F1;
    case KEY_RESIZE:
        return UI_KEY_RESIZE;
    default:
        return ch >= 0 && ch < 256 ? ch : UI_KEY_NONE;
    }
}

void ui_clear(void)
{
    erase();
}

void ui_flush(void)
{
    refresh();
}

size_t ui_text_width(const char *text)
{
    /* the width of what ui_put() shows: the escaped form */
    char *esc = pp_escape_ctl(text);
    size_t w = pp_display_width(esc);

    free(esc);
    return w;
}

size_t ui_wrap(const char *s, int width, const char *indent, char ***out)
{
    size_t n = 0, iw = indent ? ui_text_width(indent) : 0;
    char **v = NULL, *line = NULL;
    const char *p = s ? s : "";

    if (width < 1)
        width = 1;
    if (iw >= (size_t)width)
        iw = 0, indent = NULL;
    while (*p || !n) {
        size_t room = (size_t)width - (n ? iw : 0), lw = 0, end = 0, cut = 0;
        const char *nl = strchr(p, '\n');
        size_t seg = nl ? (size_t)(nl - p) : strlen(p);

        /* the longest run of whole words that fits, else a word broken at a character */
        while (end < seg) {
            size_t ws = end, we;
            while (ws < seg && p[ws] == ' ')
                ws++;
            we = ws;
            while (we < seg && p[we] != ' ')
                we++;
            {
                char *t = strndup(p, we);
                lw = ui_text_width(t);
                free(t);
            }
            if (lw > room)
                break;
            end = we;
            cut = we;
        }
        if (cut == 0 && seg > 0) {
            char *t = strndup(p, seg);
            cut = pp_display_fit(t, room);
            free(t);
        }
        line = xasprintf("%s%.*s", n && indent ? indent : "", (int)cut, p);
        v = xreallocarray(v, n + 1, sizeof(*v));
        v[n++] = line;
        p += cut;
        while (*p == ' ')
            p++;
        if (*p == '\n') /* the end of this paragraph */
            p++;
        if (!*p)
            break;
    }
    *out = v;
    return n;
}

void ui_wrap_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ui_columns(char *buf, size_t size, const char *const *cells, const int *widths, size_t n)
{
    size_t used = 0, i;

    buf[0] = '\0';
    for (i = 0; i < n && used + 1 < size; i++) {
        int w = widths[i] < 0 ? -widths[i] : widths[i];
        int pad = w - (int)ui_text_width(cells[i]);
        int r;

        if (pad < 0)
            pad = 0;
        r = widths[i] < 0 ? snprintf(buf + used, size - used, "%*s%s%s", pad, "", cells[i],
                                     i + 1 < n ? " " : "")
                          : snprintf(buf + used, size - used, "%s%*s%s", cells[i], pad, "",
                                     i + 1 < n ? " " : "");
        if (r < 0)
            break;
        used += (size_t)r < size - used ? (size_t)r : size - used - 1;
    }
}

int ui_put(int y, int x, int width, enum ui_role role, const char *text)
{
    mbstate_t st;
    int used = 0;
    wchar_t wc;
    char *esc, *s;
    const char *ellipsis = NULL;

    if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    /* every text on the screen passes here: outside text shown by the one rule (common.h) */
    esc = s = pp_escape_ctl(text);
    if (x + width > COLS)
        width = COLS - x;
    attrset(role_attr[role]);
    move(y, x);
    memset(&st, 0, sizeof(st));
    /* cut text ends in an ellipsis, so a shortened name never passes for a whole one */
    if (s && width > 1 && pp_display_width(s) > (size_t)width) {
        bool utf8 = MB_CUR_MAX > 1;
        size_t len = strlen(s);
        while (len > 0 && pp_display_width(s) > (size_t)width - 1) {
            do
                len--;
            while (len > 0 && utf8 && ((unsigned char)s[len] & 0xc0) == 0x80);
            s[len] = '\0';
        }
        ellipsis = utf8 ? "\xe2\x80\xa6" : "~";
        width--;
    }
    while (s && *s && used < width) {
        size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2) {
            memset(&st, 0, sizeof(st));
            wc = L'?';
            n = 1;
        }
        if (wc == L'\t' || wc == L'\n' || wc < L' ')
            wc = L' ';
        cw = wcwidth(wc);
        if (cw < 0)
            cw = 1, wc = L'?';
        if (used + cw > width)
            break;
        {
            wchar_t one[2] = { wc, 0 };
            addwstr(one);
        }
        used += cw;
        s += n ? n : 1;
    }
    while (used < width) {
        addch(' ');
        used++;
    }
    if (ellipsis) {
        addstr(ellipsis);
        used++;
    }
    attrset(A_NORMAL);
    free(esc);
    return used;
}

int ui_cell(int y, int x, int width, enum ui_role role, const char *s)
{
    if (width < 2)
        return ui_put(y, x, width, role, s);
    return ui_put(y, x, width - 1, role, s) + ui_put(y, x + width - 1, 1, role, "");
}

void ui_putf(int y, int x, int width, enum ui_role role, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    ui_put(y, x, width, role, s);
    free(s);
}

void ui_cursor(int y, int x, bool visible)
{
    if (visible) {
        move(y, x);
        curs_set(1);
    } else {
        curs_set(0);
    }
}

int ui_message_lines(const char *s, int extra)
{
    char **l;
    size_t n = ui_wrap(s, COLS, NULL, &l);
    int max = LINES / 3 > 1 ? LINES / 3 : 1;

    ui_wrap_free(l, n);
    return (int)n + extra < max ? (int)n + extra : max;
}

int ui_message(int bottom, enum ui_role role, const char *s)
{
    char **l;
    size_t n = ui_wrap(s, COLS, NULL, &l), i, first;
    int h = ui_message_lines(s, 0);

    /* more than the area holds: its end, where the question or the reason is, stays */
    first = n > (size_t)h ? n - (size_t)h : 0;
    for (i = first; i < n; i++)
        ui_put(bottom - h + 1 + (int)(i - first), 0, COLS, role, l[i]);
    ui_wrap_free(l, n);
    return h;
}

void ui_status(enum ui_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status_text, sizeof(status_text), fmt, ap);
    va_end(ap);
    status_role = role;
    if (active && !ui_too_small()) {
        ui_message(LINES - 2, role, status_text);
        refresh();
    }
}

const char *ui_status_text(void)
{
    return status_text;
}

enum ui_role ui_status_role(void)
{
    return status_role;
}

void ui_status_set(enum ui_role role, const char *s)
{
    snprintf(status_text, sizeof(status_text), "%s", s);
    status_role = role;
}

void ui_status_clear(void)
{
    status_text[0] = '\0';
    status_role = UI_NORMAL;
}

bool ui_is_yes(int ch)
{
    /* TRANSLATORS: the key that answers yes in "[y/N]" questions (German: j) */
    const char *yes = _("y");

    return ch == 'y' || ch == 'Y' ||
           (yes[0] && !yes[1] &&
            (ch == (unsigned char)yes[0] || ch == toupper((unsigned char)yes[0])));
}

bool ui_confirm(const char *question)
{
    /* TRANSLATORS: the answers of a question; the first letter is the translated "y" */
    char *q = xasprintf("%s %s", question, _("[y/N]"));
    int ch;

    /* a long question wraps upwards from the status line, at words */
    ui_message(LINES - 2, UI_ERROR, q);
    free(q);
    refresh();
    while ((ch = ui_getkey()) == UI_KEY_NONE || ch == UI_KEY_RESIZE)
        ;
    return ui_is_yes(ch);
}

int ui_choose(const char *question, const char *const *choices, int n, int def)
{
    int i = def, ch;

    for (;;) {
        char *q = xasprintf("%s < %s > %s", question, choices[i],
                            _("(Left/Right: change, Enter: choose, Esc: cancel)"));
        ui_message(LINES - 2, UI_ERROR, q);
        free(q);
        refresh();
        ch = ui_getkey();
        if (ch == UI_KEY_ENTER)
            return i;
        if (ch == UI_KEY_ESC)
            return -1;
        if (ch == UI_KEY_LEFT)
            i = (i + n - 1) % n;
        else if (ch == UI_KEY_RIGHT || ch == ' ')
            i = (i + 1) % n;
    }
}

bool ui_prompt(const char *prompt, char *buf, size_t size)
{
    size_t len = strlen(buf);
    int ch, px = (int)ui_text_width(prompt);

    for (;;) {
        ui_putf(LINES - 2, 0, COLS, UI_NORMAL, "%s%s", prompt, buf);
        ui_cursor(LINES - 2,
                  px + (int)ui_text_width(buf) < COLS ? px + (int)ui_text_width(buf) : COLS - 1,
                  true);
        refresh();
        ch = ui_getkey();
        if (ch == UI_KEY_ENTER)
            break;
        if (ch == UI_KEY_ESC) {
            ui_cursor(0, 0, false);
            return false;
        }
        if (ch == UI_KEY_BACKSPACE && len > 0) {
            /* back over a whole UTF-8 sequence */
            do
                len--;
            while (len > 0 && ((unsigned char)buf[len] & 0xc0) == 0x80);
            buf[len] = '\0';
        } else if (ch >= ' ' && ch < 256 && ch != 127 && len + 1 < size) {
            buf[len++] = (char)ch;
            buf[len] = '\0';
        }
    }
    ui_cursor(0, 0, false);
    return true;
}

void ui_draw_too_small(void)
{
    char msg[128];
    int y = LINES / 2 - 1;

    char **l;
    size_t n, i;

    erase();
    /* TRANSLATORS: shown when the terminal is smaller than the console needs */
    snprintf(msg, sizeof(msg), _("terminal too small: %dx%d, needs %dx%d"), COLS, LINES, UI_MIN_COLS,
             UI_MIN_LINES);
    /* wrapped at words, as much as fits: the size first, then what to do */
    n = ui_wrap(msg, COLS, NULL, &l);
    if (y + (int)n + 1 > LINES)
        y = LINES - (int)n - 1;
    if (y < 0)
        y = 0;
    for (i = 0; i < n && y < LINES; i++)
        ui_put(y++, 0, COLS, UI_ERROR, l[i]);
    ui_wrap_free(l, n);
    n = ui_wrap(_("enlarge it, or press q to quit"), COLS, NULL, &l);
    for (i = 0; i < n && y < LINES; i++)
        ui_put(y++, 0, COLS, UI_NORMAL, l[i]);
    ui_wrap_free(l, n);
    refresh();
}
